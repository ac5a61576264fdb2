package io.lb4j.impl.listener.http2;

import static io.lb4j.impl.listener.http2.RawFrames.END_HEADERS;
import static io.lb4j.impl.listener.http2.RawFrames.END_STREAM;
import static org.assertj.core.api.Assertions.assertThat;

import io.lb4j.impl.listener.Http2Limits;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A server connection driven with raw frames: the opening exchange, requests and responses with data
 * and trailers both ways, header blocks in CONTINUATIONs, PING, resets and GOAWAY.
 */
class Http2ServerConnectionTest {

  private static final Http2Limits LIMITS = Http2Limits.defaults();

  @Test
  void opening_sendsSettingsAndTheConnectionWindow_andAcknowledgesTheClients() {
    Http2TestPeer peer = Http2TestPeer.fresh(true, LIMITS);
    assertThat(peer.sent()).containsExactly("SETTINGS 3=100 6=32768", "WINDOW_UPDATE 0 983041");

    peer.send(RawFrames.clientStart());
    assertThat(peer.sent()).containsExactly("SETTINGS ACK");
    assertThat(peer.connection.isOpen()).isTrue();
  }

  @Test
  void opening_advertisesEveryNonDefaultLimit() {
    Http2Limits limits = Http2Limits.builder().headerTableSize(8192).initialWindowSize(1 << 20)
        .maxFrameSize(1 << 20).maxConcurrentStreams(7).maxHeaderListSize(4096).connectionWindowSize(65535).build();
    Http2TestPeer peer = Http2TestPeer.fresh(true, limits);
    assertThat(peer.sent()).containsExactly("SETTINGS 1=8192 3=7 4=1048576 5=1048576 6=4096");
  }

  @Test
  void getRequest_isHandedOver_andAnsweredWithHeadersAndData() {
    Http2TestPeer peer = Http2TestPeer.server(LIMITS);
    peer.handler.onHeadersDo = (s, h, end) -> {
      s.sendHeaders(new Http2Headers().add(":status", "200").add("content-type", "text/plain"), false);
      s.sendData(ByteBuffer.wrap("hello".getBytes(StandardCharsets.US_ASCII)), true);
    };

    peer.send(RawFrames.create().headers(1, END_HEADERS | END_STREAM, peer.get("/index.html")));

    assertThat(peer.handler.take()).containsExactly(
        "headers 1 [:method: GET, :scheme: https, :authority: example.com, :path: /index.html] end");
    assertThat(peer.sent()).containsExactly("HEADERS 1 [:status: 200, content-type: text/plain]",
        "DATA 1 'hello' end");
    assertThat(peer.handler.streams.get(0).state()).isEqualTo(Http2Stream.State.CLOSED);
    assertThat(peer.connection.openStreams()).isZero();
    assertThat(peer.connection.streamSlotsInUse()).isZero();
  }

  @Test
  void postWithBodyAndTrailers_deliversDataThenTrailers_andCreditsTheWindowAsItIsConsumed() {
    Http2TestPeer peer = Http2TestPeer.server(LIMITS);
    peer.send(RawFrames.create().headers(1, END_HEADERS, peer.post("/upload"))
        .data(1, 0, new byte[16384]).data(1, 0, new byte[16384]).data(1, 0, new byte[7232])
        .headers(1, END_HEADERS | END_STREAM, peer.block("checksum", "abc")));

    assertThat(peer.handler.take()).containsExactly(
        "headers 1 [:method: POST, :scheme: https, :authority: example.com, :path: /upload]",
        "data 1 16384 bytes", "data 1 16384 bytes", "data 1 7232 bytes", "trailers 1 [checksum: abc]");
    // 32768 consumed is half the 65535 window: one stream credit; the connection's comes at half of 1 MiB.
    assertThat(peer.sent()).containsExactly("WINDOW_UPDATE 1 32768");
    assertThat(peer.handler.streams.get(0).state()).isEqualTo(Http2Stream.State.HALF_CLOSED_REMOTE);
  }

