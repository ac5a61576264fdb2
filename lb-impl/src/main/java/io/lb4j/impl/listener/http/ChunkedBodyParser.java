package io.lb4j.impl.listener.http;

import io.lb4j.impl.listener.HttpLimits;
import java.nio.ByteBuffer;

/**
 * The chunked-body state machine behind {@link BodyScanner} (RFC 9112 section 7.1): chunk-size lines
 * with extensions, chunk data skipped by length, the CRLF after each chunk, the last chunk, trailer field
 * lines and the final CRLF. One byte at a time except chunk data, so any buffer boundary is handled;
 * each line is bounded (chunk-size line, trailer section, trailer field count).
 *
 * <p>Not thread-safe; {@link #reset()} per message. Allocation-free: the state is a few ints.
 */
final class ChunkedBodyParser {

  // States, in the order a message walks them.
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
  private static final int EXT_WS = 11;
  private static final int SIZE_LF = 12;
  private static final int DATA = 13;
  private static final int DATA_CR = 14;
  private static final int DATA_LF = 15;
  private static final int TRAILER_LINE_START = 16;
  private static final int TRAILER_NAME = 17;
  private static final int TRAILER_VALUE = 18;
  private static final int TRAILER_LF = 19;
  private static final int FINAL_LF = 20;

  /**
   * Fields a trailer may not carry (RFC 9110 section 6.5.1): framing and routing. A recipient that merges
   * trailers into the header section would otherwise let a body rewrite how the message was framed.
   */
  private static final byte[][] FORBIDDEN_IN_TRAILER = {
      HttpChars.ascii("content-length"), HttpChars.ascii("transfer-encoding"), HttpChars.ascii("host"),
  };
  private static final int ALL_FORBIDDEN = (1 << FORBIDDEN_IN_TRAILER.length) - 1;

  private final int maxChunkSizeLine;
  private final int maxTrailerSection;
  private final int maxTrailerFields;

  private int chunkState;
  private long chunkSize;
  private int lineLength;
  private int trailerBytes;
  private int trailerFields;
  /** Length of the trailer field name read so far, and which forbidden names it still matches (bits). */
  private int trailerNameLength;
  private int forbiddenCandidates;
  private boolean complete;
  private int errorStatus;
  private String errorReason;

  ChunkedBodyParser(HttpLimits limits) {
    this.maxChunkSizeLine = limits.maxChunkSizeLineLength();
    this.maxTrailerSection = limits.maxTrailerSectionBytes();
    this.maxTrailerFields = limits.maxFieldCount();
  }

  void reset() {
    chunkState = SIZE_START;
    chunkSize = 0;
    lineLength = 0;
    trailerBytes = 0;
    trailerFields = 0;
    complete = false;
    errorStatus = 0;
    errorReason = null;
  }

  boolean isComplete() {
    return complete;
  }

  /** 400, or 431 for trailers over their limits, after an error; else 0. */
  int errorStatus() {
    return errorStatus;
  }

  String errorReason() {
    return errorReason;
  }

  private int fail(int status, String reason) {
    errorStatus = status;
    errorReason = reason;
    return -1;
  }

  /**
   * Walks the state machine over {@code buf[from, to)} (absolute indices, the position is not moved);
   * returns how many of those bytes belong to the body: all of them, or up to and including the final
   * LF, or those before an offending byte.
   */
  int scan(ByteBuffer buf, int from, int to) {
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

  /**
   * De-chunking: walks the framing at {@code buf}'s position (chunk-size lines, the CRLF after data, the
   * last chunk and trailers), consuming it (the position moves past it), and returns how many chunk-data
   * bytes follow at the new position. Those bytes are claimed as {@link #scan} claims bytes: the caller
   * consumes them before the next call. 0 when no data byte is next in the buffer (more input is needed, the
   * body is complete, or an error stopped at the offending byte).
   */
  int scanData(ByteBuffer buf) {
    int i = buf.position();
    int to = buf.limit();
    while (i < to && !complete) {
      if (chunkState == DATA) {
        int take = (int) Math.min(chunkSize, to - i);
        chunkSize -= take;
        if (chunkSize == 0) {
          chunkState = DATA_CR;
        }
        buf.position(i);
        return take;
      }
      if (step(buf.get(i)) < 0) {
        break;
      }
      i++;
    }
    buf.position(i);
    return 0;
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
        trailerNameLength = 0;
        forbiddenCandidates = ALL_FORBIDDEN;
        matchForbidden(b);
        return 0;
      case TRAILER_NAME:
        if (trailerByte() < 0) {
          return -1;
        }
        if (b == ':') {
          if (namesForbiddenField()) {
            return fail(400, "Content-Length, Transfer-Encoding or Host in a trailer");
          }
          chunkState = TRAILER_VALUE;
          return 0;
        }
        if (HttpChars.isToken(b)) {
          matchForbidden(b);
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

  /** Narrows the forbidden names the trailer name still matches, byte by byte, without buffering it. */
  private void matchForbidden(byte b) {
    byte lower = HttpChars.toLower(b);
    for (int k = 0; k < FORBIDDEN_IN_TRAILER.length; k++) {
      byte[] name = FORBIDDEN_IN_TRAILER[k];
      if (trailerNameLength >= name.length || name[trailerNameLength] != lower) {
        forbiddenCandidates &= ~(1 << k);
      }
    }
    trailerNameLength++;
  }

  private boolean namesForbiddenField() {
    for (int k = 0; k < FORBIDDEN_IN_TRAILER.length; k++) {
      if ((forbiddenCandidates & (1 << k)) != 0 && FORBIDDEN_IN_TRAILER[k].length == trailerNameLength) {
        return true;
      }
    }
    return false;
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
