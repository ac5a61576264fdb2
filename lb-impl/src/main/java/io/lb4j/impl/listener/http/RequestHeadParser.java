package io.lb4j.impl.listener.http;

import io.lb4j.impl.listener.HttpLimits;
import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * Reads a request head from the client, strictly (see the package documentation for every rule), in
 * pieces of any size. Usage per connection:
 *
 * <pre>{@code
 * RequestHeadParser parser = new RequestHeadParser(limits);   // once per connection
 * switch (parser.parse(buffer)) {                               // after each read
 *   case NEED_MORE: break;                                      // read more
 *   case COMPLETE:  forward(parser.head()); break;               // buffer now at the body
 *   case ERROR:     answer(parser.errorStatus(), parser.errorReason()); close(); break;
 * }
 * parser.reset();                                               // before the next request
 * }</pre>
 *
 * <p>The parser consumes exactly the head's bytes from the buffer, so the body and any pipelined
 * request stay in it. Statuses: 400 malformed or ambiguous, 414 request line too long, 417 an
 * expectation other than {@code 100-continue}, 431 header section or field count over the limit, 501
 * {@code CONNECT} or an unknown transfer coding, 505 an HTTP version other than 1.x.
 *
 * <p>Not thread-safe: one per connection, used by its event loop. Allocation-free once its buffer has
 * grown to the connection's largest head (bounded by the limits).
 *
 * @since 0.1.0
 */
public final class RequestHeadParser {

  /** Empty lines (CRLF) ignored before a request line (RFC 9112 section 2.2); one more is a 400. */
  public static final int MAX_LEADING_EMPTY_LINES = 2;

  private static final byte[] CONTINUE = HttpChars.ascii("100-continue");
  private static final byte[] CONNECT = HttpChars.ascii("CONNECT");
  private static final byte[] OPTIONS = HttpChars.ascii("OPTIONS");
  private static final byte[] HTTP_SCHEME = HttpChars.ascii("http");
  private static final byte[] HTTPS_SCHEME = HttpChars.ascii("https");
  private static final byte[] H2C = HttpChars.ascii("h2c");

  private final HeadReader reader;
  private final RequestHead head = new RequestHead();
  private ParseResult result = ParseResult.NEED_MORE;

  /** A parser enforcing {@code limits}. */
  public RequestHeadParser(HttpLimits limits) {
    Objects.requireNonNull(limits, "limits");
    this.reader = new HeadReader(limits.maxRequestLineLength(), limits.maxHeaderSectionBytes(),
        limits.maxFieldCount(), MAX_LEADING_EMPTY_LINES, false);
  }

  /**
   * Consumes head bytes from {@code in} (from its position, advancing it). Once the result is
   * {@link ParseResult#COMPLETE} or {@link ParseResult#ERROR}, further calls return it again without
   * reading until {@link #reset()}.
   */
  public ParseResult parse(ByteBuffer in) {
    if (result != ParseResult.NEED_MORE) {
      return result;
    }
    int read = reader.read(in, head);
    switch (read) {
      case HeadReader.NEED_MORE:
        return result;
      case HeadReader.DONE:
        result = analyse() ? ParseResult.COMPLETE : ParseResult.ERROR;
        return result;
      case HeadReader.START_LINE_TOO_LONG:
        return error(414, "request line too long");
      case HeadReader.SECTION_TOO_LARGE:
        return error(431, "request header section too large");
      case HeadReader.TOO_MANY_FIELDS:
        return error(431, "too many header fields");
      case HeadReader.BARE_CR:
        return error(400, "bare CR in request head");
      case HeadReader.BARE_LF:
        return error(400, "bare LF in request head (lines must end with CRLF)");
      default:
        return error(400, "too many empty lines before the request line");
    }
  }

  /** The head; complete and valid only after {@link ParseResult#COMPLETE}. */
  public RequestHead head() {
    return head;
  }

  /**
   * Bytes held by the parser's reused head arrays: they grow to the largest head read and stay, so a pool
   * of parsers can drop one that grew for a large head.
   */
  public int retainedBytes() {
    return head.retainedBytes();
  }

  /** The status to answer after {@link ParseResult#ERROR}, else 0. */
  public int errorStatus() {
    return head.errorStatus;
  }

