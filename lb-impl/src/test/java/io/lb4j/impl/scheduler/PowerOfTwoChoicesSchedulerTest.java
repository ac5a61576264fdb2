package io.lb4j.impl.scheduler;

import static io.lb4j.impl.scheduler.Fixtures.acquire;
import static io.lb4j.impl.scheduler.Fixtures.active;
import static org.assertj.core.api.Assertions.assertThat;

import io.lb4j.api.scheduler.Candidate;
import io.lb4j.api.scheduler.PickResult;
import io.lb4j.api.scheduler.Scheduler;
import io.lb4j.api.scheduler.SchedulingAlgorithm;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PowerOfTwoChoicesSchedulerTest {

  private List<Candidate> candidates;

  private Scheduler p2c(long seed, int... weights) {
    Scheduler s = Schedulers.create(SchedulingAlgorithm.LEAST_REQUEST_P2C, seed);
    candidates = Fixtures.weighted(weights);
    s.update(candidates);
    return s;
  }

  @Test
  void pick_withNothingInFlight_splitsTrafficByWeight() {
    Scheduler s = Schedulers.create(SchedulingAlgorithm.LEAST_REQUEST_P2C, 11);
    s.update(Fixtures.weighted(100, 10, 1));
    Map<String, Integer> counts = new HashMap<>();
    for (int i = 0; i < 11_100; i++) {
      PickResult r = acquire(s);
      counts.merge(r.backend().id(), 1, Integer::sum);
      r.activeRequests().decrement();
    }

    // Expected 10,000 / 1,000 / 100; the draws are seeded, the bounds are several standard deviations.
    assertThat(counts.get("b0")).isBetween(9_700, 10_300);
    assertThat(counts.get("b1")).isBetween(850, 1_150);
    assertThat(counts.get("b2")).isBetween(60, 140);
  }

  @Test
  void pick_withTwoBackends_alwaysTakesTheLessLoaded() {
    Scheduler s = p2c(1, 100, 100);

    // With exactly two backends both are always compared: picks without release alternate loads.
    Map<String, Integer> counts = Fixtures.countAcquiring(s, 1_000);

    assertThat(counts).containsEntry("b0", 500).containsEntry("b1", 500);
  }

  @Test
  void pick_comparesLoadPerUnitOfWeight() {
    Scheduler s = p2c(2, 100, 25);

    Map<String, Integer> counts = Fixtures.countAcquiring(s, 1_000);

    assertThat(counts).containsEntry("b0", 800).containsEntry("b1", 200);
  }

  @Test
  void pick_keepsLoadsWithinOneOfEachOther_whenRequestsStayOpen() {
    Scheduler s = p2c(3, 100, 100, 100, 100, 100, 100, 100, 100);
    Fixtures.countAcquiring(s, 8_000);

    for (int i = 0; i < 8; i++) {
      // Two random choices keep the max load within a few of the mean (here exactly balanced or close).
      assertThat(active(candidates, "b" + i)).isBetween(990, 1010);
    }
  }

  @Test
  void pick_withSameSeed_isReproducible() {
    Scheduler a = p2c(77, 10, 20, 30, 40, 50);
    Scheduler b = p2c(77, 10, 20, 30, 40, 50);
    List<String> sa = new ArrayList<>();
    List<String> sb = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      PickResult x = acquire(a);
      PickResult y = acquire(b);
      sa.add(x.backend().id());
      sb.add(y.backend().id());
      if (i % 3 == 0) {
        x.activeRequests().decrement();
        y.activeRequests().decrement();
      }
    }

    assertThat(sa).isEqualTo(sb);
  }

  @Test
  void release_returnsEveryCountToZero() {
    Scheduler s = p2c(4, 100, 50, 10);
    List<PickResult> picked = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      picked.add(acquire(s));
    }
    picked.forEach(r -> r.activeRequests().decrement());

    for (int i = 0; i < 3; i++) {
      assertThat(active(candidates, "b" + i)).isZero();
    }
  }
}
