package io.lb4j.impl.listener.http2;

import static io.lb4j.impl.listener.http2.Http2Frames.CONTINUATION;
import static io.lb4j.impl.listener.http2.Http2Frames.DATA;
import static io.lb4j.impl.listener.http2.Http2Frames.FLAG_ACK;
import static io.lb4j.impl.listener.http2.Http2Frames.FLAG_END_HEADERS;
import static io.lb4j.impl.listener.http2.Http2Frames.FLAG_END_STREAM;
import static io.lb4j.impl.listener.http2.Http2Frames.FLAG_PADDED;
import static io.lb4j.impl.listener.http2.Http2Frames.FLAG_PRIORITY;
import static io.lb4j.impl.listener.http2.Http2Frames.GOAWAY;
import static io.lb4j.impl.listener.http2.Http2Frames.HEADERS;
import static io.lb4j.impl.listener.http2.Http2Frames.PING;
import static io.lb4j.impl.listener.http2.Http2Frames.PRIORITY;
import static io.lb4j.impl.listener.http2.Http2Frames.PUSH_PROMISE;
import static io.lb4j.impl.listener.http2.Http2Frames.RST_STREAM;
import static io.lb4j.impl.listener.http2.Http2Frames.SETTINGS;
import static io.lb4j.impl.listener.http2.Http2Frames.WINDOW_UPDATE;
import static io.lb4j.impl.listener.http2.Http2Frames.typeName;

import java.nio.ByteBuffer;

/**
 * Reads HTTP/2 frames from bytes as they arrive, split anywhere (a byte at a time works), and reports
 * them to a {@link FrameListener}. It enforces the frame-level rules of RFC 9113 sections 3.4, 4 and 6,
 * each failure a connection error unless noted:
 * <ul>
 *   <li>a server's reader first expects the client preface; the first frame must be a SETTINGS frame
 *       (not an ACK);</li>
 *   <li>no frame longer than this side's SETTINGS_MAX_FRAME_SIZE (FRAME_SIZE_ERROR);</li>
 *   <li>stream 0 where a stream is required and the reverse (PROTOCOL_ERROR); fixed lengths of
 *       RST_STREAM (4), PING (8), WINDOW_UPDATE (4), SETTINGS (a multiple of 6, 0 with ACK), GOAWAY (at
 *       least 8), PRIORITY (5, a stream error), and frames too short for their padding or priority
 *       fields (FRAME_SIZE_ERROR);</li>
 *   <li>padding as long as the payload or longer (PROTOCOL_ERROR); padding bytes are not checked for
 *       zeros, as in nghttp2 and Netty;</li>
 *   <li>a header block is HEADERS then CONTINUATIONs of the same stream with no other frame between
 *       (PROTOCOL_ERROR), of at most {@code maxHeaderBlockBytes} and {@code maxContinuationFrames}
 *       (ENHANCE_YOUR_CALM: the 2024 CONTINUATION flood);</li>
 *   <li>PUSH_PROMISE is refused (PROTOCOL_ERROR): push is off on both sides;</li>
 *   <li>frames of unknown types are skipped, except inside a header block.</li>
 * </ul>
 *
 * <p>DATA payloads are not copied: each piece is handed to the listener as a window (position and limit)
 * of the caller's buffer. Header blocks are gathered into one array, reused. Reading allocates nothing
 * once that array has grown to the connection's largest block. Not thread-safe: one per connection.
 */
final class FrameReader {

  private static final int PREFACE = 0;
  private static final int FRAME_HEADER = 1;
  private static final int PAYLOAD = 2;
  private static final int FAILED = 3;

  /** Payload phases. */
  private static final int FIXED = 0;
  private static final int CONTENT = 1;
  private static final int SKIP = 2;

  private static final int DEBUG_KEPT = 256;
  /** A header-block array larger than this is not kept between blocks (idle connections stay small). */
  private static final int KEPT_BLOCK_CAPACITY = 4 * 1024;

  private final FrameListener listener;
  private final int maxFrameSize;
  private final int maxHeaderBlockBytes;
  private final int maxContinuationFrames;

  private int state;
  private int prefaceMatched;
  private boolean settingsSeen;

  private final byte[] header = new byte[Http2Frames.HEADER_LENGTH];
  private int headerFill;

  private int length;
  private int type;
  private int flags;
  private int streamId;
  /** Payload bytes of the current frame not yet read. */
  private int remaining;
  private int phase;

  /** Fixed-size fields, gathered until {@code fixedNeeded} bytes are in. */
  private final byte[] fixed = new byte[8 + DEBUG_KEPT];
  private int fixedFill;
  private int fixedNeeded;

