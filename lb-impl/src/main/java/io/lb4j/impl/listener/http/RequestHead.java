package io.lb4j.impl.listener.http;

/**
 * A parsed request head (see {@link HttpHead} for fields, framing and reuse): method, request target,
 * {@code Host}, and what the request asks of the connection ({@code Expect: 100-continue},
 * {@code Upgrade}).
 *
 * <p>Not thread-safe; owned by its {@link RequestHeadParser} and valid until that parser is reset.
 *
 * @since 0.1.0
 */
public final class RequestHead extends HttpHead {

  private static final byte[] HEAD = HttpChars.ascii("HEAD");
  /** RFC 9110 section 9.2.2: the methods whose effect is the same sent once or several times. */
  private static final byte[][] IDEMPOTENT = {
      HttpChars.ascii("GET"), HEAD, HttpChars.ascii("OPTIONS"), HttpChars.ascii("TRACE"), HttpChars.ascii("PUT"),
      HttpChars.ascii("DELETE"),
  };

  int methodEnd;
  int targetStart;
  int targetEnd;
  int hostField = -1;
  /** The authority of an absolute-form target ({@code http://authority/path}), or -1 for other forms. */
  int authorityStart = -1;
  int authorityEnd = -1;
  boolean expectContinue;
  boolean upgrade;
  /** An {@code Upgrade} field names {@code h2c}, HTTP/2 over cleartext. */
  boolean upgradeH2c;

  RequestHead() {}

  @Override
  void reset() {
    super.reset();
    methodEnd = 0;
    targetStart = 0;
    targetEnd = 0;
    hostField = -1;
    authorityStart = -1;
    authorityEnd = -1;
    expectContinue = false;
    upgrade = false;
    upgradeH2c = false;
  }

  /** The method, case preserved (allocates). */
  public String method() {
    return ascii(0, methodEnd);
  }

  /** True for {@code HEAD}, whose response has no body whatever its fields say. */
  public boolean isHeadMethod() {
    return methodIs(HEAD);
  }

  /**
   * True for the idempotent methods of RFC 9110 section 9.2.2 (GET, HEAD, OPTIONS, TRACE, PUT, DELETE; case
   * sensitive, as methods are): a proxy may send such a request again after a failure that may have let it
   * reach the server. Allocation-free.
   */
  public boolean isIdempotentMethod() {
    for (byte[] m : IDEMPOTENT) {
      if (methodIs(m)) {
        return true;
      }
    }
    return false;
  }

  /** The request target as received: origin-form, absolute-form or {@code *} (allocates). */
  public String target() {
    return ascii(targetStart, targetEnd);
  }

  /** The {@code Host} value, or null in an HTTP/1.0 request without one (allocates). */
  public String host() {
    return hostField < 0 ? null : fieldValue(hostField);
  }

  /** True when the request carries a {@code Host} field (always in HTTP/1.1); allocation-free. */
  public boolean hasHost() {
    return hostField >= 0;
  }

  /**
   * True for an absolute-form target ({@code http://example.com/path}). The rewriter sends it to the backend
   * in origin-form ({@code /path}), with the target's authority as {@code Host} when the request has none.
   */
  public boolean isAbsoluteForm() {
    return authorityStart >= 0;
  }

  /**
   * Points {@code out} at the host the request names, for routing: an absolute-form target's authority (the
   * parser checked that a {@code Host} field agrees with it), else the {@code Host} value, port included.
   * Allocation-free.
   *
   * @return false when the request names none (HTTP/1.0 in origin-form without {@code Host}); {@code out} is
   *     then unchanged
   */
  public boolean routingHost(ByteChars out) {
    if (authorityStart >= 0) {
      out.set(bytes, authorityStart, authorityEnd, false);
      return true;
    }
    if (hostField < 0) {
      return false;
    }
    out.set(bytes, valueStart(hostField), valueEnd(hostField), false);
    return true;
  }

  /**
   * Points {@code out} at the target's path and query, for routing: an origin-form target as received, an
   * absolute-form one from the end of its authority (with a {@code /} in front when its path is empty, as it is
   * forwarded), {@code *} for asterisk-form. Allocation-free.
   */
  public void routingTarget(ByteChars out) {
    if (authorityStart >= 0) {
      out.set(bytes, authorityEnd, targetEnd, authorityEnd == targetEnd || bytes[authorityEnd] != '/');
    } else {
      out.set(bytes, targetStart, targetEnd, false);
    }
  }

  /** True for the asterisk-form target {@code *} ({@code OPTIONS *}), which names no path. */
  public boolean isAsteriskForm() {
    return targetEnd - targetStart == 1 && bytes[targetStart] == '*';
  }

  /** True if the request carries {@code Expect: 100-continue} (HTTP/1.1 only; ignored in HTTP/1.0). */
  public boolean expectsContinue() {
    return expectContinue;
  }

  /**
   * True if the request asks to switch protocols: HTTP/1.1 with an {@code Upgrade} field and
   * {@code upgrade} among its {@code Connection} options. The proxy tunnels only after a 101.
   */
  public boolean upgradeRequested() {
    return upgrade;
  }

  /** True when an {@code Upgrade} field offers {@code h2c} (HTTP/2 over cleartext, RFC 7540 section 3.2). */
  public boolean upgradesToH2c() {
    return upgradeH2c;
  }

  /**
   * Serves the request as a plain request whatever its {@code Upgrade} asks: the upgrade fields are not
   * forwarded, and a 101 from the backend is refused. A listener does this for upgrades it does not allow.
   */
  public void ignoreUpgrade() {
    upgrade = false;
  }

  /**
   * The request's cookies as one {@code Cookie} header value (several {@code Cookie} lines joined with
   * {@code "; "}, RFC 6265 section 5.4), or null if it has none. Allocates.
   */
  public String cookieHeader() {
    String joined = null;
    for (int i = 0; i < fieldCount; i++) {
      if (kind(i) == KnownField.COOKIE) {
        joined = joined == null ? fieldValue(i) : joined + "; " + fieldValue(i);
      }
    }
    return joined;
  }

  private boolean methodIs(byte[] method) {
    if (methodEnd != method.length) {
      return false;
    }
    for (int i = 0; i < methodEnd; i++) {
      if (bytes[i] != method[i]) {
        return false;
      }
    }
    return true;
  }
}
