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
import io.lb4j.testing.HttpTestBackend;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.Test;

/**
 * Issue 26: what README's "Deploying your backends" promises an operator who drains a backend before stopping
 * it. Weight 0 (or removal with a drain timeout) sends it nothing new; requests in flight on it finish; once its
 * last request ended (its active count is 0, or a removed backend left the pool) it can be stopped, and the
 * restart costs no request and no retry. Keep-alive load, backends answering in 100 ms so requests are in flight.
 */
class GracefulBackendDrainTest {

  private static final int CLIENTS = 4;
  private static final int MAX_REQUESTS_PER_CLIENT = 100_000;

  private static Optional<BackendView> view(LoadBalancer pool, String id) {
    return pool.view().stream().filter(v -> v.backend().id().equals(id)).findFirst();
  }

  @Test
  void weightZero_thenStopWhenIdle_costsNothing() throws Exception {
    drainThenStop(Duration.ZERO, (pool, id) -> pool.setWeight(id, 0),
        (pool, id) -> view(pool, id).map(v -> v.activeConnections() == 0).orElse(true));
  }

  @Test
  void removalWithADrainTimeout_thenStopWhenItLeft_costsNothing() throws Exception {
    drainThenStop(Duration.ofSeconds(60), LoadBalancer::removeBackend, (pool, id) -> view(pool, id).isEmpty());
  }

  private interface Drained {
    boolean test(LoadBalancer pool, String id);
  }

  private static void drainThenStop(Duration drainTimeout, BiConsumer<LoadBalancer, String> drain, Drained drained)
      throws Exception {
    HttpTestBackend b1 = HttpTestBackend.builder("b1").build().start();
    HttpTestBackend b2 = HttpTestBackend.builder("b2").build().start();
    for (HttpTestBackend b : List.of(b1, b2)) {
      b.update(x -> x.latency(Duration.ofMillis(100), Duration.ZERO));
    }
    Listener listener = Listener.builder("l7-drain", Protocol.HTTP, 0).drainTimeout(drainTimeout).build();
    AtomicBoolean stop = new AtomicBoolean();
    AtomicLong ok = new AtomicLong();
    List<String> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
    List<Thread> threads = new ArrayList<>();
    try (LoadBalancer pool = LoadBalancers.builder(listener).backend(b1.backend()).backend(b2.backend()).build().start();
        ListenerServer server = ListenerServer.builder(pool).bindAddress(Fixtures.LOOPBACK).build().start()) {
      Await.until("both backends are healthy", () -> pool.view().stream().allMatch(v -> v.health() == HealthStatus.HEALTHY));
      for (int i = 0; i < CLIENTS; i++) {
        Thread t = new Thread(() -> {
          try (RawHttpClient c = RawHttpClient.connect(server.localAddress())) {
            for (int n = 0; n < MAX_REQUESTS_PER_CLIENT && !stop.get(); n++) {
              Response r = c.send("GET /r HTTP/1.1\r\nHost: x\r\n\r\n").read();
              if (r.status() == 200) {
                ok.incrementAndGet();
              } else {
                failures.add(r.status() + " " + r.bodyText().trim());
              }
            }
          } catch (RuntimeException | AssertionError e) {
            failures.add(e.toString());
          }
        }, "drain-client-" + i);
        threads.add(t);
        t.start();
      }
      Await.until("b1 has requests in flight", () -> view(pool, "b1").map(v -> v.activeConnections() > 0).orElse(false));

      drain.accept(pool, "b1");
      Await.until("b1's last request ended", () -> drained.test(pool, "b1"));
      int servedByB1 = b1.requests().count();
      b1.stop();
      long okBefore = ok.get();
      Await.until("requests keep flowing to b2", () -> ok.get() >= okBefore + 100);
      stop.set(true);
      for (Thread t : threads) {
        t.join(60_000);
      }

      assertThat(failures).isEmpty();
      assertThat(b1.requests().count()).isEqualTo(servedByB1);
      assertThat(server.metrics().retries()).isZero(); // no request was ever sent to the stopped backend
      assertThat(server.metrics().badGateway()).isZero();
    } finally {
      stop.set(true);
      for (Thread t : threads) {
        t.join(60_000);
      }
      b1.close();
      b2.close();
    }
  }
}
