package io.lb4j.impl;

import static org.assertj.core.api.Assertions.assertThat;

import io.lb4j.api.Backend;
import io.lb4j.api.BackendView;
import io.lb4j.api.Listener;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.LoadBalancerEvent;
import io.lb4j.api.Protocol;
import io.lb4j.api.RequestContext;
import io.lb4j.api.Selection;
import io.lb4j.api.health.HealthCheckPolicy;
import io.lb4j.api.persistence.SessionPersistence;
import io.lb4j.api.scheduler.NoBackendReason;
import io.lb4j.api.scheduler.SchedulingAlgorithm;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link LoadBalancer#select(RequestContext, java.util.Collection)}: a retry never goes back to a backend the
 * request already tried, whatever the scheduler or the session says (issue 17 defect 6, issue 25 defect 6).
 */
class SelectExcludingTest {

  /** Healthy from the start, checked rarely: these tests need no backend process. */
  private static final HealthCheckPolicy TRUSTED = HealthCheckPolicy.builder().startHealthy(true)
      .interval(Duration.ofSeconds(50)).build();

  private final List<LoadBalancer> pools = new ArrayList<>();
  private final ConcurrentLinkedQueue<LoadBalancerEvent> events = new ConcurrentLinkedQueue<>();

  @AfterEach
  void closeAll() {
    pools.forEach(LoadBalancer::close);
  }

  private LoadBalancer pool(SchedulingAlgorithm algorithm, SessionPersistence persistence, int... weights) {
    Listener.Builder listener = Listener.builder("web", Protocol.HTTP, 0).scheduler(algorithm)
        .healthCheck(TRUSTED).sessionPersistence(persistence);
    LoadBalancers.Builder b = LoadBalancers.builder(listener.build()).seed(7);
    for (int i = 0; i < weights.length; i++) {
      b.backend(Backend.of("b" + i, "127.0.0." + (i + 1), 8000, weights[i]));
    }
    LoadBalancer lb = b.build();
    pools.add(lb);
    lb.subscribe(events::add);
    return lb;
  }

  /** A context every scheduler can serve: hash schedulers need an address or a key. */
  private static RequestContext context(int i) {
    try {
      return RequestContext.builder().clientAddress(InetAddress.getByAddress(new byte[] {10, 0, (byte) (i >> 8), (byte) i}))
          .hashKey("user-" + i).build();
    } catch (java.net.UnknownHostException e) {
      throw new AssertionError(e);
    }
  }

  @ParameterizedTest
  @EnumSource(SchedulingAlgorithm.class)
  void select_neverReturnsAnExcludedBackend(SchedulingAlgorithm algorithm) {
    LoadBalancer lb = pool(algorithm, SessionPersistence.none(), 100, 1, 1);
    Map<String, Integer> counts = new HashMap<>();
    for (int i = 0; i < 600; i++) {
      try (Selection s = lb.select(context(i), Set.of("b0"))) {
        assertThat(s.hasBackend()).as("selection %d: %s", i, s).isTrue();
        counts.merge(s.backend().id(), 1, Integer::sum);
      }
    }
    assertThat(counts).doesNotContainKey("b0").containsOnlyKeys("b1", "b2");
    for (int i = 0; i < 100; i++) {
      try (Selection s = lb.select(context(i), List.of("b0", "b2"))) {
        assertThat(s.backend().id()).isEqualTo("b1");
      }
    }
  }

  @ParameterizedTest
  @EnumSource(SchedulingAlgorithm.class)
  void select_everyEligibleBackendExcluded_saysAllTried(SchedulingAlgorithm algorithm) {
    LoadBalancer lb = pool(algorithm, SessionPersistence.none(), 1, 1);
    Selection s = lb.select(context(1), List.of("b1", "b0"));
    assertThat(s.hasBackend()).isFalse();
    assertThat(s.reason()).isEqualTo(NoBackendReason.ALL_TRIED);
    assertThat(s.reason().description()).isEqualTo("every eligible backend was already tried for this request");
  }

  @Test
  void select_excludedBackendThatCannotServeAnyway_keepsThePoolsOwnReason() {
    LoadBalancer lb = pool(SchedulingAlgorithm.WEIGHTED_ROUND_ROBIN, SessionPersistence.none(), 1, 1);
    lb.setEnabled("b0", false);
    lb.setEnabled("b1", false);
    assertThat(lb.select(RequestContext.EMPTY, List.of("b0")).reason()).isEqualTo(NoBackendReason.ALL_DRAINED);
  }