  /** DATA bytes or header-block fragment bytes still to read before the padding. */
  private int contentRemaining;
  /** The current DATA frame's data length, padding excluded. */
  private int dataLength;
  private boolean deliverData;

  private byte[] block;
  private int blockLength;
  /** The stream whose header block is open, or 0. */
  private int blockStreamId;
  private boolean blockEndStream;
  private int blockDependency;
  private int continuations;

  /**
   * A reader for one connection. {@code server} readers expect the client preface first.
   */
  FrameReader(FrameListener listener, boolean server, int maxFrameSize, int maxHeaderBlockBytes,
      int maxContinuationFrames) {
    this.listener = listener;
    this.maxFrameSize = maxFrameSize;
    this.maxHeaderBlockBytes = maxHeaderBlockBytes;
    this.maxContinuationFrames = maxContinuationFrames;
    this.state = server ? PREFACE : FRAME_HEADER;
  }

  /**
   * Reads every byte of {@code in} (from its position to its limit), reporting frames as they complete.
   * Throws {@link Http2Exception} on a connection error; the reader then refuses further input.
   */
  void read(ByteBuffer in) {
    if (state == FAILED) {
      throw Http2Exception.connection(Http2ErrorCode.PROTOCOL_ERROR, "the connection already failed");
    }
    try {
      while (true) {
        if (state == PREFACE) {
          if (!in.hasRemaining()) {
            return;
          }
          readPreface(in);
        } else if (state == FRAME_HEADER) {
          if (!in.hasRemaining()) {
            return;
          }
          int n = Math.min(header.length - headerFill, in.remaining());
          in.get(header, headerFill, n);
          headerFill += n;
          if (headerFill == header.length) {
            startFrame();
          }
        } else if (!readPayload(in)) {
          return;
        }
      }
    } catch (Http2Exception e) {
      state = FAILED;
      throw e;
    }
  }

  /** True between frames (nothing of a frame read yet) and with no header block open. */
  boolean isAtFrameBoundary() {
    return state == FRAME_HEADER && headerFill == 0 && blockStreamId == 0;
  }

  private void readPreface(ByteBuffer in) {
    while (in.hasRemaining() && prefaceMatched < Http2Frames.PREFACE.length) {
      if (in.get() != Http2Frames.PREFACE[prefaceMatched]) {
        throw Http2Exception.connection(Http2ErrorCode.PROTOCOL_ERROR, "invalid connection preface");
      }
      prefaceMatched++;
    }
    if (prefaceMatched == Http2Frames.PREFACE.length) {
      state = FRAME_HEADER;
    }
  }

  private void startFrame() {
    length = ((header[0] & 0xFF) << 16) | ((header[1] & 0xFF) << 8) | (header[2] & 0xFF);
    type = header[3] & 0xFF;
    flags = header[4] & 0xFF;
    streamId = readInt(header, 5) & 0x7FFFFFFF;
    headerFill = 0;
    state = PAYLOAD;
    remaining = length;
    fixedFill = 0;
    if (length > maxFrameSize) {
      throw connectionError(Http2ErrorCode.FRAME_SIZE_ERROR,
          typeName(type) + " frame of " + length + " bytes above SETTINGS_MAX_FRAME_SIZE " + maxFrameSize);
    }
    if (blockStreamId != 0 && type != CONTINUATION) {
      throw connectionError(Http2ErrorCode.PROTOCOL_ERROR,
          typeName(type) + " frame inside the header block of stream " + blockStreamId);
    }
    if (!settingsSeen) {
      if (type != SETTINGS || (flags & FLAG_ACK) != 0) {
        throw connectionError(Http2ErrorCode.PROTOCOL_ERROR, "the first frame is not SETTINGS");
      }
      settingsSeen = true;
    }
    switch (type) {
      case DATA:
        requireStream();
        if ((flags & FLAG_PADDED) != 0 && length < 1) {
          throw tooShort();
        }
        deliverData = listener.onDataBegin(streamId, length, (flags & FLAG_END_STREAM) != 0);
        if ((flags & FLAG_PADDED) != 0) {
          fixed(1);
        } else {
          content(length);
          dataLength = length;
        }
        break;
      case HEADERS:
        requireStream();
        int prefix = ((flags & FLAG_PADDED) != 0 ? 1 : 0) + ((flags & FLAG_PRIORITY) != 0 ? 5 : 0);
        if (length < prefix) {
          throw tooShort();
        }
        if (prefix > 0) {
          fixed(prefix);
        } else {
          openBlock(-1);
          content(length);
        }
        break;
      case PRIORITY:
        requireStream();
        if (length != 5) {
          listener.onStreamError(streamId, Http2ErrorCode.FRAME_SIZE_ERROR, "PRIORITY frame of " + length
              + " bytes, not 5");
          phase = SKIP;
        } else {
          fixed(5);
        }
        break;
      case RST_STREAM:
        requireStream();
        fixedLength(4);
        break;
      case SETTINGS:
        requireConnection();
        if ((flags & FLAG_ACK) != 0 && length != 0) {
          throw connectionError(Http2ErrorCode.FRAME_SIZE_ERROR, "SETTINGS ACK with a payload of " + length
              + " bytes");
        }
        if (length % 6 != 0) {
          throw connectionError(Http2ErrorCode.FRAME_SIZE_ERROR, "SETTINGS frame of " + length
              + " bytes, not a multiple of 6");
        }
        if (length == 0) {
          phase = SKIP;
        } else {
          fixed(6);
        }
        break;
      case PUSH_PROMISE:
        throw connectionError(Http2ErrorCode.PROTOCOL_ERROR, "PUSH_PROMISE received: push is disabled");
      case PING:
        requireConnection();
        fixedLength(8);
        break;
      case GOAWAY:
        requireConnection();
        if (length < 8) {
          throw tooShort();
        }
        fixed(Math.min(length, 8 + DEBUG_KEPT));
        break;
      case WINDOW_UPDATE:
        fixedLength(4);
        break;
      case CONTINUATION:
        if (blockStreamId == 0) {
          throw connectionError(Http2ErrorCode.PROTOCOL_ERROR, "CONTINUATION frame without a header block");
        }
        if (streamId != blockStreamId) {
          throw connectionError(Http2ErrorCode.PROTOCOL_ERROR, "CONTINUATION frame on stream " + streamId
              + " inside the header block of stream " + blockStreamId);
        }
        if (++continuations > maxContinuationFrames) {
          throw connectionError(Http2ErrorCode.ENHANCE_YOUR_CALM, "more than " + maxContinuationFrames
              + " CONTINUATION frames in a header block");
        }
        content(length);
        break;
      default:
        phase = SKIP;
        break;
    }
  }

