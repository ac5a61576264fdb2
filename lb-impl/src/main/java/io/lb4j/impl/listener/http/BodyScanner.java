package io.lb4j.impl.listener.http;

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
 * <p>Not thread-safe: one per connection direction. Allocation-free.
 *
 * @since 0.2.0
 */
public final class BodyScanner {

  private static final int SIZE_START = 0;
  private static final int SIZE = 1;
  private static final int SIZE_WS = 2;
  private static final int EXT_NAME_START = 3;
  private static final int EXT_NAME = 4;
  private static final int EXT_AFTER_NAME = 5;
  private static final int EXT_VALUE_START = 6;
  private static final int EXT_TOKEN = 7;
  private static final int EXT_QUOTED = 8;
  private static final int EXT_QUOTED_ESCAPE = 9;
  private static final int EXT_AFTER_VALUE = 10;
  private static final int SIZE_LF = 11;
  private static final int DATA = 12;
  private static final int DATA_CR = 13;
  private static final int DATA_LF = 14;
  private static final int TRAILER_LINE_START = 15;
  private static final int TRAILER_NAME = 16;
  private static final int TRAILER_VALUE = 17;
  private static final int TRAILER_LF = 18;
  private static final int FINAL_LF = 19;
  private static final int EXT_WS = 20;

  private final int maxChunkSizeLine;
  private final int maxTrailerSection;
  private final int maxTrailerFields;

  private BodyFraming framing = BodyFraming.NONE;
  private long remaining;
  private boolean complete = true;
  private int errorStatus;
  private String errorReason;

  private int chunkState;
  private long chunkSize;
  private int lineLength;
  private int trailerBytes;
  private int trailerFields;

  /** A scanner enforcing the chunk-size line and trailer limits of {@code limits}. */
  public BodyScanner(HttpLimits limits) {
    Objects.requireNonNull(limits, "limits");
    this.maxChunkSizeLine = limits.maxChunkSizeLineLength();
    this.maxTrailerSection = limits.maxTrailerSectionBytes();
    this.maxTrailerFields = limits.maxFieldCount();
  }

  /**
   * Starts a message body framed as {@code framing}; {@code contentLength} is used only for
   * {@link BodyFraming#CONTENT_LENGTH}. A body of {@code NONE} or of length 0 is complete at once.
   */
  public void start(BodyFraming framing, long contentLength) {
    this.framing = Objects.requireNonNull(framing, "framing");
    this.errorStatus = 0;
    this.errorReason = null;
    this.chunkState = SIZE_START;
    this.chunkSize = 0;
    this.lineLength = 0;
    this.trailerBytes = 0;
    this.trailerFields = 0;
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
        return scanChunked(buffer, buffer.position(), buffer.limit());
      default:
        return 0;
    }
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

  private int fail(int status, String reason) {
    errorStatus = status;
    errorReason = reason;
    return -1;
  }

  /** Walks the chunked state machine over {@code [from, to)}; returns the bytes that belong to the body. */
  private int scanChunked(ByteBuffer buf, int from, int to) {
    int i = from;
    while (i < to) {
      if (chunkState == DATA) {
        // Data is skipped in bulk: only its length matters.
        int take = (int) Math.min(chunkSize, to - i);
        i += take;
        chunkSize -= take;
        if (chunkSize == 0) {
          chunkState = DATA_CR;
        }
        continue;
      }
      byte b = buf.get(i);
      if (step(b) < 0) {
        return i - from;
      }
      i++;
      if (complete) {
        break;
      }
    }
    return i - from;
  }

