package io.lb4j.impl.listener.http;

/**
 * The second pass over a head's field lines, shared by requests and responses: field syntax (RFC 9110
 * section 5, RFC 9112 section 5), the {@code Content-Length}, {@code Transfer-Encoding} and
 * {@code Connection} values. Lines are complete and end with CRLF ({@link HeadReader} checked that).
 * Failures are recorded on the head with a request's status; the response parser maps them to 502.
 * Stateless and thread-safe.
 */
final class FieldLines {

  private static final byte[] CHUNKED = HttpChars.ascii("chunked");
  private static final byte[] CLOSE = HttpChars.ascii("close");
  private static final byte[] KEEP_ALIVE = HttpChars.ascii("keep-alive");
  private static final byte[] UPGRADE = HttpChars.ascii("upgrade");
  private static final byte[][] KNOWN_CODINGS = {
      HttpChars.ascii("gzip"), HttpChars.ascii("x-gzip"), HttpChars.ascii("deflate"),
      HttpChars.ascii("compress"), HttpChars.ascii("x-compress"),
  };

  private FieldLines() {}

  /** Indexes and checks every field line of {@code head}; false (with the failure recorded) if refused. */
  static boolean parse(HttpHead head) {
    byte[] b = head.bytes;
    int pos = head.startLineEnd;
    int end = head.length - 2;
    while (pos < end) {
      int lineEnd = pos;
      while (b[lineEnd] != '\r') {
        lineEnd++;
      }
      if (!parseLine(head, pos, lineEnd)) {
        return false;
      }
      pos = lineEnd + 2;
    }
    return true;
  }

  private static boolean parseLine(HttpHead head, int start, int end) {
    byte[] b = head.bytes;
    if (HttpChars.isWhitespace(b[start])) {
      return head.fail(400, "obs-fold or whitespace before a field line");
    }
    int i = start;
    boolean underscore = false;
    while (i < end && HttpChars.isToken(b[i])) {
      underscore |= b[i] == '_';
      i++;
    }
    if (i == end) {
      return head.fail(400, "field line without a colon");
    }
    if (b[i] != ':') {
      return head.fail(400, HttpChars.isWhitespace(b[i])
          ? "whitespace between field name and colon" : "invalid character in field name");
    }
    if (i == start) {
      return head.fail(400, "empty field name");
    }
    int nameEnd = i;
    int valueStart = i + 1;
    while (valueStart < end && HttpChars.isWhitespace(b[valueStart])) {
      valueStart++;
    }
    int valueEnd = end;
    while (valueEnd > valueStart && HttpChars.isWhitespace(b[valueEnd - 1])) {
      valueEnd--;
    }
    for (int k = valueStart; k < valueEnd; k++) {
      if (!HttpChars.isFieldValue(b[k])) {
        return head.fail(400, "control character in field value");
      }
    }
    byte kind = underscore ? KnownField.UNDERSCORED : KnownField.classify(b, start, nameEnd);
    boolean ok;
    switch (kind) {
      case KnownField.CONTENT_LENGTH:
        ok = contentLength(head, valueStart, valueEnd);
        break;
      case KnownField.TRANSFER_ENCODING:
        ok = transferEncoding(head, valueStart, valueEnd);
        break;
      case KnownField.CONNECTION:
        ok = connection(head, valueStart, valueEnd);
        break;
      default:
        ok = true;
    }
    if (ok) {
      head.addField(start, nameEnd, valueStart, valueEnd, kind);
    }
    return ok;
  }

