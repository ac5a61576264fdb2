package io.lb4j.impl.listener.http2;

import static io.lb4j.impl.listener.http2.RawFrames.END_HEADERS;
import static io.lb4j.impl.listener.http2.RawFrames.END_STREAM;
import static org.assertj.core.api.Assertions.assertThat;

import io.lb4j.impl.listener.Http2Limits;
import java.nio.ByteBuffer;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The defences of issue 21, each driven by raw frames from a hostile client and tested at its limit's
 * edge: rapid reset (CVE-2023-44487) and resets the client provokes, the concurrency limit, floods of
 * SETTINGS, PING, PRIORITY, WINDOW_UPDATE and empty DATA, CONTINUATION floods, oversized and bombing
 * header lists, a client that does not read, and idle streams. Time is a fake clock: nothing sleeps.
 */
class Http2DefencesTest {

  @Test
  void rapidReset_pastTheBurst_getsGoAwayEnhanceYourCalm() {
    Http2Limits limits = Http2Limits.builder().resetRate(10, 1).build();
    Http2TestPeer peer = Http2TestPeer.server(limits);
    RawFrames attack = RawFrames.create();
    for (int i = 0; i < 10; i++) {
      int id = 1 + 2 * i;
      attack.headers(id, END_HEADERS, peer.post("/")).rstStream(id, 8);
    }
    assertThat(peer.send(attack)).as("ten resets: the burst").isTrue();

    assertThat(peer.send(RawFrames.create().headers(21, END_HEADERS, peer.post("/")).rstStream(21, 8))).isFalse();
    assertThat(peer.sent()).containsExactly("GOAWAY 21 ENHANCE_YOUR_CALM too many stream resets");
  }

  @Test
  void rapidReset_underTheRate_goesOnForever() {
    Http2Limits limits = Http2Limits.builder().resetRate(10, 1).build();
    Http2TestPeer peer = Http2TestPeer.server(limits);
    for (int i = 0; i < 100; i++) {
      int id = 1 + 2 * i;
      assertThat(peer.send(RawFrames.create().headers(id, END_HEADERS, peer.post("/")).rstStream(id, 8))).isTrue();
      peer.clock.advance(Duration.ofSeconds(1));
    }
  }

  @Test
  void rapidReset_cannotRunMoreStreamsAtOnceThanTheLimit_whileTheOwnerIsStillWorking() {
    Http2Limits limits = Http2Limits.builder().maxConcurrentStreams(3).build();
    Http2TestPeer peer = Http2TestPeer.server(limits);
    peer.handler.releaseOnReset = false; // the owner's backend work for each stream is still running
    RawFrames frames = RawFrames.create();
    for (int id = 1; id <= 5; id += 2) {
      frames.headers(id, END_HEADERS, peer.post("/")).rstStream(id, 8);
    }
    peer.send(frames);
    assertThat(peer.connection.openStreams()).isZero();
    assertThat(peer.connection.streamSlotsInUse()).isEqualTo(3);

    peer.send(RawFrames.create().headers(7, END_HEADERS, peer.post("/")));
    assertThat(peer.sent()).containsExactly("RST_STREAM 7 REFUSED_STREAM");
    assertThat(peer.handler.take()).last().isEqualTo(
        "rejected 7 0 REFUSED_STREAM over SETTINGS_MAX_CONCURRENT_STREAMS 3");

    peer.handler.streams.get(0).release();
    peer.send(RawFrames.create().headers(9, END_HEADERS, peer.post("/")));
    assertThat(peer.handler.take()).singleElement().asString().startsWith("headers 9 ");
  }

  @Test
  void resetsTheClientProvokes_areChargedLikeItsOwn() {
    // "MadeYouReset": malformed frames make the server reset streams; they count against the same budget.
    Http2Limits limits = Http2Limits.builder().resetRate(5, 1).build();
    Http2TestPeer peer = Http2TestPeer.server(limits);
    RawFrames frames = RawFrames.create();
    for (int i = 0; i < 5; i++) {
      int id = 1 + 2 * i;
      frames.headers(id, END_HEADERS, peer.post("/")).windowUpdate(id, 0);
    }
    assertThat(peer.send(frames)).isTrue();
    assertThat(peer.send(RawFrames.create().headers(11, END_HEADERS, peer.post("/")).windowUpdate(11, 0))).isFalse();
    assertThat(peer.sent()).last().isEqualTo("GOAWAY 11 ENHANCE_YOUR_CALM too many stream resets");
  }

