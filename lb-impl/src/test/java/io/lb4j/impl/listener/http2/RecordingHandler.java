package io.lb4j.impl.listener.http2;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Test helper: an {@link Http2Handler} that writes each event as a line and keeps the streams it saw;
 * tests plug reactions in ({@link #onHeadersDo}, ...). By default data is consumed as it arrives.
 */
class RecordingHandler implements Http2Handler {

  /** A reaction to an event. */
  interface Reaction {
    void on(Http2Stream stream, Http2Headers headers, boolean endStream);
  }

  final List<String> events = new ArrayList<>();
  final List<Http2Stream> streams = new ArrayList<>();
  Reaction onHeadersDo = (s, h, e) -> { };
  java.util.function.Consumer<Http2Stream> onWritableDo = s -> { };
  java.util.function.Consumer<Http2Stream> onResetDo = s -> { };
  boolean consumeData = true;
  boolean releaseOnReset = true;

  @Override
  public void onHeaders(Http2Stream stream, Http2Headers headers, boolean endStream) {
    streams.add(stream);
    events.add("headers " + stream.id() + " " + headers + (endStream ? " end" : ""));
    onHeadersDo.on(stream, headers, endStream);
  }

  @Override
  public void onData(Http2Stream stream, ByteBuffer data, boolean endStream) {
    int n = data.remaining();
    byte[] b = new byte[n];
    data.get(b);
    events.add("data " + stream.id() + " " + (n <= 40 ? "'" + new String(b, StandardCharsets.ISO_8859_1) + "'"
        : n + " bytes") + (endStream ? " end" : ""));
    if (consumeData) {
      stream.consumed(n);
    }
  }

  @Override
  public void onTrailers(Http2Stream stream, Http2Headers trailers) {
    events.add("trailers " + stream.id() + " " + trailers);
  }

  @Override
  public void onReset(Http2Stream stream, Http2ErrorCode code) {
    events.add("reset " + stream.id() + " " + code + (stream.resetReason() == null ? "" : " " + stream.resetReason()));
    onResetDo.accept(stream);
    if (releaseOnReset) {
      stream.release();
    }
  }

  @Override
  public void onWritable(Http2Stream stream) {
    events.add("writable " + stream.id());
    onWritableDo.accept(stream);
  }

  @Override
  public void onRejected(int streamId, int status, Http2ErrorCode code, String reason) {
    events.add("rejected " + streamId + " " + status + " " + code + " " + reason);
  }

  @Override
  public void onGoAway(int lastStreamId, Http2ErrorCode code, String debug) {
    events.add("goaway " + lastStreamId + " " + code + " " + debug);
  }

  @Override
  public void onPingAck(long data) {
    events.add("pingAck " + data);
  }

  @Override
  public void onConnectionError(Http2ErrorCode code, String reason) {
    events.add("connectionError " + code + " " + reason);
  }

  /** The events since the last call. */
  List<String> take() {
    List<String> copy = new ArrayList<>(events);
    events.clear();
    return copy;
  }
}
