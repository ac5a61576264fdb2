package io.lb4j.impl.listener.http2;

import java.nio.ByteBuffer;

/**
 * What a {@link FrameReader} reports, one frame at a time, after the frame-level rules of RFC 9113
 * sections 4 and 6 (sizes, flags, stream 0 or not, padding, CONTINUATION sequence) have been checked.
 * Stream states and flow control are the listener's job. A listener method may throw
 * {@link Http2Exception}: a connection error stops the reader; a stream error is the listener's to handle.
 */
interface FrameListener {

  /**
   * A DATA frame starts: {@code length} is its whole payload (padding included), which counts against
   * flow control. Returns false to have its data skipped instead of delivered.
   */
  boolean onDataBegin(int streamId, int length, boolean endStream);

  /**
   * Data bytes of the current DATA frame, between {@code chunk}'s position and limit; never empty.
   * {@code lastData}: these are the frame's last data bytes (padding may follow).
   */
  void onData(int streamId, ByteBuffer chunk, boolean lastData);

  /** The current DATA frame ended (its padding read); {@code dataLength} is its data without padding. */
  void onDataEnd(int streamId, int dataLength, boolean endStream);

  /**
   * A complete header block (HEADERS and its CONTINUATIONs), in {@code block[0, length)};
   * {@code dependency} is the stream it depends on from the PRIORITY flag, or -1.
   */
  void onHeaders(int streamId, byte[] block, int length, boolean endStream, int dependency);

  /** A PRIORITY frame; {@code dependency} never equals {@code streamId} (the reader reports that). */
  void onPriority(int streamId, int dependency);

  void onRstStream(int streamId, int errorCode);

  /** One setting of a SETTINGS frame, in order; {@link #onSettingsEnd} follows the last. */
  void onSetting(int id, long value);

  void onSettingsEnd(boolean ack);

  void onPing(boolean ack, long data);

  /** A GOAWAY frame; {@code data[debugOffset, debugOffset + debugLength)} is at most its first 256 bytes of debug data. */
  void onGoAway(int lastStreamId, int errorCode, byte[] data, int debugOffset, int debugLength);

  void onWindowUpdate(int streamId, int increment);

  /** A frame that is a stream error by itself (a PRIORITY of the wrong size or depending on itself). */
  void onStreamError(int streamId, Http2ErrorCode code, String reason);
}
