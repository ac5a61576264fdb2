package io.lb4j.impl.listener.http;

import java.nio.charset.StandardCharsets;

/**
 * Character classes of RFC 9110 and RFC 3986 as lookup tables over a byte, so each check is one array
 * read with no branch per class. Stateless and thread-safe.
 */
final class HttpChars {

  private static final byte TOKEN = 1;
  private static final byte FIELD_VALUE = 2;
  private static final byte URI = 4;
  private static final byte HOST = 8;

  /** Flags per byte value (indexed by {@code b & 0xFF}). */
  private static final byte[] FLAGS = new byte[256];
  /** Hex digit values, -1 for non-hex. */
  private static final byte[] HEX = new byte[256];

  static {
    String tokenSpecials = "!#$%&'*+-.^_`|~";
    String unreserved = "-._~";
    String subDelims = "!$&'()*+,;=";
    for (int c = 0; c < 256; c++) {
      boolean alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
      int f = 0;
      if (alnum || (c < 128 && tokenSpecials.indexOf(c) >= 0)) {
        f |= TOKEN;
      }
      // field-vchar = VCHAR / obs-text; SP and HTAB are allowed inside a value, not at its ends.
      if ((c >= 0x21 && c <= 0x7E) || c >= 0x80 || c == ' ' || c == '\t') {
        f |= FIELD_VALUE;
      }
      // pchar / "/" / "?" with pct-encoded checked separately at '%'.
      if (alnum || (c < 128 && (unreserved.indexOf(c) >= 0 || subDelims.indexOf(c) >= 0 || ":@/?%".indexOf(c) >= 0))) {
        f |= URI;
      }
      // reg-name of DNS names and IPv4 (no sub-delims: a comma or '=' in Host is refused).
      if (alnum || (c < 128 && unreserved.indexOf(c) >= 0)) {
        f |= HOST;
      }
      FLAGS[c] = (byte) f;
      HEX[c] = (byte) Character.digit(c, 16);
    }
  }

  private HttpChars() {}

  static boolean isToken(byte b) {
    return (FLAGS[b & 0xFF] & TOKEN) != 0;
  }

  static boolean isFieldValue(byte b) {
    return (FLAGS[b & 0xFF] & FIELD_VALUE) != 0;
  }

  static boolean isUri(byte b) {
    return (FLAGS[b & 0xFF] & URI) != 0;
  }

  static boolean isHostName(byte b) {
    return (FLAGS[b & 0xFF] & HOST) != 0;
  }

  static boolean isWhitespace(byte b) {
    return b == ' ' || b == '\t';
  }

  static boolean isDigit(byte b) {
    return b >= '0' && b <= '9';
  }

  /** The value of a hex digit, or -1. */
  static int hexValue(byte b) {
    return HEX[b & 0xFF];
  }

  static byte toLower(byte b) {
    return b >= 'A' && b <= 'Z' ? (byte) (b + 32) : b;
  }

  /** Case-insensitive comparison of {@code b[start, end)} with a lower-case ASCII {@code lower}. */
  static boolean equalsIgnoreCase(byte[] b, int start, int end, byte[] lower) {
    if (end - start != lower.length) {
      return false;
    }
    for (int i = 0; i < lower.length; i++) {
      if (toLower(b[start + i]) != lower[i]) {
        return false;
      }
    }
    return true;
  }

  /** Case-insensitive comparison of two byte ranges. */
  static boolean equalsIgnoreCase(byte[] a, int aStart, int aEnd, byte[] b, int bStart, int bEnd) {
    if (aEnd - aStart != bEnd - bStart) {
      return false;
    }
    for (int i = 0; i < aEnd - aStart; i++) {
      if (toLower(a[aStart + i]) != toLower(b[bStart + i])) {
        return false;
      }
    }
    return true;
  }

  static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }
}
