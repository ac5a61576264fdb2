package io.lb4j.impl.listener.http2;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Test helper: HTTP/2 frames written byte by byte from RFC 9113's layouts, independently of
 * {@link FrameWriter}, so the connection is tested against bytes a real peer (or an attacker) sends.
 */
final class RawFrames {

  static final int DATA = 0;
  static final int HEADERS = 1;
  static final int PRIORITY = 2;
  static final int RST_STREAM = 3;
  static final int SETTINGS = 4;
  static final int PUSH_PROMISE = 5;
  static final int PING = 6;
  static final int GOAWAY = 7;
  static final int WINDOW_UPDATE = 8;
  static final int CONTINUATION = 9;

  static final int END_STREAM = 0x1;
  static final int ACK = 0x1;
  static final int END_HEADERS = 0x4;
  static final int PADDED = 0x8;
  static final int PRIORITY_FLAG = 0x20;

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();

  static RawFrames create() {
    return new RawFrames();
  }

  /** The client preface and an empty SETTINGS frame, as every client starts. */
  static RawFrames clientStart() {
    return new RawFrames().preface().settings();
  }

  RawFrames preface() {
    out.writeBytes("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    return this;
  }

  /** A frame with a raw header: any length, type, flags and stream, for malformed cases. */
  RawFrames frame(int type, int flags, int streamId, byte[] payload) {
    return frameWithLength(payload.length, type, flags, streamId, payload);
  }

  RawFrames frameWithLength(int length, int type, int flags, int streamId, byte[] payload) {
    out.write(length >>> 16);
    out.write(length >>> 8);
    out.write(length);
    out.write(type);
    out.write(flags);
    writeInt(streamId);
    out.writeBytes(payload);
    return this;
  }

  /** SETTINGS with (id, value) pairs. */
  RawFrames settings(long... idValuePairs) {
    byte[] p = new byte[3 * idValuePairs.length];
    for (int i = 0; i < idValuePairs.length; i += 2) {
      int o = 3 * i;
      p[o] = (byte) (idValuePairs[i] >>> 8);
      p[o + 1] = (byte) idValuePairs[i];
      putInt(p, o + 2, (int) idValuePairs[i + 1]);
    }
    return frame(SETTINGS, 0, 0, p);
  }

  RawFrames settingsAck() {
    return frame(SETTINGS, ACK, 0, new byte[0]);
  }

  RawFrames headers(int streamId, int flags, byte[] block) {
    return frame(HEADERS, flags, streamId, block);
  }

  RawFrames continuation(int streamId, int flags, byte[] fragment) {
    return frame(CONTINUATION, flags, streamId, fragment);
  }

  RawFrames data(int streamId, int flags, byte[] payload) {
    return frame(DATA, flags, streamId, payload);
  }

  RawFrames data(int streamId, boolean endStream, String text) {
    return data(streamId, endStream ? END_STREAM : 0, text.getBytes(StandardCharsets.ISO_8859_1));
  }

  RawFrames priority(int streamId, int dependency, int weight) {
    byte[] p = new byte[5];
    putInt(p, 0, dependency);
    p[4] = (byte) (weight - 1);
    return frame(PRIORITY, 0, streamId, p);
  }

  RawFrames rstStream(int streamId, int errorCode) {
    byte[] p = new byte[4];
    putInt(p, 0, errorCode);
    return frame(RST_STREAM, 0, streamId, p);
  }

  RawFrames ping(boolean ack, long data) {
    byte[] p = new byte[8];
    putInt(p, 0, (int) (data >>> 32));
    putInt(p, 4, (int) data);
    return frame(PING, ack ? ACK : 0, 0, p);
  }

  RawFrames goAway(int lastStreamId, int errorCode, String debug) {
    byte[] d = debug.getBytes(StandardCharsets.ISO_8859_1);
    byte[] p = new byte[8 + d.length];
    putInt(p, 0, lastStreamId);
    putInt(p, 4, errorCode);
    System.arraycopy(d, 0, p, 8, d.length);
    return frame(GOAWAY, 0, 0, p);
  }

  RawFrames windowUpdate(int streamId, int increment) {
    byte[] p = new byte[4];
    putInt(p, 0, increment);
    return frame(WINDOW_UPDATE, 0, streamId, p);
  }

  RawFrames raw(byte[] bytes) {
    out.writeBytes(bytes);
    return this;
  }

  byte[] bytes() {
    return out.toByteArray();
  }

  /** Concatenation of byte arrays. */
  static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      o.writeBytes(p);
    }
    return o.toByteArray();
  }

  /** A payload from unsigned byte values. */
  static byte[] bytes(int... values) {
    byte[] b = new byte[values.length];
    for (int i = 0; i < values.length; i++) {
      b[i] = (byte) values[i];
    }
    return b;
  }

  private void writeInt(int v) {
    out.write(v >>> 24);
    out.write(v >>> 16);
    out.write(v >>> 8);
    out.write(v);
  }

  private static void putInt(byte[] b, int at, int v) {
    b[at] = (byte) (v >>> 24);
    b[at + 1] = (byte) (v >>> 16);
    b[at + 2] = (byte) (v >>> 8);
    b[at + 3] = (byte) v;
  }
}
