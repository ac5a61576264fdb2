package io.lb4j.impl.listener.http2;

import static io.lb4j.impl.listener.http2.RawFrames.END_HEADERS;
import static io.lb4j.impl.listener.http2.RawFrames.END_STREAM;
import static org.assertj.core.api.Assertions.assertThat;

import io.lb4j.impl.listener.Http2Limits;
import org.junit.jupiter.api.Test;

/**
 * Stream states and identifiers (RFC 9113 section 5.1), SETTINGS values (section 6.5.2), and the
 * connection or stream error each violation gets.
 */
class Http2StreamStatesTest {

  private final Http2TestPeer peer = Http2TestPeer.server(Http2Limits.defaults());

  private void assertConnectionError(RawFrames frames, String goAway) {
    assertThat(peer.send(frames)).isFalse();
    assertThat(peer.sent()).last().isEqualTo(goAway);
    assertThat(peer.connection.isOpen()).isFalse();
  }

  @Test
  void dataOnAnIdleStream_isAProtocolError() {
    assertConnectionError(RawFrames.create().data(1, true, "x"), "GOAWAY 0 PROTOCOL_ERROR DATA on idle stream 1");
  }

  @Test
  void rstStreamOnAnIdleStream_isAProtocolError() {
    assertConnectionError(RawFrames.create().rstStream(1, 8), "GOAWAY 0 PROTOCOL_ERROR RST_STREAM on idle stream 1");
  }

  @Test
  void windowUpdateOnAnIdleStream_isAProtocolError() {
    assertConnectionError(RawFrames.create().windowUpdate(1, 1),
        "GOAWAY 0 PROTOCOL_ERROR WINDOW_UPDATE on idle stream 1");
  }

  @Test
  void priorityOnAnIdleStream_isAllowed() {
    peer.send(RawFrames.create().priority(5, 0, 16).headers(5, END_HEADERS | END_STREAM, peer.get("/")));
    assertThat(peer.connection.isOpen()).isTrue();
    assertThat(peer.handler.take()).hasSize(1);
  }

  @Test
  void evenStreamIdFromAClient_isAProtocolError() {
    assertConnectionError(RawFrames.create().headers(2, END_HEADERS | END_STREAM, peer.get("/")),
        "GOAWAY 0 PROTOCOL_ERROR HEADERS on idle stream 2");
  }

  @Test
  void streamIdLowerThanThePreviousOne_isAProtocolError() {
    peer.send(RawFrames.create().headers(5, END_HEADERS | END_STREAM, peer.get("/")));
    assertConnectionError(RawFrames.create().headers(3, END_HEADERS | END_STREAM, peer.get("/")),
        "GOAWAY 5 PROTOCOL_ERROR HEADERS on stream 3, lower than the last stream opened 5");
  }

  @Test
  void framesOnAStreamClosedNormally_areStreamClosedErrors() {
    peer.handler.onHeadersDo = (s, h, end) -> s.sendHeaders(new Http2Headers().add(":status", "204"), true);
    peer.send(RawFrames.create().headers(1, END_HEADERS | END_STREAM, peer.get("/")));
    assertThat(peer.handler.streams.get(0).state()).isEqualTo(Http2Stream.State.CLOSED);
    // WINDOW_UPDATE, PRIORITY and RST_STREAM on a closed stream are ignored.
    peer.send(RawFrames.create().windowUpdate(1, 10).priority(1, 0, 1).rstStream(1, 0));
    assertThat(peer.connection.isOpen()).isTrue();
    assertConnectionError(RawFrames.create().data(1, true, "late"), "GOAWAY 1 STREAM_CLOSED DATA on closed stream 1");
  }

  @Test
  void headersOnAStreamClosedNormally_isAStreamClosedError() {
    peer.handler.onHeadersDo = (s, h, end) -> s.sendHeaders(new Http2Headers().add(":status", "204"), true);
    peer.send(RawFrames.create().headers(1, END_HEADERS | END_STREAM, peer.get("/")));
    assertConnectionError(RawFrames.create().headers(1, END_HEADERS | END_STREAM, peer.block("x", "y")),
        "GOAWAY 1 STREAM_CLOSED HEADERS on closed stream 1");
  }

  @Test
  void dataAfterEndStream_resetsTheStream_withStreamClosed() {
    peer.send(RawFrames.create().headers(1, END_HEADERS | END_STREAM, peer.get("/")).data(1, false, "x"));
    assertThat(peer.sent()).containsExactly("RST_STREAM 1 STREAM_CLOSED");
    assertThat(peer.handler.take()).last().isEqualTo("reset 1 STREAM_CLOSED DATA after END_STREAM");
    assertThat(peer.connection.isOpen()).isTrue();
  }

