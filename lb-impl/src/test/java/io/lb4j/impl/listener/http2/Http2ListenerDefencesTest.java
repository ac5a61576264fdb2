package io.lb4j.impl.listener.http2;

import static org.assertj.core.api.Assertions.assertThat;

import io.lb4j.api.Backend;
import io.lb4j.api.Listener;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.Protocol;
import io.lb4j.api.health.HealthCheckPolicy;
import io.lb4j.impl.LoadBalancers;
import io.lb4j.impl.listener.Http2Limits;
import io.lb4j.impl.listener.ListenerServer;
import io.lb4j.testing.HttpTestBackend;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * The phase-1 defences protecting a running listener: a raw-frame client over a real socket attacks it, and
 * the listener answers as RFC 9113 and the limits say, without its backend paying for the attack.
 */
class Http2ListenerDefencesTest {
  private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
  private static final int ENHANCE_YOUR_CALM = 0xb;
  private static final int REFUSED_STREAM = 0x7;
  private static final int CANCEL = 0x8;

  private static LoadBalancer pool(String name, Backend... backends) {
    LoadBalancers.Builder b = LoadBalancers.builder(Listener.builder(name, Protocol.HTTP, 0)
        .healthCheck(HealthCheckPolicy.disabled()).build());
    for (Backend backend : backends) {
      b.backend(backend);
    }
    return b.build().start();
  }

  private static ListenerServer server(LoadBalancer pool, Http2Limits limits) {
    return ListenerServer.builder(pool).bindAddress(LOOPBACK).eventLoops(1).http2Limits(limits).build().start();
  }

  private static Backend backend(HttpTestBackend b) {
    return Backend.of(b.name(), b.host(), b.port());
  }

  @Test
  void rapidReset_goAwayEnhanceYourCalm_andTheBackendSeesAtMostTheResetBudget() {
    int burst = 50;
    Http2Limits limits = Http2Limits.builder().resetRate(burst, 1).build();
    try (HttpTestBackend backend = HttpTestBackend.builder("rr").build().start();
        LoadBalancer pool = pool("h2-rapid-reset", backend(backend));
        ListenerServer server = server(pool, limits);
        RawH2Client c = new RawH2Client(server.localAddress())) {
      c.send(RawFrames.clientStart());
      boolean open = true;
      // Up to 5,000 streams opened and cancelled at once, in batches as an attacker pipelines them.
      for (int batch = 0; batch < 50 && open; batch++) {
        RawFrames frames = RawFrames.create();
        for (int i = 0; i < 100; i++) {
          int id = 1 + 2 * (batch * 100 + i);
          frames.headers(id, RawFrames.END_HEADERS | RawFrames.END_STREAM, c.get("/attack")).rstStream(id, CANCEL);
        }
        open = c.send(frames) && !c.ended && c.count(e -> e.startsWith("GOAWAY")) == 0;
      }
      String goAway = c.await("GOAWAY", e -> e.startsWith("GOAWAY"));
      assertThat(goAway).contains("code=" + ENHANCE_YOUR_CALM).contains("too many stream resets");
      c.awaitEnd();
      assertThat(backend.requests().count()).as("backend requests caused by the attack").isLessThanOrEqualTo(burst);
      assertThat(server.metrics().http2().floodRefusals()).isEqualTo(1);
    }
  }

  @Test
  void streamsOpenedAndResetInOneRead_neverReachTheBackend() {
    try (HttpTestBackend backend = HttpTestBackend.builder("rr-one-read").build().start();
        LoadBalancer pool = pool("h2-reset-same-read", backend(backend));
        ListenerServer server = server(pool, Http2Limits.defaults());
        RawH2Client c = new RawH2Client(server.localAddress())) {
      // A first request leaves an idle keep-alive connection in the pool: a stream that started would use it
      // at once, and its request would reach the backend even if the stream is reset right after.
      c.send(RawFrames.clientStart().headers(1, RawFrames.END_HEADERS | RawFrames.END_STREAM, c.get("/warm")));
      c.await("the response to stream 1", e -> e.startsWith("HEADERS stream=1 "));
      RawFrames frames = RawFrames.create();
      for (int i = 1; i <= 20; i++) {
        int id = 1 + 2 * i;
        frames.headers(id, RawFrames.END_HEADERS | RawFrames.END_STREAM, c.get("/x")).rstStream(id, CANCEL);
      }
      // A PING after them: its answer shows the whole write was read.
      c.send(frames.ping(false, 0x42));
      c.await("the PING answer", e -> e.startsWith("PING ack=true"));
      // A last, ordinary request on the same connection is served: the connection is fine.
      c.send(RawFrames.create().headers(43, RawFrames.END_HEADERS | RawFrames.END_STREAM, c.get("/ok")));
      c.await("the response to stream 43", e -> e.startsWith("HEADERS stream=43"));
      assertThat(backend.requests().count()).isEqualTo(2);
    }
  }

  /**
   * Regression: a stream's proxy, reset and given back to the loop within one read, was taken again by the next
   * stream of that read and queued to begin twice: the second stream's request started twice.
   */
  @Test
  void aStreamOpenedAfterAResetInTheSameRead_beginsOnce() {
    try (HttpTestBackend backend = HttpTestBackend.builder("reuse").build().start();
        LoadBalancer pool = pool("h2-reuse", backend(backend));
        ListenerServer server = server(pool, Http2Limits.defaults());
        RawH2Client c = new RawH2Client(server.localAddress())) {
      c.send(RawFrames.clientStart()
          .headers(1, RawFrames.END_HEADERS | RawFrames.END_STREAM, c.get("/reset")).rstStream(1, CANCEL)
          .headers(3, RawFrames.END_HEADERS | RawFrames.END_STREAM, c.get("/served")));
      c.await("the response to stream 3", e -> e.startsWith("DATA begin stream=3 ") && e.endsWith("end=true"));
      c.send(RawFrames.create().ping(false, 7));
      c.await("the PING answer", e -> e.startsWith("PING ack=true"));
      assertThat(c.count(e -> e.startsWith("HEADERS stream=3 "))).isEqualTo(1);
      assertThat(backend.requests().count()).isEqualTo(1);
      assertThat(backend.requests().last().path()).isEqualTo("/served");
      assertThat(server.metrics().backendConnectionsOpened()).as("one dial, not two").isEqualTo(1);
    }
  }