  /** Reads payload; returns true when the frame ended, false when more bytes are needed. */
  private boolean readPayload(ByteBuffer in) {
    while (true) {
      if (phase == FIXED) {
        int n = Math.min(fixedNeeded - fixedFill, in.remaining());
        in.get(fixed, fixedFill, n);
        fixedFill += n;
        remaining -= n;
        if (fixedFill < fixedNeeded) {
          return false;
        }
        onFixedFields();
      } else if (phase == CONTENT) {
        if (contentRemaining > 0) {
          if (!in.hasRemaining()) {
            return false;
          }
          int n = Math.min(contentRemaining, in.remaining());
          readContent(in, n);
          contentRemaining -= n;
          remaining -= n;
          if (contentRemaining > 0) {
            return false;
          }
        }
        phase = SKIP;
      } else {
        int n = Math.min(remaining, in.remaining());
        in.position(in.position() + n);
        remaining -= n;
        if (remaining > 0) {
          return false;
        }
        endFrame();
        return true;
      }
    }
  }

  private void onFixedFields() {
    switch (type) {
      case DATA: {
        int padLength = fixed[0] & 0xFF;
        if (padLength > length - 1) {
          throw badPadding(padLength);
        }
        content(length - 1 - padLength);
        dataLength = length - 1 - padLength;
        break;
      }
      case HEADERS: {
        int p = 0;
        int padLength = 0;
        if ((flags & FLAG_PADDED) != 0) {
          padLength = fixed[p++] & 0xFF;
        }
        int dependency = -1;
        if ((flags & FLAG_PRIORITY) != 0) {
          dependency = readInt(fixed, p) & 0x7FFFFFFF;
        }
        if (padLength > remaining) {
          throw badPadding(padLength);
        }
        openBlock(dependency);
        content(remaining - padLength);
        break;
      }
      case PRIORITY: {
        int dependency = readInt(fixed, 0) & 0x7FFFFFFF;
        if (dependency == streamId) {
          listener.onStreamError(streamId, Http2ErrorCode.PROTOCOL_ERROR, "stream " + streamId
              + " depends on itself");
        } else {
          listener.onPriority(streamId, dependency);
        }
        phase = SKIP;
        break;
      }
      case RST_STREAM:
        listener.onRstStream(streamId, readInt(fixed, 0));
        phase = SKIP;
        break;
      case SETTINGS: {
        int id = ((fixed[0] & 0xFF) << 8) | (fixed[1] & 0xFF);
        long value = readInt(fixed, 2) & 0xFFFFFFFFL;
        listener.onSetting(id, value);
        if (remaining > 0) {
          fixed(6);
        } else {
          phase = SKIP;
        }
        break;
      }
      case PING:
        listener.onPing((flags & FLAG_ACK) != 0, ((long) readInt(fixed, 0) << 32) | (readInt(fixed, 4) & 0xFFFFFFFFL));
        phase = SKIP;
        break;
      case WINDOW_UPDATE:
        listener.onWindowUpdate(streamId, readInt(fixed, 0) & 0x7FFFFFFF);
        phase = SKIP;
        break;
      default:
        // GOAWAY: reported when the whole frame has been read.
        phase = SKIP;
        break;
    }
  }