  @Test
  void select_withNothingExcluded_isThePlainSelect() {
    LoadBalancer lb = pool(SchedulingAlgorithm.WEIGHTED_ROUND_ROBIN, SessionPersistence.none(), 3, 1);
    List<String> plain = new ArrayList<>();
    LoadBalancer twin = pool(SchedulingAlgorithm.WEIGHTED_ROUND_ROBIN, SessionPersistence.none(), 3, 1);
    List<String> viaEmpty = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      try (Selection a = lb.select(RequestContext.EMPTY); Selection b = twin.select(RequestContext.EMPTY, List.of())) {
        plain.add(a.backend().id());
        viaEmpty.add(b.backend().id());
      }
    }
    assertThat(viaEmpty).isEqualTo(plain);
  }

  @Test
  void stickySession_boundToAnExcludedBackend_movesWithANewCookieThatSticks() {
    LoadBalancer lb = pool(SchedulingAlgorithm.WEIGHTED_ROUND_ROBIN,
        SessionPersistence.insertCookie(Duration.ofSeconds(600)), 1, 1, 1);
    Selection first = lb.select(RequestContext.EMPTY);
    first.release();
    String pinned = first.backend().id();
    RequestContext browser = cookie(first.setCookie());

    Selection retry = lb.select(browser, List.of(pinned));
    retry.release();
    assertThat(retry.backend().id()).isNotEqualTo(pinned);
    assertThat(retry.sessionMoved()).isTrue();
    assertThat(retry.setCookie()).startsWith("LB4J_SESSION=");
    Await.until("the session-moved event", () -> events.stream().anyMatch(e -> e instanceof LoadBalancerEvent.SessionMoved));
    assertThat(events).anySatisfy(e -> assertThat(e).isInstanceOfSatisfying(LoadBalancerEvent.SessionMoved.class,
        m -> {
          assertThat(m.cause()).isEqualTo("backend already tried for this request");
          assertThat(m.from().id()).isEqualTo(pinned);
          assertThat(m.to().id()).isEqualTo(retry.backend().id());
        }));
    for (int i = 0; i < 20; i++) {
      try (Selection s = lb.select(cookie(retry.setCookie()))) {
        assertThat(s.backend().id()).isEqualTo(retry.backend().id());
        assertThat(s.sessionMoved()).isFalse();
      }
    }
  }

  @Test
  void stickySession_notExcluded_staysOnItsBackend() {
    LoadBalancer lb = pool(SchedulingAlgorithm.WEIGHTED_ROUND_ROBIN,
        SessionPersistence.insertCookie(Duration.ofSeconds(600)), 1, 1, 1);
    Selection first = lb.select(RequestContext.EMPTY);
    first.release();
    String other = first.backend().id().equals("b0") ? "b1" : "b0";
    try (Selection s = lb.select(cookie(first.setCookie()), List.of(other))) {
      assertThat(s.backend().id()).isEqualTo(first.backend().id());
      assertThat(s.sessionMoved()).isFalse();
      assertThat(s.setCookie()).isNull();
    }
  }

  @ParameterizedTest
  @EnumSource(value = SchedulingAlgorithm.class, names = {"SOURCE_IP_HASH", "CONSISTENT_HASH"})
  void hashRetry_picksTheSameSecondChoiceOnEveryInstanceOfAFleet(SchedulingAlgorithm algorithm) {
    LoadBalancer one = pool(algorithm, SessionPersistence.none(), 1, 1, 1, 1, 1);
    LoadBalancer two = pool(algorithm, SessionPersistence.none(), 1, 1, 1, 1, 1);
    int moved = 0;
    for (int i = 0; i < 500; i++) {
      String owner;
      try (Selection s = one.select(context(i))) {
        owner = s.backend().id();
      }
      try (Selection a = one.select(context(i), List.of(owner)); Selection b = two.select(context(i), List.of(owner))) {
        assertThat(a.backend().id()).isNotEqualTo(owner).isEqualTo(b.backend().id());
        moved++;
      }
    }
    assertThat(moved).isEqualTo(500);
  }

  @ParameterizedTest
  @EnumSource(value = SchedulingAlgorithm.class, names = {"WEIGHTED_LEAST_CONNECTIONS", "LEAST_REQUEST_P2C",
      "WEIGHTED_ROUND_ROBIN"})
  void retriesUnderContention_releaseEveryCountExactly(SchedulingAlgorithm algorithm) throws Exception {
    LoadBalancer lb = pool(algorithm, SessionPersistence.none(), 5, 1, 1, 1);
    int threads = 4;
    int perThread = 5_000;
    CyclicBarrier start = new CyclicBarrier(threads);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<Map<String, Integer>>> results = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int seed = t;
        results.add(pool.submit(() -> {
          start.await();
          Map<String, Integer> counts = new HashMap<>();
          List<Selection> held = new ArrayList<>();
          for (int i = 0; i < perThread; i++) {
            // The busiest backend (weight 5) is excluded each time: the retry path, with refused picks released.
            Selection s = lb.select(context(seed * perThread + i), List.of("b0", i % 2 == 0 ? "b1" : "b2"));
            counts.merge(s.backend().id(), 1, Integer::sum);
            held.add(s);
            if (held.size() == 8) {
              held.forEach(Selection::release);
              held.clear();
            }
          }
          held.forEach(Selection::release);
          return counts;
        }));
      }
      int total = 0;
      for (Future<Map<String, Integer>> f : results) {
        Map<String, Integer> counts = f.get(60, TimeUnit.SECONDS);
        assertThat(counts).doesNotContainKey("b0");
        total += counts.values().stream().mapToInt(Integer::intValue).sum();
      }
      assertThat(total).isEqualTo(threads * perThread);
    } finally {
      pool.shutdownNow();
    }
    assertThat(lb.view()).extracting(BackendView::activeConnections).containsOnly(0);
  }

  private static RequestContext cookie(String setCookie) {
    return RequestContext.builder().cookieHeader(setCookie.substring(0, setCookie.indexOf(';'))).build();
  }
}