  @Test
  void unconsumedData_isNotCredited() {
    Http2TestPeer peer = Http2TestPeer.server(LIMITS);
    peer.handler.consumeData = false;
    peer.send(RawFrames.create().headers(1, END_HEADERS, peer.post("/")).data(1, 0, new byte[16384])
        .data(1, 0, new byte[16384]).data(1, 0, new byte[16384]));
    assertThat(peer.sent()).isEmpty();
    Http2Stream s = peer.handler.streams.get(0);
    s.consumed(49152);
    assertThat(peer.sent()).containsExactly("WINDOW_UPDATE 1 49152");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> s.consumed(1))
        .hasMessage("consumed bytes must be between 0 and 0, was 1");
  }

  @Test
  void responseTrailers_endTheStream() {
    Http2TestPeer peer = Http2TestPeer.server(LIMITS);
    peer.handler.onHeadersDo = (s, h, end) -> {
      s.sendHeaders(new Http2Headers().add(":status", "200").add("content-type", "application/grpc"), false);
      s.sendData(ByteBuffer.wrap(new byte[] {0, 0, 0, 0, 0}), false);
      s.sendTrailers(new Http2Headers().add("grpc-status", "0"));
    };
    peer.send(RawFrames.create().headers(1, END_HEADERS | END_STREAM, peer.post("/svc/Method")));
    assertThat(peer.sent()).containsExactly("HEADERS 1 [:status: 200, content-type: application/grpc]",
        "DATA 1 '\0\0\0\0\0'", "HEADERS 1 [grpc-status: 0] end");
  }

  @Test
  void informationalResponses_precedeTheFinalOne() {
    Http2TestPeer peer = Http2TestPeer.server(LIMITS);
    peer.handler.onHeadersDo = (s, h, end) -> {
      assertThat(s.sendHeaders(new Http2Headers().add(":status", "103").add("link", "</a.css>"), false)).isTrue();
      assertThat(s.sendHeaders(new Http2Headers().add(":status", "204"), true)).isTrue();
      assertThat(s.sendHeaders(new Http2Headers().add(":status", "200"), true)).as("side ended").isFalse();
    };
    peer.send(RawFrames.create().headers(1, END_HEADERS | END_STREAM, peer.get("/")));
    assertThat(peer.sent()).containsExactly("HEADERS 1 [:status: 103, link: </a.css>]", "HEADERS 1 [:status: 204] end");
  }

  @Test
  void headerBlockInContinuations_isDecodedWhole_atEverySplit() {
    for (int pieceSize : new int[] {Integer.MAX_VALUE, 7, 1}) {
      Http2TestPeer peer = Http2TestPeer.server(LIMITS);
      peer.pieceSize = pieceSize;
      byte[] block = peer.block(":method", "GET", ":scheme", "https", ":authority", "example.com", ":path", "/",
          "cookie", "a=1", "x-long", "v".repeat(300));
      int third = block.length / 3;
      peer.send(RawFrames.create().headers(1, END_STREAM, java.util.Arrays.copyOfRange(block, 0, third))
          .continuation(1, 0, java.util.Arrays.copyOfRange(block, third, 2 * third))
          .continuation(1, END_HEADERS, java.util.Arrays.copyOfRange(block, 2 * third, block.length)));
      assertThat(peer.handler.take()).singleElement().asString()
          .startsWith("headers 1 [:method: GET, :scheme: https, :authority: example.com, :path: /, cookie: a=1, x-long: vvv")
          .endsWith("] end");
    }
  }

  @Test
  void wholeConversation_splitAtEveryPoint_givesTheSameEventsAndAnswers() {
    Http2TestPeer reference = Http2TestPeer.fresh(true, LIMITS);
    byte[] padded = RawFrames.concat(RawFrames.bytes(3), "abc".getBytes(StandardCharsets.US_ASCII), new byte[3]);
    byte[] conversation = RawFrames.clientStart().settingsAck()
        .headers(1, END_HEADERS, reference.post("/a")).data(1, false, "hello ")
        .frame(RawFrames.DATA, RawFrames.PADDED, 1, padded).ping(false, 9)
        .headers(1, END_HEADERS | END_STREAM, reference.block("t", "1"))
        .headers(3, END_HEADERS | END_STREAM, reference.get("/b")).windowUpdate(0, 1000).priority(5, 3, 8)
        .bytes();
    java.util.List<String> expected = null;
    for (int split = 0; split <= conversation.length; split++) {
      Http2TestPeer peer = Http2TestPeer.fresh(true, LIMITS);
      StringBuilder log = new StringBuilder();
      peer.handler.onHeadersDo = (st, h, end) -> st.sendHeaders(new Http2Headers().add(":status", "204"), end);
      RecordingHandler joined = peer.handler;
      peer.send(java.util.Arrays.copyOfRange(conversation, 0, split));
      peer.send(java.util.Arrays.copyOfRange(conversation, split, conversation.length));
      // Data pieces differ with the split; their concatenation per stream must not.
      for (String e : joined.take()) {
        log.append(e.startsWith("data ") ? e.replaceAll("^data (\\d+) '(.*)'( end)?$", "$2") : "\n" + e + "\n");
      }
      java.util.List<String> result = new java.util.ArrayList<>(java.util.List.of(log.toString().replace("\n\n", "\n")
          .strip().split("\n")));
      result.addAll(peer.sent());
      if (expected == null) {
        expected = result;
        assertThat(expected).contains("hello abc", "trailers 1 [t: 1]", "PING ACK 9", "HEADERS 3 [:status: 204] end");
      }
      assertThat(result).as("split at %d", split).isEqualTo(expected);
    }
  }

  @Test
  void ping_isAcknowledgedWithItsData_andOwnPingsReportTheirAck() {
    Http2TestPeer peer = Http2TestPeer.server(LIMITS);
    peer.send(RawFrames.create().ping(false, 0x1122334455667788L));
    assertThat(peer.sent()).containsExactly("PING ACK " + 0x1122334455667788L);

    peer.connection.ping(42);
    assertThat(peer.sent()).containsExactly("PING 42");
    peer.send(RawFrames.create().ping(true, 42));
    assertThat(peer.handler.take()).containsExactly("pingAck 42");
  }

  @Test
  void peerReset_tellsTheOwner_andTheSlotIsHeldUntilReleased() {
    Http2TestPeer peer = Http2TestPeer.server(LIMITS);
    peer.handler.releaseOnReset = false;
    peer.send(RawFrames.create().headers(1, END_HEADERS, peer.post("/")).rstStream(1, 8));

    assertThat(peer.handler.take()).containsExactly(
        "headers 1 [:method: POST, :scheme: https, :authority: example.com, :path: /]", "reset 1 CANCEL");
    Http2Stream s = peer.handler.streams.get(0);
    assertThat(s.state()).isEqualTo(Http2Stream.State.CLOSED);
    assertThat(s.resetCode()).isEqualTo(Http2ErrorCode.CANCEL);
    assertThat(peer.connection.openStreams()).isZero();
    assertThat(peer.connection.streamSlotsInUse()).isEqualTo(1);
    s.release();
    assertThat(peer.connection.streamSlotsInUse()).isZero();
    assertThat(peer.sent()).as("no answer to a reset").isEmpty();
  }

  @Test
  void ownerReset_sendsRstStream_andLaterFramesOfTheStreamAreIgnored() {
    Http2TestPeer peer = Http2TestPeer.server(LIMITS);
    peer.handler.onHeadersDo = (s, h, end) -> s.reset(Http2ErrorCode.CANCEL);
    peer.send(RawFrames.create().headers(1, END_HEADERS, peer.post("/")));
    assertThat(peer.sent()).containsExactly("RST_STREAM 1 CANCEL");
    assertThat(peer.connection.streamSlotsInUse()).isZero();

    // The client sent these before it saw the reset.
    peer.send(RawFrames.create().data(1, false, "late").windowUpdate(1, 100).headers(1, END_HEADERS | END_STREAM,
        peer.block("x", "y")));
    assertThat(peer.connection.isOpen()).isTrue();
    assertThat(peer.handler.take()).hasSize(1);
    assertThat(peer.sent()).isEmpty();
  }

  @Test
  void earlyResponse_thenResetNoError_stopsTheUpload() {
    Http2TestPeer peer = Http2TestPeer.server(LIMITS);
    peer.handler.onHeadersDo = (s, h, end) -> {
      s.sendHeaders(new Http2Headers().add(":status", "413"), true);
      s.reset(Http2ErrorCode.NO_ERROR);
    };
    peer.send(RawFrames.create().headers(1, END_HEADERS, peer.post("/big")).data(1, false, "more"));
    assertThat(peer.sent()).containsExactly("HEADERS 1 [:status: 413] end", "RST_STREAM 1 NO_ERROR");
    assertThat(peer.connection.isOpen()).isTrue();
  }

  @Test
  void gracefulGoAway_letsOpenStreamsFinish_andIgnoresNewerOnes() {
    Http2TestPeer peer = Http2TestPeer.server(LIMITS);
    peer.send(RawFrames.create().headers(1, END_HEADERS, peer.post("/")));
    peer.connection.goAway(Http2ErrorCode.NO_ERROR, "restarting");
    assertThat(peer.sent()).containsExactly("GOAWAY 1 NO_ERROR restarting");

    peer.send(RawFrames.create().headers(3, END_HEADERS, peer.post("/new")).data(3, true, "ignored")
        .data(1, true, "done"));
    assertThat(peer.handler.take()).containsExactly(
        "headers 1 [:method: POST, :scheme: https, :authority: example.com, :path: /]", "data 1 'done' end");
    assertThat(peer.connection.isOpen()).isTrue();
    Http2Stream s = peer.handler.streams.get(0);
    s.sendHeaders(new Http2Headers().add(":status", "200"), true);
    assertThat(peer.connection.openStreams()).isZero();
    assertThat(peer.connection.isGoAwaySent()).isTrue();
  }

  @Test
  void clientGoAway_isReported() {
    Http2TestPeer peer = Http2TestPeer.server(LIMITS);
    peer.send(RawFrames.create().goAway(0, 0, "bye"));
    assertThat(peer.handler.take()).containsExactly("goaway 0 NO_ERROR bye");
    assertThat(peer.connection.isGoAwayReceived()).isTrue();
  }

  @Test
  void connectionError_sendsGoAway_resetsOpenStreams_andIgnoresFurtherInput() {
    Http2TestPeer peer = Http2TestPeer.server(LIMITS);
    peer.send(RawFrames.create().headers(1, END_HEADERS, peer.post("/")));
    peer.handler.take();

    boolean open = peer.send(RawFrames.create().data(0, true, "x"));

    assertThat(open).isFalse();
    assertThat(peer.sent()).containsExactly("GOAWAY 1 PROTOCOL_ERROR DATA frame on stream 0");
    assertThat(peer.handler.take()).containsExactly("reset 1 PROTOCOL_ERROR",
        "connectionError PROTOCOL_ERROR DATA frame on stream 0");
    assertThat(peer.send(RawFrames.create().ping(false, 1))).isFalse();
    assertThat(peer.sent()).isEmpty();
  }

  @Test
  void settingsNotAcknowledgedInTime_failsTheConnection() {
    Http2TestPeer peer = Http2TestPeer.fresh(true, LIMITS);
    peer.send(RawFrames.clientStart());
    peer.sent();
    assertThat(peer.connection.nextDeadlineNanos()).isEqualTo(peer.clock.getAsLong() + Duration.ofSeconds(10).toNanos());

    peer.clock.advance(Duration.ofSeconds(10).minusNanos(1));
    peer.connection.onTimer();
    assertThat(peer.connection.isOpen()).isTrue();
    peer.clock.advance(Duration.ofNanos(1));
    peer.connection.onTimer();

    assertThat(peer.connection.isOpen()).isFalse();
    assertThat(peer.sent()).containsExactly("GOAWAY 0 SETTINGS_TIMEOUT SETTINGS not acknowledged in 10s");
  }

  @Test
  void close_resetsOpenStreams_andGivesEveryBufferBack() {
    Http2TestPeer peer = Http2TestPeer.server(LIMITS);
    peer.send(RawFrames.create().headers(1, END_HEADERS, peer.post("/")));
    peer.connection.ping(1); // queued, never written
    peer.handler.take();

    peer.connection.close();

    assertThat(peer.handler.take()).containsExactly("reset 1 CANCEL");
    assertThat(peer.pool.outstanding).isZero();
    assertThat(peer.connection.isOpen()).isFalse();
  }

  @Test
  void matchPreface_tellsH2cFromHttp11() {
    assertThat(Http2Connection.matchPreface(ByteBuffer.wrap("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\nxyz".getBytes())))
        .isEqualTo(1);
    assertThat(Http2Connection.matchPreface(ByteBuffer.wrap("PRI * HT".getBytes()))).isZero();
    assertThat(Http2Connection.matchPreface(ByteBuffer.wrap("GET / HTTP/1.1\r\n".getBytes()))).isEqualTo(-1);
    assertThat(Http2Connection.matchPreface(ByteBuffer.wrap("PRI * HTTP/1.1".getBytes()))).isEqualTo(-1);
  }
}