  @Test
  void continuationFlood_goAwayAtTheFrameCap_andNothingReachesTheBackend() {
    Http2Limits limits = Http2Limits.builder().maxContinuationFrames(8).build();
    try (HttpTestBackend backend = HttpTestBackend.builder("cont").build().start();
        LoadBalancer pool = pool("h2-continuation", backend(backend));
        ListenerServer server = server(pool, limits);
        RawH2Client c = new RawH2Client(server.localAddress())) {
      byte[] block = c.get("/flood");
      RawFrames frames = RawFrames.clientStart().headers(1, 0, java.util.Arrays.copyOf(block, 1));
      for (int i = 0; i < 1000; i++) {
        frames.continuation(1, 0, new byte[] {0});
      }
      c.send(frames);
      assertThat(c.await("GOAWAY", e -> e.startsWith("GOAWAY"))).contains("code=" + ENHANCE_YOUR_CALM);
      c.awaitEnd();
      assertThat(backend.requests().count()).isZero();
      assertThat(server.metrics().http2().floodRefusals()).isEqualTo(1);
    }
  }

  @Test
  void settingsFlood_goAwayEnhanceYourCalm() {
    try (LoadBalancer pool = pool("h2-settings-flood");
        ListenerServer server = server(pool, Http2Limits.defaults());
        RawH2Client c = new RawH2Client(server.localAddress())) {
      RawFrames frames = RawFrames.clientStart();
      for (int i = 0; i < 200; i++) {
        frames.settings(4, 65535); // SETTINGS_INITIAL_WINDOW_SIZE, again and again
      }
      c.send(frames);
      assertThat(c.await("GOAWAY", e -> e.startsWith("GOAWAY"))).contains("code=" + ENHANCE_YOUR_CALM)
          .contains("SETTINGS");
      c.awaitEnd();
      // Acknowledged up to the burst (20) and the first SETTINGS, never all 200.
      assertThat(c.count(e -> e.equals("SETTINGS end ack=true"))).isLessThanOrEqualTo(22);
    }
  }

  @Test
  void pingFlood_goAwayEnhanceYourCalm() {
    try (LoadBalancer pool = pool("h2-ping-flood");
        ListenerServer server = server(pool, Http2Limits.defaults());
        RawH2Client c = new RawH2Client(server.localAddress())) {
      RawFrames frames = RawFrames.clientStart();
      for (int i = 0; i < 500; i++) {
        frames.ping(false, i);
      }
      c.send(frames);
      assertThat(c.await("GOAWAY", e -> e.startsWith("GOAWAY"))).contains("code=" + ENHANCE_YOUR_CALM)
          .contains("PING");
      c.awaitEnd();
      assertThat(c.count(e -> e.startsWith("PING ack=true"))).isLessThanOrEqualTo(51);
      assertThat(server.metrics().http2().goAways()).isEqualTo(1);
    }
  }

  @Test
  void maxConcurrentStreams_streamsOverItAreRefused() throws IOException {
    try (SilentBackend silent = new SilentBackend();
        LoadBalancer pool = pool("h2-max-streams", Backend.of("silent", "127.0.0.1", silent.port()));
        ListenerServer server = server(pool, Http2Limits.builder().maxConcurrentStreams(4).build());
        RawH2Client c = new RawH2Client(server.localAddress())) {
      RawFrames frames = RawFrames.clientStart();
      for (int i = 0; i < 6; i++) {
        frames.headers(1 + 2 * i, RawFrames.END_HEADERS | RawFrames.END_STREAM, c.get("/" + i));
      }
      c.send(frames);
      c.await("stream 9 refused", e -> e.equals("RST_STREAM stream=9 code=" + REFUSED_STREAM));
      c.await("stream 11 refused", e -> e.equals("RST_STREAM stream=11 code=" + REFUSED_STREAM));
      silent.awaitConnections(4);
      assertThat(c.count(e -> e.startsWith("RST_STREAM"))).isEqualTo(2);
      assertThat(server.metrics().http2().floodRefusals()).isEqualTo(2);
    }
  }

  /** Accepts connections and never answers (each request keeps its stream open). */
  private static final class SilentBackend implements AutoCloseable {
    private final ServerSocket server = new ServerSocket(0, 50, LOOPBACK);
    private final List<Socket> accepted = new CopyOnWriteArrayList<>();
    private final Thread thread;

    SilentBackend() throws IOException {
      thread = new Thread(() -> {
        while (!server.isClosed()) {
          try {
            accepted.add(server.accept());
          } catch (IOException e) {
            return;
          }
        }
      }, "silent-backend");
      thread.setDaemon(true);
      thread.start();
    }

    int port() {
      return server.getLocalPort();
    }

    void awaitConnections(int n) {
      long deadline = System.nanoTime() + 30_000_000_000L;
      while (accepted.size() < n) {
        if (System.nanoTime() - deadline > 0) {
          throw new AssertionError("only " + accepted.size() + " backend connections");
        }
        Thread.onSpinWait();
      }
    }

    @Override
    public void close() throws IOException {
      server.close();
      for (Socket s : accepted) {
        s.close();
      }
    }
  }
}
