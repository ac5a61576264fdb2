package io.lb4j.impl.listener.http2;

import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * Converts between HTTP/2 messages and HTTP/1.1 ones (RFC 9113 section 8, RFC 9110 section 7.6.1), as
 * pure functions: nothing here holds state or does I/O.
 *
 * <ul>
 *   <li>{@link #checkRequest}, {@link #checkResponse} and {@link #checkTrailers}: the section 8 rules
 *       (listed in {@code MessageRules}); an {@link Http2Connection} applies them to every header list
 *       it receives and resets the stream of a malformed one, so its handler never sees one.</li>
 *   <li>{@link #writeRequestHead}: an HTTP/2 request as an HTTP/1.1 request head for a backend:
 *       {@code :authority} (or {@code host}) becomes {@code Host}, cookie crumbs are joined with
 *       {@code "; "} into one {@code cookie} field, {@code te} is dropped, and a body without
 *       {@code content-length} is sent chunked ({@link #needsChunkedBody}).</li>
 *   <li>{@link #toHttp2Response} and {@link #toHttp2Trailers}: an HTTP/1.1 response head or trailer
 *       section as HTTP/2 fields: names lower-cased, {@code :status} first, the connection-specific
 *       fields and those named by {@code Connection} removed.</li>
 *   <li>{@link #writeChunkedTrailers}: HTTP/2 trailers as the last chunk of a chunked HTTP/1.1 body.</li>
 * </ul>
 *
 * <p>Writing methods never write part of a head: they return the bytes written, or minus the bytes
 * needed when {@code out} has less room. Stateless and thread-safe; writing allocates nothing.
 *
 * @since 0.1.0
 */
public final class Http11Conversion {

  private static final byte[] HTTP11 = ascii(" HTTP/1.1\r\n");
  private static final byte[] HOST = ascii("host: ");
  private static final byte[] COOKIE = ascii("cookie: ");
  private static final byte[] CHUNKED = ascii("transfer-encoding: chunked\r\n");
  private static final byte[] EMPTY_BODY = ascii("content-length: 0\r\n");
  private static final byte[] LAST_CHUNK = ascii("0\r\n");

  private Http11Conversion() {}

  /** Null if {@code request} is a well-formed HTTP/2 request, else why not. */
  public static String checkRequest(Http2Headers request, boolean endStream) {
    return MessageRules.checkRequest(request, endStream, new MessageRules.Info());
  }

  /** Null if {@code response} is a well-formed HTTP/2 response (informational or final), else why not. */
  public static String checkResponse(Http2Headers response, boolean endStream) {
    return MessageRules.checkResponse(response, endStream, new MessageRules.Info());
  }

  /** Null if {@code trailers} is a well-formed HTTP/2 trailer section, else why not. */
  public static String checkTrailers(Http2Headers trailers) {
    return MessageRules.checkTrailers(trailers, new MessageRules.Info());
  }

  /**
   * True if the request's body must be sent chunked to an HTTP/1.1 backend: it has content (its HEADERS
   * frame did not end the stream) and no {@code content-length}.
   */
  public static boolean needsChunkedBody(Http2Headers request, boolean endStream) {
    return !endStream && request.indexOf("content-length") < 0;
  }

  /**
   * Writes a well-formed (checked) non-CONNECT HTTP/2 request as an HTTP/1.1 request head: request line,
   * {@code host}, the regular fields in order with cookies joined where the first one was, the framing
   * field the body needs ({@code transfer-encoding: chunked}, or {@code content-length: 0} for a
   * {@code POST}, {@code PUT} or {@code PATCH} without content), then {@code extraFieldLines} (complete
   * {@code name: value\r\n} lines, or null) and the empty line. Returns the bytes written, or minus the
   * bytes needed if {@code out} has less room (then nothing is written).
   */
  public static int writeRequestHead(Http2Headers request, boolean endStream, byte[] extraFieldLines,
      ByteBuffer out) {
    Objects.requireNonNull(out, "out");
    int method = -1;
    int path = -1;
    int authority = -1;
    int host = -1;
    int firstCookie = -1;
    int cookieBytes = 0;
    boolean contentLength = false;
    int fieldBytes = 0;
    for (int i = 0; i < request.size(); i++) {
      if (request.nameLength(i) > 0 && request.nameByte(i, 0) == ':') {
        if (request.nameIs(i, ":method")) {
          method = i;
        } else if (request.nameIs(i, ":path")) {
          path = i;
        } else if (request.nameIs(i, ":authority")) {
          authority = i;
        }
      } else if (request.nameIs(i, "host")) {
        host = i;
      } else if (request.nameIs(i, "cookie")) {
        cookieBytes += (firstCookie < 0 ? 0 : 2) + request.valueLength(i);
        if (firstCookie < 0) {
          firstCookie = i;
        }
      } else if (!request.nameIs(i, "te")) {
        contentLength |= request.nameIs(i, "content-length");
        fieldBytes += request.nameLength(i) + 2 + request.valueLength(i) + 2;
      }
    }
    if (method < 0 || path < 0 || (authority < 0 && host < 0)) {
      throw new IllegalArgumentException("request must be checked and not CONNECT, was " + request);
    }
    int hostField = authority >= 0 ? authority : host;
    byte[] framing = null;
    if (!contentLength) {
      if (!endStream) {
        framing = CHUNKED;
      } else if (request.valueIs(method, "POST") || request.valueIs(method, "PUT")
          || request.valueIs(method, "PATCH")) {
        framing = EMPTY_BODY;
      }
    }
    int needed = request.valueLength(method) + 1 + request.valueLength(path) + HTTP11.length
        + HOST.length + request.valueLength(hostField) + 2
        + (firstCookie < 0 ? 0 : COOKIE.length + cookieBytes + 2)
        + fieldBytes + (framing == null ? 0 : framing.length)
        + (extraFieldLines == null ? 0 : extraFieldLines.length) + 2;
    if (needed > out.remaining()) {
      return -needed;
    }
    putValue(out, request, method);
    out.put((byte) ' ');
    putValue(out, request, path);
    out.put(HTTP11);
    out.put(HOST);
    putValue(out, request, hostField);
    crlf(out);
    for (int i = 0; i < request.size(); i++) {
      if ((request.nameLength(i) > 0 && request.nameByte(i, 0) == ':') || i == host || request.nameIs(i, "te")) {
        continue;
      }
      if (request.nameIs(i, "cookie")) {
        if (i == firstCookie) {
          out.put(COOKIE);
          boolean first = true;
          for (int c = i; c < request.size(); c++) {
            if (request.nameIs(c, "cookie")) {
              if (!first) {
                out.put((byte) ';').put((byte) ' ');
              }
              putValue(out, request, c);
              first = false;
            }
          }
          crlf(out);
        }
        continue;
      }
      putField(out, request, i);
    }
    if (framing != null) {
      out.put(framing);
    }
    if (extraFieldLines != null) {
      out.put(extraFieldLines);
    }
    crlf(out);
    return needed;
  }

  /**
   * Fills {@code out} (cleared first) with an HTTP/1.1 response's status and fields as HTTP/2 fields.
   * Returns null, or why the response cannot be sent over HTTP/2 (a status outside 100-599, or 101).
   */
  public static String toHttp2Response(int status, Http2Headers http1Fields, Http2Headers out) {
    out.clear();
    if (status < 100 || status > 599) {
      return "status " + status + " outside 100-599";
    }
    if (status == 101) {
      return "101 Switching Protocols cannot be sent over HTTP/2";
    }
    out.addStatus(status);
    copyEndToEnd(http1Fields, out, false);
    return null;
  }

  /** Fills {@code out} (cleared first) with an HTTP/1.1 trailer section's fields as HTTP/2 trailers. */
  public static void toHttp2Trailers(Http2Headers http1Trailers, Http2Headers out) {
    out.clear();
    copyEndToEnd(http1Trailers, out, true);
  }

  /**
   * Writes HTTP/2 trailers as the end of a chunked HTTP/1.1 body: the last chunk, the fields and the
   * empty line. Returns the bytes written, or minus the bytes needed if {@code out} has less room.
   */
  public static int writeChunkedTrailers(Http2Headers trailers, ByteBuffer out) {
    int needed = LAST_CHUNK.length + 2;
    for (int i = 0; i < trailers.size(); i++) {
      needed += trailers.nameLength(i) + 2 + trailers.valueLength(i) + 2;
    }
    if (needed > out.remaining()) {
      return -needed;
    }
    out.put(LAST_CHUNK);
    for (int i = 0; i < trailers.size(); i++) {
      putField(out, trailers, i);
    }
    crlf(out);
    return needed;
  }

  /** Copies the end-to-end fields (RFC 9110 section 7.6.1), names lower-cased. */
  private static void copyEndToEnd(Http2Headers from, Http2Headers to, boolean trailers) {
    for (int i = 0; i < from.size(); i++) {
      if (isConnectionSpecific(from, i) || namedByConnection(from, i)
          || (trailers && (nameIsIgnoreCase(from, i, "content-length") || nameIsIgnoreCase(from, i, "host")))) {
        continue;
      }
      to.add(from, i);
      to.lowerCaseName(to.size() - 1);
    }
  }

  private static boolean isConnectionSpecific(Http2Headers h, int i) {
    return nameIsIgnoreCase(h, i, "connection") || nameIsIgnoreCase(h, i, "keep-alive")
        || nameIsIgnoreCase(h, i, "proxy-connection") || nameIsIgnoreCase(h, i, "transfer-encoding")
        || nameIsIgnoreCase(h, i, "upgrade") || nameIsIgnoreCase(h, i, "te");
  }

  /** True if a {@code Connection} field lists field {@code i}'s name among its tokens. */
  private static boolean namedByConnection(Http2Headers h, int i) {
    for (int c = 0; c < h.size(); c++) {
      if (!nameIsIgnoreCase(h, c, "connection")) {
        continue;
      }
      int p = h.valueOffset(c);
      int end = p + h.valueLength(c);
      while (p < end) {
        while (p < end && (h.data[p] == ' ' || h.data[p] == '\t' || h.data[p] == ',')) {
          p++;
        }
        int start = p;
        while (p < end && h.data[p] != ',' && h.data[p] != ' ' && h.data[p] != '\t') {
          p++;
        }
        if (p > start && regionEqualsIgnoreCase(h.data, start, p - start, h.data, h.nameOffset(i),
            h.nameLength(i))) {
          return true;
        }
      }
    }
    return false;
  }

  private static boolean nameIsIgnoreCase(Http2Headers h, int i, String lower) {
    if (h.nameLength(i) != lower.length()) {
      return false;
    }
    for (int k = 0; k < lower.length(); k++) {
      if (MessageRules.lower(h.nameByte(i, k)) != lower.charAt(k)) {
        return false;
      }
    }
    return true;
  }

  private static boolean regionEqualsIgnoreCase(byte[] a, int aOff, int aLen, byte[] b, int bOff, int bLen) {
    if (aLen != bLen) {
      return false;
    }
    for (int k = 0; k < aLen; k++) {
      if (MessageRules.lower(a[aOff + k]) != MessageRules.lower(b[bOff + k])) {
        return false;
      }
    }
    return true;
  }

  private static void putField(ByteBuffer out, Http2Headers h, int i) {
    out.put(h.data, h.nameOffset(i), h.nameLength(i));
    out.put((byte) ':').put((byte) ' ');
    putValue(out, h, i);
    crlf(out);
  }

  private static void putValue(ByteBuffer out, Http2Headers h, int i) {
    out.put(h.data, h.valueOffset(i), h.valueLength(i));
  }

  private static void crlf(ByteBuffer out) {
    out.put((byte) '\r').put((byte) '\n');
  }

  private static byte[] ascii(String s) {
    return s.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  }
}