  @Test
  void headersAfterEndStream_resetTheStream_withStreamClosed() {
    peer.send(RawFrames.create().headers(1, END_HEADERS | END_STREAM, peer.get("/"))
        .headers(1, END_HEADERS | END_STREAM, peer.block("x", "y")));
    assertThat(peer.sent()).containsExactly("RST_STREAM 1 STREAM_CLOSED");
  }

  @Test
  void secondHeadersWithoutEndStream_isMalformed() {
    peer.send(RawFrames.create().headers(1, END_HEADERS, peer.post("/")).headers(1, END_HEADERS, peer.block("x", "y")));
    assertThat(peer.sent()).containsExactly("RST_STREAM 1 PROTOCOL_ERROR");
    assertThat(peer.handler.take()).last().isEqualTo("reset 1 PROTOCOL_ERROR trailers without END_STREAM");
  }

  @Test
  void malformedTrailers_resetTheStream() {
    peer.send(RawFrames.create().headers(1, END_HEADERS, peer.post("/"))
        .headers(1, END_HEADERS | END_STREAM, peer.block(":path", "/x")));
    assertThat(peer.handler.take()).last().isEqualTo("reset 1 PROTOCOL_ERROR pseudo-header field in trailers");
  }

  @Test
  void headersDependingOnThemselves_areAStreamError() {
    byte[] block = peer.get("/");
    byte[] payload = RawFrames.concat(RawFrames.bytes(0, 0, 0, 1, 15), block);
    peer.send(RawFrames.create().frame(RawFrames.HEADERS, END_HEADERS | END_STREAM | RawFrames.PRIORITY_FLAG, 1,
        payload));
    assertThat(peer.sent()).containsExactly("RST_STREAM 1 PROTOCOL_ERROR");
    assertThat(peer.handler.take()).containsExactly("rejected 1 0 PROTOCOL_ERROR stream 1 depends on itself");
    // The block was decoded all the same: the next request's references to the table still work.
    peer.send(RawFrames.create().headers(3, END_HEADERS | END_STREAM, peer.get("/")));
    assertThat(peer.handler.take()).hasSize(1);
  }

  @Test
  void windowUpdateOfZero_isAStreamError_orAConnectionErrorOnStream0() {
    peer.send(RawFrames.create().headers(1, END_HEADERS | END_STREAM, peer.get("/")).windowUpdate(1, 0));
    assertThat(peer.sent()).containsExactly("RST_STREAM 1 PROTOCOL_ERROR");
    assertConnectionError(RawFrames.create().windowUpdate(0, 0),
        "GOAWAY 1 PROTOCOL_ERROR WINDOW_UPDATE of 0 on the connection");
  }

  @Test
  void windowAbove2To31Minus1_isAFlowControlError() {
    peer.send(RawFrames.create().headers(1, END_HEADERS | END_STREAM, peer.get("/"))
        .windowUpdate(1, Integer.MAX_VALUE - 65_535));
    assertThat(peer.sent()).as("exactly 2^31-1 is allowed").isEmpty();
    peer.send(RawFrames.create().windowUpdate(1, 1));
    assertThat(peer.sent()).containsExactly("RST_STREAM 1 FLOW_CONTROL_ERROR");
    peer.send(RawFrames.create().windowUpdate(0, Integer.MAX_VALUE - 65_535));
    assertConnectionError(RawFrames.create().windowUpdate(0, 1),
        "GOAWAY 1 FLOW_CONTROL_ERROR connection window above 2^31-1");
  }

  @Test
  void settingsOutOfRange_areConnectionErrors() {
    assertThat(Http2TestPeer.server(Http2Limits.defaults()).send(RawFrames.create().settings(2, 2))).isFalse();
    assertThat(Http2TestPeer.server(Http2Limits.defaults()).send(RawFrames.create().settings(5, 16_383))).isFalse();
    assertThat(Http2TestPeer.server(Http2Limits.defaults()).send(RawFrames.create().settings(5, 16_777_216)))
        .isFalse();
    assertThat(Http2TestPeer.server(Http2Limits.defaults()).send(RawFrames.create().settings(8, 2))).isFalse();
    assertConnectionError(RawFrames.create().settings(4, 0x80000000L),
        "GOAWAY 0 FLOW_CONTROL_ERROR SETTINGS_INITIAL_WINDOW_SIZE of 2147483648");
  }