  /** A short reason for the error, safe to show to the client; null unless {@link ParseResult#ERROR}. */
  public String errorReason() {
    return head.errorReason;
  }

  /** Makes the parser (and its head) ready for the next request on the connection. */
  public void reset() {
    head.reset();
    reader.reset();
    result = ParseResult.NEED_MORE;
  }

  private ParseResult error(int status, String reason) {
    head.fail(status, reason);
    result = ParseResult.ERROR;
    return result;
  }

  private boolean analyse() {
    return requestLine() && FieldLines.parse(head) && requestFields() && target() && framing();
  }

  private boolean requestLine() {
    byte[] b = head.bytes;
    int lineEnd = head.startLineEnd - 2;
    int i = 0;
    while (i < lineEnd && HttpChars.isToken(b[i])) {
      i++;
    }
    if (i == 0 || i == lineEnd || b[i] != ' ') {
      return head.fail(400, "invalid method");
    }
    head.methodEnd = i;
    int targetStart = i + 1;
    int j = targetStart;
    while (j < lineEnd && b[j] != ' ') {
      j++;
    }
    if (j == targetStart || j == lineEnd) {
      return head.fail(400, "malformed request line");
    }
    head.targetStart = targetStart;
    head.targetEnd = j;
    int v = j + 1;
    if (lineEnd - v != 8 || b[v] != 'H' || b[v + 1] != 'T' || b[v + 2] != 'T' || b[v + 3] != 'P'
        || b[v + 4] != '/' || !HttpChars.isDigit(b[v + 5]) || b[v + 6] != '.' || !HttpChars.isDigit(b[v + 7])) {
      return head.fail(400, "malformed request line");
    }
    if (b[v + 5] != '1') {
      return head.fail(505, "HTTP version not supported");
    }
    head.versionMinor = b[v + 7] - '0';
    return true;
  }

  private boolean requestFields() {
    boolean upgradeField = false;
    for (int i = 0; i < head.fieldCount; i++) {
      switch (head.kind(i)) {
        case KnownField.HOST:
          if (head.hostField >= 0) {
            return head.fail(400, "repeated Host");
          }
          head.hostField = i;
          break;
        case KnownField.EXPECT:
          // RFC 9110 section 10.1.1: an HTTP/1.0 request's 100-continue is ignored.
          if (head.isHttp11()) {
            if (!HttpChars.equalsIgnoreCase(head.bytes, head.valueStart(i), head.valueEnd(i), CONTINUE)) {
              return head.fail(417, "unsupported expectation");
            }
            head.expectContinue = true;
          }
          break;
        case KnownField.UPGRADE:
          upgradeField = true;
          head.upgradeH2c |= listsProtocol(head.bytes, head.valueStart(i), head.valueEnd(i), H2C);
          break;
        default:
          break;
      }
    }
    if (head.hostField < 0) {
      if (head.isHttp11()) {
        return head.fail(400, "missing Host");
      }
    } else if (!validHost(head.bytes, head.valueStart(head.hostField), head.valueEnd(head.hostField))) {
      return head.fail(400, "invalid Host");
    }
    // RFC 9110 section 7.8: Upgrade in an HTTP/1.0 request is ignored.
    head.upgrade = upgradeField && head.connectionUpgrade && head.isHttp11();
    return true;
  }

  private boolean target() {
    byte[] b = head.bytes;
    int start = head.targetStart;
    int end = head.targetEnd;
    if (isExactly(b, 0, head.methodEnd, CONNECT)) {
      return head.fail(501, "CONNECT is not supported");
    }
    if (b[start] == '/') {
      return validUri(b, start, end) || head.fail(400, "invalid request target");
    }
    if (b[start] == '*' && end - start == 1) {
      return isExactly(b, 0, head.methodEnd, OPTIONS) || head.fail(400, "'*' target outside OPTIONS");
    }
    return absoluteForm(b, start, end);
  }

