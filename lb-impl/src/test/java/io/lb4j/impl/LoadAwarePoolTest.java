package io.lb4j.impl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lb4j.api.Backend;
import io.lb4j.api.BackendView;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.Outcome;
import io.lb4j.api.PoolSettings;
import io.lb4j.api.RequestContext;
import io.lb4j.api.Selection;
import io.lb4j.api.health.HealthCheckPolicy;
import io.lb4j.api.load.LoadAwarePolicy;
import io.lb4j.api.load.LoadReport;
import io.lb4j.api.scheduler.SchedulingAlgorithm;
import io.lb4j.impl.load.ObservedLatencyWeights;
import io.lb4j.impl.load.ReportedLoadWeights;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Load-aware weights wired into a pool: reports handed in on the request path, one update per period on the
 * pool's control path, weights exactly as the pure calculators compute them, and the interplay with
 * draining, slow start, membership and health. Time is a {@link ManualTimeSource}: an update runs when the
 * test moves the clock, so nothing here depends on timing.
 */
class LoadAwarePoolTest {

  private static final Duration PERIOD = Duration.ofSeconds(1);
  private static final LoadAwarePolicy NO_BLACKOUT = LoadAwarePolicy.builder().blackoutPeriod(Duration.ZERO).build();

  private final ManualTimeSource time = ManualTimeSource.startingAt(Instant.parse("2030-01-01T00:00:00Z"));
  private LoadBalancer pool;

  @AfterEach
  void close() {
    if (pool != null) {
      pool.close();
    }
  }

  private LoadBalancer pool(LoadAwarePolicy policy, String... ids) {
    return pool(PoolSettings.builder().healthCheck(HealthCheckPolicy.disabled()).loadAware(policy).build(), ids);
  }

  private LoadBalancer pool(PoolSettings settings, String... ids) {
    List<Backend> backends = new ArrayList<>();
    for (int i = 0; i < ids.length; i++) {
      backends.add(Backend.of(ids[i], "127.0.0." + (i + 1), 8080));
    }
    pool = LoadBalancers.builder().settings(settings).backends(backends).timeSource(time).seed(3).build().start();
    return pool;
  }

  /** A selection of backend {@code id}: selects until the scheduler hands it out. */
  private Selection selectionOf(String id) {
    for (int i = 0; i < 10_000; i++) {
      Selection s = pool.select(RequestContext.EMPTY);
      s.release();
      if (s.hasBackend() && s.backend().id().equals(id)) {
        return s;
      }
    }
    throw new AssertionError(id + " was never selected");
  }

  private void report(String id, double cpu, double qps) {
    pool.reportLoad(selectionOf(id), LoadReport.of(cpu, qps, 0));
  }

  private Map<String, Integer> weights() {
    Map<String, Integer> w = new HashMap<>();
    for (BackendView v : pool.view()) {
      w.put(v.backend().id(), v.effectiveWeight());
    }
    return w;
  }

  private LoadAwareMetrics metrics() {
    return LoadBalancers.loadAwareMetrics(pool).orElseThrow();
  }

  @Test
  void weights_followTheReports_exactlyAsGrpcsCalculatorComputesThem_atTheNextUpdate() {
    pool(NO_BLACKOUT, "a", "b", "c");
    report("a", 0.3, 100);
    report("b", 0.3, 100);
    report("c", 0.9, 100); // three times the CPU per request
    assertThat(weights()).containsEntry("a", 100).containsEntry("b", 100).containsEntry("c", 100); // not yet

    time.advance(PERIOD);

    ReportedLoadWeights expected = new ReportedLoadWeights(NO_BLACKOUT);
    long now = time.nanoTime();
    expected.onReport("a", LoadReport.of(0.3, 100, 0), now);
    expected.onReport("b", LoadReport.of(0.3, 100, 0), now);
    expected.onReport("c", LoadReport.of(0.9, 100, 0), now);
    int[] w = expected.weights(List.of("a", "b", "c"), now).toArray();
    assertThat(w).containsExactly(100, 100, 33);
    assertThat(weights()).containsEntry("a", w[0]).containsEntry("b", w[1]).containsEntry("c", w[2]);
    assertThat(metrics().updates()).isEqualTo(1);
    assertThat(metrics().usable()).isEqualTo(3);
    assertThat(metrics().backend("c").lastReport()).isEqualTo(LoadReport.of(0.9, 100, 0));
  }

