package io.lb4j.impl;

import static org.assertj.core.api.Assertions.assertThat;

import io.lb4j.api.Backend;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.LoadBalancerEvent;
import io.lb4j.api.RequestContext;
import io.lb4j.api.Selection;
import io.lb4j.api.health.HealthCheckPolicy;
import io.lb4j.api.persistence.SessionPersistence;
import io.lb4j.testing.TcpTestBackend;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Priority tiers through a whole pool: a standby tier takes new picks only while the primary tier has no
 * eligible backend, each switch is announced once it is in effect (no select that starts after the
 * {@code PriorityChanged} event goes to the tier that lost the traffic, with four threads selecting
 * throughout), and a sticky session follows the switch both ways with a new cookie each time.
 */
class PriorityTiersTest {

  private static final int THREADS = 4;
  private static final int SELECTS_AFTER = 1_000;
  private static final HealthCheckPolicy FAST_TCP = HealthCheckPolicy.builder()
      .interval(Duration.ofMillis(20)).responseTimeout(Duration.ofSeconds(5))
      .unhealthyThreshold(1).healthyThreshold(1).build();
  private static final HealthCheckPolicy TRUSTED = HealthCheckPolicy.builder().startHealthy(true)
      .interval(Duration.ofSeconds(50)).build();

  private final List<AutoCloseable> closeables = new ArrayList<>();
  private final ExecutorService selectors = Executors.newFixedThreadPool(THREADS);

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

  @Test
  void primaryDown_standbyTakesOver_andGivesBack_eachSwitchInEffectOnceAnnounced() throws Exception {
    TcpTestBackend p1 = closing(TcpBackend.start("127.0.0.1"));
    TcpTestBackend p2 = closing(TcpBackend.start("127.0.0.2"));
    TcpTestBackend standby = closing(TcpBackend.start("127.0.0.3"));
    LoadBalancer lb = closing(LoadBalancers.builder().healthCheck(FAST_TCP)
        .backend(Backend.of("p1", p1.host(), p1.port()))
        .backend(Backend.of("p2", p2.host(), p2.port()))
        .backend(Backend.builder("s", standby.host(), standby.port()).priority(1).build())
        .build().start());
    assertThat(lb.awaitHealthy(3, Await.DEADLINE)).isTrue();
    assertThat(lb.activePriority()).isZero();
    List<LoadBalancerEvent.PriorityChanged> switches = Collections.synchronizedList(new ArrayList<>());
    AtomicInteger phase = new AtomicInteger(); // 0 before, 1 once failover announced, 2 once return announced
    lb.onPriorityChanged(e -> {
      switches.add(e);
      phase.set(e.to() == 1 ? 1 : 2);
    });

    AtomicLong violations = new AtomicLong();
    // Set before the primary is started again: a select that began before it cannot see the return.
    java.util.concurrent.atomic.AtomicBoolean restarting = new java.util.concurrent.atomic.AtomicBoolean();
    AtomicLong[] after = {new AtomicLong(), new AtomicLong(), new AtomicLong()};
    CountDownLatch running = new CountDownLatch(THREADS);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    List<Future<?>> done = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      done.add(selectors.submit(() -> {
        boolean counted = false;
        int inPhase2 = 0;
        for (long i = 0; inPhase2 < SELECTS_AFTER && System.nanoTime() - deadline < 0; i++) {
          int p = phase.get(); // read before the select starts
          boolean returnPossible = restarting.get();
          try (Selection s = lb.select(RequestContext.ofKey(i))) {
            after[p].incrementAndGet();
            if (p == 2) {
              inPhase2++;
            }
            boolean toStandby = s.hasBackend() && s.backend().id().equals("s");
            boolean toPrimary = s.hasBackend() && !toStandby;
            if ((p == 1 && toPrimary && !returnPossible) || (p == 2 && toStandby)) {
              violations.incrementAndGet();
            }
          }
          if (!counted && i == 100) {
            counted = true;
            running.countDown();
          }
        }
        return null;
      }));
    }
    assertThat(running.await(30, TimeUnit.SECONDS)).isTrue();
    p1.stop();
    p2.stop();
    Await.until("the standby took over", () -> phase.get() == 1);
    long failedOverAt = after[1].get();
    Await.until(SELECTS_AFTER + " selects on the standby", () -> after[1].get() >= failedOverAt + SELECTS_AFTER);
    assertThat(lb.activePriority()).isEqualTo(1);
    restarting.set(true);
    p1.start();
    for (Future<?> f : done) {
      f.get(90, TimeUnit.SECONDS);
    }