  @Test
  void malformedRequests_areChargedToo() {
    Http2Limits limits = Http2Limits.builder().resetRate(3, 1).build();
    Http2TestPeer peer = Http2TestPeer.server(limits);
    RawFrames frames = RawFrames.create();
    for (int i = 0; i < 4; i++) {
      frames.headers(1 + 2 * i, END_HEADERS | END_STREAM, peer.block(":method", "GET", ":path", "/"));
    }
    assertThat(peer.send(frames)).isFalse();
    assertThat(peer.sent()).containsExactly("RST_STREAM 1 PROTOCOL_ERROR", "RST_STREAM 3 PROTOCOL_ERROR",
        "RST_STREAM 5 PROTOCOL_ERROR", "RST_STREAM 7 PROTOCOL_ERROR", "GOAWAY 7 ENHANCE_YOUR_CALM too many stream resets");
  }

  @Test
  void framingAttacks_fromARawFrameClient_areStreamErrors_andTheConnectionGoesOn() {
    Http2TestPeer peer = Http2TestPeer.server(Http2Limits.defaults());
    String[][] requests = {
        {"connection", "keep-alive"},
        {"transfer-encoding", "chunked"},
        {"te", "gzip"},
        {"X-Upper", "1"},
        {"upgrade", "h2c"},
    };
    int id = 1;
    for (String[] field : requests) {
      peer.send(RawFrames.create().headers(id, END_HEADERS | END_STREAM, peer.block(":method", "GET", ":scheme",
          "https", ":authority", "a", ":path", "/", field[0], field[1])));
      id += 2;
    }
    peer.send(RawFrames.create().headers(id, END_HEADERS | END_STREAM, peer.block(":method", "GET", "accept", "*/*",
        ":scheme", "https", ":authority", "a", ":path", "/")));
    assertThat(peer.handler.take()).containsExactly(
        "rejected 1 0 PROTOCOL_ERROR connection-specific field connection",
        "rejected 3 0 PROTOCOL_ERROR connection-specific field transfer-encoding",
        "rejected 5 0 PROTOCOL_ERROR te other than trailers",
        "rejected 7 0 PROTOCOL_ERROR uppercase field name",
        "rejected 9 0 PROTOCOL_ERROR connection-specific field upgrade",
        "rejected 11 0 PROTOCOL_ERROR pseudo-header field after a regular field");
    assertThat(peer.sent()).containsExactly("RST_STREAM 1 PROTOCOL_ERROR", "RST_STREAM 3 PROTOCOL_ERROR",
        "RST_STREAM 5 PROTOCOL_ERROR", "RST_STREAM 7 PROTOCOL_ERROR", "RST_STREAM 9 PROTOCOL_ERROR",
        "RST_STREAM 11 PROTOCOL_ERROR");
    assertThat(peer.connection.isOpen()).isTrue();
  }

  @Test
  void contentLengthDisagreeingWithTheData_isAStreamError_asSoonAsItShows() {
    Http2TestPeer peer = Http2TestPeer.server(Http2Limits.defaults());
    byte[] five = peer.block(":method", "POST", ":scheme", "https", ":authority", "a", ":path", "/",
        "content-length", "5");
    // More data than announced: refused at the byte that passes the length, before END_STREAM.
    peer.send(RawFrames.create().headers(1, END_HEADERS, five).data(1, false, "1234").data(1, false, "56"));
    assertThat(peer.handler.take()).containsExactly(
        "headers 1 [:method: POST, :scheme: https, :authority: a, :path: /, content-length: 5]", "data 1 '1234'",
        "reset 1 PROTOCOL_ERROR content-length 5 but more than 6 bytes of DATA");
    // Less data than announced: refused at END_STREAM, whether it comes with data or alone.
    peer.send(RawFrames.create().headers(3, END_HEADERS, five).data(3, true, "1234")
        .headers(5, END_HEADERS, five).data(5, false, "1234").data(5, true, ""));
    assertThat(peer.handler.take()).containsExactly(
        "headers 3 [:method: POST, :scheme: https, :authority: a, :path: /, content-length: 5]",
        "reset 3 PROTOCOL_ERROR content-length 5 but 4 bytes of DATA",
        "headers 5 [:method: POST, :scheme: https, :authority: a, :path: /, content-length: 5]", "data 5 '1234'",
        "reset 5 PROTOCOL_ERROR content-length 5 but 4 bytes of DATA");
    // Exactly the length is accepted.
    peer.send(RawFrames.create().headers(7, END_HEADERS, five).data(7, false, "12").data(7, true, "345"));
    assertThat(peer.handler.take()).last().isEqualTo("data 7 '345' end");
    assertThat(peer.sent()).containsExactly("RST_STREAM 1 PROTOCOL_ERROR", "RST_STREAM 3 PROTOCOL_ERROR",
        "RST_STREAM 5 PROTOCOL_ERROR");
  }

