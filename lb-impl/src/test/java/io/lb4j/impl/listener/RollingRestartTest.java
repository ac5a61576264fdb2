package io.lb4j.impl.listener;

import static org.assertj.core.api.Assertions.assertThat;

import io.lb4j.api.BackendView;
import io.lb4j.api.Listener;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.Protocol;
import io.lb4j.api.health.HealthStatus;
import io.lb4j.impl.LoadBalancers;
import io.lb4j.impl.listener.RawHttpClient.Response;
import io.lb4j.testing.Await;
import io.lb4j.testing.Behavior;
import io.lb4j.testing.Fault;
import io.lb4j.testing.HttpTestBackend;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Issue 26: a rolling restart of three backends under keep-alive and connection-per-request load, through a
 * Layer-7 listener with default settings (health checks every 2 s, no outlier detection, default timeouts and
 * retries). Each backend goes away as a server being stopped does: first it still accepts connections but resets
 * every request it reads (as the connections queued on a closing port are reset), then it is stopped (its port
 * refuses connections, its open connections are closed), then started again on the same address. No idempotent
 * request fails: requests on connections the backend resets or closes, and requests the scheduler still sends to
 * it before its health check notices, go to another backend. Counts are exact: every request a client sent got
 * one 200, and the listener counted exactly those. Before the fix, a request whose pooled connection was reset
 * was sent once more to the same backend, which reset it again: 502.
 */
class RollingRestartTest {

  private static final int KEEP_ALIVE_CLIENTS = 3;
  private static final int CLOSING_CLIENTS = 3;
  /** Bounds each client's loop; the test stops the clients long before. */
  private static final int MAX_REQUESTS_PER_CLIENT = 200_000;

  /** One client's bounded loop of GETs, counting what it sent, what came back 200 and what failed. */
  private static final class Client implements Runnable {
    final AtomicLong sent = new AtomicLong();
    final AtomicLong ok = new AtomicLong();
    final List<String> failures = new ArrayList<>();
    private final ListenerServer server;
    private final boolean keepAlive;
    private final AtomicBoolean stop;

    Client(ListenerServer server, boolean keepAlive, AtomicBoolean stop) {
      this.server = server;
      this.keepAlive = keepAlive;
      this.stop = stop;
    }

    @Override
    public void run() {
      RawHttpClient c = null;
      try {
        for (int i = 0; i < MAX_REQUESTS_PER_CLIENT && !stop.get(); i++) {
          if (c == null) {
            c = RawHttpClient.connect(server.localAddress());
          }
          sent.incrementAndGet();
          try {
            Response r = c.send("GET /r HTTP/1.1\r\nHost: x\r\n" + (keepAlive ? "" : "Connection: close\r\n") + "\r\n")
                .read();
            if (r.status() == 200 && r.bodyText().startsWith("hello from b")) {
              ok.incrementAndGet();
            } else {
              failures.add(r.status() + " " + r.bodyText().trim());
            }
            if (!keepAlive || "close".equals(r.header("Connection"))) {
              c.close();
              c = null;
            }
          } catch (RuntimeException | AssertionError e) {
            failures.add(e.toString());
            c.close();
            c = null;
          }
        }
      } finally {
        if (c != null) {
          c.close();
        }
      }
    }
  }

  private static long served(HttpTestBackend b) {
    return b.requests().matching(r -> r.path().equals("/r")).size();
  }

  private static boolean healthy(LoadBalancer pool, String id) {
    return pool.view().stream().filter(v -> v.backend().id().equals(id))
        .anyMatch(v -> v.health() == HealthStatus.HEALTHY);
  }

  @Test
  void rollingRestartOfThreeBackends_underLoad_failsNoRequest() throws Exception {
    List<HttpTestBackend> backends = List.of(HttpTestBackend.builder("b1").build().start(),
        HttpTestBackend.builder("b2").build().start(), HttpTestBackend.builder("b3").build().start());
    LoadBalancers.Builder builder = LoadBalancers.builder(Listener.builder("l7-rolling", Protocol.HTTP, 0).build());
    backends.forEach(b -> builder.backend(b.backend()));
    AtomicBoolean stop = new AtomicBoolean();
    List<Client> clients = new ArrayList<>();
    List<Thread> threads = new ArrayList<>();
    try (LoadBalancer pool = builder.build().start();
        ListenerServer server = ListenerServer.builder(pool).bindAddress(Fixtures.LOOPBACK).build().start()) {
      Await.until("every backend is healthy", () -> pool.view().stream().allMatch(v -> v.health() == HealthStatus.HEALTHY));
      for (int i = 0; i < KEEP_ALIVE_CLIENTS + CLOSING_CLIENTS; i++) {
        Client c = new Client(server, i < KEEP_ALIVE_CLIENTS, stop);
        clients.add(c);
        Thread t = new Thread(c, "rolling-client-" + i);
        threads.add(t);
        t.start();
      }
      Await.until("every backend serves the load", () -> backends.stream().allMatch(b -> served(b) >= 50));

      for (HttpTestBackend b : backends) {
        long resetBefore = served(b);
        long okGoingAway = totalOk(clients);
        b.set(Behavior.fault(Fault.resetBeforeResponse())); // going away: still accepting, answering nothing
        Await.until(b.name() + " resets requests while the others serve them",
            () -> served(b) >= resetBefore + 20 && totalOk(clients) >= okGoingAway + 300);
        long okBefore = totalOk(clients);
        long retriesBefore = server.metrics().retries();
        b.stop(); // refuses connections, and closes every connection it had: requests in flight among them
        Await.until("requests flow while " + b.name() + " is down, some of them first sent to it",
            () -> totalOk(clients) >= okBefore + 300 && server.metrics().retries() > retriesBefore);
        b.set(Behavior.ok());
        long servedBefore = served(b);
        b.start();
        Await.until(b.name() + " is healthy and serves again",
            () -> healthy(pool, b.name()) && served(b) >= servedBefore + 50);
      }
      stop.set(true);
      for (Thread t : threads) {
        t.join(60_000);
        assertThat(t.isAlive()).isFalse();
      }

      long sent = clients.stream().mapToLong(c -> c.sent.get()).sum();
      for (Client c : clients) {
        assertThat(c.failures).as("failed requests").isEmpty();
        assertThat(c.ok.get()).isEqualTo(c.sent.get());
      }
      assertThat(sent).isGreaterThan(900);
      Await.until("the listener counted every response", () -> server.metrics().responses(2) == sent);
      assertThat(server.metrics().badGateway()).isZero();
      assertThat(server.metrics().gatewayTimeouts()).isZero();
      assertThat(server.metrics().retries()).isPositive();
      assertThat(pool.view()).extracting(BackendView::health).containsOnly(HealthStatus.HEALTHY);
    } finally {
      stop.set(true);
      for (Thread t : threads) {
        t.join(60_000);
      }
      backends.forEach(HttpTestBackend::close);
    }
  }

  private static long totalOk(List<Client> clients) {
    return clients.stream().mapToLong(c -> c.ok.get()).sum();
  }
}