  @Test
  void picks_followTheLoadWeights_overOneWholeCycle() {
    pool(NO_BLACKOUT, "a", "b", "c");
    report("a", 0.3, 100);
    report("b", 0.3, 100);
    report("c", 0.9, 100);
    time.advance(PERIOD);
    Map<String, Integer> counts = new HashMap<>();
    for (int i = 0; i < 233; i++) { // 100 + 100 + 33: one cycle of the weighted round robin
      try (Selection s = pool.select(RequestContext.EMPTY)) {
        counts.merge(s.backend().id(), 1, Integer::sum);
      }
    }
    assertThat(counts).containsEntry("a", 100).containsEntry("b", 100).containsEntry("c", 33);
  }

  @Test
  void blackout_keepsEveryBackendAtTheMeanUntilItsReportsAreOldEnough() {
    LoadAwarePolicy policy = LoadAwarePolicy.builder().blackoutPeriod(Duration.ofSeconds(3)).build();
    pool(policy, "a", "b");
    for (int second = 1; second <= 3; second++) {
      report("a", 0.2, 100);
      report("b", 0.8, 100);
      time.advance(PERIOD);
      assertThat(weights()).as("after %ds", second).containsEntry("a", 100).containsEntry("b", 100);
      assertThat(metrics().notYetUsable()).isEqualTo(2);
    }
    report("a", 0.2, 100);
    report("b", 0.8, 100);
    time.advance(PERIOD); // the first reports arrived 3 s ago: the blackout is over
    assertThat(weights()).containsEntry("a", 100).containsEntry("b", 25);
  }

  @Test
  void expiredReports_fallBackToTheMeanWeight() {
    LoadAwarePolicy policy = LoadAwarePolicy.builder().blackoutPeriod(Duration.ZERO)
        .weightExpirationPeriod(Duration.ofSeconds(5)).build();
    pool(policy, "a", "b", "c");
    report("a", 0.5, 100);
    report("b", 0.5, 100);
    report("c", 1.0, 100);
    time.advance(PERIOD);
    assertThat(weights()).containsEntry("c", 50);
    for (int i = 0; i < 5; i++) { // a and b keep reporting; c falls silent
      report("a", 0.5, 100);
      report("b", 0.5, 100);
      time.advance(PERIOD);
    }
    assertThat(weights()).containsEntry("c", 100); // its report is 5 s old: it gets the mean, which is 100
    assertThat(metrics().stale()).isEqualTo(1);
  }

  @Test
  void aBackendThatJoinsBetweenUpdates_startsAtTheMeanLoadWeight() {
    pool(NO_BLACKOUT, "a", "b");
    report("a", 0.2, 100); // raw 500
    report("b", 0.5, 100); // raw 200: weights 100 and 40
    time.advance(PERIOD);
    assertThat(weights()).containsEntry("a", 100).containsEntry("b", 40);
    pool.addBackend(Backend.of("c", "127.0.0.3", 8080));
    assertThat(weights()).containsEntry("c", 70); // mean of 100 and 40, before any update
  }

  @Test
  void weightZero_andDisabled_winOverTheLoadWeight() {
    pool(NO_BLACKOUT, "a", "b");
    report("a", 0.2, 100);
    report("b", 0.2, 100);
    time.advance(PERIOD);
    pool.setWeight("a", 0);
    assertThat(weights()).containsEntry("a", 0).containsEntry("b", 100);
    report("b", 0.2, 100);
    time.advance(PERIOD);
    assertThat(weights()).containsEntry("a", 0);
    for (int i = 0; i < 20; i++) {
      try (Selection s = pool.select(RequestContext.EMPTY)) {
        assertThat(s.backend().id()).isEqualTo("b");
      }
    }
  }

