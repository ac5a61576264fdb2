package io.lb4j.impl.scheduler;

import static io.lb4j.impl.scheduler.Fixtures.count;
import static io.lb4j.impl.scheduler.Fixtures.randomWeights;
import static io.lb4j.impl.scheduler.Fixtures.sequence;
import static io.lb4j.impl.scheduler.Fixtures.weighted;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lb4j.api.Backend;
import io.lb4j.api.scheduler.Candidate;
import io.lb4j.api.scheduler.SchedulingAlgorithm;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class WeightedRoundRobinSchedulerTest {

  private static RoundRobinScheduler wrr(long seed, List<Candidate> candidates) {
    RoundRobinScheduler s = (RoundRobinScheduler) Schedulers.create(SchedulingAlgorithm.WEIGHTED_ROUND_ROBIN, seed);
    s.update(candidates);
    return s;
  }

  /** One whole cycle of the schedule, from position 0. */
  private static List<String> cycle(RoundRobinScheduler s) {
    WrrSchedule schedule = s.schedule();
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < schedule.cycle(); i++) {
      ids.add(schedule.pick(i).backend().id());
    }
    return ids;
  }

  /**
   * The largest |count - window x share| over all windows of the repeated cycle, for each backend,
   * computed exactly: with D(t) = count(t) - t x share over one period, a window [a, b) deviates by
   * D(b) - D(a), so the worst window deviates by max D - min D. D only rises at the backend's own picks
   * and falls in between, so its extremes are right after and right before those picks: O(cycle).
   * Returned scaled by the weight sum (an exact integer).
   */
  private static Map<String, Long> scaledWindowDeviation(List<String> cycle, Map<String, Integer> weights) {
    long weightSum = weights.values().stream().mapToLong(Integer::longValue).sum();
    Map<String, long[]> state = new HashMap<>(); // count, max, min
    weights.keySet().forEach(id -> state.put(id, new long[3]));
    for (int t = 0; t < cycle.size(); t++) {
      String id = cycle.get(t);
      long[] st = state.get(id);
      long w = weights.get(id);
      long before = st[0] * weightSum - t * w;
      st[0]++;
      long after = st[0] * weightSum - (t + 1) * w;
      st[1] = Math.max(st[1], after);
      st[2] = Math.min(st[2], before);
    }
    Map<String, Long> result = new HashMap<>();
    state.forEach((id, st) -> result.put(id, st[1] - st[2]));
    return result;
  }

  private static Map<String, Integer> weightMap(List<Candidate> candidates) {
    Map<String, Integer> m = new HashMap<>();
    candidates.forEach(c -> m.put(c.backend().id(), c.weight()));
    return m;
  }

  @Test
  void pick_interleavesLightBackendsAmongHeavyOne() {
    RoundRobinScheduler s = wrr(1, weighted(5, 1, 1));

    List<String> cycle = cycle(s);

    assertThat(cycle).containsExactly("b0", "b1", "b0", "b0", "b2", "b0", "b0");
    // From any starting point, seven consecutive picks are a rotation of that cycle.
    List<String> picked = sequence(s, 7);
    assertThat(picked).containsExactlyInAnyOrderElementsOf(cycle);
  }

  @Test
  void pick_givesExactSharesOverWholeCycles() {
    int[] weights = {100, 50, 30, 7, 1, 13};
    RoundRobinScheduler s = wrr(42, weighted(weights));
    int cycle = s.schedule().cycle();
    assertThat(cycle).isEqualTo(201);

    Map<String, Integer> counts = count(s, cycle * 3);

    for (int i = 0; i < weights.length; i++) {
      assertThat(counts.get("b" + i)).as("b" + i).isEqualTo(weights[i] * 3);
    }
  }

  @Test
  void pick_givesWeightsOneAndHundredExactlyOneToHundred() {
    RoundRobinScheduler s = wrr(7, weighted(1, 100));

    Map<String, Integer> counts = count(s, 101 * 50);

    assertThat(counts).containsEntry("b0", 50).containsEntry("b1", 5000);
  }

  @Test
  void pick_neverStarvesTinyWeightForLongerThanOneCycle() {
    RoundRobinScheduler s = wrr(3, weighted(1, 100, 100, 100));
    List<String> picks = sequence(s, 301 * 4);
    int lastSeen = -1;
    for (int i = 0; i < picks.size(); i++) {
      if (picks.get(i).equals("b0")) {
        if (lastSeen >= 0) {
          assertThat(i - lastSeen).isEqualTo(301);
        }
        lastSeen = i;
      }
    }
    assertThat(lastSeen).isGreaterThanOrEqualTo(0);
  }

  @Test
  void update_reducesWeightsByTheirGcd() {
    RoundRobinScheduler s = wrr(1, weighted(100, 50, 50));

    assertThat(s.schedule().cycle()).isEqualTo(4);
    assertThat(cycle(s)).containsExactly("b0", "b1", "b0", "b2");
  }

  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
  void pick_keepsEveryWindowWithinTwoOfItsShare_inTableMode(long seed) {
    List<Candidate> candidates = weighted(randomWeights(seed, 3 + (int) seed * 7));
    RoundRobinScheduler s = wrr(seed, candidates);
    assertThat(s.schedule().isTable()).isTrue();

    Map<String, Long> deviation = scaledWindowDeviation(cycle(s), weightMap(candidates));

    long weightSum = candidates.stream().mapToLong(Candidate::weight).sum();
    deviation.forEach((id, d) -> assertThat(d).as(id).isLessThan(2 * weightSum));
  }

  @Test
  void pick_keepsEveryWindowWithinTwoOfItsShare_inCompactTableMode() {
    List<Candidate> candidates = weighted(randomWeights(31, 10_000));
    RoundRobinScheduler s = wrr(5, candidates);
    assertThat(s.schedule().isIndexTable()).isTrue();

    Map<String, Long> deviation = scaledWindowDeviation(cycle(s), weightMap(candidates));

    long weightSum = candidates.stream().mapToLong(Candidate::weight).sum();
    deviation.forEach((id, d) -> assertThat(d).as(id).isLessThan(2 * weightSum));
  }

  @Test
  void pick_keepsEveryWindowWithinTwoAndAHalfOfItsShare_inGenerationMode() {
    List<Candidate> candidates = weighted(randomWeights(21, 12_000));
    RoundRobinScheduler s = wrr(5, candidates);
    assertThat(s.schedule().isTable()).isFalse();
    long weightSum = candidates.stream().mapToLong(Candidate::weight).sum();

    Map<String, Long> deviation = scaledWindowDeviation(cycle(s), weightMap(candidates));

    // Measured: at most 2.01 on random weights; the javadoc states "about 2", the test allows 2.5.
    deviation.forEach((id, d) -> assertThat(d).as(id).isLessThan(5 * weightSum / 2));
  }

  @Test
  void pick_inGenerationModeNeverPicksABackendTwiceInOneGeneration() {
    List<Candidate> candidates = weighted(randomWeights(11, 12_000));
    RoundRobinScheduler s = wrr(5, candidates);
    WrrSchedule schedule = s.schedule();
    assertThat(schedule.isTable()).isFalse();
    // The heaviest weight is 100, so there are 100 generations; within each, ids are distinct.
    Set<String> seen = new HashSet<>();
    int generations = 0;
    for (int i = 0; i < schedule.cycle(); i++) {
      String id = schedule.pick(i).backend().id();
      if (!seen.add(id)) {
        generations++;
        seen.clear();
        seen.add(id);
      }
    }
    assertThat(generations).isLessThan(100);
  }

  @Test
  void update_keepsPositionRunning_soNoBackendIsFloodedAfterWeightChange() {
    List<Candidate> before = weighted(100, 100, 100, 100);
    RoundRobinScheduler s = wrr(9, before);
    sequence(s, 3);
    List<Candidate> after = new ArrayList<>(before);
    after.set(3, Fixtures.healthy("b3", 10)); // scale one down, as Dubbo users did before a flood
    after.add(Fixtures.healthy("b4", 100)); // and add a fresh one
    s.update(after);

    List<String> picks = sequence(s, 41 * 2);

    Map<String, Integer> counts = new HashMap<>();
    picks.forEach(id -> counts.merge(id, 1, Integer::sum));
    assertThat(counts).containsEntry("b4", 20).containsEntry("b3", 2);
    for (int i = 0; i + 5 <= picks.size(); i++) {
      // Share 10/41 each: no backend takes more than 3 of any 5 consecutive picks.
      List<String> window = picks.subList(i, i + 5);
      window.forEach(id -> assertThat(window.stream().filter(id::equals).count()).isLessThanOrEqualTo(3));
    }
  }

  @Test
  void create_withSameSeed_picksTheSameSequence() {
    RoundRobinScheduler a = wrr(1234, weighted(randomWeights(1, 20)));
    RoundRobinScheduler b = wrr(1234, weighted(randomWeights(1, 20)));

    assertThat(sequence(a, 200)).isEqualTo(sequence(b, 200));
  }

  @Test
  void create_withDifferentSeeds_startsAtDifferentPoints() {
    Set<String> firstPicks = new HashSet<>();
    for (long seed = 0; seed < 64; seed++) {
      firstPicks.add(sequence(wrr(seed, Fixtures.equal(10)), 1).get(0));
    }
    // A fleet of 64 gateways does not herd onto one backend with its first request.
    assertThat(firstPicks).hasSizeGreaterThanOrEqualTo(5);
  }

  @Test
  void roundRobin_ignoresWeightsButSkipsWeightZero() {
    RoundRobinScheduler s = (RoundRobinScheduler) Schedulers.create(SchedulingAlgorithm.ROUND_ROBIN, 3);
    s.update(weighted(100, 1, 0, 37));

    Map<String, Integer> counts = count(s, 300);

    assertThat(counts).containsOnlyKeys("b0", "b1", "b3")
        .containsEntry("b0", 100).containsEntry("b1", 100).containsEntry("b3", 100);
    assertThat(s.algorithm()).isEqualTo(SchedulingAlgorithm.ROUND_ROBIN);
  }

  @Test
  void roundRobin_givesABackendInSlowStartOnlyItsRampedFractionOfAShare() {
    RoundRobinScheduler s = (RoundRobinScheduler) Schedulers.create(SchedulingAlgorithm.ROUND_ROBIN, 3);
    Backend warm = Backend.of("warm", "127.0.0.1", 1, 80);
    Backend cold = Backend.of("cold", "127.0.0.1", 2, 80);
    // cold ramps at 20 of 80 (a quarter of its weight): a quarter of warm's share.
    s.update(List.of(Candidate.of(warm), new Candidate(cold, true, 20)));

    assertThat(count(s, 500)).containsEntry("warm", 400).containsEntry("cold", 100);
  }

  @Test
  void roundRobin_cyclesInCandidateOrder() {
    RoundRobinScheduler s = (RoundRobinScheduler) Schedulers.create(SchedulingAlgorithm.ROUND_ROBIN, 3);
    s.update(weighted(5, 5, 5));

    List<String> picks = sequence(s, 6);

    assertThat(picks.subList(3, 6)).isEqualTo(picks.subList(0, 3));
    assertThat(picks.subList(0, 3)).containsExactlyInAnyOrder("b0", "b1", "b2");
  }
  @Test
  void roundRobin_withMoreBackendsThanTheTableLimit_picksEachOncePerCycle() {
    RoundRobinScheduler s = (RoundRobinScheduler) Schedulers.create(SchedulingAlgorithm.ROUND_ROBIN, 3);
    int n = WrrSchedule.TABLE_LIMIT + 5_000;
    List<Candidate> candidates = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      candidates.add(Fixtures.healthy("b" + i, 1 + i % 100));
    }
    s.update(candidates);
    assertThat(s.schedule().isTable()).isFalse();

    Map<String, Integer> counts = count(s, n);

    assertThat(counts).hasSize(n);
    assertThat(counts.values()).containsOnly(1);
  }

  @Test
  void create_rejectsNullAlgorithm() {
    assertThatThrownBy(() -> Schedulers.create(null))
        .isInstanceOf(NullPointerException.class).hasMessage("algorithm");
  }
}
