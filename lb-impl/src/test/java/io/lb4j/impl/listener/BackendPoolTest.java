package io.lb4j.impl.listener;

import static org.assertj.core.api.Assertions.assertThat;

import io.lb4j.api.Backend;
import io.lb4j.api.Listener;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.Protocol;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The pool of idle keep-alive backend connections: bounded per backend, closed when idle too long. */
class BackendPoolTest {

  /** Three requests held at the backend until all three arrived: three backend connections at once. */
  private static HttpTestBackend heldUntilThree(CountDownLatch arrived) {
    return new HttpTestBackend("127.0.0.1", (req, s, out) -> {
      arrived.countDown();
      try {
        arrived.await(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return HttpTestBackend.respond(200, "ok").handle(req, s, out);
    });
  }

  private static void threeConcurrentRequests(ListenerServer server) throws Exception {
    ExecutorService exec = Executors.newFixedThreadPool(3);
    try {
      List<Future<Integer>> statuses = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        statuses.add(exec.submit(() -> {
          try (RawHttpClient c = RawHttpClient.connect(server.localAddress())) {
            return c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n").read().status();
          }
        }));
      }
      for (Future<Integer> f : statuses) {
        assertThat(f.get(60, TimeUnit.SECONDS)).isEqualTo(200);
      }
    } finally {
      exec.shutdownNow();
    }
  }

  @Test
  void idleConnectionsAboveTheBound_areClosed_theRestReused() throws Exception {
    CountDownLatch arrived = new CountDownLatch(3);
    try (HttpTestBackend a = heldUntilThree(arrived);
        LoadBalancer pool = Fixtures.pool(Listener.builder("pool-bound", Protocol.HTTP, 0), Backend.of("a", a.host(), a.port()));
        ListenerServer server = Fixtures.server(pool).eventLoops(1).maxIdleConnectionsPerBackend(1).build().start()) {
      threeConcurrentRequests(server);
      assertThat(a.connections.get()).isEqualTo(3);
      Await.until("two of three backend connections closed", () -> a.closedConnections.get() == 2);
      try (RawHttpClient c = RawHttpClient.connect(server.localAddress())) {
        assertThat(c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n").read().status()).isEqualTo(200);
      }
      assertThat(a.connections.get()).isEqualTo(3); // the one kept idle served it
    }
  }

  @Test
  void idlePooledConnections_areClosedAfterTheBackendIdleTimeout() throws Exception {
    CountDownLatch arrived = new CountDownLatch(3);
    try (HttpTestBackend a = heldUntilThree(arrived);
        LoadBalancer pool = Fixtures.pool(Listener.builder("pool-idle", Protocol.HTTP, 0), Backend.of("a", a.host(), a.port()));
        ListenerServer server = Fixtures.server(pool).eventLoops(1).backendIdleTimeout(Duration.ofMillis(100))
            .build().start()) {
      threeConcurrentRequests(server);
      Await.until("every idle backend connection closed", () -> a.closedConnections.get() == 3);
    }
  }
}