  @Test
  void slowStart_rampsTheLoadWeight() {
    PoolSettings settings = PoolSettings.builder().healthCheck(HealthCheckPolicy.disabled()).loadAware(NO_BLACKOUT)
        .slowStartWindow(Duration.ofSeconds(10)).slowStartFloorPercent(10).build();
    pool(settings, "a", "b");
    report("a", 0.2, 100);
    report("b", 0.4, 100); // weights 100 and 50
    time.advance(PERIOD);
    assertThat(weights()).containsEntry("b", 50);
    pool.setWeight("b", 0);
    pool.setWeight("b", 100); // back from 0: slow start from 10% of its load weight
    assertThat(weights()).containsEntry("b", 5);
    time.advance(Duration.ofSeconds(5)); // half way: 5 + (50 - 5) * 5 / 10, in whole numbers
    assertThat(weights()).containsEntry("b", 27);
  }

  @Test
  void aBackendThatComesBack_servesANewBlackout() {
    LoadAwarePolicy policy = LoadAwarePolicy.builder().blackoutPeriod(Duration.ofSeconds(2)).build();
    pool(policy, "a", "b");
    for (int i = 0; i < 3; i++) {
      report("a", 0.2, 100);
      report("b", 0.8, 100);
      time.advance(PERIOD);
    }
    assertThat(weights()).containsEntry("b", 25);
    pool.setEnabled("b", false);
    report("a", 0.2, 100);
    time.advance(PERIOD); // b is not weighed while disabled
    pool.setEnabled("b", true);
    report("a", 0.2, 100);
    report("b", 0.8, 100);
    time.advance(PERIOD); // back: its reports start a new blackout
    assertThat(weights()).containsEntry("b", 100);
    report("a", 0.2, 100);
    report("b", 0.8, 100);
    time.advance(PERIOD);
    report("a", 0.2, 100);
    report("b", 0.8, 100);
    time.advance(PERIOD);
    assertThat(weights()).containsEntry("b", 25);
  }

  @Test
  void malformedReports_areCountedPerBackend_andTheBackendKeepsItsWeight() {
    pool(NO_BLACKOUT, "a", "b");
    report("a", 0.2, 100);
    report("b", 0.4, 100);
    time.advance(PERIOD);
    pool.reportMalformedLoad(selectionOf("b"), "endpoint-load-metrics eps must be a number, was 'x'");
    pool.reportMalformedLoad(selectionOf("b"), "endpoint-load-metrics must appear at most once");
    time.advance(PERIOD);
    LoadAwareMetrics.BackendLoad b = metrics().backend("b");
    assertThat(b.malformedReports()).isEqualTo(2);
    assertThat(b.lastMalformedReason()).isEqualTo("endpoint-load-metrics must appear at most once");
    assertThat(b.reports()).isEqualTo(1);
    assertThat(metrics().backend("a").malformedReports()).isZero();
    assertThat(weights()).containsEntry("b", 50);
  }

  @Test
  void reports_areIgnoredByAPoolWithoutLoadAwareWeights_andFromAnotherPool() throws Exception {
    try (LoadBalancer plain = LoadBalancers.builder().healthCheck(HealthCheckPolicy.disabled())
        .backend(Backend.of("x", "127.0.0.9", 8080)).timeSource(time).build().start()) {
      Selection s = plain.select(RequestContext.EMPTY);
      plain.reportLoad(s, LoadReport.of(0.9, 100, 0)); // nothing to keep it in: ignored
      assertThat(LoadBalancers.loadAwareMetrics(plain)).isEmpty();
      pool(NO_BLACKOUT, "a");
      pool.reportLoad(s, LoadReport.of(0.9, 100, 0)); // not this pool's selection
      time.advance(PERIOD);
      assertThat(metrics().backend("a").reports()).isZero();
      assertThatThrownBy(() -> pool.reportLoad(s, null)).isInstanceOf(NullPointerException.class)
          .hasMessage("report");
    }
  }

