package io.lb4j.impl.listener;

import static org.assertj.core.api.Assertions.assertThat;

import io.lb4j.api.LoadBalancer;
import io.lb4j.impl.listener.H2TestClient.Response;
import io.lb4j.impl.listener.http2.Http2ErrorCode;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** How an HTTP/2 connection ends: GOAWAY (NO_ERROR) when idle or when the listener stops, its streams finished first. */
class Http2LifecycleTest {

  @Test
  void stop_sendsGoAway_andTheStreamInFlightCompletesBeforeTheConnectionCloses() throws Exception {
    CountDownLatch answer = new CountDownLatch(1);
    try (HttpTestBackend a = new HttpTestBackend("127.0.0.1", (req, s, out) -> {
          try {
            answer.await(30, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          return HttpTestBackend.respond(200, "late").handle(req, s, out);
        });
        LoadBalancer pool = Fixtures.pool(HttpListenerTest.http("h2-stop"), HttpListenerTest.backend("a", a));
        ListenerServer server = Fixtures.server(pool).build().start();
        H2TestClient c = H2TestClient.connect(server.localAddress())) {
      CompletableFuture<Response> inFlight = c.send(H2TestClient.request("GET", "/slow"), null);
      Await.until("the backend holds the request", () -> a.requests.size() == 1);
      CompletableFuture<Void> stopped = CompletableFuture.runAsync(() -> server.stop(Duration.ofSeconds(30)));
      Await.until("GOAWAY", () -> c.goAway != null);
      assertThat(c.goAway).isEqualTo(Http2ErrorCode.NO_ERROR);
      assertThat(c.goAwayLastStreamId).isEqualTo(1);
      // Draining with a stream in flight: the loop sleeps until the stream moves (no timer due at once).
      long turns = server.loopTurns();
      java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(300).toNanos());
      assertThat(server.loopTurns() - turns).as("loop wake-ups while the stream waits").isLessThan(10);
      answer.countDown();
      Response r = H2TestClient.await(inFlight);
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.bodyText()).isEqualTo("late");
      c.ended.get(30, TimeUnit.SECONDS); // the listener closed the connection once its stream was done
      stopped.get(60, TimeUnit.SECONDS);
      assertThat(server.state()).isEqualTo(ListenerState.STOPPED);
      assertThat(server.metrics().http2().goAways()).isEqualTo(1);
    } finally {
      answer.countDown();
    }
  }

  /** A client that stops reading its socket is closed after the write timeout; the backend is not blamed. */
  @Test
  void aClientThatDoesNotRead_isClosedAfterTheWriteTimeout() throws Exception {
    String big = "z".repeat(16 << 20);
    try (HttpTestBackend a = HttpTestBackend.ok("127.0.0.1", big);
        LoadBalancer pool = Fixtures.pool(HttpListenerTest.http("h2-unread").writeTimeout(Duration.ofSeconds(1)),
            HttpListenerTest.backend("a", a));
        ListenerServer server = Fixtures.server(pool).eventLoops(1).build().start();
        java.net.Socket s = new java.net.Socket(Fixtures.LOOPBACK, server.localAddress().getPort())) {
      io.lb4j.impl.listener.http2.HpackEncoder encoder = new io.lb4j.impl.listener.http2.HpackEncoder(4096);
      int n = encoder.encode(H2TestClient.request("GET", "/big"));
      java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
      out.writeBytes("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      out.writeBytes(new byte[] {0, 0, 6, 4, 0, 0, 0, 0, 0, 0, 4, 0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff});
      out.writeBytes(new byte[] {0, 0, 4, 8, 0, 0, 0, 0, 0, 0x7f, (byte) 0xff, 0, 0}); // connection window + 2 GiB
      out.writeBytes(new byte[] {0, (byte) (n >> 8), (byte) n, 1, 5, 0, 0, 0, 1});
      out.write(encoder.buffer(), 0, n);
      s.getOutputStream().write(out.toByteArray());
      // Never read: the listener's output and the socket's buffers fill, then nothing moves.
      Await.until("the connection closed", () -> server.metrics().connectionsActive() == 0);
      assertThat(server.metrics().gatewayTimeouts()).isZero();
    }
  }

  @Test
  void idleConnection_getsGoAwayAfterTheKeepAliveTimeout_thenCloses() throws Exception {
    try (HttpTestBackend a = HttpTestBackend.ok("127.0.0.1", "ok");
        LoadBalancer pool = Fixtures.pool(HttpListenerTest.http("h2-idle-timeout"), HttpListenerTest.backend("a", a));
        ListenerServer server = Fixtures.server(pool).keepAliveTimeout(Duration.ofSeconds(1)).build().start();
        H2TestClient c = H2TestClient.connect(server.localAddress())) {
      assertThat(c.get("/").status()).isEqualTo(200);
      c.ended.get(30, TimeUnit.SECONDS);
      assertThat(c.goAway).isEqualTo(Http2ErrorCode.NO_ERROR);
      Await.until("the connection is closed", () -> server.metrics().connectionsActive() == 0);
    }
  }
}
