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

  int methodEnd;
  int targetStart;
  int targetEnd;
  int hostField = -1;
  boolean expectContinue;
  boolean upgrade;

  RequestHead() {}

  @Override
  void reset() {
    super.reset();
    methodEnd = 0;
    targetStart = 0;
    targetEnd = 0;
    hostField = -1;
    expectContinue = false;
    upgrade = false;
  }

  /** The method, case preserved (allocates). */
  public String method() {
    return ascii(0, methodEnd);
  }

  /** True for {@code HEAD}, whose response has no body whatever its fields say. */
  public boolean isHeadMethod() {
    return methodIs(HEAD);
  }

  /** The request target as received: origin-form, absolute-form or {@code *} (allocates). */
  public String target() {
    return ascii(targetStart, targetEnd);
  }

  /** The {@code Host} value, or null in an HTTP/1.0 request without one (allocates). */
  public String host() {
    return hostField < 0 ? null : fieldValue(hostField);
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