  @Test
  void maxConcurrentStreams_atTheLimitIsServed_andOneMoreIsRefused() {
    Http2Limits limits = Http2Limits.builder().maxConcurrentStreams(2).build();
    Http2TestPeer peer = Http2TestPeer.server(limits);
    peer.send(RawFrames.create().headers(1, END_HEADERS, peer.post("/")).headers(3, END_HEADERS, peer.post("/"))
        .headers(5, END_HEADERS, peer.post("/")).data(5, true, "sent before the refusal arrived"));
    assertThat(peer.handler.take()).hasSize(3).last().isEqualTo(
        "rejected 5 0 REFUSED_STREAM over SETTINGS_MAX_CONCURRENT_STREAMS 2");
    assertThat(peer.sent()).containsExactly("RST_STREAM 5 REFUSED_STREAM");
    assertThat(peer.connection.isOpen()).isTrue();

    Http2Stream first = peer.handler.streams.get(0);
    first.sendHeaders(new Http2Headers().add(":status", "200"), true);
    peer.send(RawFrames.create().data(1, true, "done").headers(7, END_HEADERS, peer.post("/")));
    assertThat(peer.handler.take()).last().asString().startsWith("headers 7 ");
  }

  @Test
  void settingsFlood_pastTheBurst_getsEnhanceYourCalm() {
    // The client's opening SETTINGS took the first token.
    assertFlood(Http2Limits.builder().settingsRate(5, 1).build(), RawFrames.create().settings(),
        "too many SETTINGS frames", 4);
  }

  @Test
  void pingFlood_pastTheBurst_getsEnhanceYourCalm() {
    assertFlood(Http2Limits.builder().pingRate(5, 1).build(), RawFrames.create().ping(false, 7),
        "too many PING frames", 5);
  }

  @Test
  void priorityFlood_pastTheBurst_getsEnhanceYourCalm() {
    assertFlood(Http2Limits.builder().priorityRate(5, 1).build(), RawFrames.create().priority(3, 1, 16),
        "too many PRIORITY frames", 5);
  }

  @Test
  void windowUpdateFlood_pastTheBurst_getsEnhanceYourCalm() {
    assertFlood(Http2Limits.builder().windowUpdateRate(5, 1).build(), RawFrames.create().windowUpdate(0, 1),
        "too many WINDOW_UPDATE frames", 5);
  }

  @Test
  void emptyDataFlood_pastTheBurst_getsEnhanceYourCalm() {
    Http2Limits limits = Http2Limits.builder().emptyDataRate(5, 1).build();
    Http2TestPeer peer = Http2TestPeer.server(limits);
    peer.send(RawFrames.create().headers(1, END_HEADERS, peer.post("/")));
    for (int i = 0; i < 5; i++) {
      assertThat(peer.send(RawFrames.create().data(1, 0, new byte[0]))).isTrue();
    }
    // An empty DATA frame that ends the stream is not counted.
    assertThat(peer.send(RawFrames.create().headers(3, END_HEADERS, peer.post("/")).data(3, END_STREAM, new byte[0])))
        .isTrue();
    assertThat(peer.send(RawFrames.create().data(1, 0, new byte[0]))).isFalse();
    assertThat(peer.sent()).last().isEqualTo("GOAWAY 3 ENHANCE_YOUR_CALM too many empty DATA frames");
  }