  @Test
  void settingsAtTheirEdges_andUnknownOnes_areAccepted() {
    peer.send(RawFrames.create().settings(2, 1, 5, 16_384, 5, 16_777_215, 4, Integer.MAX_VALUE, 0x99, 7, 9, 1));
    assertThat(peer.sent()).containsExactly("SETTINGS ACK");
    assertThat(peer.connection.isOpen()).isTrue();
  }

  @Test
  void peerMaxFrameSize_splitsWhatThisSideSends() {
    peer.send(RawFrames.create().settings(5, 20_000).windowUpdate(0, 100_000));
    peer.handler.onHeadersDo = (s, h, end) -> {
      s.sendHeaders(new Http2Headers().add(":status", "200").add("x-big", "v".repeat(30_000)), false);
      s.sendData(java.nio.ByteBuffer.allocate(30_000), true);
    };
    peer.send(RawFrames.create().settings(4, 100_000).headers(1, END_HEADERS | END_STREAM, peer.get("/")));
    assertThat(peer.sent()).containsSubsequence("DATA 1 20000 bytes", "DATA 1 10000 bytes end");
  }

  @Test
  void settingsAckWithoutSettings_isAProtocolError() {
    assertConnectionError(RawFrames.create().settingsAck(), "GOAWAY 0 PROTOCOL_ERROR SETTINGS ACK without SETTINGS");
  }

  @Test
  void goAwayRaisingItsLastStreamId_isAProtocolError() {
    peer.send(RawFrames.create().goAway(3, 0, ""));
    assertConnectionError(RawFrames.create().goAway(5, 0, ""),
        "GOAWAY 0 PROTOCOL_ERROR GOAWAY raised the last stream id from 3 to 5");
  }

  @Test
  void undecodableHeaderBlock_isACompressionError() {
    assertConnectionError(RawFrames.create().headers(1, END_HEADERS | END_STREAM, RawFrames.bytes(0x80)),
        "GOAWAY 0 COMPRESSION_ERROR index 0 outside the tables");
  }

  @Test
  void headerTableSizeLimit_takesEffectWhenAcknowledged_andIsEnforcedAtItsEdge() {
    Http2TestPeer fresh = Http2TestPeer.fresh(true, Http2Limits.builder().headerTableSize(100).build());
    fresh.send(RawFrames.clientStart().settingsAck());
    // The limit went down from 4096 to 100: the next block must start with a size update, to at most 100.
    byte[] update100 = RawFrames.bytes(0x3f, 0x45);
    byte[] request = RawFrames.bytes(0x82, 0x87, 0x84, 0x41, 0x01, 'a');
    fresh.send(RawFrames.create().headers(1, END_HEADERS | END_STREAM, RawFrames.concat(update100, request)));
    assertThat(fresh.handler.take()).singleElement().asString().startsWith("headers 1 ");
    assertThat(fresh.send(RawFrames.create().headers(3, END_HEADERS | END_STREAM,
        RawFrames.concat(RawFrames.bytes(0x3f, 0x46), request)))).isFalse();
    assertThat(fresh.sent()).last().isEqualTo(
        "GOAWAY 1 COMPRESSION_ERROR dynamic table size update to 101 above the limit 100");

    Http2TestPeer missing = Http2TestPeer.fresh(true, Http2Limits.builder().headerTableSize(100).build());
    missing.send(RawFrames.clientStart().settingsAck());
    assertThat(missing.send(RawFrames.create().headers(1, END_HEADERS | END_STREAM, request))).isFalse();
    assertThat(missing.sent()).last().isEqualTo(
        "GOAWAY 0 COMPRESSION_ERROR missing dynamic table size update after the limit went down");
  }

  @Test
  void headerTableSizeSetting_isHonouredByTheEncoder() {
    peer.send(RawFrames.create().settings(1, 0));
    peer.sent();
    peer.handler.onHeadersDo = (s, h, end) -> s.sendHeaders(new Http2Headers().add(":status", "200")
        .add("x-custom", "value"), true);
    peer.send(RawFrames.create().headers(1, END_HEADERS | END_STREAM, peer.get("/")));
    // The peer's decoder (4096 by default here) accepts the size update to 0 the encoder now leads with.
    assertThat(peer.sent()).containsExactly("HEADERS 1 [:status: 200, x-custom: value] end");
    assertThat(peer.connection.encoder.tableSize()).isZero();
  }
}
