package io.lb4j.impl.listener.http;

import io.lb4j.impl.listener.HttpLimits;
import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * Reads a backend's response head, strictly, in pieces of any size, and decides its framing by RFC
 * 9112 section 6.3: a response to {@code HEAD} and any 1xx, 204 or 304 response has no body; then
 * {@code Transfer-Encoding} ending in {@code chunked} means chunked, other codings mean until close;
 * else a valid {@code Content-Length}; else until close. {@code Content-Length} together with
 * {@code Transfer-Encoding}, conflicting lengths, {@code Transfer-Encoding} in an HTTP/1.0 response and
 * every syntax error the request side refuses make the response malformed: {@link ParseResult#ERROR}
 * with status 502, and the backend connection must not be reused.
 *
 * <p>One leniency, because it is unambiguous and common: a status line may end right after the code
 * ({@code HTTP/1.1 200}) without the space before an empty reason.
 *
 * <p>Not thread-safe: one per backend connection. Allocation-free once grown, like
 * {@link RequestHeadParser}.
 *
 * @since 0.1.0
 */
public final class ResponseHeadParser {

  private final HeadReader reader;
  private final ResponseHead head = new ResponseHead();
  private ParseResult result = ParseResult.NEED_MORE;

  /** A parser enforcing {@code limits} ({@code maxResponseHeadBytes}, {@code maxFieldCount}). */
  public ResponseHeadParser(HttpLimits limits) {
    Objects.requireNonNull(limits, "limits");
    this.reader = new HeadReader(limits.maxResponseHeadBytes(), limits.maxResponseHeadBytes(),
        limits.maxFieldCount(), 0, true);
  }

  /**
   * Consumes head bytes from {@code in}, advancing its position; {@code requestWasHead} says whether
   * the request was {@code HEAD} (its response has no body). Once complete or failed, further calls
   * return the same result until {@link #reset()}.
   */
  public ParseResult parse(ByteBuffer in, boolean requestWasHead) {
    if (result != ParseResult.NEED_MORE) {
      return result;
    }
    int read = reader.read(in, head);
    switch (read) {
      case HeadReader.NEED_MORE:
        return result;
      case HeadReader.DONE:
        result = analyse(requestWasHead) ? ParseResult.COMPLETE : malformed(head.errorReason);
        return result;
      case HeadReader.START_LINE_TOO_LONG:
      case HeadReader.SECTION_TOO_LARGE:
        return malformed("response head too large");
      case HeadReader.TOO_MANY_FIELDS:
        return malformed("too many response header fields");
      case HeadReader.BARE_CR:
        return malformed("bare CR in response head");
      case HeadReader.BARE_LF:
        return malformed("bare LF in response head");
      default:
        return malformed("empty line before the status line");
    }
  }

  /** The head; complete and valid only after {@link ParseResult#COMPLETE}. */
  public ResponseHead head() {
    return head;
  }

  /**
   * Bytes held by the parser's reused head arrays: they grow to the largest head read and stay, so a pool
   * of parsers can drop one that grew for a large head.
   */
  public int retainedBytes() {
    return head.retainedBytes();
  }

  /** 502 after {@link ParseResult#ERROR} (what the proxy answers its client), else 0. */
  public int errorStatus() {
    return head.errorStatus;
  }

  /** Why the response was refused, for logs and the 502 body; null unless {@link ParseResult#ERROR}. */
  public String errorReason() {
    return head.errorReason;
  }

  /** Makes the parser ready for the next response (also after an interim 1xx response). */
  public void reset() {
    head.reset();
    reader.reset();
    result = ParseResult.NEED_MORE;
  }

  private ParseResult malformed(String reason) {
    head.fail(502, "malformed response: " + reason);
    result = ParseResult.ERROR;
    return result;
  }

  private boolean analyse(boolean requestWasHead) {
    return statusLine() && FieldLines.parse(head) && framing(requestWasHead);
  }

  private boolean statusLine() {
    byte[] b = head.bytes;
    int lineEnd = head.startLineEnd - 2;
    if (lineEnd < 12 || b[0] != 'H' || b[1] != 'T' || b[2] != 'T' || b[3] != 'P' || b[4] != '/'
        || b[5] != '1' || b[6] != '.' || !HttpChars.isDigit(b[7]) || b[8] != ' '
        || !HttpChars.isDigit(b[9]) || !HttpChars.isDigit(b[10]) || !HttpChars.isDigit(b[11])) {
      return head.fail(502, "invalid status line");
    }
    int status = (b[9] - '0') * 100 + (b[10] - '0') * 10 + (b[11] - '0');
    if (status < 100 || status > 599) {
      return head.fail(502, "invalid status code");
    }
    if (lineEnd > 12 && b[12] != ' ') {
      return head.fail(502, "invalid status line");
    }
    int reasonStart = Math.min(13, lineEnd);
    for (int i = reasonStart; i < lineEnd; i++) {
      if (!HttpChars.isFieldValue(b[i])) {
        return head.fail(502, "control character in reason phrase");
      }
    }
    head.versionMinor = b[7] - '0';
    head.status = status;
    head.reasonStart = reasonStart;
    head.reasonEnd = lineEnd;
    return true;
  }

  private boolean framing(boolean requestWasHead) {
    if (head.transferEncodingLines > 0 && head.contentLength >= 0) {
      return head.fail(502, "both Content-Length and Transfer-Encoding");
    }
    if (head.transferEncodingLines > 0 && !head.isHttp11()) {
      // RFC 9112 section 6.1: the framing of an HTTP/1.0 message with Transfer-Encoding is faulty.
      return head.fail(502, "Transfer-Encoding in an HTTP/1.0 response");
    }
    if (head.chunkedCount > 1) {
      return head.fail(502, "chunked applied more than once");
    }
    int status = head.status;
    if (requestWasHead || status < 200 || status == 204 || status == 304) {
      head.framing = BodyFraming.NONE;
    } else if (head.transferEncodingLines > 0) {
      head.framing = head.lastCodingChunked ? BodyFraming.CHUNKED : BodyFraming.UNTIL_CLOSE;
    } else if (head.contentLength >= 0) {
      head.framing = BodyFraming.CONTENT_LENGTH;
    } else {
      head.framing = BodyFraming.UNTIL_CLOSE;
    }
    return true;
  }
}
