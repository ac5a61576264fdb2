package io.lb4j.impl.listener.http2;

/**
 * The message rules of RFC 9113 section 8 over a decoded header list: what makes a request, a response
 * or a trailer section malformed (a stream error of type PROTOCOL_ERROR). Each check returns null when
 * the list is well formed, else a short reason naming the field; a reason is a constant or built only on
 * the error path, so a well-formed list costs no allocation.
 *
 * <p>Rules for every list: field names are non-empty lower-case tokens (RFC 9110 tchar); pseudo-header
 * fields come before every regular field, are known for the message kind and appear once; values carry no
 * control character other than HTAB and no leading or trailing space or HTAB; the connection-specific
 * fields {@code connection}, {@code keep-alive}, {@code proxy-connection}, {@code transfer-encoding} and
 * {@code upgrade} are absent, and {@code te} is absent or exactly {@code trailers}; {@code content-length}
 * appears at most once, as digits.
 *
 * <p>Requests: {@code :method} is a token; {@code CONNECT} has {@code :authority} and neither
 * {@code :scheme} nor {@code :path}; other methods have {@code :scheme} {@code http} or {@code https} and a
 * {@code :path} of RFC 3986 characters starting with {@code /} (or {@code *} for {@code OPTIONS});
 * {@code :authority} is host[:port] without userinfo; {@code host} appears at most once and, with
 * {@code :authority}, names the same authority; one of the two is present; a request ended by its
 * HEADERS frame declares no {@code content-length} above 0. Responses: {@code :status} once, 100-599, not
 * 101; an informational response does not end the stream. Trailers: no pseudo-header field, no
 * {@code content-length} or {@code host}.
 *
 * <p>Stateless and thread-safe.
 */
final class MessageRules {

  /** What a check learned about a well-formed list; reused per connection, not thread-safe. */
  static final class Info {
    int method = -1;
    int scheme = -1;
    int authority = -1;
    int path = -1;
    int host = -1;
    int status;
    long contentLength = -1;
    boolean head;
    boolean connect;
    int cookies;

    void reset() {
      method = -1;
      scheme = -1;
      authority = -1;
      path = -1;
      host = -1;
      status = 0;
      contentLength = -1;
      head = false;
      connect = false;
      cookies = 0;
    }
  }

  private static final byte TCHAR = 1;
  private static final byte URI = 2;
  private static final byte HOST = 4;
  private static final byte[] CLASSES = new byte[256];

  static {
    String tokenSpecials = "!#$%&'*+-.^_`|~";
    String unreserved = "-._~";
    String subDelims = "!$&'()*+,;=";
    for (int c = 0; c < 128; c++) {
      boolean alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
      int f = 0;
      if (alnum || tokenSpecials.indexOf(c) >= 0) {
        f |= TCHAR;
      }
      if (alnum || unreserved.indexOf(c) >= 0 || subDelims.indexOf(c) >= 0 || ":@/?%".indexOf(c) >= 0) {
        f |= URI;
      }
      if (alnum || unreserved.indexOf(c) >= 0) {
        f |= HOST;
      }
      CLASSES[c] = (byte) f;
    }
  }

  private MessageRules() {}

  /** Checks a request's header list; fills {@code info}. */
  static String checkRequest(Http2Headers h, boolean endStream, Info info) {
    info.reset();
    String error = checkFields(h, info, true, false);
    if (error != null) {
      return error;
    }
    if (info.method < 0) {
      return "missing :method";
    }
    if (!isToken(h, info.method)) {
      return "invalid :method";
    }
    info.head = h.valueIs(info.method, "HEAD");
    if (h.valueIs(info.method, "CONNECT")) {
      info.connect = true;
      if (info.authority < 0) {
        return "CONNECT without :authority";
      }
      if (info.scheme >= 0 || info.path >= 0) {
        return "CONNECT with :scheme or :path";
      }
    } else {
      if (info.scheme < 0) {
        return "missing :scheme";
      }
      if (!h.valueIs(info.scheme, "http") && !h.valueIs(info.scheme, "https")) {
        return "unsupported :scheme";
      }
      if (info.path < 0) {
        return "missing :path";
      }
      if (!validPath(h, info.path, h.valueIs(info.method, "OPTIONS"))) {
        return "invalid :path";
      }
    }
    if (info.authority >= 0 && !validHost(h, info.authority)) {
      return "invalid :authority";
    }
    if (info.host >= 0) {
      if (!validHost(h, info.host)) {
        return "invalid host";
      }
      if (info.authority >= 0 && !equalsIgnoreCase(h, info.authority, info.host)) {
        return "host does not match :authority";
      }
    } else if (info.authority < 0) {
      return "missing :authority and host";
    }
    if (endStream && info.contentLength > 0) {
      return "content-length " + info.contentLength + " on a request without content";
    }
    return null;
  }