  /** One byte of a chunk-size line, chunk delimiter or trailer; -1 on error. */
  private int step(byte b) {
    switch (chunkState) {
      case SIZE_START:
      case SIZE:
        int digit = HttpChars.hexValue(b);
        if (digit >= 0) {
          if (chunkSize > (Long.MAX_VALUE >>> 4)) {
            return fail(400, "chunk size too large");
          }
          chunkSize = (chunkSize << 4) | digit;
          chunkState = SIZE;
          return sizeLineByte();
        }
        if (chunkState == SIZE_START) {
          return fail(400, "invalid chunk size");
        }
        return afterSize(b);
      case SIZE_WS:
        return afterSize(b);
      case EXT_NAME_START:
        if (HttpChars.isWhitespace(b)) {
          return sizeLineByte();
        }
        if (HttpChars.isToken(b)) {
          chunkState = EXT_NAME;
          return sizeLineByte();
        }
        return fail(400, "invalid chunk extension");
      case EXT_NAME:
        if (HttpChars.isToken(b)) {
          return sizeLineByte();
        }
        return afterExtName(b);
      case EXT_AFTER_NAME:
        if (b == '\r') {
          return fail(400, "whitespace at the end of a chunk-size line");
        }
        return afterExtName(b);
      case EXT_WS:
        if (HttpChars.isWhitespace(b)) {
          return sizeLineByte();
        }
        if (b == ';') {
          chunkState = EXT_NAME_START;
          return sizeLineByte();
        }
        return fail(400, b == '\r' ? "whitespace at the end of a chunk-size line" : "invalid chunk extension");
      case EXT_VALUE_START:
        if (HttpChars.isWhitespace(b)) {
          return sizeLineByte();
        }
        if (b == '"') {
          chunkState = EXT_QUOTED;
          return sizeLineByte();
        }
        if (HttpChars.isToken(b)) {
          chunkState = EXT_TOKEN;
          return sizeLineByte();
        }
        return fail(400, "invalid chunk extension");
      case EXT_TOKEN:
        if (HttpChars.isToken(b)) {
          return sizeLineByte();
        }
        return afterExtValue(b);
      case EXT_QUOTED:
        if (b == '"') {
          chunkState = EXT_AFTER_VALUE;
          return sizeLineByte();
        }
        if (b == '\\') {
          chunkState = EXT_QUOTED_ESCAPE;
          return sizeLineByte();
        }
        // qdtext: HTAB, SP and visible characters except '"' and '\'; obs-text allowed.
        if (HttpChars.isFieldValue(b)) {
          return sizeLineByte();
        }
        return fail(400, "invalid chunk extension");
      case EXT_QUOTED_ESCAPE:
        if (HttpChars.isFieldValue(b)) {
          chunkState = EXT_QUOTED;
          return sizeLineByte();
        }
        return fail(400, "invalid chunk extension");
      case EXT_AFTER_VALUE:
        return afterExtValue(b);
      case SIZE_LF:
        if (b != '\n') {
          return fail(400, "bare CR in chunk-size line");
        }
        lineLength = 0;
        chunkState = chunkSize == 0 ? TRAILER_LINE_START : DATA;
        return 0;
      case DATA_CR:
        if (b != '\r') {
          return fail(400, "chunk data not followed by CRLF");
        }
        chunkState = DATA_LF;
        return 0;
      case DATA_LF:
        if (b != '\n') {
          return fail(400, "chunk data not followed by CRLF");
        }
        chunkState = SIZE_START;
        return 0;
      case TRAILER_LINE_START:
        if (trailerByte() < 0) {
          return -1;
        }
        if (b == '\r') {
          chunkState = FINAL_LF;
          return 0;
        }
        if (!HttpChars.isToken(b)) {
          return fail(400, HttpChars.isWhitespace(b) ? "obs-fold in trailer" : "invalid trailer field");
        }
        if (++trailerFields > maxTrailerFields) {
          return fail(431, "too many trailer fields");
        }
        chunkState = TRAILER_NAME;
        return 0;
      case TRAILER_NAME:
        if (trailerByte() < 0) {
          return -1;
        }
        if (b == ':') {
          chunkState = TRAILER_VALUE;
          return 0;
        }
        if (HttpChars.isToken(b)) {
          return 0;
        }
        return fail(400, HttpChars.isWhitespace(b)
            ? "whitespace between trailer field name and colon" : "invalid trailer field");
      case TRAILER_VALUE:
        if (trailerByte() < 0) {
          return -1;
        }
        if (b == '\r') {
          chunkState = TRAILER_LF;
          return 0;
        }
        if (HttpChars.isFieldValue(b)) {
          return 0;
        }
        return fail(400, "control character in trailer field");
      case TRAILER_LF:
        if (trailerByte() < 0) {
          return -1;
        }
        if (b != '\n') {
          return fail(400, "bare CR in trailer");
        }
        chunkState = TRAILER_LINE_START;
        return 0;
      case FINAL_LF:
        if (trailerByte() < 0) {
          return -1;
        }
        if (b != '\n') {
          return fail(400, "bare CR after the last chunk");
        }
        complete = true;
        return 0;
      default:
        throw new IllegalStateException("chunk state " + chunkState);
    }
  }

  /** After the size digits: BWS, ';' or CR. */
  private int afterSize(byte b) {
    if (HttpChars.isWhitespace(b)) {
      chunkState = SIZE_WS;
      return sizeLineByte();
    }
    if (b == ';') {
      chunkState = EXT_NAME_START;
      return sizeLineByte();
    }
    if (b == '\r' && chunkState == SIZE) {
      chunkState = SIZE_LF;
      return 0;
    }
    return fail(400, b == '\n' ? "bare LF in chunk-size line" : "invalid chunk size");
  }

  /** After an extension name: BWS, '=', ';' or CR. */
  private int afterExtName(byte b) {
    if (HttpChars.isWhitespace(b)) {
      chunkState = EXT_AFTER_NAME;
      return sizeLineByte();
    }
    if (b == '=') {
      chunkState = EXT_VALUE_START;
      return sizeLineByte();
    }
    return afterExtValue(b);
  }

  /** After an extension value (or a name without one): BWS before another ';', ';' or CR. */
  private int afterExtValue(byte b) {
    if (HttpChars.isWhitespace(b)) {
      chunkState = EXT_WS;
      return sizeLineByte();
    }
    if (b == ';') {
      chunkState = EXT_NAME_START;
      return sizeLineByte();
    }
    if (b == '\r') {
      chunkState = SIZE_LF;
      return 0;
    }
    return fail(400, b == '\n' ? "bare LF in chunk-size line" : "invalid chunk extension");
  }

  private int sizeLineByte() {
    if (++lineLength > maxChunkSizeLine) {
      return fail(400, "chunk-size line too long");
    }
    return 0;
  }

  private int trailerByte() {
    if (++trailerBytes > maxTrailerSection) {
      return fail(431, "trailer section too large");
    }
    return 0;
  }
}
