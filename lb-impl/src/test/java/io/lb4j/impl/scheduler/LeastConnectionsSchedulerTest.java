package io.lb4j.impl.scheduler;

import static io.lb4j.impl.scheduler.Fixtures.acquire;
import static io.lb4j.impl.scheduler.Fixtures.active;
import static io.lb4j.impl.scheduler.Fixtures.backend;
import static io.lb4j.impl.scheduler.Fixtures.healthy;
import static org.assertj.core.api.Assertions.assertThat;

import io.lb4j.api.Backend;
import io.lb4j.api.RequestContext;
import io.lb4j.api.scheduler.Candidate;
import io.lb4j.api.scheduler.PickResult;
import io.lb4j.api.scheduler.Scheduler;
import io.lb4j.api.scheduler.SchedulingAlgorithm;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LeastConnectionsSchedulerTest {

  private static Scheduler wlc(List<Candidate> candidates) {
    Scheduler s = Schedulers.create(SchedulingAlgorithm.WEIGHTED_LEAST_CONNECTIONS, 5);
    s.update(candidates);
    return s;
  }

  private static Backend pick(Scheduler s) {
    return s.pick(RequestContext.EMPTY).backend();
  }

  @Test
  void pick_breaksTiesRoundRobin_notAlwaysTheFirst() {
    Scheduler s = wlc(Fixtures.equal(3));
    Set<String> firsts = new HashSet<>();
    for (int i = 0; i < 6; i++) {
      PickResult r = acquire(s);
      firsts.add(r.backend().id());
      r.activeRequests().decrement(); // every pick sees three idle backends: a pure tie
    }

    assertThat(firsts).containsExactlyInAnyOrder("b0", "b1", "b2");
  }

  @Test
  void pick_withNothingInFlight_splitsTrafficByWeight() {
    // Regression: ties were broken by plain rotation, so sequential pick-release gave 100:1 weights
    // half of the traffic each.
    Scheduler s = wlc(Fixtures.weighted(100, 1));
    Map<String, Integer> counts = new HashMap<>();
    for (int i = 0; i < 10_100; i++) {
      PickResult r = acquire(s);
      counts.merge(r.backend().id(), 1, Integer::sum);
      r.activeRequests().decrement();
    }

    assertThat(counts.get("b1")).isBetween(90, 110);
    assertThat(counts.get("b0")).isBetween(9_990, 10_010);
  }

  @Test
  void pick_choosesFewestActivePerWeight() {
    List<Candidate> candidates = Fixtures.weighted(100, 50);
    Scheduler s = wlc(candidates);

    // Without releases the counts settle at the weights' ratio 2:1.
    Map<String, Integer> counts = Fixtures.countAcquiring(s, 300);

    assertThat(counts).containsEntry("b0", 200).containsEntry("b1", 100);
    assertThat(active(candidates, "b0")).isEqualTo(200);
  }

  @Test
  void pick_afterRelease_returnsTheFreedBackend() {
    List<Candidate> candidates = Fixtures.equal(3);
    Scheduler s = wlc(candidates);
    Fixtures.countAcquiring(s, 3); // one active each
    candidates.get(1).activeRequests().decrement();

    assertThat(pick(s).id()).isEqualTo("b1");
  }

  @Test
  void pick_readsRequestsCountedWithoutAPick_soAStickyRequestIsAvoided() {
    List<Candidate> candidates = Fixtures.equal(2);
    Scheduler s = wlc(candidates);
    candidates.get(0).activeRequests().increment(); // a session sent a request to b0 without a pick
    assertThat(pick(s).id()).isEqualTo("b1");
    candidates.get(0).activeRequests().decrement();
    assertThat(active(candidates, "b0")).isZero();
  }

  @Test
  void release_neverMakesCountNegative() {
    List<Candidate> candidates = Fixtures.equal(1);
    Scheduler s = wlc(candidates);
    PickResult r = acquire(s);
    r.activeRequests().decrement();
    r.activeRequests().decrement();

    assertThat(active(candidates, "b0")).isZero();
    acquire(s);
    assertThat(active(candidates, "b0")).isEqualTo(1);
  }

  @Test
  void update_keepsCountsOfDrainedAndUnhealthyBackends_becauseTheyAreTheCandidates() {
    List<Candidate> candidates = Fixtures.equal(2);
    Scheduler s = wlc(candidates);
    Fixtures.countAcquiring(s, 4); // two active each
    List<Candidate> next = List.of(new Candidate(backend("b0", 100), true, 0, candidates.get(0).activeRequests()),
        new Candidate(backend("b1", 100), false, 100, candidates.get(1).activeRequests()));
    s.update(next);

    assertThat(active(next, "b0")).isEqualTo(2);
    assertThat(active(next, "b1")).isEqualTo(2);

    s.update(candidates); // both back: counts still there, releases still land
    candidates.get(0).activeRequests().decrement();
    assertThat(active(candidates, "b0")).isEqualTo(1);
    assertThat(pick(s).id()).isEqualTo("b0");
  }

  @Test
  void releaseOfARemovedBackend_landsOnItsOldCount_andTheReAddedBackendStartsFromZero() {
    List<Candidate> candidates = Fixtures.equal(2);
    Scheduler s = wlc(candidates);
    PickResult first = acquire(s);
    PickResult second = acquire(s);
    PickResult onB0 = first.backend().id().equals("b0") ? first : second;
    s.update(List.of(candidates.get(1)));

    List<Candidate> readded = List.of(healthy("b0", 100), candidates.get(1)); // a new membership of b0
    s.update(readded);
    onB0.activeRequests().decrement(); // the request picked before the removal ends

    assertThat(active(readded, "b0")).isZero();
    assertThat(active(readded, "b1")).isEqualTo(1);
    assertThat(pick(s).id()).isEqualTo("b0");
  }

  @Test
  void pick_neverChoosesWeightZeroBackendEvenWithFewerConnections() {
    List<Candidate> candidates = List.of(new Candidate(backend("drained", 100), true, 0), healthy("busy", 100));
    Scheduler s = wlc(candidates);

    for (int i = 0; i < 10; i++) {
      assertThat(acquire(s).backend().id()).isEqualTo("busy");
    }
    assertThat(active(candidates, "busy")).isEqualTo(10);
  }
}
