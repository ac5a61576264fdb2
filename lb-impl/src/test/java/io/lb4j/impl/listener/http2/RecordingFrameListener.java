package io.lb4j.impl.listener.http2;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Test helper: a {@link FrameListener} writing each frame as a line, DATA pieces joined per frame. */
class RecordingFrameListener implements FrameListener {

  final List<String> events = new ArrayList<>();
  private final ByteArrayOutputStream data = new ByteArrayOutputStream();
  /** What onDataBegin answers. */
  boolean deliverData = true;

  @Override
  public boolean onDataBegin(int streamId, int length, boolean endStream) {
    data.reset();
    events.add("DATA begin stream=" + streamId + " length=" + length + " end=" + endStream);
    return deliverData;
  }

  @Override
  public void onData(int streamId, ByteBuffer chunk, boolean lastData) {
    if (!chunk.hasRemaining()) {
      throw new AssertionError("empty data chunk");
    }
    while (chunk.hasRemaining()) {
      data.write(chunk.get());
    }
  }

  @Override
  public void onDataEnd(int streamId, int dataLength, boolean endStream) {
    events.add("DATA end stream=" + streamId + " data=" + data.toString(StandardCharsets.ISO_8859_1) + " end="
        + endStream);
  }

  @Override
  public void onHeaders(int streamId, byte[] block, int length, boolean endStream, int dependency) {
    events.add("HEADERS stream=" + streamId + " block=" + Hex.of(block, 0, length) + " end=" + endStream
        + " dependency=" + dependency);
  }

  @Override
  public void onPriority(int streamId, int dependency) {
    events.add("PRIORITY stream=" + streamId + " dependency=" + dependency);
  }

  @Override
  public void onRstStream(int streamId, int errorCode) {
    events.add("RST_STREAM stream=" + streamId + " code=" + errorCode);
  }

  @Override
  public void onSetting(int id, long value) {
    events.add("SETTING " + id + "=" + value);
  }

  @Override
  public void onSettingsEnd(boolean ack) {
    events.add("SETTINGS end ack=" + ack);
  }

  @Override
  public void onPing(boolean ack, long payload) {
    events.add("PING ack=" + ack + " data=" + Long.toHexString(payload));
  }

  @Override
  public void onGoAway(int lastStreamId, int errorCode, byte[] bytes, int debugOffset, int debugLength) {
    events.add("GOAWAY last=" + lastStreamId + " code=" + errorCode + " debug="
        + new String(bytes, debugOffset, debugLength, StandardCharsets.ISO_8859_1));
  }

  @Override
  public void onWindowUpdate(int streamId, int increment) {
    events.add("WINDOW_UPDATE stream=" + streamId + " increment=" + increment);
  }

  @Override
  public void onStreamError(int streamId, Http2ErrorCode code, String reason) {
    events.add("STREAM_ERROR stream=" + streamId + " " + code + " " + reason);
  }
}
