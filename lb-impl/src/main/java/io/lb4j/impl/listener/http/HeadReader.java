package io.lb4j.impl.listener.http;

import java.nio.ByteBuffer;

/**
 * The first pass over a head: copies its bytes into the {@link HttpHead} until the empty line that
 * ends it, checking line endings and the size limits byte by byte so that an oversized or malformed
 * head is refused as soon as its first offending byte arrives, whatever the buffer boundaries. The
 * second pass ({@link FieldLines} and the parsers) then reads complete lines.
 *
 * <p>Not thread-safe; one per parser, {@link #reset()} per message. Allocation-free once the head's
 * array has grown to the connection's largest head: bytes are copied into that reused array, whose
 * growth the limits bound (at most twice the largest head they allow).
 */
final class HeadReader {

  static final int NEED_MORE = -1;
  static final int DONE = 0;
  static final int START_LINE_TOO_LONG = 1;
  static final int SECTION_TOO_LARGE = 2;
  static final int TOO_MANY_FIELDS = 3;
  static final int BARE_CR = 4;
  static final int BARE_LF = 5;
  static final int TOO_MANY_EMPTY_LINES = 6;

  private final int maxStartLine;
  private final int maxSection;
  private final int maxFields;
  private final int maxLeadingEmptyLines;
  private final boolean sectionIncludesStartLine;

  private boolean lastWasCr;
  private boolean inStartLine = true;
  private int lineStart;
  private int fieldLines;
  private int emptyLinesSkipped;

  /**
   * @param maxStartLine longest start line without CRLF
   * @param maxSection largest section after the start line, CRLFs and final empty line included
   * @param maxFields most field lines
   * @param maxLeadingEmptyLines empty lines ignored before the start line
   * @param sectionIncludesStartLine whether {@code maxSection} bounds the whole head (responses)
   */
  HeadReader(int maxStartLine, int maxSection, int maxFields, int maxLeadingEmptyLines,
      boolean sectionIncludesStartLine) {
    this.maxStartLine = maxStartLine;
    this.maxSection = maxSection;
    this.maxFields = maxFields;
    this.maxLeadingEmptyLines = maxLeadingEmptyLines;
    this.sectionIncludesStartLine = sectionIncludesStartLine;
  }

  void reset() {
    lastWasCr = false;
    inStartLine = true;
    lineStart = 0;
    fieldLines = 0;
    emptyLinesSkipped = 0;
  }

  /**
   * Consumes bytes of {@code in} into {@code head} up to the end of the head. Returns {@link #DONE}
   * with {@code in} positioned just past the head, {@link #NEED_MORE} with {@code in} drained, or an
   * error code with {@code in} just past the offending byte.
   */
  int read(ByteBuffer in, HttpHead head) {
    // Absolute reads with a local index: the buffer's position is written once per call, not per byte.
    int pos = in.position();
    int limit = in.limit();
    while (pos < limit) {
      byte b = in.get(pos++);
      if (b == '\n') {
        if (!lastWasCr) {
          return stop(in, pos, BARE_LF);
        }
        lastWasCr = false;
        int lineLength = head.length - 1 - lineStart;
        if (inStartLine) {
          if (lineLength == 0) {
            // An empty line before the start line (RFC 9112 section 2.2): dropped, not stored.
            if (++emptyLinesSkipped > maxLeadingEmptyLines) {
              return stop(in, pos, TOO_MANY_EMPTY_LINES);
            }
            head.length = 0;
            continue;
          }
          head.append(b);
          inStartLine = false;
          head.startLineEnd = head.length;
        } else {
          if (sectionFull(head)) {
            return stop(in, pos, SECTION_TOO_LARGE);
          }
          head.append(b);
          if (lineLength == 0) {
            return stop(in, pos, DONE);
          }
          if (++fieldLines > maxFields) {
            return stop(in, pos, TOO_MANY_FIELDS);
          }
        }
        lineStart = head.length;
        continue;
      }
      if (lastWasCr) {
        return stop(in, pos, BARE_CR);
      }
      if (inStartLine) {
        // The CR does not count towards the start line; every other byte does.
        if (b != '\r' && head.length - lineStart >= maxStartLine) {
          return stop(in, pos, START_LINE_TOO_LONG);
        }
      } else if (sectionFull(head)) {
        return stop(in, pos, SECTION_TOO_LARGE);
      }
      lastWasCr = b == '\r';
      head.append(b);
    }
    return stop(in, pos, NEED_MORE);
  }

  private static int stop(ByteBuffer in, int pos, int result) {
    in.position(pos);
    return result;
  }

  private boolean sectionFull(HttpHead head) {
    return head.length - (sectionIncludesStartLine ? 0 : head.startLineEnd) >= maxSection;
  }
}
