package io.lb4j.impl.listener;

import static org.assertj.core.api.Assertions.assertThat;

import io.lb4j.api.LoadBalancer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Defect 7 of issue 17, the shipped gateway churned backend connections: with 64 concurrent keep-alive
 * clients it opened 94,217 backend connections in 15 s (48,266 with {@code Connection: close} clients),
 * because its idle cap (32 per backend and loop) was below the concurrency, so half the responses closed
 * their backend connection. With the defaults, connections are now kept while the load uses them: at
 * most one per request in flight at once, counted where they arrive, at the backend.
 */
class BackendConnectionReuseTest {
  private static final int CLIENTS = 64;
  private static final int REQUESTS = 30;

  @Test
  void keepAliveClients_withTheDefaults_openAtMostOneBackendConnectionPerClient() throws Exception {
    try (HttpTestBackend a = HttpTestBackend.ok("127.0.0.1", "ok");
        LoadBalancer pool = Fixtures.pool(HttpListenerTest.http("reuse-ka"), HttpListenerTest.backend("a", a));
        ListenerServer server = Fixtures.server(pool).eventLoops(1).build().start()) {
      run(server, false);

      // A response is counted once written: the client may read it before the loop has counted it.
      Await.until("every response counted", () -> server.metrics().responses(2) == CLIENTS * REQUESTS);
      assertThat(server.metrics().backendConnectionsOpened()).isEqualTo(a.connections.get())
          .isLessThanOrEqualTo(CLIENTS);
      assertThat(a.closedConnections.get()).isZero();
    }
  }

  @Test
  void clientsThatCloseEachConnection_stillReuseBackendConnections() throws Exception {
    try (HttpTestBackend a = HttpTestBackend.ok("127.0.0.1", "ok");
        LoadBalancer pool = Fixtures.pool(HttpListenerTest.http("reuse-close"), HttpListenerTest.backend("a", a));
        ListenerServer server = Fixtures.server(pool).eventLoops(1).build().start()) {
      run(server, true);

      // A response is counted once written: the client may read it before the loop has counted it.
      Await.until("every response counted", () -> server.metrics().responses(2) == CLIENTS * REQUESTS);
      assertThat(server.metrics().connectionsTotal()).isEqualTo(CLIENTS * REQUESTS);
      assertThat(server.metrics().backendConnectionsOpened()).isEqualTo(a.connections.get())
          .isLessThanOrEqualTo(CLIENTS);
      assertThat(a.closedConnections.get()).isZero();
    }
  }

  /** {@link #CLIENTS} threads, {@link #REQUESTS} requests each, on one connection or one per request. */
  private static void run(ListenerServer server, boolean connectionPerRequest) throws Exception {
    ExecutorService threads = Executors.newFixedThreadPool(CLIENTS);
    try {
      List<Future<Integer>> oks = new ArrayList<>();
      for (int t = 0; t < CLIENTS; t++) {
        oks.add(threads.submit(() -> {
          int ok = 0;
          RawHttpClient c = null;
          try {
            for (int i = 0; i < REQUESTS; i++) {
              if (c == null) {
                c = RawHttpClient.connect(server.localAddress());
              }
              String close = connectionPerRequest ? "Connection: close\r\n" : "";
              if (c.send("GET /" + i + " HTTP/1.1\r\nHost: x\r\n" + close + "\r\n").read().status() == 200) {
                ok++;
              }
              if (connectionPerRequest) {
                c.close();
                c = null;
              }
            }
          } finally {
            if (c != null) {
              c.close();
            }
          }
          return ok;
        }));
      }
      for (Future<Integer> f : oks) {
        assertThat(f.get(120, TimeUnit.SECONDS)).isEqualTo(REQUESTS);
      }
    } finally {
      threads.shutdownNow();
    }
  }
}
