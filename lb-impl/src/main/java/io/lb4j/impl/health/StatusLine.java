package io.lb4j.impl.health;

import java.nio.charset.StandardCharsets;

/**
 * Reads the status code from the first bytes of an HTTP response, without allocating: the probe loop
 * keeps the first {@link #HEAD_BYTES} bytes and closes the connection as soon as the code is known.
 * Stateless and thread-safe.
 */
final class StatusLine {

  /** How many bytes of a response are kept to find its status code. */
  static final int HEAD_BYTES = 16;
  /** {@link #parse}: the bytes end before the status code. */
  static final int NEED_MORE = -1;
  /** {@link #parse}: the bytes are not an HTTP status line. */
  static final int MALFORMED = -2;

  private static final byte[] HTTP_PREFIX = "HTTP/".getBytes(StandardCharsets.US_ASCII);

  private StatusLine() {}

  /**
   * The status code of {@code HTTP/1.1 503 ...} in the first {@code len} bytes of a response, or
   * {@link #NEED_MORE} when they end before it, or {@link #MALFORMED} when they are not an HTTP status
   * line (strict: {@code HTTP/}, a version, one space, three digits of at least 100).
   */
  static int parse(byte[] b, int len) {
    for (int i = 0; i < HTTP_PREFIX.length; i++) {
      if (i >= len) {
        return NEED_MORE;
      }
      if (b[i] != HTTP_PREFIX[i]) {
        return MALFORMED;
      }
    }
    int space = -1;
    for (int i = HTTP_PREFIX.length; i < len; i++) {
      if (b[i] == ' ') {
        space = i;
        break;
      }
    }
    if (space < 0) {
      return NEED_MORE;
    }
    if (len < space + 4) {
      return NEED_MORE;
    }
    int status = 0;
    for (int i = space + 1; i <= space + 3; i++) {
      int d = b[i] - '0';
      if (d < 0 || d > 9) {
        return MALFORMED;
      }
      status = status * 10 + d;
    }
    return status < 100 ? MALFORMED : status;
  }
}
