package io.lb4j.impl.listener.http2;

import static io.lb4j.impl.listener.http2.RawFrames.END_HEADERS;
import static io.lb4j.impl.listener.http2.RawFrames.END_STREAM;
import static io.lb4j.impl.listener.http2.RawFrames.PADDED;
import static org.assertj.core.api.Assertions.assertThat;

import io.lb4j.impl.listener.Http2Limits;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Flow control both ways (RFC 9113 section 5.2 and 6.9): what a stream may send, what waits and is woken
 * by onWritable, a slow stream not stalling the others, window changes by SETTINGS, the output bound, and
 * the receive windows with their errors and credits.
 */
class Http2FlowControlTest {

  /** Streams' pending response bytes: each onWritable sends what it can. */
  private final Map<Integer, ByteBuffer> pending = new HashMap<>();

  private Http2TestPeer serverWithResponses(Http2Limits limits, int responseBytes) {
    Http2TestPeer peer = Http2TestPeer.server(limits);
    peer.handler.onHeadersDo = (s, h, end) -> {
      s.sendHeaders(new Http2Headers().add(":status", "200"), false);
      ByteBuffer body = ByteBuffer.allocate(responseBytes);
      pending.put(s.id(), body);
      s.sendData(body, true);
    };
    peer.handler.onWritableDo = s -> s.sendData(pending.get(s.id()), true);
    return peer;
  }

  /** Output room far above the windows, so only the windows limit what is sent. */
  private static final Http2Limits ROOMY = Http2Limits.builder().maxBufferedOutputBytes(1 << 20).build();

  @Test
  void sendData_takesWhatTheWindowsAllow_andTheRestWaitsForWindowUpdates() {
    Http2TestPeer peer = serverWithResponses(ROOMY, 100_000);

    peer.send(RawFrames.create().headers(1, END_HEADERS | END_STREAM, peer.get("/")));

    assertThat(peer.sent()).containsExactly("HEADERS 1 [:status: 200]", "DATA 1 16384 bytes", "DATA 1 16384 bytes",
        "DATA 1 16384 bytes", "DATA 1 16383 bytes");
    assertThat(pending.get(1).remaining()).isEqualTo(100_000 - 65535);
    assertThat(peer.handler.take()).hasSize(1);

    peer.send(RawFrames.create().windowUpdate(1, 40_000));
    assertThat(peer.handler.take()).as("the connection window is still empty").isEmpty();

    peer.send(RawFrames.create().windowUpdate(0, 20_000));
    assertThat(peer.handler.take()).containsExactly("writable 1");
    assertThat(peer.sent()).containsExactly("DATA 1 16384 bytes", "DATA 1 3616 bytes");

    peer.send(RawFrames.create().windowUpdate(0, 1 << 20));
    assertThat(peer.sent()).containsExactly("DATA 1 14465 bytes end");
    assertThat(peer.handler.streams.get(0).state()).isEqualTo(Http2Stream.State.CLOSED);
  }

  @Test
  void streamOutOfWindow_doesNotStallTheOthers() {
    Http2TestPeer peer = serverWithResponses(ROOMY, 3000);
    // Stream windows of 1000 bytes, a large connection window.
    peer.send(RawFrames.create().settings(4, 1000).windowUpdate(0, 1 << 20));
    peer.sent();

    peer.send(RawFrames.create().headers(1, END_HEADERS | END_STREAM, peer.get("/slow"))
        .headers(3, END_HEADERS | END_STREAM, peer.get("/fast")));
    assertThat(peer.sent()).containsExactly("HEADERS 1 [:status: 200]", "DATA 1 1000 bytes",
        "HEADERS 3 [:status: 200]", "DATA 3 1000 bytes");
    peer.handler.take();

    // Only stream 3's reader keeps up: stream 3 finishes while stream 1 waits, untouched.
    for (int i = 0; i < 2; i++) {
      peer.send(RawFrames.create().windowUpdate(3, 1000));
    }
    assertThat(peer.sent()).containsExactly("DATA 3 1000 bytes", "DATA 3 1000 bytes end");
    assertThat(peer.handler.take()).containsExactly("writable 3", "writable 3");
    assertThat(pending.get(1).remaining()).isEqualTo(2000);

    peer.send(RawFrames.create().windowUpdate(1, 5000));
    assertThat(peer.sent()).containsExactly("DATA 1 2000 bytes end");
  }

