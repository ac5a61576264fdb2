package io.lb4j.impl.listener.http;

import static io.lb4j.api.internal.Checks.checkCharset;
import static io.lb4j.api.internal.Checks.checkRange;

import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * Writes parsed heads towards the other side of the proxy, as RFC 9110 section 7.6 asks of an
 * intermediary:
 *
 * <ul>
 *   <li>Requests to the backend: hop-by-hop fields ({@code Connection}, {@code Keep-Alive},
 *       {@code Proxy-Connection}, {@code TE}, {@code Upgrade} unless upgrading,
 *       {@code Proxy-Authorization}) and every field named in {@code Connection} removed;
 *       {@code Content-Length} written once with its validated value; {@code X-Forwarded-For} appended
 *       with the client address (one line, earlier values kept), {@code X-Forwarded-Proto},
 *       {@code X-Forwarded-Port} and {@code X-Real-IP} replaced by this listener's values; {@code Via}
 *       added with this listener's id. HTTP/1.0 requests stay HTTP/1.0 (so the backend never answers
 *       them chunked) and ask for {@code Connection: keep-alive} so the backend connection can be
 *       reused. An absolute-form target ({@code http://example.com/a}) goes in origin-form ({@code /a});
 *       a request without {@code Host} (HTTP/1.0) gets the target's authority as {@code Host}, so target
 *       and {@code Host} never disagree. Fields whose name contains {@code _} are dropped unless allowed
 *       (nginx's {@code underscores_in_headers}): some servers read {@code Transfer_Encoding} as
 *       {@code Transfer-Encoding}. {@code HTTP2-Settings} goes only with an upgrade.</li>
 *   <li>Responses to the client: the same hop-by-hop removal ({@code Proxy-Authenticate} instead of
 *       {@code Proxy-Authorization}), {@code Via} added, an optional {@code Set-Cookie} for session
 *       persistence, and the proxy's own {@code Connection} decision. An HTTP/1.0 client never gets
 *       {@code Transfer-Encoding} (RFC 9112 section 6.1): a chunked response goes without it, with
 *       {@code Connection: close}, for the caller to de-chunk its body ({@link BodyScanner#scanDecoded}).</li>
 * </ul>
 *
 * <p>Framing fields are otherwise never changed, so body bytes pass through unchanged. Heads are written
 * from the parsed bytes with no intermediate strings: allocation-free.
 *
 * <p>Immutable and thread-safe: one per listener, shared by its event loops.
 *
 * @since 0.1.0
 */
public final class ForwardingRewriter {

  private static final byte[] CRLF = {'\r', '\n'};
  private static final byte[] SLASH = {'/'};
  private static final byte[] COLON_SP = {':', ' '};
  private static final byte[] COMMA_SP = {',', ' '};
  private static final byte[] HTTP_10 = HttpChars.ascii("HTTP/1.0");
  private static final byte[] HTTP_11 = HttpChars.ascii("HTTP/1.1");
  private static final byte[] HOST = HttpChars.ascii("Host: ");
  private static final byte[] CONTENT_LENGTH = HttpChars.ascii("Content-Length: ");
  private static final byte[] X_FORWARDED_FOR = HttpChars.ascii("X-Forwarded-For: ");
  private static final byte[] X_FORWARDED_PROTO = HttpChars.ascii("X-Forwarded-Proto: ");
  private static final byte[] X_FORWARDED_PORT = HttpChars.ascii("X-Forwarded-Port: ");
  private static final byte[] X_REAL_IP = HttpChars.ascii("X-Real-IP: ");
  private static final byte[] SET_COOKIE = HttpChars.ascii("Set-Cookie: ");
  private static final byte[] VIA_10 = HttpChars.ascii("Via: 1.0 ");
  private static final byte[] VIA_11 = HttpChars.ascii("Via: 1.1 ");
  private static final byte[] CONNECTION_CLOSE = HttpChars.ascii("Connection: close\r\n");
  private static final byte[] CONNECTION_KEEP_ALIVE = HttpChars.ascii("Connection: keep-alive\r\n");
  private static final byte[] CONNECTION_UPGRADE = HttpChars.ascii("Connection: upgrade\r\n");
  private static final byte[] CONNECTION_UPGRADE_SETTINGS =
      HttpChars.ascii("Connection: upgrade, HTTP2-Settings\r\n");

  private final byte[] viaId;
  private final byte[] proto;
  private final byte[] port;
  private final boolean underscoresInHeaders;

  /**
   * A rewriter for one listener that drops request fields whose name contains {@code _}.
   *
   * @param viaId this listener's pseudonym in {@code Via} (1-64 token characters: letters, digits and
   *     {@code ! # $ % & ' * + - . ^ _ ` | ~}); requests already carrying it are loops
   * @param https whether clients connect over TLS ({@code X-Forwarded-Proto: https})
   * @param listenerPort the port clients connected to, 1-65535 ({@code X-Forwarded-Port})
   */
  public ForwardingRewriter(String viaId, boolean https, int listenerPort) {
    this(viaId, https, listenerPort, false);
  }

  /**
   * A rewriter for one listener.
   *
   * @param viaId this listener's pseudonym in {@code Via} (1-64 token characters: letters, digits and
   *     {@code ! # $ % & ' * + - . ^ _ ` | ~}); requests already carrying it are loops
   * @param https whether clients connect over TLS ({@code X-Forwarded-Proto: https})
   * @param listenerPort the port clients connected to, 1-65535 ({@code X-Forwarded-Port})
   * @param underscoresInHeaders whether request fields whose name contains {@code _} are forwarded
   *     (false: dropped)
   */
  public ForwardingRewriter(String viaId, boolean https, int listenerPort, boolean underscoresInHeaders) {
    checkCharset("forwarding.viaId", viaId, 1, 64, "token characters (letters, digits, !#$%&'*+-.^_`|~)",
        c -> c < 128 && HttpChars.isToken((byte) c));
    checkRange("forwarding.listenerPort", listenerPort, 1, 65535);
    this.viaId = HttpChars.ascii(viaId);
    this.proto = HttpChars.ascii(https ? "https" : "http");
    this.port = HttpChars.ascii(Integer.toString(listenerPort));
    this.underscoresInHeaders = underscoresInHeaders;
  }

  /**
   * True if the request already passed through this listener: one of its {@code Via} entries was
   * received by this listener's id (a backend calling its own balancer). The proxy answers 508.
   */
  public boolean isLoop(RequestHead request) {
    for (int i = 0; i < request.fieldCount(); i++) {
      if (request.kind(i) == KnownField.VIA && viaListContainsId(request.bytes, request.valueStart(i),
          request.valueEnd(i))) {
        return true;
      }
    }
    return false;
  }

  /** Each element is {@code received-protocol RWS received-by [RWS comment]}. */
  private boolean viaListContainsId(byte[] b, int start, int end) {
    int p = start;
    while (p < end) {
      int elementEnd = p;
      while (elementEnd < end && b[elementEnd] != ',') {
        elementEnd++;
      }
      int q = FieldLines.skipWhitespace(b, p, elementEnd);
      while (q < elementEnd && !HttpChars.isWhitespace(b[q])) {
        q++;
      }
      q = FieldLines.skipWhitespace(b, q, elementEnd);
      int byStart = q;
      while (q < elementEnd && !HttpChars.isWhitespace(b[q])) {
        q++;
      }
      if (HttpChars.equalsIgnoreCase(b, byStart, q, viaId, 0, viaId.length)) {
        return true;
      }
      p = elementEnd + 1;
    }
    return false;
  }

  /**
   * Writes {@code request} as it goes to the backend into {@code out}.
   *
   * @param clientIp the client's address as text ({@code 127.0.0.1}, {@code ::1}), computed once per
   *     connection
   * @param hostIfAbsent the {@code Host} to send when an HTTP/1.0 request in origin-form has none (the
   *     backend's authority), or null to send none; an absolute-form target's authority comes first
   * @return the bytes written, or -1 if {@code out} had too little room (then it is unchanged)
   */
  public int writeRequest(RequestHead request, String clientIp, String hostIfAbsent, ByteBuffer out) {
    return writeRequest(request, clientIp, hostIfAbsent, null, out);
  }

  /**
   * Writes {@code request} as it goes to the backend into {@code out}, with its path replaced by {@code path}
   * (the normalized path a listener's forwarding rules matched; the query goes as received), or as received
   * when {@code path} is null.
   *
   * @param clientIp the client's address as text, computed once per connection
   * @param hostIfAbsent the {@code Host} to send when an HTTP/1.0 request in origin-form has none, or null
   * @param path the path to send instead of the target's (ASCII, starting with {@code /}), or null
   * @return the bytes written, or -1 if {@code out} had too little room (then it is unchanged)
   * @since 0.1.0
   */
  public int writeRequest(RequestHead request, String clientIp, String hostIfAbsent, CharSequence path,
      ByteBuffer out) {
    Objects.requireNonNull(clientIp, "clientIp");
    int start = out.position();
    try {
      byte[] b = request.bytes;
      boolean absolute = request.isAbsoluteForm();
      if (path != null) {
        // The path the rules matched, then the query as received (from its '?', if any).
        out.put(b, 0, request.methodEnd + 1);
        for (int i = 0; i < path.length(); i++) {
          out.put((byte) path.charAt(i));
        }
        int q = absolute ? request.authorityEnd : request.targetStart;
        while (q < request.targetEnd && b[q] != '?') {
          q++;
        }
        out.put(b, q, request.targetEnd - q).put((byte) ' ');
      } else if (absolute) {
        // Origin-form towards the backend: "http://a.example/p?q" becomes "/p?q", and "http://a.example" "/".
        out.put(b, 0, request.methodEnd + 1);
        int pathStart = request.authorityEnd;
        if (pathStart == request.targetEnd || b[pathStart] != '/') {
          out.put(SLASH);
        }
        out.put(b, pathStart, request.targetEnd - pathStart).put((byte) ' ');
      } else {
        out.put(b, 0, request.targetEnd + 1);
      }
      out.put(request.isHttp11() ? HTTP_11 : HTTP_10).put(CRLF);
      boolean forwardedFor = false;
      boolean http2Settings = false;
      for (int i = 0; i < request.fieldCount; i++) {
        byte kind = request.kind(i);
        http2Settings |= kind == KnownField.HTTP2_SETTINGS && request.upgrade;
        if (dropped(request, i, kind, request.upgrade) || kind == KnownField.CONTENT_LENGTH
            || kind == KnownField.X_FORWARDED_PROTO || kind == KnownField.X_FORWARDED_PORT
            || kind == KnownField.X_REAL_IP || (kind == KnownField.UNDERSCORED && !underscoresInHeaders)) {
          continue;
        }
        if (kind == KnownField.X_FORWARDED_FOR) {
          forwardedFor = true;
          continue;
        }
        putField(out, request, i);
      }
      if (request.hostField < 0 && absolute) {
        out.put(HOST).put(b, request.authorityStart, request.authorityEnd - request.authorityStart).put(CRLF);
      } else if (request.hostField < 0 && hostIfAbsent != null) {
        putAscii(out.put(HOST), hostIfAbsent).put(CRLF);
      }
      if (request.framing == BodyFraming.CONTENT_LENGTH) {
        putLong(out.put(CONTENT_LENGTH), request.contentLength).put(CRLF);
      }
      out.put(X_FORWARDED_FOR);
      if (forwardedFor) {
        for (int i = 0; i < request.fieldCount; i++) {
          if (request.kind(i) == KnownField.X_FORWARDED_FOR && !request.namedByConnection(i)) {
            out.put(b, request.valueStart(i), request.valueEnd(i) - request.valueStart(i)).put(COMMA_SP);
          }
        }
      }
      putAscii(out, clientIp).put(CRLF);
      out.put(X_FORWARDED_PROTO).put(proto).put(CRLF);
      out.put(X_FORWARDED_PORT).put(port).put(CRLF);
      putAscii(out.put(X_REAL_IP), clientIp).put(CRLF);
      out.put(request.isHttp11() ? VIA_11 : VIA_10).put(viaId).put(CRLF);
      if (request.upgrade) {
        // An h2c upgrade's settings are connection-specific: the Connection field must name them (RFC 7540).
        out.put(http2Settings ? CONNECTION_UPGRADE_SETTINGS : CONNECTION_UPGRADE);
      } else if (!request.isHttp11()) {
        out.put(CONNECTION_KEEP_ALIVE);
      }
      out.put(CRLF);
      return out.position() - start;
    } catch (BufferOverflowException tooSmall) {
      // Rare (the caller sizes buffers for heads within the limits); an exception keeps the common path
      // free of a size pre-computation.
      out.position(start);
      return -1;
    }
  }

  /**
   * Writes {@code response} as it goes to the client into {@code out}.
   *
   * @param clientHttp10 whether the client's request was HTTP/1.0 (it then needs
   *     {@code Connection: keep-alive} to keep the connection, and a chunked response goes without
   *     {@code Transfer-Encoding} and with {@code Connection: close}: the caller de-chunks its body)
   * @param closeClient whether the proxy closes the client connection after this response (always for
   *     {@link BodyFraming#UNTIL_CLOSE}): writes {@code Connection: close}
   * @param setCookie a {@code Set-Cookie} value to add (session persistence), or null
   * @return the bytes written, or -1 if {@code out} had too little room (then it is unchanged)
   */
  public int writeResponse(ResponseHead response, boolean clientHttp10, boolean closeClient, String setCookie,
      ByteBuffer out) {
    int start = out.position();
    try {
      byte[] b = response.bytes;
      // " 200 " then the reason: also when the backend left out the space before an empty reason.
      out.put(HTTP_11).put(b, 8, 4).put((byte) ' ')
          .put(b, response.reasonStart, response.reasonEnd - response.reasonStart).put(CRLF);
      boolean upgrade = response.isSwitchingProtocols();
      boolean dechunk = clientHttp10 && response.framing == BodyFraming.CHUNKED;
      for (int i = 0; i < response.fieldCount; i++) {
        byte kind = response.kind(i);
        if (!dropped(response, i, kind, upgrade) && kind != KnownField.CONTENT_LENGTH
            && !(dechunk && kind == KnownField.TRANSFER_ENCODING)) {
          putField(out, response, i);
        }
      }
      if (response.contentLength >= 0) {
        putLong(out.put(CONTENT_LENGTH), response.contentLength).put(CRLF);
      }
      if (setCookie != null) {
        putAscii(out.put(SET_COOKIE), setCookie).put(CRLF);
      }
      out.put(response.isHttp11() ? VIA_11 : VIA_10).put(viaId).put(CRLF);
      if (upgrade) {
        out.put(CONNECTION_UPGRADE);
      } else if (closeClient || dechunk) {
        out.put(CONNECTION_CLOSE);
      } else if (clientHttp10) {
        out.put(CONNECTION_KEEP_ALIVE);
      }
      out.put(CRLF);
      return out.position() - start;
    } catch (BufferOverflowException tooSmall) {
      out.position(start);
      return -1;
    }
  }

  /** Takes the fields of a head one at a time, as ranges of the head's own bytes (valid during the call). */
  public interface FieldVisitor {
    /** One field: its name and value in {@code bytes}. */
    void field(byte[] bytes, int nameStart, int nameLength, int valueStart, int valueLength);
  }

  /**
   * For a client that is not sent HTTP/1.1 (an HTTP/2 stream): visits the fields of {@code response} that
   * {@link #writeResponse} would forward, less the framing ones ({@code Content-Length} and
   * {@code Transfer-Encoding}: the client's protocol frames the body itself) and less the {@code Via},
   * cookie and {@code Connection} the proxy adds; names keep the backend's case. Allocation-free.
   */
  public void visitResponseFields(ResponseHead response, FieldVisitor visitor) {
    byte[] b = response.bytes;
    for (int i = 0; i < response.fieldCount; i++) {
      byte kind = response.kind(i);
      if (!dropped(response, i, kind, false) && kind != KnownField.CONTENT_LENGTH
          && kind != KnownField.TRANSFER_ENCODING) {
        visitor.field(b, response.nameStart(i), response.nameEnd(i) - response.nameStart(i), response.valueStart(i),
            response.valueEnd(i) - response.valueStart(i));
      }
    }
  }

  /** This listener's id in {@code Via}, as ASCII bytes (a copy). */
  public byte[] viaId() {
    return viaId.clone();
  }

  /**
   * True if a {@code Via} value (a comma-separated list) names this listener as a recipient: the request came
   * back through a backend that called this listener (508).
   */
  public boolean viaNamesThisListener(byte[] b, int start, int end) {
    return viaListContainsId(b, start, end);
  }

  /**
   * Hop-by-hop fields and fields named by {@code Connection}; {@code Upgrade} and {@code HTTP2-Settings}
   * survive an upgrade.
   */
  private static boolean dropped(HttpHead head, int i, byte kind, boolean upgrade) {
    if (KnownField.isHopByHop(kind)) {
      return !(upgrade && KnownField.isUpgradeField(kind));
    }
    return head.connectionTokenCount > 0 && head.namedByConnection(i);
  }

  private static void putField(ByteBuffer out, HttpHead head, int i) {
    byte[] b = head.bytes;
    out.put(b, head.nameStart(i), head.nameEnd(i) - head.nameStart(i)).put(COLON_SP)
        .put(b, head.valueStart(i), head.valueEnd(i) - head.valueStart(i)).put(CRLF);
  }

  /** Writes ASCII text byte by byte (no encoder, no allocation); other characters become '?'. */
  private static ByteBuffer putAscii(ByteBuffer out, String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      out.put(c >= 0x20 && c < 0x7F ? (byte) c : (byte) '?');
    }
    return out;
  }

  /** Writes a non-negative decimal without allocating. */
  static ByteBuffer putLong(ByteBuffer out, long value) {
    long divisor = 1;
    while (value / divisor >= 10) {
      divisor *= 10;
    }
    for (; divisor > 0; divisor /= 10) {
      out.put((byte) ('0' + (value / divisor) % 10));
    }
    return out;
  }
}