  @Test
  void dataInFlightAfterAReset_isNotCountedAsEmpty() {
    Http2TestPeer peer = Http2TestPeer.server(Http2Limits.builder().emptyDataRate(2, 1).build());
    peer.handler.onHeadersDo = (s, h, end) -> s.reset(Http2ErrorCode.CANCEL);
    RawFrames frames = RawFrames.create().headers(1, END_HEADERS, peer.post("/"));
    for (int i = 0; i < 10; i++) {
      frames.data(1, false, "in flight");
    }
    assertThat(peer.send(frames)).isTrue();
    assertThat(peer.sent()).containsExactly("RST_STREAM 1 CANCEL");
  }

  @Test
  void floodLimits_refillAtTheirRate() {
    Http2TestPeer peer = Http2TestPeer.server(Http2Limits.builder().pingRate(2, 1).build());
    for (int i = 0; i < 10; i++) {
      assertThat(peer.send(RawFrames.create().ping(false, 1).ping(false, 2))).isTrue();
      peer.clock.advance(Duration.ofSeconds(2));
    }
    peer.clock.advance(Duration.ofMillis(999));
    assertThat(peer.send(RawFrames.create().ping(false, 1).ping(false, 2).ping(false, 3))).isFalse();
  }

  @Test
  void pingsEarnedByResponses_areNotAFlood() {
    // A client probing bandwidth pings once per DATA frame it gets (gRPC's BDP estimator), many times
    // more often than the rate allows on its own.
    Http2TestPeer peer = Http2TestPeer.server(Http2Limits.builder().pingRate(2, 1).build());
    peer.send(RawFrames.create().windowUpdate(0, 1 << 24).settings(4, 1 << 24));
    Http2Stream[] stream = new Http2Stream[1];
    peer.handler.onHeadersDo = (s, h, end) -> {
      s.sendHeaders(new Http2Headers().add(":status", "200"), false);
      stream[0] = s;
    };
    peer.send(RawFrames.create().headers(1, END_HEADERS | END_STREAM, peer.get("/")));
    for (int i = 0; i < 50; i++) {
      stream[0].sendData(java.nio.ByteBuffer.allocate(1000), false);
      assertThat(peer.send(RawFrames.create().ping(false, i))).as("ping %d", i).isTrue();
    }
    assertThat(peer.send(RawFrames.create().ping(false, 1).ping(false, 2).ping(false, 3)))
        .as("without data in between, the burst still applies").isFalse();
  }

  private static void assertFlood(Http2Limits limits, RawFrames one, String reason, int burst) {
    Http2TestPeer peer = Http2TestPeer.server(limits);
    for (int i = 0; i < burst; i++) {
      assertThat(peer.send(one.bytes())).as("frame %d of the burst", i + 1).isTrue();
    }
    assertThat(peer.send(one.bytes())).isFalse();
    assertThat(peer.sent()).last().isEqualTo("GOAWAY 0 ENHANCE_YOUR_CALM " + reason);
  }

  @Test
  void continuationFlood_getsEnhanceYourCalm_throughTheConnection() {
    Http2TestPeer peer = Http2TestPeer.server(Http2Limits.builder().maxContinuationFrames(2).build());
    assertThat(peer.send(RawFrames.create().headers(1, 0, peer.block(":method", "GET"))
        .continuation(1, 0, new byte[0]).continuation(1, 0, new byte[0]).continuation(1, 0, new byte[0]))).isFalse();
    assertThat(peer.sent()).containsExactly(
        "GOAWAY 0 ENHANCE_YOUR_CALM more than 2 CONTINUATION frames in a header block");
  }

  @Test
  void headerBlockTooLarge_getsEnhanceYourCalm_beforeItIsDecoded() {
    Http2TestPeer peer = Http2TestPeer.server(Http2Limits.builder().maxHeaderBlockBytes(1024).build());
    assertThat(peer.send(RawFrames.create().headers(1, 0, new byte[1000]).continuation(1, END_HEADERS, new byte[25])))
        .isFalse();
    assertThat(peer.sent()).containsExactly("GOAWAY 0 ENHANCE_YOUR_CALM header block larger than 1024 bytes");
  }

