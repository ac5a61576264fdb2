package io.lb4j.impl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lb4j.api.Backend;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.RequestContext;
import io.lb4j.api.health.HealthCheckPolicy;
import io.lb4j.impl.pool.DefaultLoadBalancer;
import io.lb4j.testing.TcpTestBackend;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@code whenReady}, {@code whenHealthy} and {@code awaitHealthy}: exact, and leak-free (issue 18 item 6). */
class ReadinessTest {

  private static final HealthCheckPolicy FAST_TCP = HealthCheckPolicy.builder()
      .interval(Duration.ofMillis(20)).responseTimeout(Duration.ofSeconds(5))
      .unhealthyThreshold(1).healthyThreshold(1).build();

  private final List<AutoCloseable> closeables = new ArrayList<>();
  private final ExecutorService threads = Executors.newFixedThreadPool(4);

  @AfterEach
  void closeAll() throws Exception {
    threads.shutdownNow();
    assertThat(threads.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
    for (int i = closeables.size() - 1; i >= 0; i--) {
      closeables.get(i).close();
    }
  }

  private <T extends AutoCloseable> T closing(T c) {
    closeables.add(c);
    return c;
  }

  /**
   * Regression (issue 18 item 6): a queued "ready" completion could run after a later "not ready"
   * publication, so whenReady reported ready when the pool was not. One thread flaps the pool's only backend
   * in and out of rotation while three others ask for readiness; a future completed by the pool runs its
   * dependent there, before any later change, so a select made in it must find a backend every time.
   */
  @Test
  void whenReady_inAPoolThatFlaps_completesOnlyWhileThePoolCanServe() throws Exception {
    LoadBalancer lb = closing(LoadBalancers.builder().healthCheck(HealthCheckPolicy.disabled())
        .backend(Backend.of("a", "127.0.0.1", 1)).build().start());
    lb.setEnabled("a", false);
    AtomicLong completedByThePool = new AtomicLong();
    AtomicLong notReadyWhenCompleted = new AtomicLong();
    AtomicLong waited = new AtomicLong();
    AtomicBoolean asking = new AtomicBoolean(true);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    CyclicBarrier go = new CyclicBarrier(4);
    List<Future<?>> done = new ArrayList<>();
    done.add(threads.submit(() -> {
      go.await(30, TimeUnit.SECONDS);
      for (int i = 0; asking.get() && System.nanoTime() - deadline < 0; i++) {
        lb.setEnabled("a", i % 2 == 0);
      }
      lb.setEnabled("a", true);
      return null;
    }));
    List<Future<?>> askers = new ArrayList<>();
    for (int t = 0; t < 3; t++) {
      askers.add(threads.submit(() -> {
        Thread asker = Thread.currentThread();
        go.await(30, TimeUnit.SECONDS);
        List<CompletableFuture<Void>> asked = new ArrayList<>();
        // At least 2,000 asks each, and on until the pool has completed 300 (a loaded machine may run the
        // askers while the pool happens to be ready, when every future is complete at once).
        for (int i = 0; i < 2_000 || completedByThePool.get() < 300; i++) {
          if (i >= 200_000 || System.nanoTime() - deadline > 0) {
            break;
          }
          CompletableFuture<Void> f = lb.whenReady();
          if (!f.isDone()) {
            waited.incrementAndGet();
          }
          asked.add(f.thenRun(() -> {
            if (Thread.currentThread() != asker) { // completed by the pool, not already complete when asked
              completedByThePool.incrementAndGet();
              if (!lb.select(RequestContext.EMPTY).hasBackend()) {
                notReadyWhenCompleted.incrementAndGet();
              }
            }
          }));
        }
        return asked;
      }));
    }
    List<CompletableFuture<Void>> all = new ArrayList<>();
    for (Future<?> f : askers) {
      @SuppressWarnings("unchecked")
      List<CompletableFuture<Void>> asked = (List<CompletableFuture<Void>>) f.get(60, TimeUnit.SECONDS);
      all.addAll(asked);
    }
    asking.set(false);
    for (Future<?> f : done) {
      f.get(60, TimeUnit.SECONDS);
    }
    for (CompletableFuture<Void> f : all) {
      f.get(30, TimeUnit.SECONDS); // the pool ends enabled: every one completes
    }
    assertThat(completedByThePool.get()).as("futures the pool completed, of %s that waited", waited)
        .isGreaterThanOrEqualTo(300);
    assertThat(notReadyWhenCompleted.get()).as("completed while the pool could not serve").isZero();
    assertThat(waiters(lb)).isZero();
  }

  /** Regression (issue 18 item 6): each poll of a pool that never becomes ready used to leave callbacks behind. */
  @Test
  void whenReady_onAPoolThatNeverBecomesReady_polled100000Times_holdsNothing() throws Exception {
    LoadBalancer lb = closing(LoadBalancers.builder().healthCheck(FAST_TCP)
        .backend(Backend.of("dead", "127.0.0.1", LoadBalancerTest.closedPort())).build().start());
    for (int i = 0; i < 100_000; i++) {
      CompletableFuture<Void> f = lb.whenReady();
      assertThat(f.isDone()).isFalse();
      if (i % 2 == 0) {
        f.cancel(false);
      } else {
        assertThatThrownBy(() -> f.get(0, TimeUnit.NANOSECONDS)).isInstanceOf(TimeoutException.class);
        f.completeExceptionally(new TimeoutException("caller gave up")); // what orTimeout does
      }
    }
    assertThat(waiters(lb)).isZero();
    for (int i = 0; i < 200; i++) {
      assertThat(lb.awaitAnyHealthy(Duration.ofNanos(1))).isFalse();
      assertThat(lb.awaitHealthy(1, Duration.ofNanos(1))).isFalse();
    }
    assertThat(waiters(lb)).as("blocking waits that timed out").isZero();
    CompletableFuture<Void> timed = lb.whenReady().orTimeout(1, TimeUnit.MILLISECONDS);
    assertThatThrownBy(() -> timed.get(30, TimeUnit.SECONDS)).hasCauseInstanceOf(TimeoutException.class);
    assertThat(waiters(lb)).isZero();
  }

  @Test
  void awaitHealthy_waitsForThatManyHealthyBackends_andWhenHealthyIsItsNonBlockingTwin() throws Exception {
    TcpTestBackend a = closing(TcpBackend.start("127.0.0.1"));
    TcpTestBackend b = closing(TcpBackend.start("127.0.0.2"));
    LoadBalancer lb = closing(LoadBalancers.builder().healthCheck(FAST_TCP)
        .backend(Backend.of("a", a.host(), a.port())).backend(Backend.of("b", b.host(), b.port()))
        .backend(Backend.of("dead", "127.0.0.3", LoadBalancerTest.closedPort())).build());
    CompletableFuture<Void> two = lb.whenHealthy(2);
    CompletableFuture<Void> three = lb.whenHealthy(3);
    assertThat(two).isNotDone(); // not started: nothing checked

    lb.start();
    assertThat(lb.awaitHealthy(2, Await.DEADLINE)).isTrue();
    assertThat(two).succeedsWithin(Await.DEADLINE); // completed in the same pass as awaitHealthy's own
    assertThat(lb.view()).filteredOn(v -> v.health() == io.lb4j.api.health.HealthStatus.HEALTHY).hasSize(2);
    assertThat(lb.awaitHealthy(3, Duration.ofMillis(50))).isFalse();
    assertThat(three).isNotDone();
    assertThatThrownBy(() -> lb.awaitHealthy(0, Duration.ofSeconds(1))).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("backends must be between 1 and 2147483647, was 0");
    assertThatThrownBy(() -> lb.whenHealthy(-1)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("backends must be between 1 and 2147483647, was -1");

    lb.close();
    assertThat(three).isCompletedExceptionally();
    assertThat(lb.awaitHealthy(1, Duration.ofSeconds(1))).isFalse();
  }

  @Test
  void awaitHealthy_fromAnEventConsumer_isRefusedBecauseItWouldBlockThePool() throws Exception {
    LoadBalancer lb = closing(LoadBalancers.builder().healthCheck(HealthCheckPolicy.disabled()).build().start());
    CountDownLatch refused = new CountDownLatch(1);
    lb.onMembershipChanged(e -> {
      try {
        lb.awaitHealthy(1, Duration.ofSeconds(1));
      } catch (IllegalStateException expected) {
        refused.countDown();
      } catch (InterruptedException e1) {
        Thread.currentThread().interrupt();
      }
    });
    lb.addBackend(Backend.of("a", "127.0.0.1", 1));
    assertThat(refused.await(30, TimeUnit.SECONDS)).isTrue();
  }

  private static int waiters(LoadBalancer lb) {
    return ((DefaultLoadBalancer) lb).readinessWaiters();
  }
}
