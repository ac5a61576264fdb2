package io.lb4j.impl.listener;

import static org.assertj.core.api.Assertions.assertThat;

import io.lb4j.api.LoadBalancer;
import java.nio.channels.SelectionKey;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * An idle HTTP/2 connection holds no pooled buffer, no codec and no stream exchange: the codec and the
 * exchange each stream borrowed went back to the loop, to be reused by the next stream of any connection.
 * (What it still holds, its protocol state, is measured by {@code IdleConnectionsHarness --mode h2}.)
 */
class Http2IdleConnectionTest {

  @Test
  void idleConnections_holdNoBufferCodecOrExchange_andTheLoopReusesThem() throws Exception {
    List<H2TestClient> clients = new ArrayList<>();
    try (HttpTestBackend a = HttpTestBackend.ok("127.0.0.1", "ok");
        LoadBalancer pool = Fixtures.pool(HttpListenerTest.http("h2-idle"), HttpListenerTest.backend("a", a));
        ListenerServer server = Fixtures.server(pool).eventLoops(1).build().start()) {
      try {
        for (int i = 0; i < 5; i++) {
          H2TestClient c = H2TestClient.connect(server.localAddress());
          clients.add(c);
          List<CompletableFuture<H2TestClient.Response>> calls = new ArrayList<>();
          for (int k = 0; k < 10; k++) {
            calls.add(c.send(H2TestClient.request("POST", "/" + k), new byte[3000]));
          }
          for (CompletableFuture<H2TestClient.Response> f : calls) {
            assertThat(H2TestClient.await(f).status()).isEqualTo(200);
          }
        }
        Await.until("every response accounted", () -> server.metrics().responses(2) == 50);
        int[] held = onLoop(server, () -> {
          int connections = 0;
          int buffers = 0;
          int streams = 0;
          for (SelectionKey key : server.eventLoop(0).selector().keys()) {
            if (key.attachment() instanceof Http2Frontend) {
              Http2Frontend f = (Http2Frontend) key.attachment();
              connections++;
              buffers += f.heldBuffers();
              streams += f.activeStreams();
            }
          }
          EventLoop loop = server.eventLoop(0);
          return new int[] {connections, buffers, streams, loop.exchangeCodecs().pooled(),
              loop.http2().freeExchanges.size()};
        });
        assertThat(held[0]).as("idle HTTP/2 connections").isEqualTo(5);
        assertThat(held[1]).as("buffers held by idle connections").isZero();
        assertThat(held[2]).as("streams still working").isZero();
        // Up to 10 streams at once: at most 10 codecs and exchanges were ever made, all back in the loop.
        assertThat(held[3]).as("codecs back in the loop").isBetween(1, 10);
        assertThat(held[4]).as("stream exchanges back in the loop").isEqualTo(held[3]);
      } finally {
        for (H2TestClient c : clients) {
          c.close();
        }
      }
    }
  }

  @Test
  void idleHttp2Connections_doNotWakeTheLoop() {
    List<H2TestClient> clients = new ArrayList<>();
    try (HttpTestBackend a = HttpTestBackend.ok("127.0.0.1", "ok");
        LoadBalancer pool = Fixtures.pool(HttpListenerTest.http("h2-idle-wake"), HttpListenerTest.backend("a", a));
        ListenerServer server = Fixtures.server(pool).eventLoops(1).keepAliveTimeout(java.time.Duration.ofSeconds(600))
            .backendIdleTimeout(java.time.Duration.ofSeconds(600)).build().start()) {
      try {
        for (int i = 0; i < 20; i++) {
          H2TestClient c = H2TestClient.connect(server.localAddress());
          clients.add(c);
          assertThat(c.get("/" + i).status()).isEqualTo(200);
        }
        Await.until("every response accounted", () -> server.metrics().responses(2) == 20);
        // Settings acknowledged, streams done: the first timers may still be armed for the settings deadline
        // (10 s) and fire once; wait until nothing but the keep-alive (600 s) is left, then watch half a second.
        long before = server.loopTurns();
        java.util.concurrent.locks.LockSupport.parkNanos(java.time.Duration.ofMillis(500).toNanos());
        assertThat(server.loopTurns() - before).as("loop wake-ups with 20 idle HTTP/2 connections").isZero();
      } finally {
        for (H2TestClient c : clients) {
          c.close();
        }
      }
    }
  }

  private static int[] onLoop(ListenerServer server, java.util.function.Supplier<int[]> read) throws Exception {
    CompletableFuture<int[]> result = new CompletableFuture<>();
    server.eventLoop(0).execute(() -> result.complete(read.get()));
    return result.get(30, TimeUnit.SECONDS);
  }
}