  /** Checks a response's header list (informational or final); fills {@code info}. */
  static String checkResponse(Http2Headers h, boolean endStream, Info info) {
    info.reset();
    String error = checkFields(h, info, false, false);
    if (error != null) {
      return error;
    }
    if (info.status == 0) {
      return "missing :status";
    }
    if (info.status == 101) {
      return ":status 101 in HTTP/2";
    }
    if (info.status < 200 && endStream) {
      return "informational response ending the stream";
    }
    return null;
  }

  /** Checks a trailer section. */
  static String checkTrailers(Http2Headers h, Info info) {
    info.reset();
    String error = checkFields(h, info, false, true);
    if (error != null) {
      return error;
    }
    if (info.contentLength >= 0) {
      return "content-length in trailers";
    }
    if (info.host >= 0) {
      return "host in trailers";
    }
    return null;
  }

  /** Null if {@code received} DATA bytes agree with a declared {@code contentLength} (-1: none). */
  static String checkContentLength(long contentLength, long received, boolean ended) {
    if (contentLength < 0 || (received < contentLength && !ended) || received == contentLength) {
      return null;
    }
    return "content-length " + contentLength + " but " + (received > contentLength ? "more than " : "")
        + received + " bytes of DATA";
  }

  private static String checkFields(Http2Headers h, Info info, boolean request, boolean trailers) {
    boolean regularSeen = false;
    for (int i = 0; i < h.size(); i++) {
      int nameLength = h.nameLength(i);
      if (nameLength == 0) {
        return "empty field name";
      }
      if (h.nameByte(i, 0) == ':') {
        if (trailers) {
          return "pseudo-header field in trailers";
        }
        if (regularSeen) {
          return "pseudo-header field after a regular field";
        }
        String error = pseudo(h, i, info, request);
        if (error != null) {
          return error;
        }
        continue;
      }
      regularSeen = true;
      for (int k = 0; k < nameLength; k++) {
        int c = h.nameByte(i, k) & 0xFF;
        if (c >= 'A' && c <= 'Z') {
          return "uppercase field name";
        }
        if ((CLASSES[c] & TCHAR) == 0) {
          return "invalid character in a field name";
        }
      }
      if (!validValue(h, i)) {
        return "invalid value of " + h.name(i);
      }
      String error = regular(h, i, info);
      if (error != null) {
        return error;
      }
    }
    return null;
  }

  private static String pseudo(Http2Headers h, int i, Info info, boolean request) {
    if (request) {
      if (h.nameIs(i, ":method")) {
        if (info.method >= 0) {
          return "repeated :method";
        }
        info.method = i;
        return null;
      }
      if (h.nameIs(i, ":scheme")) {
        if (info.scheme >= 0) {
          return "repeated :scheme";
        }
        info.scheme = i;
        return null;
      }
      if (h.nameIs(i, ":authority")) {
        if (info.authority >= 0) {
          return "repeated :authority";
        }
        info.authority = i;
        return null;
      }
      if (h.nameIs(i, ":path")) {
        if (info.path >= 0) {
          return "repeated :path";
        }
        info.path = i;
        return null;
      }
    } else if (h.nameIs(i, ":status")) {
      if (info.status != 0) {
        return "repeated :status";
      }
      int status = threeDigits(h, i);
      if (status < 100 || status > 599) {
        return "invalid :status";
      }
      info.status = status;
      return null;
    }
    return "unknown pseudo-header field " + h.name(i);
  }

  private static String regular(Http2Headers h, int i, Info info) {
    switch (h.nameLength(i)) {
      case 2:
        if (h.nameIs(i, "te") && !h.valueIs(i, "trailers")) {
          return "te other than trailers";
        }
        return null;
      case 4:
        if (h.nameIs(i, "host")) {
          if (info.host >= 0) {
            return "repeated host";
          }
          info.host = i;
        }
        return null;
      case 6:
        if (h.nameIs(i, "cookie")) {
          info.cookies++;
        }
        return null;
      case 7:
        return h.nameIs(i, "upgrade") ? "connection-specific field upgrade" : null;
      case 10:
        if (h.nameIs(i, "connection")) {
          return "connection-specific field connection";
        }
        return h.nameIs(i, "keep-alive") ? "connection-specific field keep-alive" : null;
      case 14:
        if (h.nameIs(i, "content-length")) {
          if (info.contentLength >= 0) {
            return "repeated content-length";
          }
          long length = digits(h, i);
          if (length < 0) {
            return "invalid content-length";
          }
          info.contentLength = length;
        }
        return null;
      case 16:
        return h.nameIs(i, "proxy-connection") ? "connection-specific field proxy-connection" : null;
      case 17:
        return h.nameIs(i, "transfer-encoding") ? "connection-specific field transfer-encoding" : null;
      default:
        return null;
    }
  }

