package io.lb4j.impl.listener.http2;

import static io.lb4j.impl.listener.http2.Http2Frames.CONTINUATION;
import static io.lb4j.impl.listener.http2.Http2Frames.DATA;
import static io.lb4j.impl.listener.http2.Http2Frames.FLAG_ACK;
import static io.lb4j.impl.listener.http2.Http2Frames.FLAG_END_HEADERS;
import static io.lb4j.impl.listener.http2.Http2Frames.FLAG_END_STREAM;
import static io.lb4j.impl.listener.http2.Http2Frames.GOAWAY;
import static io.lb4j.impl.listener.http2.Http2Frames.HEADERS;
import static io.lb4j.impl.listener.http2.Http2Frames.PING;
import static io.lb4j.impl.listener.http2.Http2Frames.PRIORITY;
import static io.lb4j.impl.listener.http2.Http2Frames.PUSH_PROMISE;
import static io.lb4j.impl.listener.http2.Http2Frames.RST_STREAM;
import static io.lb4j.impl.listener.http2.Http2Frames.SETTINGS;
import static io.lb4j.impl.listener.http2.Http2Frames.WINDOW_UPDATE;

import java.nio.ByteBuffer;

/**
 * Writes every HTTP/2 frame type (RFC 9113 section 6) into an {@link OutboundQueue}. It frames what it
 * is given and checks nothing of the protocol's state: sizes and windows are the connection's job. This
 * side never pads. Not thread-safe: one per connection.
 */
final class FrameWriter {

  private final OutboundQueue out;

  FrameWriter(OutboundQueue out) {
    this.out = out;
  }

  /** The client connection preface's fixed 24 bytes (a SETTINGS frame must follow). */
  void writePreface() {
    out.write(Http2Frames.PREFACE, 0, Http2Frames.PREFACE.length);
  }

  /** A DATA frame of {@code length} bytes copied from {@code src}'s position (advancing it). */
  void writeData(int streamId, ByteBuffer src, int length, boolean endStream) {
    header(length, DATA, endStream ? FLAG_END_STREAM : 0, streamId);
    out.write(src, length);
  }

  /**
   * A header block as a HEADERS frame and as many CONTINUATION frames as {@code maxFrameSize} (the
   * peer's) requires.
   */
  void writeHeaders(int streamId, byte[] block, int length, boolean endStream, int maxFrameSize) {
    int first = Math.min(length, maxFrameSize);
    int flags = (endStream ? FLAG_END_STREAM : 0) | (first == length ? FLAG_END_HEADERS : 0);
    header(first, HEADERS, flags, streamId);
    out.write(block, 0, first);
    continuations(streamId, block, first, length, maxFrameSize);
  }

  /** A PUSH_PROMISE frame (never sent by lb4j, which disables push; here for completeness and tests). */
  void writePushPromise(int streamId, int promisedStreamId, byte[] block, int length, int maxFrameSize) {
    int first = Math.min(length, maxFrameSize - 4);
    header(4 + first, PUSH_PROMISE, first == length ? FLAG_END_HEADERS : 0, streamId);
    out.writeInt(promisedStreamId & 0x7FFFFFFF);
    out.write(block, 0, first);
    continuations(streamId, block, first, length, maxFrameSize);
  }

  void writePriority(int streamId, int dependency, boolean exclusive, int weight) {
    header(5, PRIORITY, 0, streamId);
    out.writeInt((dependency & 0x7FFFFFFF) | (exclusive ? 0x80000000 : 0));
    out.writeByte(weight - 1);
  }

  void writeRstStream(int streamId, Http2ErrorCode code) {
    header(4, RST_STREAM, 0, streamId);
    out.writeInt(code.code());
  }

  /** A SETTINGS frame of {@code count} (identifier, value) pairs. */
  void writeSettings(int[] ids, long[] values, int count) {
    header(6 * count, SETTINGS, 0, 0);
    for (int i = 0; i < count; i++) {
      out.writeByte(ids[i] >>> 8);
      out.writeByte(ids[i]);
      out.writeInt((int) values[i]);
    }
  }

  void writeSettingsAck() {
    header(0, SETTINGS, FLAG_ACK, 0);
  }

  void writePing(boolean ack, long data) {
    header(8, PING, ack ? FLAG_ACK : 0, 0);
    out.writeInt((int) (data >>> 32));
    out.writeInt((int) data);
  }

  void writeGoAway(int lastStreamId, Http2ErrorCode code, byte[] debug) {
    header(8 + debug.length, GOAWAY, 0, 0);
    out.writeInt(lastStreamId & 0x7FFFFFFF);
    out.writeInt(code.code());
    out.write(debug, 0, debug.length);
  }

  void writeWindowUpdate(int streamId, int increment) {
    header(4, WINDOW_UPDATE, 0, streamId);
    out.writeInt(increment & 0x7FFFFFFF);
  }

  private void continuations(int streamId, byte[] block, int from, int length, int maxFrameSize) {
    int at = from;
    while (at < length) {
      int n = Math.min(length - at, maxFrameSize);
      header(n, CONTINUATION, at + n == length ? FLAG_END_HEADERS : 0, streamId);
      out.write(block, at, n);
      at += n;
    }
  }

  private void header(int length, int type, int flags, int streamId) {
    out.writeMedium(length);
    out.writeByte(type);
    out.writeByte(flags);
    out.writeInt(streamId & 0x7FFFFFFF);
  }
}