  @Test
  void smallerInitialWindow_canMakeAWindowNegative_andWritingWaitsUntilItIsPositive() {
    Http2TestPeer peer = serverWithResponses(ROOMY, 70_000);
    peer.send(RawFrames.create().windowUpdate(0, 1 << 20).headers(1, END_HEADERS | END_STREAM, peer.get("/")));
    peer.sent();
    peer.handler.take();
    Http2Stream s = peer.handler.streams.get(0);
    assertThat(s.sendWindow()).isZero();

    peer.send(RawFrames.create().settings(4, 16_384));
    assertThat(peer.sent()).containsExactly("SETTINGS ACK");
    assertThat(s.sendWindow()).isEqualTo(16_384 - 65_535);

    peer.send(RawFrames.create().windowUpdate(1, 49_151));
    assertThat(s.sendWindow()).isZero();
    assertThat(peer.handler.take()).isEmpty();
    peer.send(RawFrames.create().windowUpdate(1, 10_000));
    assertThat(peer.handler.take()).containsExactly("writable 1");
    assertThat(peer.sent()).containsExactly("DATA 1 4465 bytes end");

    peer.send(RawFrames.create().settings(4, 1 << 20));
    assertThat(peer.sent()).containsExactly("SETTINGS ACK");
  }

  @Test
  void endStreamWithNoData_goesOutEvenWithAnEmptyWindow() {
    Http2TestPeer peer = serverWithResponses(Http2Limits.defaults(), 65_535);
    peer.send(RawFrames.create().headers(1, END_HEADERS | END_STREAM, peer.get("/")));
    peer.sent();
    Http2TestPeer other = Http2TestPeer.server(Http2Limits.defaults());
    other.handler.onHeadersDo = (s, h, end) -> {
      s.sendHeaders(new Http2Headers().add(":status", "200"), false);
      s.sendData(ByteBuffer.allocate(65_535), false);
      assertThat(s.sendData(ByteBuffer.allocate(0), true)).isZero();
    };
    other.send(RawFrames.create().headers(1, END_HEADERS | END_STREAM, other.get("/")));
    assertThat(other.sent()).endsWith("DATA 1 '' end");
  }

  @Test
  void outputRoom_boundsWhatStreamsQueue_andFlushingWakesThem() {
    Http2Limits limits = Http2Limits.builder().maxBufferedOutputBytes(16_384).build();
    Http2TestPeer peer = Http2TestPeer.server(limits);
    peer.send(RawFrames.create().windowUpdate(0, 1 << 20).settings(4, 1 << 20));
    peer.sent();
    ByteBuffer body = ByteBuffer.allocate(100_000);
    int[] taken = new int[1];
    long[] maxQueued = new long[1];
    peer.handler.onHeadersDo = (s, h, end) -> {
      s.sendHeaders(new Http2Headers().add(":status", "200"), false);
      taken[0] = s.sendData(body, true);
      maxQueued[0] = peer.connection.outputBytes();
    };
    peer.handler.onWritableDo = s -> {
      s.sendData(body, true);
      maxQueued[0] = Math.max(maxQueued[0], peer.connection.outputBytes());
    };

    peer.connection.receive(ByteBuffer.wrap(RawFrames.create().headers(1, END_HEADERS | END_STREAM, peer.get("/"))
        .bytes()));

    // The HEADERS frame took 10 of the 16384 bytes of room, the DATA frame's header 9.
    assertThat(taken[0]).isEqualTo(16_384 - 9 - 1 - 9);
    peer.drain();
    assertThat(body.hasRemaining()).isFalse();
    assertThat(maxQueued[0]).as("the output never grows past the bound").isLessThanOrEqualTo(16_384);
    assertThat(peer.handler.take().stream().filter(e -> e.equals("writable 1")).count())
        .isGreaterThanOrEqualTo(100_000 / 16_384);
    assertThat(peer.handler.streams.get(0).state()).isEqualTo(Http2Stream.State.CLOSED);
  }

