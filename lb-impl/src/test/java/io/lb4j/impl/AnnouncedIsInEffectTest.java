package io.lb4j.impl;

import static org.assertj.core.api.Assertions.assertThat;

import io.lb4j.api.Backend;
import io.lb4j.api.BackendState;
import io.lb4j.api.BackendView;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.LoadBalancerEvent;
import io.lb4j.api.LoadBalancerEvent.MembershipChange;
import io.lb4j.api.Outcome;
import io.lb4j.api.RequestContext;
import io.lb4j.api.Selection;
import io.lb4j.api.health.HealthCheckPolicy;
import io.lb4j.api.health.HealthStatus;
import io.lb4j.api.health.OutlierDetectionPolicy;
import io.lb4j.testing.TcpTestBackend;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What is announced is in effect (issue 18 item 1 and "What must hold"): once an event, or a view, shows a
 * change, every select that starts afterwards sees it, for each kind of change. Four threads select without
 * pause while the change happens; each one notes, before every select, whether the change was already
 * announced, and a select that started after the announcement and still went to the backend the change
 * took out of rotation is a violation. The publication happens before the announcement, and the
 * announcement before the flag the threads read, so the count must be exactly zero.
 */
class AnnouncedIsInEffectTest {

  private static final int THREADS = 4;
  /** Selects each thread makes after the announcement, so the check is never vacuous. */
  private static final int SELECTS_AFTER = 1_000;
  private static final HealthCheckPolicy FAST_TCP = HealthCheckPolicy.builder()
      .interval(Duration.ofMillis(20)).responseTimeout(Duration.ofSeconds(5))
      .unhealthyThreshold(1).healthyThreshold(1).build();
  /** Healthy from the start, checked rarely: no backend process needed. */
  private static final HealthCheckPolicy TRUSTED = HealthCheckPolicy.builder().startHealthy(true)
      .interval(Duration.ofSeconds(50)).build();

  /** How the change is announced. */
  enum Announcement { EVENT, VIEW }

  private final List<AutoCloseable> closeables = new ArrayList<>();
  private final ExecutorService selectors = Executors.newFixedThreadPool(THREADS + 1);