  /** {@code http(s)://authority[path-abempty][?query]}; the authority must be the Host value. */
  private boolean absoluteForm(byte[] b, int start, int end) {
    int colon = start;
    while (colon < end && b[colon] != ':') {
      colon++;
    }
    boolean known = HttpChars.equalsIgnoreCase(b, start, colon, HTTP_SCHEME)
        || HttpChars.equalsIgnoreCase(b, start, colon, HTTPS_SCHEME);
    if (!known || end - colon < 3 || b[colon + 1] != '/' || b[colon + 2] != '/') {
      return head.fail(400, "invalid request target");
    }
    int authorityStart = colon + 3;
    int authorityEnd = authorityStart;
    while (authorityEnd < end && b[authorityEnd] != '/' && b[authorityEnd] != '?') {
      authorityEnd++;
    }
    if (!validHost(b, authorityStart, authorityEnd) || !validUri(b, authorityEnd, end)) {
      return head.fail(400, "invalid request target");
    }
    int hostField = head.hostField;
    if (hostField >= 0 && !HttpChars.equalsIgnoreCase(b, authorityStart, authorityEnd, b,
        head.valueStart(hostField), head.valueEnd(hostField))) {
      return head.fail(400, "Host does not match the request target");
    }
    head.authorityStart = authorityStart;
    head.authorityEnd = authorityEnd;
    return true;
  }

  /**
   * True when the comma list {@code b[start, end)} of {@code Upgrade} protocols (RFC 9110 section 7.8:
   * {@code name[/version]}) names {@code protocol}, compared without case.
   */
  private static boolean listsProtocol(byte[] b, int start, int end, byte[] protocol) {
    int p = start;
    while (p < end) {
      while (p < end && (b[p] == ',' || HttpChars.isWhitespace(b[p]))) {
        p++;
      }
      int nameStart = p;
      while (p < end && b[p] != ',' && b[p] != '/' && !HttpChars.isWhitespace(b[p])) {
        p++;
      }
      if (HttpChars.equalsIgnoreCase(b, nameStart, p, protocol)) {
        return true;
      }
      while (p < end && b[p] != ',') {
        p++;
      }
    }
    return false;
  }

  private boolean framing() {
    if (head.transferEncodingLines > 0) {
      if (head.contentLength >= 0) {
        return head.fail(400, "both Content-Length and Transfer-Encoding");
      }
      if (!head.isHttp11()) {
        return head.fail(400, "Transfer-Encoding in an HTTP/1.0 request");
      }
      if (!head.lastCodingChunked) {
        return head.fail(400, "Transfer-Encoding does not end with chunked");
      }
      if (head.chunkedCount > 1) {
        return head.fail(400, "chunked applied more than once");
      }
      if (head.unknownCoding) {
        return head.fail(501, "unknown transfer coding");
      }
      head.framing = BodyFraming.CHUNKED;
    } else if (head.contentLength >= 0) {
      head.framing = BodyFraming.CONTENT_LENGTH;
    }
    return true;
  }

  private static boolean isExactly(byte[] b, int start, int end, byte[] expected) {
    if (end - start != expected.length) {
      return false;
    }
    for (int i = 0; i < expected.length; i++) {
      if (b[start + i] != expected[i]) {
        return false;
      }
    }
    return true;
  }

  /** RFC 3986 path and query characters, with every '%' followed by two hex digits. */
  private static boolean validUri(byte[] b, int start, int end) {
    for (int i = start; i < end; i++) {
      if (!HttpChars.isUri(b[i])) {
        return false;
      }
      if (b[i] == '%') {
        if (i + 2 >= end || HttpChars.hexValue(b[i + 1]) < 0 || HttpChars.hexValue(b[i + 2]) < 0) {
          return false;
        }
        i += 2;
      }
    }
    return true;
  }

  /**
   * {@code host[:port]}: a DNS name or IPv4 address (letters, digits, {@code - . _ ~}) or a bracketed
   * IPv6 literal, and a port of 1-5 digits up to 65535. Stricter than RFC 3986's reg-name, which also
   * allows sub-delimiters such as ',' that other parsers read as list separators.
   */
  private static boolean validHost(byte[] b, int start, int end) {
    int p = start;
    if (p < end && b[p] == '[') {
      p++;
      while (p < end && (HttpChars.hexValue(b[p]) >= 0 || b[p] == ':' || b[p] == '.')) {
        p++;
      }
      if (p == start + 1 || p == end || b[p] != ']') {
        return false;
      }
      p++;
    } else {
      while (p < end && HttpChars.isHostName(b[p])) {
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
    for (int i = p + 1; i < end; i++) {
      if (!HttpChars.isDigit(b[i])) {
        return false;
      }
      port = port * 10 + (b[i] - '0');
    }
    return port <= 65535;
  }
}