  /** RFC 9113 section 8.2.1, and no other control character (as the HTTP/1.1 codec refuses them). */
  private static boolean validValue(Http2Headers h, int i) {
    int length = h.valueLength(i);
    int offset = h.valueOffset(i);
    byte[] b = h.data;
    for (int k = 0; k < length; k++) {
      int c = b[offset + k] & 0xFF;
      if ((c < 0x20 && c != '\t') || c == 0x7F) {
        return false;
      }
    }
    return length == 0 || !(isSpace(b[offset]) || isSpace(b[offset + length - 1]));
  }

  private static boolean isSpace(byte c) {
    return c == ' ' || c == '\t';
  }

  private static boolean isToken(Http2Headers h, int i) {
    int length = h.valueLength(i);
    if (length == 0) {
      return false;
    }
    for (int k = 0; k < length; k++) {
      if ((CLASSES[h.data[h.valueOffset(i) + k] & 0xFF] & TCHAR) == 0) {
        return false;
      }
    }
    return true;
  }

  /** A value of 1-18 digits (no sign, no spaces), or -1. */
  private static long digits(Http2Headers h, int i) {
    int length = h.valueLength(i);
    if (length == 0 || length > 18) {
      return -1;
    }
    long v = 0;
    for (int k = 0; k < length; k++) {
      int c = h.data[h.valueOffset(i) + k];
      if (c < '0' || c > '9') {
        return -1;
      }
      v = v * 10 + (c - '0');
    }
    return v;
  }

  private static int threeDigits(Http2Headers h, int i) {
    if (h.valueLength(i) != 3) {
      return -1;
    }
    long v = digits(h, i);
    return (int) v;
  }

  /** {@code /} followed by RFC 3986 path and query characters (every '%' with two hex digits), or {@code *}. */
  private static boolean validPath(Http2Headers h, int i, boolean options) {
    int length = h.valueLength(i);
    int offset = h.valueOffset(i);
    byte[] b = h.data;
    if (length == 1 && b[offset] == '*') {
      return options;
    }
    if (length == 0 || b[offset] != '/') {
      return false;
    }
    for (int k = 0; k < length; k++) {
      int c = b[offset + k] & 0xFF;
      if ((CLASSES[c] & URI) == 0) {
        return false;
      }
      if (c == '%') {
        if (k + 2 >= length || hex(b[offset + k + 1]) < 0 || hex(b[offset + k + 2]) < 0) {
          return false;
        }
        k += 2;
      }
    }
    return true;
  }

  /**
   * {@code host[:port]}: a DNS name or IPv4 address (letters, digits, {@code - . _ ~}) or a bracketed IPv6
   * literal, and a port of 1-5 digits up to 65535; as strict as the HTTP/1.1 codec's {@code Host} check.
   */
  private static boolean validHost(Http2Headers h, int i) {
    byte[] b = h.data;
    int start = h.valueOffset(i);
    int end = start + h.valueLength(i);
    int p = start;
    if (p < end && b[p] == '[') {
      p++;
      while (p < end && (hex(b[p]) >= 0 || b[p] == ':' || b[p] == '.')) {
        p++;
      }
      if (p == start + 1 || p == end || b[p] != ']') {
        return false;
      }
      p++;
    } else {
      while (p < end && (CLASSES[b[p] & 0xFF] & HOST) != 0) {
        p++;
      }
      if (p == start) {
        return false;
      }
    }
    if (p == end) {
      return true;
    }
    if (b[p] != ':' || end - p < 2 || end - p > 6) {
      return false;
    }
    int port = 0;
    for (int k = p + 1; k < end; k++) {
      if (b[k] < '0' || b[k] > '9') {
        return false;
      }
      port = port * 10 + (b[k] - '0');
    }
    return port <= 65535;
  }

  private static boolean equalsIgnoreCase(Http2Headers h, int a, int b) {
    int length = h.valueLength(a);
    if (length != h.valueLength(b)) {
      return false;
    }
    for (int k = 0; k < length; k++) {
      if (lower(h.data[h.valueOffset(a) + k]) != lower(h.data[h.valueOffset(b) + k])) {
        return false;
      }
    }
    return true;
  }

  static byte lower(byte c) {
    return c >= 'A' && c <= 'Z' ? (byte) (c + 32) : c;
  }

  private static int hex(byte c) {
    return Character.digit(c, 16);
  }
}