  @AfterEach
  void closeAll() throws Exception {
    selectors.shutdownNow();
    assertThat(selectors.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
    for (int i = closeables.size() - 1; i >= 0; i--) {
      closeables.get(i).close();
    }
  }

  private <T extends AutoCloseable> T closing(T c) {
    closeables.add(c);
    return c;
  }

  private static List<Backend> three(String host) {
    return List.of(Backend.of("a", host, 1), Backend.of("b", host, 2), Backend.of("c", host, 3));
  }

  @ParameterizedTest
  @EnumSource(Announcement.class)
  void healthChange_announced_noLaterSelectGoesToTheUnhealthyBackend(Announcement how) throws Exception {
    TcpTestBackend a = closing(TcpBackend.start("127.0.0.1"));
    TcpTestBackend b = closing(TcpBackend.start("127.0.0.2"));
    TcpTestBackend c = closing(TcpBackend.start("127.0.0.3"));
    LoadBalancer lb = closing(LoadBalancers.builder().healthCheck(FAST_TCP)
        .backend(Backend.of("a", a.host(), a.port())).backend(Backend.of("b", b.host(), b.port()))
        .backend(Backend.of("c", c.host(), c.port())).build().start());
    assertThat(lb.awaitHealthy(3, Await.DEADLINE)).isTrue();

    run(lb, how, e -> e instanceof LoadBalancerEvent.HealthChanged h && h.transition().backend().id().equals("c")
            && h.transition().to() == HealthStatus.UNHEALTHY,
        v -> v.backend().id().equals("c") && v.health() == HealthStatus.UNHEALTHY,
        "c", c::stop, null);
  }

  @ParameterizedTest
  @EnumSource(Announcement.class)
  void ejection_announced_noLaterSelectGoesToTheEjectedBackend(Announcement how) throws Exception {
    // The issue's own case: 5 failures on b, OutlierEjected fired and view() said ejected, yet the next 600
    // selects still went {a=200, b=200, c=200}.
    LoadBalancer lb = closing(LoadBalancers.builder().healthCheck(TRUSTED)
        .outlierDetection(OutlierDetectionPolicy.builder().consecutiveFailures(5).maxEjectionPercent(50)
            .baseEjectionTime(Duration.ofSeconds(600)).maxEjectionTime(Duration.ofSeconds(600)).build())
        .backends(three("127.0.0.1")).build().start());

    run(lb, how, e -> e instanceof LoadBalancerEvent.HealthChanged h && h.transition().backend().id().equals("b")
            && h.transition().to() == HealthStatus.UNHEALTHY,
        v -> v.backend().id().equals("b") && v.ejected(),
        "b", () -> { }, (l, s) -> {
          if (s.backend().id().equals("b")) {
            l.report(s, Outcome.failure(Outcome.Kind.TIMEOUT, Duration.ofSeconds(1)));
          }
        });
  }

  @ParameterizedTest
  @EnumSource(Announcement.class)
  void weightZero_announced_noLaterSelectGoesToThatBackend(Announcement how) throws Exception {
    LoadBalancer lb = closing(LoadBalancers.builder().healthCheck(TRUSTED).backends(three("127.0.0.1")).build()
        .start());

    run(lb, how, e -> e instanceof LoadBalancerEvent.MembershipChanged m && m.backend().id().equals("b")
            && m.backend().weight() == 0,
        v -> v.backend().id().equals("b") && v.effectiveWeight() == 0,
        "b", () -> lb.setWeight("b", 0), null);
  }

  @ParameterizedTest
  @EnumSource(Announcement.class)
  void removal_announced_noLaterSelectGoesToTheRemovedBackend(Announcement how) throws Exception {
    LoadBalancer lb = closing(LoadBalancers.builder().healthCheck(TRUSTED).backends(three("127.0.0.1")).build()
        .start());

    run(lb, how, e -> e instanceof LoadBalancerEvent.MembershipChanged m && m.backend().id().equals("b")
            && m.change() == MembershipChange.REMOVED,
        v -> false, "b", () -> lb.removeBackend("b"), null);
  }

  @ParameterizedTest
  @EnumSource(Announcement.class)
  void drain_announced_noLaterSelectGoesToTheDrainingBackend(Announcement how) throws Exception {
    LoadBalancer lb = closing(LoadBalancers.builder().healthCheck(TRUSTED).drainTimeout(Duration.ofSeconds(600))
        .backends(three("127.0.0.1")).build().start());
    List<Selection> open = new ArrayList<>();
    while (open.stream().noneMatch(s -> s.backend().id().equals("b"))) {
      open.add(lb.select(RequestContext.EMPTY)); // an open connection keeps b draining, not removed
    }

    run(lb, how, e -> e instanceof LoadBalancerEvent.MembershipChanged m && m.backend().id().equals("b")
            && m.change() == MembershipChange.DRAINING,
        v -> v.backend().id().equals("b") && v.state() == BackendState.DRAINING,
        "b", () -> lb.removeBackend("b"), null);
    open.forEach(Selection::release);
  }

  /** What a selecting thread does with a selection before releasing it (report an outcome). */
  private interface OnSelection {
    void accept(LoadBalancer lb, Selection s);
  }

  /**
   * Selects from {@link #THREADS} threads, makes {@code change} once they all run, announces it when the
   * event matches (or a view shows it), and checks that no select started after the announcement went to
   * {@code gone}.
   */
  private void run(LoadBalancer lb, Announcement how, Predicate<LoadBalancerEvent> event,
      Predicate<BackendView> shown, String gone, Runnable change, OnSelection onSelection) throws Exception {
    AtomicBoolean announced = new AtomicBoolean();
    if (how == Announcement.EVENT) {
      lb.subscribe(e -> {
        if (event.test(e)) {
          announced.set(true);
        }
      });
    }
    AtomicLong violations = new AtomicLong();
    AtomicLong selectsAfter = new AtomicLong();
    CountDownLatch running = new CountDownLatch(THREADS);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    List<Future<?>> done = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      done.add(selectors.submit(() -> {
        int after = 0;
        for (long i = 0; after < SELECTS_AFTER && System.nanoTime() - deadline < 0; i++) {
          boolean wasAnnounced = announced.get(); // read before the select starts
          try (Selection s = lb.select(RequestContext.ofKey(i))) {
            if (wasAnnounced) {
              after++;
              if (s.hasBackend() && s.backend().id().equals(gone)) {
                violations.incrementAndGet();
              }
            }
            if (onSelection != null && s.hasBackend()) {
              onSelection.accept(lb, s);
            }
          }
          if (i == 100) {
            running.countDown();
          }
        }
        selectsAfter.addAndGet(after);
        return null;
      }));
    }
    assertThat(running.await(30, TimeUnit.SECONDS)).isTrue();
    change.run();
    if (how == Announcement.VIEW) {
      Await.until("the view shows the change", () -> {
        List<BackendView> view = lb.view();
        boolean showsIt = view.stream().anyMatch(shown) || view.stream().noneMatch(v -> v.backend().id().equals(gone));
        if (showsIt) {
          announced.set(true);
        }
        return showsIt;
      });
    }
    for (Future<?> f : done) {
      f.get(60, TimeUnit.SECONDS);
    }
    assertThat(announced).as("announced").isTrue();
    assertThat(selectsAfter.get()).as("selects after the announcement").isEqualTo((long) THREADS * SELECTS_AFTER);
    assertThat(violations.get()).as("selects after the announcement that went to " + gone).isZero();
  }
}