  @Test
  void dataBeyondTheStreamWindow_resetsTheStream_withFlowControlError() {
    Http2TestPeer peer = Http2TestPeer.server(Http2Limits.defaults());
    peer.handler.consumeData = false;
    peer.send(RawFrames.create().headers(1, END_HEADERS, peer.post("/")).data(1, 0, new byte[16_384])
        .data(1, 0, new byte[16_384]).data(1, 0, new byte[16_384]).data(1, 0, new byte[16_383]));
    assertThat(peer.sent()).isEmpty();

    peer.send(RawFrames.create().data(1, 0, new byte[1]));

    assertThat(peer.sent()).containsExactly("RST_STREAM 1 FLOW_CONTROL_ERROR");
    assertThat(peer.handler.events).last().isEqualTo(
        "reset 1 FLOW_CONTROL_ERROR DATA frame of 1 bytes beyond the stream window of 0");
    assertThat(peer.connection.isOpen()).isTrue();
  }

  @Test
  void dataBeyondTheConnectionWindow_isAConnectionError() {
    Http2Limits limits = Http2Limits.builder().connectionWindowSize(65_535).initialWindowSize(1 << 20)
        .maxFrameSize(1 << 20).build();
    Http2TestPeer peer = Http2TestPeer.server(limits);
    peer.send(RawFrames.create().headers(1, END_HEADERS, peer.post("/")).data(1, 0, new byte[65_536]));
    assertThat(peer.sent()).containsExactly(
        "GOAWAY 1 FLOW_CONTROL_ERROR DATA frame of 65536 bytes beyond the connection window of 65535");
  }

  @Test
  void connectionWindow_isCreditedAsDataArrives_atHalfTheWindow() {
    Http2Limits limits = Http2Limits.builder().initialWindowSize(1 << 20).build();
    Http2TestPeer peer = Http2TestPeer.server(limits);
    peer.handler.consumeData = false;
    RawFrames frames = RawFrames.create().headers(1, END_HEADERS, peer.post("/"));
    for (int i = 0; i < 32; i++) {
      frames.data(1, 0, new byte[16_384]);
    }
    peer.send(frames);
    assertThat(peer.sent()).as("credited although the owner has not consumed a byte")
        .containsExactly("WINDOW_UPDATE 0 524288");
  }

  @Test
  void padding_isCreditedWithoutTheOwner() {
    Http2TestPeer peer = Http2TestPeer.server(Http2Limits.defaults());
    peer.handler.consumeData = false;
    RawFrames frames = RawFrames.create().headers(1, END_HEADERS, peer.post("/"));
    byte[] payload = new byte[256];
    payload[0] = (byte) 254; // pad length: 1 data byte, 254 bytes of padding
    for (int i = 0; i < 129; i++) {
      frames.data(1, PADDED, payload);
    }
    peer.send(frames);
    // 255 bytes of each frame (pad length field and padding) go back; 128 frames are 32640, below half of
    // the window, the 129th passes it.
    assertThat(peer.sent()).containsExactly("WINDOW_UPDATE 1 32895");
    assertThat(peer.handler.streams.get(0).dataReceived()).isEqualTo(129);
  }

  @Test
  void largerLocalWindow_appliesToStreamsOnceAcknowledged() {
    Http2Limits limits = Http2Limits.builder().initialWindowSize(200_000).build();
    Http2TestPeer peer = Http2TestPeer.fresh(true, limits);
    peer.send(RawFrames.clientStart());
    peer.handler.consumeData = false;
    // Before the ACK, a stream gets the protocol's 65535: a 65536th byte is refused.
    peer.send(RawFrames.create().headers(1, END_HEADERS, peer.post("/")).data(1, 0, new byte[16_384])
        .data(1, 0, new byte[16_384]).data(1, 0, new byte[16_384]).data(1, 0, new byte[16_384]));
    assertThat(peer.sent()).contains("RST_STREAM 1 FLOW_CONTROL_ERROR");

    peer.send(RawFrames.create().settingsAck().headers(3, END_HEADERS, peer.post("/"))
        .data(3, 0, new byte[16_384]).data(3, 0, new byte[16_384]).data(3, 0, new byte[16_384])
        .data(3, 0, new byte[16_384]).data(3, 0, new byte[16_384]));
    assertThat(peer.sent()).isEmpty();
    assertThat(peer.connection.stream(3).dataReceived()).isEqualTo(5 * 16_384);
  }
}
