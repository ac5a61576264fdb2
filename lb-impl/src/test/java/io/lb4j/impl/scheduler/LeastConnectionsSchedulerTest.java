package io.lb4j.impl.scheduler;

import static io.lb4j.impl.scheduler.Fixtures.backend;
import static io.lb4j.impl.scheduler.Fixtures.healthy;
import static io.lb4j.impl.scheduler.Fixtures.sequence;
import static org.assertj.core.api.Assertions.assertThat;

import io.lb4j.api.Backend;
import io.lb4j.api.RequestContext;
import io.lb4j.api.scheduler.Candidate;
import io.lb4j.api.scheduler.Scheduler;
import io.lb4j.api.scheduler.SchedulingAlgorithm;
import java.util.HashSet;
import java.util.HashMap;
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
      Backend b = pick(s);
      firsts.add(b.id());
      s.release(b); // every pick sees three idle backends: a pure tie
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
      Backend b = pick(s);
      counts.merge(b.id(), 1, Integer::sum);
      s.release(b);
    }

    assertThat(counts.get("b1")).isBetween(90, 110);
    assertThat(counts.get("b0")).isBetween(9_990, 10_010);
  }

  @Test
  void pick_choosesFewestActivePerWeight() {
    Scheduler s = wlc(Fixtures.weighted(100, 50));

    // Without releases the counts settle at the weights' ratio 2:1.
    Map<String, Integer> counts = Fixtures.count(s, 300);

    assertThat(counts).containsEntry("b0", 200).containsEntry("b1", 100);
    assertThat(s.activeRequests(backend("b0", 100))).isEqualTo(200);
  }

  @Test
  void pick_afterRelease_returnsTheFreedBackend() {
    Scheduler s = wlc(Fixtures.equal(3));
    sequence(s, 3); // one active each
    s.release(backend("b1", 100));

    assertThat(pick(s).id()).isEqualTo("b1");
  }

  @Test
  void acquire_countsAStickyRequestSoTheNextPickAvoidsThatBackend() {
    Scheduler s = wlc(Fixtures.equal(2));
    Backend b0 = backend("b0", 100);
    s.acquire(b0);
    assertThat(s.activeRequests(b0)).isEqualTo(1);
    assertThat(pick(s).id()).isEqualTo("b1");
    s.release(b0);
    assertThat(s.activeRequests(b0)).isZero();
    s.acquire(backend("gone", 100)); // not a member: ignored
    assertThat(s.activeRequests(backend("gone", 100))).isZero();
  }

  @Test
  void release_neverMakesCountNegative() {
    Scheduler s = wlc(Fixtures.equal(1));
    Backend b = pick(s);
    s.release(b);
    s.release(b);

    assertThat(s.activeRequests(b)).isZero();
    pick(s);
    assertThat(s.activeRequests(b)).isEqualTo(1);
  }

  @Test
  void update_keepsCountsOfDrainedAndUnhealthyBackends() {
    Scheduler s = wlc(Fixtures.equal(2));
    sequence(s, 4); // two active each
    s.update(List.of(new Candidate(backend("b0", 100), true, 0), new Candidate(backend("b1", 100), false, 100)));

    assertThat(s.activeRequests(backend("b0", 100))).isEqualTo(2);
    assertThat(s.activeRequests(backend("b1", 100))).isEqualTo(2);

    s.update(Fixtures.equal(2)); // both back: counts still there, releases still land
    s.release(backend("b0", 100));
    assertThat(s.activeRequests(backend("b0", 100))).isEqualTo(1);
  }

  @Test
  void release_ofRemovedBackend_isNoOp_andReaddedBackendStartsFromZero() {
    Scheduler s = wlc(Fixtures.equal(2));
    sequence(s, 4);
    s.update(List.of(healthy("b1", 100)));

    s.release(backend("b0", 100));

    assertThat(s.activeRequests(backend("b0", 100))).isZero();
    s.update(Fixtures.equal(2));
    assertThat(s.activeRequests(backend("b0", 100))).isZero();
    assertThat(s.activeRequests(backend("b1", 100))).isEqualTo(2);
    assertThat(pick(s).id()).isEqualTo("b0");
  }

  @Test
  void pick_neverChoosesWeightZeroBackendEvenWithFewerConnections() {
    Scheduler s = wlc(List.of(new Candidate(backend("drained", 100), true, 0), healthy("busy", 100)));

    for (int i = 0; i < 10; i++) {
      assertThat(pick(s).id()).isEqualTo("busy");
    }
    assertThat(s.activeRequests(backend("busy", 100))).isEqualTo(10);
  }
}
