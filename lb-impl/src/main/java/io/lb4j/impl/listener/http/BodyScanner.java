package io.lb4j.impl.listener.http;

import io.lb4j.impl.listener.HttpLimits;
import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * Finds where a message body ends without copying it: the proxy forwards the bytes the scanner
 * accounts for, unchanged. Content-Length bodies are counted down; chunked bodies are walked chunk-size
 * line by line, through data, trailers and the final CRLF, across any buffer boundaries, strictly
 * (RFC 9112 section 7.1): hex sizes that fit a signed 64-bit value, extensions by the RFC grammar, CRLF
 * after each chunk's data, trailers by the field rules; each line bounded by {@link HttpLimits}.
 *
 * <p>Usage: {@code start(head.framing(), head.contentLength())} per message, then
 * {@link #scan(ByteBuffer)} on each buffer: it returns how many bytes from the buffer's position belong
 * to the message (forward those), and {@link #isComplete()} says whether the message ended there (any
 * bytes after it start the next message). {@link #endOfInput()} when the peer closed.
 *
 * <p>Errors (status and reason) are for request bodies: 400, or 431 for an oversized trailer section;
 * on the response side any error makes a 502 or, if the head was sent, a closed client connection.
 *
 * <p>Not thread-safe: one per connection direction. Allocation-free: it reads the caller's buffer
 * with absolute gets and keeps its state in a few fields, so forwarding a body costs no garbage.
 *
 * @since 0.1.0
 */
public final class BodyScanner {

  private final ChunkedBodyParser chunked;

  private BodyFraming framing = BodyFraming.NONE;
  private long remaining;
  private boolean complete = true;
  private int errorStatus;
  private String errorReason;

  /** A scanner enforcing the chunk-size line and trailer limits of {@code limits}. */
  public BodyScanner(HttpLimits limits) {
    Objects.requireNonNull(limits, "limits");
    this.chunked = new ChunkedBodyParser(limits);
  }

  /**
   * Starts a message body framed as {@code framing}; {@code contentLength} is used only for
   * {@link BodyFraming#CONTENT_LENGTH}. A body of {@code NONE} or of length 0 is complete at once.
   */
  public void start(BodyFraming framing, long contentLength) {
    this.framing = Objects.requireNonNull(framing, "framing");
    this.errorStatus = 0;
    this.errorReason = null;
    this.chunked.reset();
    switch (framing) {
      case CONTENT_LENGTH:
        if (contentLength < 0) {
          throw new IllegalArgumentException("contentLength must be between 0 and " + Long.MAX_VALUE
              + ", was " + contentLength);
        }
        remaining = contentLength;
        complete = contentLength == 0;
        break;
      case NONE:
        complete = true;
        break;
      default:
        complete = false;
    }
  }

  /**
   * Scans {@code buffer} from its position to its limit without moving the position, and returns how
   * many of those bytes belong to the current body (0 if it is complete). After an error the count
   * covers the bytes before the offending one; check {@link #isError()}.
   */
  public int scan(ByteBuffer buffer) {
    if (complete || errorStatus != 0) {
      return 0;
    }
    int available = buffer.remaining();
    switch (framing) {
      case CONTENT_LENGTH:
        int take = (int) Math.min(remaining, available);
        remaining -= take;
        complete = remaining == 0;
        return take;
      case UNTIL_CLOSE:
        return available;
      case CHUNKED:
        int claimed = chunked.scan(buffer, buffer.position(), buffer.limit());
        if (chunked.errorStatus() != 0) {
          fail(chunked.errorStatus(), chunked.errorReason());
        }
        complete = chunked.isComplete();
        return claimed;
      default:
        return 0;
    }
  }

  /**
   * As {@link #scan}, but for a recipient that cannot read chunked framing (an HTTP/1.0 client): a chunked
   * body's framing at the buffer's position is consumed (the position moves past it) and the count covers
   * chunk data only; other framings are scanned as by {@link #scan}. The caller forwards the counted bytes
   * and closes the connection after the body, which then has no length of its own.
   */
  public int scanDecoded(ByteBuffer buffer) {
    if (framing != BodyFraming.CHUNKED || complete || errorStatus != 0) {
      return scan(buffer);
    }
    int data = chunked.scanData(buffer);
    if (chunked.errorStatus() != 0) {
      fail(chunked.errorStatus(), chunked.errorReason());
    }
    complete = chunked.isComplete();
    return data;
  }

  /**
   * The peer closed its side. Completes an until-close body; any other unfinished body is an error
   * ({@code connection closed before the end of the body}).
   */
  public void endOfInput() {
    if (complete || errorStatus != 0) {
      return;
    }
    if (framing == BodyFraming.UNTIL_CLOSE) {
      complete = true;
    } else {
      fail(400, "connection closed before the end of the body");
    }
  }

  /** True once the whole body, with a chunked body's trailers and final CRLF, has been scanned. */
  public boolean isComplete() {
    return complete;
  }

  /** True if the body is malformed; the connection must be closed. */
  public boolean isError() {
    return errorStatus != 0;
  }

  /** 400 (malformed body) or 431 (trailer section over the limit) after an error, else 0. */
  public int errorStatus() {
    return errorStatus;
  }

  /** Why the body was refused; null unless {@link #isError()}. */
  public String errorReason() {
    return errorReason;
  }

  /** Bytes still expected by a Content-Length body, or -1 for other framings. */
  public long remaining() {
    return framing == BodyFraming.CONTENT_LENGTH ? remaining : -1;
  }

  private void fail(int status, String reason) {
    errorStatus = status;
    errorReason = reason;
  }
}
