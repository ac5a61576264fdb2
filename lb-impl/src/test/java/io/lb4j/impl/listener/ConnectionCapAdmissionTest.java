package io.lb4j.impl.listener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lb4j.api.LoadBalancer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Defect 2 of issue 17, no connection cap: a listener accepted whatever came until the heap ran out. Now
 * each listener has {@code maxConnections} and shares a per-process {@link ConnectionBudget}; at either
 * cap it stops accepting (the kernel holds the connections in its backlog, none is refused) and resumes
 * once the count is back to its low-water mark. Tested at the edge: the cap, one over, one closed.
 */
class ConnectionCapAdmissionTest {

  private static final String GET = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";

  @Test
  void atMaxConnections_theNextClientWaitsInTheBacklog_andIsServedOnceOneCloses() throws Exception {
    List<RawHttpClient> clients = new ArrayList<>();
    try (HttpTestBackend a = HttpTestBackend.ok("127.0.0.1", "ok");
        LoadBalancer pool = Fixtures.pool(HttpListenerTest.http("cap"), HttpListenerTest.backend("a", a));
        ListenerServer server = Fixtures.server(pool).maxConnections(3).build().start()) {
      try {
        for (int i = 0; i < 3; i++) {
          RawHttpClient c = RawHttpClient.connect(server.localAddress());
          clients.add(c);
          assertThat(c.send(GET).read().status()).isEqualTo(200);
        }
        RawHttpClient waiting = RawHttpClient.connect(server.localAddress()); // completed by the kernel
        clients.add(waiting);
        waiting.send(GET);

        Await.until("accepting paused at the cap", () -> server.metrics().admissionPauses() == 1);
        assertThat(server.metrics().connectionsTotal()).isEqualTo(3);
        assertThat(server.maxConnections()).isEqualTo(3);

        clients.remove(0).close(); // 2 open: the low-water mark of a cap of 3

        assertThat(waiting.read().status()).isEqualTo(200);
        assertThat(server.metrics().connectionsTotal()).isEqualTo(4);
      } finally {
        for (RawHttpClient c : clients) {
          c.close();
        }
      }
    }
  }

  /** An HTTP/2 connection holds one slot, whatever its streams; its close gives it back (the h2 handover keeps it). */
  @Test
  void http2Connections_countOnceEach_andTheNextWaitsUntilOneCloses() throws Exception {
    List<H2TestClient> clients = new ArrayList<>();
    try (HttpTestBackend a = HttpTestBackend.ok("127.0.0.1", "ok");
        LoadBalancer pool = Fixtures.pool(HttpListenerTest.http("cap-h2"), HttpListenerTest.backend("a", a));
        ListenerServer server = Fixtures.server(pool).maxConnections(2).build().start()) {
      try {
        for (int i = 0; i < 2; i++) {
          H2TestClient c = H2TestClient.connect(server.localAddress());
          clients.add(c);
          for (int k = 0; k < 5; k++) {
            assertThat(c.get("/" + k).status()).isEqualTo(200);
          }
        }
        H2TestClient waiting = H2TestClient.connect(server.localAddress()); // completed by the kernel
        clients.add(waiting);
        java.util.concurrent.CompletableFuture<H2TestClient.Response> queued =
            waiting.send(H2TestClient.request("GET", "/queued"), null);
        Await.until("accepting paused at the cap", () -> server.metrics().admissionPauses() == 1);
        assertThat(server.metrics().connectionsActive()).isEqualTo(2);

        clients.remove(0).close(); // 1 open: the low-water mark of a cap of 2

        assertThat(H2TestClient.await(queued).status()).isEqualTo(200);
        assertThat(server.metrics().connectionsTotal()).isEqualTo(3);
        assertThat(server.metrics().http2().connections()).isEqualTo(3);
      } finally {
        for (H2TestClient c : clients) {
          c.close();
        }
      }
    }
  }

  @Test
  void aSharedBudget_capsTwoListenersTogether_andAClosingConnectionOnOneResumesTheOther() throws Exception {
    ConnectionBudget budget = ConnectionBudget.of(2);
    List<RawHttpClient> clients = new ArrayList<>();
    try (HttpTestBackend a = HttpTestBackend.ok("127.0.0.1", "ok");
        LoadBalancer poolA = Fixtures.pool(HttpListenerTest.http("budget-a"), HttpListenerTest.backend("a", a));
        LoadBalancer poolB = Fixtures.pool(HttpListenerTest.http("budget-b"), HttpListenerTest.backend("a", a));
        ListenerServer first = Fixtures.server(poolA).connectionBudget(budget).build().start();
        ListenerServer second = Fixtures.server(poolB).connectionBudget(budget).build().start()) {
      try {
        RawHttpClient onFirst = RawHttpClient.connect(first.localAddress());
        clients.add(onFirst);
        assertThat(onFirst.send(GET).read().status()).isEqualTo(200);
        RawHttpClient onSecond = RawHttpClient.connect(second.localAddress());
        clients.add(onSecond);
        assertThat(onSecond.send(GET).read().status()).isEqualTo(200);
        assertThat(budget.inUse()).isEqualTo(2);

        RawHttpClient waiting = RawHttpClient.connect(second.localAddress());
        clients.add(waiting);
        waiting.send(GET);
        Await.until("the second listener paused on the budget", () -> second.metrics().admissionPauses() == 1);

        clients.remove(onFirst);
        onFirst.close(); // a connection of the other listener: the budget is back to 1, its low-water mark

        assertThat(waiting.read().status()).isEqualTo(200);
        assertThat(second.metrics().connectionsTotal()).isEqualTo(2);
      } finally {
        for (RawHttpClient c : clients) {
          c.close();
        }
      }
      Await.until("every slot given back", () -> budget.inUse() == 0);
    }
  }

  @Test
  void defaults_areDerivedFromTheHeap_withinTheirBounds() {
    assertThat(ConnectionBudget.defaultMaxConnections(128L << 20)).isEqualTo(4096);
    assertThat(ConnectionBudget.defaultMaxConnections(1L << 30)).isEqualTo(32_768);
    assertThat(ConnectionBudget.defaultMaxConnections(1L << 20)).isEqualTo(256);
    assertThat(ConnectionBudget.defaultMaxConnections(1L << 40)).isEqualTo(1_000_000);
    assertThat(ConnectionBudget.processDefault().maxConnections())
        .isEqualTo(ConnectionBudget.defaultMaxConnections(Runtime.getRuntime().maxMemory()));
    assertThat(ConnectionBudget.lowWaterMark(1)).isZero();
    assertThat(ConnectionBudget.lowWaterMark(3)).isEqualTo(2);
    assertThat(ConnectionBudget.lowWaterMark(4096)).isEqualTo(3686);
  }

  @Test
  void limits_areCheckedAtTheirEdges() throws Exception {
    try (LoadBalancer pool = Fixtures.pool(HttpListenerTest.http("cap-edges"))) {
      ListenerServer.builder(pool).maxConnections(1).maxConnections(10_000_000);
      assertThatThrownBy(() -> ListenerServer.builder(pool).maxConnections(0))
          .hasMessage("listenerServer.maxConnections must be between 1 and 10000000, was 0");
      assertThatThrownBy(() -> ConnectionBudget.of(10_000_001))
          .hasMessage("connectionBudget.maxConnections must be between 1 and 10000000, was 10000001");
    }
  }
}