  @Test
  void headerListAtTheLimit_isServed_andOneByteMore_gets431() {
    Http2TestPeer peer = Http2TestPeer.server(Http2Limits.builder().maxHeaderListSize(1024).build());
    // The four pseudo-header fields of get() weigh 4 * 32 + 7 + 3 + 7 + 5 + 10 + 11 + 5 + 1 = 177.
    int pseudo = 177;
    String value = "v".repeat(1024 - pseudo - 32 - 1);
    byte[] atLimit = peer.block(":method", "GET", ":scheme", "https", ":authority", "example.com", ":path", "/",
        "x", value);
    peer.send(RawFrames.create().headers(1, END_HEADERS | END_STREAM, atLimit));
    assertThat(peer.handler.take()).singleElement().asString().startsWith("headers 1 ");

    byte[] over = peer.block(":method", "GET", ":scheme", "https", ":authority", "example.com", ":path", "/",
        "x", value + "v");
    peer.send(RawFrames.create().headers(3, END_HEADERS, over));
    assertThat(peer.sent()).containsExactly("HEADERS 3 [:status: 431] end", "RST_STREAM 3 NO_ERROR");
    assertThat(peer.handler.take()).containsExactly("rejected 3 431 null header list larger than 1024 bytes");
    assertThat(peer.connection.isOpen()).isTrue();
  }

  @Test
  void hpackBomb_through_theConnection_gets431_andTheConnectionGoesOn() {
    Http2TestPeer peer = Http2TestPeer.server(Http2Limits.defaults());
    // Raw HPACK: GET / with :authority added to the table (index 63 after the next entry), then a
    // 4000-byte x-bomb field added too (index 62).
    byte[] first = RawFrames.concat(RawFrames.bytes(0x82, 0x87, 0x84), literalWithIndexing(0x41, "", "example.com"),
        literalWithIndexing(0x40, "x-bomb", "b".repeat(4000)));
    peer.send(RawFrames.create().headers(1, END_HEADERS | END_STREAM, first));
    assertThat(peer.handler.take()).singleElement().asString().contains("x-bomb: bbbb");
    // 13 bytes of request, then 10,000 one-byte references to x-bomb: 40 MB if decoded.
    byte[] bomb = new byte[4 + 10_000];
    bomb[0] = (byte) 0x82;
    bomb[1] = (byte) 0x87;
    bomb[2] = (byte) 0x84;
    bomb[3] = (byte) 0xbf;
    java.util.Arrays.fill(bomb, 4, bomb.length, (byte) 0xbe);

    peer.send(RawFrames.create().headers(3, END_STREAM, java.util.Arrays.copyOfRange(bomb, 0, 5000))
        .continuation(3, END_HEADERS, java.util.Arrays.copyOfRange(bomb, 5000, bomb.length)));

    assertThat(peer.handler.take()).containsExactly("rejected 3 431 null header list larger than 32768 bytes");
    assertThat(peer.connection.isOpen()).isTrue();
    // The table is intact: the same request without the bomb is served.
    peer.send(RawFrames.create().headers(5, END_HEADERS | END_STREAM, RawFrames.bytes(0x82, 0x87, 0x84, 0xbf, 0xbe)));
    assertThat(peer.handler.take()).singleElement().asString().startsWith(
        "headers 5 [:method: GET, :scheme: https, :path: /, :authority: example.com, x-bomb: bbbb");
  }

  /** An HPACK literal with incremental indexing: {@code first} is 0x40 (new name) or 0x40 | a static index. */
  private static byte[] literalWithIndexing(int first, String name, String value) {
    java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
    b.write(first);
    if (first == 0x40) {
      writeString(b, name);
    }
    writeString(b, value);
    return b.toByteArray();
  }