  @Test
  void observedLatency_weighsTheSlowerBackendDown_asFinaglesEstimatorDoes() {
    LoadAwarePolicy policy = LoadAwarePolicy.builder().signal(LoadAwarePolicy.Signal.OBSERVED_LATENCY).build();
    pool(policy, "a", "b", "c");
    for (String id : List.of("a", "b", "c")) {
      long millis = id.equals("c") ? 30 : 10;
      for (int i = 0; i < 4; i++) {
        Selection s = selectionOf(id);
        pool.report(s, Outcome.success(Duration.ofMillis(millis + i))); // mean 11.5 or 31.5 ms
      }
    }
    pool.report(selectionOf("a"), Outcome.success()); // unknown latency: not a sample
    time.advance(PERIOD);

    ObservedLatencyWeights expected = new ObservedLatencyWeights(policy);
    long now = time.nanoTime();
    expected.onOutcome("a", 11_500_000, false, now);
    expected.onOutcome("b", 11_500_000, false, now);
    expected.onOutcome("c", 31_500_000, false, now);
    int[] w = expected.weights(List.of("a", "b", "c"), now).toArray();
    assertThat(w[2]).isLessThan(w[0] / 2);
    assertThat(weights()).containsEntry("a", w[0]).containsEntry("b", w[1]).containsEntry("c", w[2]);
  }

  @Test
  void observedLatency_failuresPushABackendToTheFloor() {
    LoadAwarePolicy policy = LoadAwarePolicy.builder().signal(LoadAwarePolicy.Signal.OBSERVED_LATENCY).build();
    pool(policy, "a", "b", "c");
    for (String id : List.of("a", "b", "c")) {
      pool.report(selectionOf(id), Outcome.success(Duration.ofMillis(10)));
    }
    time.advance(PERIOD);
    for (int i = 0; i < 10; i++) { // connection refused in a millisecond: fast, and failing
      pool.report(selectionOf("c"), Outcome.failure(Outcome.Kind.CONNECT_FAILURE, Duration.ofMillis(1)));
    }
    time.advance(PERIOD);
    // The floor: 0.1 of the mean of the raw weights, scaled against the largest.
    assertThat(weights().get("c")).isLessThanOrEqualTo(10).isPositive();
  }

  @Test
  void reportsFromManyThreads_areAllCounted_andTheLastOneIsUsed() throws Exception {
    pool(NO_BLACKOUT, "a", "b", "c");
    Map<String, Selection> selections = Map.of("a", selectionOf("a"), "b", selectionOf("b"), "c", selectionOf("c"));
    int threads = 4;
    int perThread = 20_000;
    CyclicBarrier start = new CyclicBarrier(threads);
    ExecutorService pool4 = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        done.add(pool4.submit(() -> {
          start.await();
          for (int i = 0; i < perThread; i++) {
            String id = i % 3 == 0 ? "a" : i % 3 == 1 ? "b" : "c";
            pool.reportLoad(selections.get(id), LoadReport.of(id.equals("c") ? 0.9 : 0.3, 100, 0));
            if (i % 5_000 == 0) {
              time.advance(PERIOD); // updates run while reports come in
            }
          }
          return null;
        }));
      }
      for (Future<?> f : done) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool4.shutdownNow();
    }
    time.advance(PERIOD);
    long total = metrics().backends().stream().mapToLong(LoadAwareMetrics.BackendLoad::reports).sum();
    assertThat(total).isEqualTo((long) threads * perThread);
    assertThat(weights()).containsEntry("a", 100).containsEntry("b", 100).containsEntry("c", 33);
  }

  @Test
  void loadAware_needsAWeightedSchedulerWithoutKeys() {
    for (SchedulingAlgorithm a : List.of(SchedulingAlgorithm.ROUND_ROBIN, SchedulingAlgorithm.SOURCE_IP_HASH,
        SchedulingAlgorithm.CONSISTENT_HASH)) {
      assertThatThrownBy(() -> PoolSettings.builder().scheduler(a).loadAware(NO_BLACKOUT).build())
          .isInstanceOf(IllegalStateException.class)
          .hasMessage("pool.loadAware needs a scheduler that uses weights and keeps no key on a backend (wrr, wlc"
              + " or p2c), was " + a.code());
    }
    for (SchedulingAlgorithm a : List.of(SchedulingAlgorithm.WEIGHTED_ROUND_ROBIN,
        SchedulingAlgorithm.WEIGHTED_LEAST_CONNECTIONS, SchedulingAlgorithm.LEAST_REQUEST_P2C)) {
      assertThat(PoolSettings.builder().scheduler(a).loadAware(NO_BLACKOUT).build().loadAware()).contains(NO_BLACKOUT);
    }
    assertThatThrownBy(() -> PoolSettings.builder().loadAware(null)).isInstanceOf(NullPointerException.class)
        .hasMessage("pool.loadAware");
  }
}