  /** {@code 1*DIGIT}, or a comma list of equal values (RFC 9110 section 8.6); leading zeros allowed. */
  private static boolean contentLength(HttpHead head, int start, int end) {
    byte[] b = head.bytes;
    int p = start;
    while (true) {
      int digitsStart = p;
      long value = 0;
      while (p < end && HttpChars.isDigit(b[p])) {
        int digit = b[p] - '0';
        if (value > (Long.MAX_VALUE - digit) / 10) {
          return head.fail(400, "Content-Length too large");
        }
        value = value * 10 + digit;
        p++;
      }
      if (p == digitsStart) {
        return head.fail(400, "invalid Content-Length");
      }
      if (head.contentLength >= 0 && head.contentLength != value) {
        return head.fail(400, "conflicting Content-Length values");
      }
      head.contentLength = value;
      p = skipWhitespace(b, p, end);
      if (p == end) {
        return true;
      }
      if (b[p] != ',') {
        return head.fail(400, "invalid Content-Length");
      }
      p = skipWhitespace(b, p + 1, end);
    }
  }

  /**
   * A comma list of codings, possibly over several lines. Empty elements and coding parameters are
   * refused (no registered coding takes parameters; an empty element is a known parser disagreement).
   */
  private static boolean transferEncoding(HttpHead head, int start, int end) {
    byte[] b = head.bytes;
    head.transferEncodingLines++;
    int p = start;
    while (true) {
      int codingStart = p;
      while (p < end && HttpChars.isToken(b[p])) {
        p++;
      }
      if (p == codingStart) {
        return head.fail(400, "invalid Transfer-Encoding");
      }
      int codingEnd = p;
      p = skipWhitespace(b, p, end);
      if (p < end && b[p] == ';') {
        return head.fail(400, "Transfer-Encoding parameters are not accepted");
      }
      boolean chunked = HttpChars.equalsIgnoreCase(b, codingStart, codingEnd, CHUNKED);
      head.transferCodingCount++;
      if (chunked) {
        head.chunkedCount++;
      } else if (!isKnownCoding(b, codingStart, codingEnd)) {
        head.unknownCoding = true;
      }
      head.lastCodingChunked = chunked;
      if (p == end) {
        return true;
      }
      if (b[p] != ',') {
        return head.fail(400, "invalid Transfer-Encoding");
      }
      p = skipWhitespace(b, p + 1, end);
    }
  }

  private static boolean isKnownCoding(byte[] b, int start, int end) {
    for (byte[] coding : KNOWN_CODINGS) {
      if (HttpChars.equalsIgnoreCase(b, start, end, coding)) {
        return true;
      }
    }
    return false;
  }

  /** Connection options (RFC 9110 section 7.6.1); empty list elements are ignored as the RFC asks. */
  private static boolean connection(HttpHead head, int start, int end) {
    byte[] b = head.bytes;
    int p = start;
    while (p < end) {
      if (b[p] == ',' || HttpChars.isWhitespace(b[p])) {
        p++;
        continue;
      }
      int tokenStart = p;
      while (p < end && HttpChars.isToken(b[p])) {
        p++;
      }
      if (p == tokenStart) {
        return head.fail(400, "invalid Connection");
      }
      if (HttpChars.equalsIgnoreCase(b, tokenStart, p, CLOSE)) {
        head.connectionClose = true;
      } else if (HttpChars.equalsIgnoreCase(b, tokenStart, p, KEEP_ALIVE)) {
        head.connectionKeepAlive = true;
      } else if (HttpChars.equalsIgnoreCase(b, tokenStart, p, UPGRADE)) {
        head.connectionUpgrade = true;
      } else if (KnownField.isProtected(KnownField.classify(b, tokenStart, p))) {
        return head.fail(400, "Connection names Host, Content-Length or Transfer-Encoding");
      } else {
        head.addConnectionToken(tokenStart, p);
      }
      int afterToken = skipWhitespace(b, p, end);
      if (afterToken < end && b[afterToken] != ',') {
        return head.fail(400, "invalid Connection");
      }
      p = afterToken;
    }
    return true;
  }

  static int skipWhitespace(byte[] b, int p, int end) {
    while (p < end && HttpChars.isWhitespace(b[p])) {
      p++;
    }
    return p;
  }
}
