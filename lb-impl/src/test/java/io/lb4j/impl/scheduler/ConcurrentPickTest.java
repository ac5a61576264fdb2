package io.lb4j.impl.scheduler;

import static io.lb4j.impl.scheduler.Fixtures.backend;
import static io.lb4j.impl.scheduler.Fixtures.healthy;
import static org.assertj.core.api.Assertions.assertThat;

import io.lb4j.api.Backend;
import io.lb4j.api.RequestContext;
import io.lb4j.api.scheduler.Candidate;
import io.lb4j.api.scheduler.PickResult;
import io.lb4j.api.scheduler.Scheduler;
import io.lb4j.api.scheduler.SchedulingAlgorithm;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Many threads picking at once, and picking while another thread updates. No sleeps and no timing
 * assertions: threads start together on a latch and every wait has a generous timeout.
 */
class ConcurrentPickTest {

  private static final int THREADS = 4;
  private static final long TIMEOUT_SECONDS = 60;

  /** Runs {@code task} on THREADS threads started together; fails on any task failure or timeout. */
  private static void runTogether(int threads, Runnable task) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        futures.add(pool.submit(() -> {
          start.await(TIMEOUT_SECONDS, TimeUnit.SECONDS);
          task.run();
          return null;
        }));
      }
      start.countDown();
      for (Future<?> f : futures) {
        f.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"WEIGHTED_ROUND_ROBIN", "ROUND_ROBIN"})
  void pick_fromManyThreads_givesExactSharesOverWholeCycles(SchedulingAlgorithm algorithm) throws Exception {
    int[] weights = {50, 30, 20, 7, 1};
    Scheduler s = Schedulers.create(algorithm, 8);
    s.update(Fixtures.weighted(weights));
    int cycle = ((RoundRobinScheduler) s).schedule().cycle();
    int cyclesPerThread = 2_000;
    Map<String, LongAdder> counts = new ConcurrentHashMap<>();

    runTogether(THREADS, () -> {
      Map<String, Integer> local = new HashMap<>();
      for (int i = 0; i < cycle * cyclesPerThread; i++) {
        local.merge(s.pick(RequestContext.EMPTY).backend().id(), 1, Integer::sum);
      }
      local.forEach((id, n) -> counts.computeIfAbsent(id, k -> new LongAdder()).add(n));
    });

    // Each thread made whole cycles, so each counter stripe advanced by whole cycles, so the total is
    // exact however the threads were spread over the stripes.
    long rounds = (long) THREADS * cyclesPerThread;
    for (int i = 0; i < weights.length; i++) {
      long expected = algorithm == SchedulingAlgorithm.ROUND_ROBIN ? rounds : weights[i] * rounds;
      assertThat(counts.get("b" + i).sum()).as("b" + i).isEqualTo(expected);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"WEIGHTED_LEAST_CONNECTIONS", "LEAST_REQUEST_P2C"})
  void pickAndRelease_fromManyThreads_leavesEveryCountAtZero(SchedulingAlgorithm algorithm) throws Exception {
    Scheduler s = Schedulers.create(algorithm, 8);
    List<Candidate> candidates = Fixtures.weighted(100, 50, 20, 100, 10);
    s.update(candidates);

    runTogether(THREADS, () -> {
      for (int i = 0; i < 50_000; i++) {
        PickResult r = Fixtures.acquire(s);
        r.activeRequests().decrement();
      }
    });

    for (int i = 0; i < 5; i++) {
      assertThat(Fixtures.active(candidates, "b" + i)).as("b" + i).isZero();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"WEIGHTED_LEAST_CONNECTIONS", "LEAST_REQUEST_P2C"})
  void pick_fromManyThreads_countsEveryPickExactlyOnce(SchedulingAlgorithm algorithm) throws Exception {
    Scheduler s = Schedulers.create(algorithm, 8);
    List<Candidate> candidates = Fixtures.weighted(100, 50, 20, 100, 10);
    s.update(candidates);
    Map<String, LongAdder> picked = new ConcurrentHashMap<>();

    runTogether(THREADS, () -> {
      for (int i = 0; i < 20_000; i++) {
        picked.computeIfAbsent(Fixtures.acquire(s).backend().id(), k -> new LongAdder()).increment();
      }
    });

    long total = 0;
    for (int i = 0; i < 5; i++) {
      long n = picked.getOrDefault("b" + i, new LongAdder()).sum();
      assertThat(Fixtures.active(candidates, "b" + i)).as("b" + i).isEqualTo((int) n);
      total += n;
    }
    assertThat(total).isEqualTo(THREADS * 20_000L);
  }

  /**
   * Pickers run while an updater keeps publishing snapshots. "gone" backends were removed before the
   * pickers started and "never" is in every snapshot but never eligible (unhealthy, drained or
   * disabled in turn): no pick may return either. "flapping" is eligible in some snapshots only, and
   * every snapshot keeps at least one eligible backend, so every pick must return a backend.
   */
  @ParameterizedTest
  @EnumSource(SchedulingAlgorithm.class)
  void pick_duringContinuousUpdates_neverReturnsBackendIneligibleInEverySnapshot(SchedulingAlgorithm algorithm)
      throws Exception {
    Scheduler s = Schedulers.create(algorithm, 8);
    List<Candidate> initial = new ArrayList<>(Fixtures.equal(4));
    for (int i = 0; i < 4; i++) {
      initial.add(healthy("gone" + i, 100));
    }
    s.update(initial);
    Backend never = backend("never", 100);
    Backend disabledNever = never.toBuilder().enabled(false).build();
    List<List<Candidate>> snapshots = List.of(
        List.of(healthy("b0", 100), healthy("b1", 50), new Candidate(never, false, 100), healthy("flapping", 100)),
        List.of(healthy("b0", 10), healthy("b2", 100), new Candidate(never, true, 0)),
        List.of(healthy("b3", 100), Candidate.of(disabledNever), new Candidate(backend("flapping", 100), false, 100)),
        List.of(healthy("b1", 100), healthy("b2", 1), healthy("b3", 100), new Candidate(never, false, 0)));
    s.update(snapshots.get(0));
    RequestContext[] contexts = Fixtures.contexts(1_000);
    AtomicBoolean picking = new AtomicBoolean(true);
    LongAdder updates = new LongAdder();
    CountDownLatch updaterRunning = new CountDownLatch(1);
    ExecutorService updater = Executors.newSingleThreadExecutor();
    try {
      Future<?> updating = updater.submit(() -> {
        for (int i = 1; picking.get(); i++) {
          s.update(snapshots.get(i % snapshots.size()));
          updates.increment();
          updaterRunning.countDown();
        }
      });
      assertThat(updaterRunning.await(TIMEOUT_SECONDS, TimeUnit.SECONDS)).isTrue();
      long updatesBefore = updates.sum();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS);

      // Pick until both enough picks and enough concurrent updates happened (a loaded box may starve
      // the updater for a while), so the test always exercises picks racing updates.
      runTogether(THREADS - 1, () -> {
        for (int i = 0; i < 100_000 || updates.sum() - updatesBefore < 50; i++) {
          if ((i & 1023) == 0 && System.nanoTime() - deadline > 0) {
            break;
          }
          PickResult r = s.pick(contexts[i % contexts.length]);
          assertThat(r.hasBackend()).as("%s", r).isTrue();
          String id = r.backend().id();
          assertThat(id).doesNotStartWith("gone").isNotEqualTo("never");
        }
      });
      assertThat(updates.sum() - updatesBefore).as("updates made while picking").isGreaterThanOrEqualTo(50);
      picking.set(false);
      updating.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } finally {
      picking.set(false);
      updater.shutdownNow();
    }
  }
}