  private static void writeString(java.io.ByteArrayOutputStream b, String s) {
    int n = s.length();
    if (n < 127) {
      b.write(n);
    } else {
      b.write(0x7f);
      int rest = n - 127;
      while (rest >= 0x80) {
        b.write((rest & 0x7f) | 0x80);
        rest >>>= 7;
      }
      b.write(rest);
    }
    b.writeBytes(s.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
  }

  @Test
  void clientThatDoesNotRead_isCutOff_whenItsAnswersPileUp() {
    Http2TestPeer peer = Http2TestPeer.server(Http2Limits.builder().maxQueuedControlFrames(16)
        .pingRate(1000, 1000).build());
    RawFrames pings = RawFrames.create();
    for (int i = 0; i < 16; i++) {
      pings.ping(false, i);
    }
    // Sixteen answers wait unread: allowed; they are then written (the client reads) and count from zero.
    assertThat(peer.connection.receive(java.nio.ByteBuffer.wrap(pings.bytes()))).isTrue();
    peer.drain();
    assertThat(peer.connection.receive(java.nio.ByteBuffer.wrap(pings.bytes()))).isTrue();
    assertThat(peer.connection.receive(java.nio.ByteBuffer.wrap(RawFrames.create().ping(false, 99).bytes())))
        .isFalse();
    assertThat(peer.sent()).last().isEqualTo(
        "GOAWAY 0 ENHANCE_YOUR_CALM more than 16 control frames queued for a peer that does not read them");
  }

  @Test
  void answersToAPeerThatReads_areNotCountedForever_whileADownloadKeepsTheOutputBusy() throws Exception {
    // A long download keeps the output queue from ever being empty; the client reads it and pings now
    // and then. Its answers are written, so they must not add up to the limit.
    Http2TestPeer peer = Http2TestPeer.server(Http2Limits.builder().maxQueuedControlFrames(16)
        .pingRate(1000, 1000).build());
    peer.send(RawFrames.create().windowUpdate(0, Integer.MAX_VALUE - 65_535).settings(4, Integer.MAX_VALUE));
    peer.sent();
    ByteBuffer body = ByteBuffer.allocate(64 << 20);
    peer.handler.onHeadersDo = (s, h, end) -> {
      s.sendHeaders(new Http2Headers().add(":status", "200"), false);
      s.sendData(body, true);
    };
    peer.handler.onWritableDo = s -> s.sendData(body, true);
    peer.connection.receive(ByteBuffer.wrap(RawFrames.create().headers(1, END_HEADERS | END_STREAM, peer.get("/"))
        .bytes()));
    GatheringAdapter slowSocket = new GatheringAdapter(java.nio.channels.Channels.newChannel(
        java.io.OutputStream.nullOutputStream()), 40_000);
    for (int i = 0; i < 100; i++) {
      assertThat(peer.connection.receive(ByteBuffer.wrap(RawFrames.create().ping(false, i).bytes())))
          .as("ping %d", i).isTrue();
      for (int k = 0; k < 3; k++) {
        peer.connection.flushTo(slowSocket);
      }
      assertThat(peer.connection.hasOutput()).as("the download keeps the output busy").isTrue();
    }
  }

  @Test
  void idleStream_isResetAtItsDeadline_byTheOwnersTimer() {
    Http2TestPeer peer = Http2TestPeer.server(Http2Limits.builder().streamIdleTimeout(Duration.ofSeconds(30))
        .build());
    peer.send(RawFrames.create().headers(1, END_HEADERS, peer.post("/")));
    long start = peer.clock.getAsLong();
    assertThat(peer.connection.nextDeadlineNanos()).isEqualTo(start + Duration.ofSeconds(30).toNanos());

    peer.clock.advance(Duration.ofSeconds(20));
    peer.send(RawFrames.create().data(1, false, "still here"));
    assertThat(peer.connection.nextDeadlineNanos()).isEqualTo(start + Duration.ofSeconds(50).toNanos());
    peer.clock.advance(Duration.ofSeconds(30).minusNanos(1));
    peer.connection.onTimer();
    assertThat(peer.sent()).isEmpty();

    peer.clock.advance(Duration.ofNanos(1));
    peer.connection.onTimer();
    assertThat(peer.sent()).containsExactly("RST_STREAM 1 CANCEL");
    assertThat(peer.handler.take()).last().isEqualTo("reset 1 CANCEL idle for 30s");
    assertThat(peer.connection.nextDeadlineNanos()).isEqualTo(Long.MAX_VALUE);
  }

  @Test
  void idleTimeoutOff_setsNoDeadline() {
    Http2TestPeer peer = Http2TestPeer.server(Http2Limits.builder().streamIdleTimeout(Duration.ZERO).build());
    peer.send(RawFrames.create().headers(1, END_HEADERS, peer.post("/")));
    assertThat(peer.connection.nextDeadlineNanos()).isEqualTo(Long.MAX_VALUE);
  }
}