  private void readContent(ByteBuffer in, int n) {
    if (type == DATA) {
      int start = in.position();
      if (deliverData) {
        int limit = in.limit();
        in.limit(start + n);
        try {
          listener.onData(streamId, in, n == contentRemaining);
        } finally {
          in.limit(limit);
          in.position(start + n);
        }
      } else {
        in.position(start + n);
      }
      return;
    }
    if (blockLength + n > maxHeaderBlockBytes) {
      throw connectionError(Http2ErrorCode.ENHANCE_YOUR_CALM, "header block larger than " + maxHeaderBlockBytes
          + " bytes");
    }
    if (block == null || blockLength + n > block.length) {
      int capacity = block == null ? 1024 : block.length;
      while (capacity < blockLength + n) {
        capacity *= 2;
      }
      byte[] grown = new byte[Math.min(capacity, maxHeaderBlockBytes)];
      if (block != null) {
        System.arraycopy(block, 0, grown, 0, blockLength);
      }
      block = grown;
    }
    in.get(block, blockLength, n);
    blockLength += n;
  }

  private void endFrame() {
    state = FRAME_HEADER;
    switch (type) {
      case DATA:
        listener.onDataEnd(streamId, dataLength, (flags & FLAG_END_STREAM) != 0);
        break;
      case HEADERS:
      case CONTINUATION:
        if ((flags & FLAG_END_HEADERS) != 0) {
          int id = blockStreamId;
          blockStreamId = 0;
          byte[] b = block == null ? fixed : block;
          int n = blockLength;
          if (block != null && block.length > KEPT_BLOCK_CAPACITY) {
            block = null; // a rare large block's array is not kept for the connection's life
          }
          listener.onHeaders(id, b, n, blockEndStream, blockDependency);
        }
        break;
      case SETTINGS:
        listener.onSettingsEnd((flags & FLAG_ACK) != 0);
        break;
      case GOAWAY:
        listener.onGoAway(readInt(fixed, 0) & 0x7FFFFFFF, readInt(fixed, 4), fixed, 8, fixedFill - 8);
        break;
      default:
        break;
    }
  }

  private void openBlock(int dependency) {
    blockStreamId = streamId;
    blockLength = 0;
    blockEndStream = (flags & FLAG_END_STREAM) != 0;
    blockDependency = dependency;
    continuations = 0;
  }

  private void fixed(int n) {
    phase = FIXED;
    fixedFill = 0;
    fixedNeeded = n;
  }

  private void fixedLength(int expected) {
    if (length != expected) {
      throw connectionError(Http2ErrorCode.FRAME_SIZE_ERROR, typeName(type) + " frame of " + length
          + " bytes, not " + expected);
    }
    fixed(expected);
  }

  private void content(int n) {
    phase = CONTENT;
    contentRemaining = n;
  }

  private void requireStream() {
    if (streamId == 0) {
      throw connectionError(Http2ErrorCode.PROTOCOL_ERROR, typeName(type) + " frame on stream 0");
    }
  }

  private void requireConnection() {
    if (streamId != 0) {
      throw connectionError(Http2ErrorCode.PROTOCOL_ERROR, typeName(type) + " frame on stream " + streamId
          + ", not 0");
    }
  }

  private Http2Exception tooShort() {
    return connectionError(Http2ErrorCode.FRAME_SIZE_ERROR, typeName(type) + " frame of " + length
        + " bytes too short for its fields");
  }

  private Http2Exception badPadding(int padLength) {
    return connectionError(Http2ErrorCode.PROTOCOL_ERROR, "padding of " + padLength + " bytes in a "
        + typeName(type) + " frame of " + length + " bytes");
  }

  private static Http2Exception connectionError(Http2ErrorCode code, String reason) {
    return Http2Exception.connection(code, reason);
  }

  private static int readInt(byte[] b, int at) {
    return ((b[at] & 0xFF) << 24) | ((b[at + 1] & 0xFF) << 16) | ((b[at + 2] & 0xFF) << 8) | (b[at + 3] & 0xFF);
  }
}