    assertThat(after[2].get()).as("selects after the return").isEqualTo((long) THREADS * SELECTS_AFTER);
    assertThat(violations.get()).as("selects that went to the tier the announcement took the traffic from")
        .isZero();
    assertThat(switches).extracting(e -> e.from() + "->" + e.to() + " eligible=" + e.eligible())
        .containsExactly("0->1 eligible=1", "1->0 eligible=1");
    assertThat(lb.activePriority()).isZero();
  }

  @Test
  void stickySession_movesToTheStandbyAndBack_withANewCookieEachTime() {
    LoadBalancer lb = closing(LoadBalancers.builder().healthCheck(TRUSTED)
        .sessionPersistence(SessionPersistence.insertCookie(Duration.ofMinutes(10)))
        .backend(Backend.of("p", "127.0.0.1", 9001))
        .backend(Backend.builder("s", "127.0.0.1", 9002).priority(1).build())
        .build().start());
    List<LoadBalancerEvent> events = Collections.synchronizedList(new ArrayList<>());
    lb.subscribe(e -> {
      if (e instanceof LoadBalancerEvent.SessionMoved || e instanceof LoadBalancerEvent.PriorityChanged) {
        events.add(e);
      }
    });

    String first;
    try (Selection s = lb.select(RequestContext.EMPTY)) {
      assertThat(s.backend().id()).isEqualTo("p");
      first = cookie(s.setCookie());
    }
    lb.setEnabled("p", false);
    String second;
    try (Selection s = lb.select(withCookie(first))) {
      assertThat(s.backend().id()).isEqualTo("s");
      assertThat(s.sessionMoved()).isTrue();
      second = cookie(s.setCookie());
    }
    try (Selection s = lb.select(withCookie(second))) {
      assertThat(s.backend().id()).as("stays on the standby while it has the traffic").isEqualTo("s");
      assertThat(s.setCookie()).isNull();
    }
    lb.setEnabled("p", true);
    String third;
    try (Selection s = lb.select(withCookie(second))) {
      assertThat(s.backend().id()).as("back to the primary once it can serve").isEqualTo("p");
      assertThat(s.sessionMoved()).isTrue();
      third = cookie(s.setCookie());
    }
    assertThat(second).isNotEqualTo(first).isNotEqualTo(third);
    try (Selection s = lb.select(withCookie(third))) {
      assertThat(s.backend().id()).isEqualTo("p");
      assertThat(s.setCookie()).isNull();
    }
    Await.until("the events delivered", () -> events.size() >= 4);
    assertThat(events).extracting(PriorityTiersTest::describe).containsExactly(
        "tier 0->1",
        "moved p->s: backend disabled",
        "tier 1->0",
        "moved s->p: backend's priority 1 is not the active priority 0");
  }

  @Test
  void priorityIsAnAttribute_changingItReplansTheTiers() {
    LoadBalancer lb = closing(LoadBalancers.builder().healthCheck(TRUSTED)
        .backend(Backend.of("a", "127.0.0.1", 9001))
        .backend(Backend.builder("b", "127.0.0.1", 9002).priority(1).build())
        .build().start());
    List<LoadBalancerEvent> events = Collections.synchronizedList(new ArrayList<>());
    lb.subscribe(events::add);

    lb.setBackends(List.of(Backend.of("a", "127.0.0.1", 9001).withPriority(2),
        Backend.builder("b", "127.0.0.1", 9002).priority(1).build()));

    assertThat(lb.activePriority()).isEqualTo(1);
    for (int i = 0; i < 10; i++) {
      try (Selection s = lb.select(RequestContext.ofKey(i))) {
        assertThat(s.backend().id()).isEqualTo("b");
      }
    }
    assertThat(events).filteredOn(e -> e instanceof LoadBalancerEvent.MembershipChanged)
        .extracting(e -> ((LoadBalancerEvent.MembershipChanged) e).backend().priority()).containsExactly(2);
    assertThat(events).filteredOn(e -> e instanceof LoadBalancerEvent.PriorityChanged).hasSize(1);
    assertThat(lb.view()).extracting(v -> v.backend().id() + " p" + v.backend().priority())
        .containsExactly("a p2", "b p1");
  }

  private static String describe(LoadBalancerEvent e) {
    if (e instanceof LoadBalancerEvent.PriorityChanged p) {
      return "tier " + p.from() + "->" + p.to();
    }
    LoadBalancerEvent.SessionMoved m = (LoadBalancerEvent.SessionMoved) e;
    return "moved " + m.from().id() + "->" + m.to().id() + ": " + m.cause();
  }

  /** The {@code name=value} of a {@code Set-Cookie}. */
  private static String cookie(String setCookie) {
    assertThat(setCookie).isNotNull();
    return setCookie.substring(0, setCookie.indexOf(';'));
  }

  private static RequestContext withCookie(String cookie) {
    return RequestContext.builder().cookieHeader(cookie).build();
  }
}
