package io.lb4j.impl.pool;

import static org.assertj.core.api.Assertions.assertThat;

import io.lb4j.api.Backend;
import io.lb4j.api.scheduler.Candidate;
import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Candidate planning is a pure function: members, policy and time in, candidates out. No threads. */
class CandidatePlannerTest {

  private static final long NOW = -1_000_000_000L; // negative, as System.nanoTime may be
  private static final long SECOND = 1_000_000_000L;

  private static MemberState member(String id, int weight, boolean healthy) {
    Backend b = Backend.of(id, "127.0.0.1", 8080, weight);
    return MemberState.joined(b, new InetSocketAddress("127.0.0.1", 8080), healthy);
  }

  private static MemberState unchecked(String id) {
    return MemberState.joined(Backend.of(id, "127.0.0.1", 8080), new InetSocketAddress("127.0.0.1", 8080), false);
  }

  private static MemberState checkedUnhealthy(String id) {
    return unchecked(id).withHealth(false, true);
  }

  @Test
  void plan_marksEligibilityAndWeights() {
    CandidatePlanner planner = new CandidatePlanner(0, 0, 10);
    CandidatePlanner.Plan plan = planner.plan(List.of(member("a", 30, true), member("b", 0, true),
        checkedUnhealthy("c"), member("d", 50, true).withEjected(true), member("e", 40, true).draining(NOW + SECOND)),
        NOW);
    assertThat(plan.candidates()).extracting(c -> c.backend().id() + " " + c.weight() + " " + c.eligible())
        .containsExactly("a 30 true", "b 0 false", "c 100 false", "d 50 false", "e 0 false");
    assertThat(plan.anyEligible()).isTrue();
    assertThat(plan.panic()).isFalse();
  }

  @Test
  void plan_failOpenBelowTheThreshold_picksAmongCheckedBackendsOnly() {
    CandidatePlanner planner = new CandidatePlanner(50, 0, 10);
    List<MemberState> states = List.of(member("a", 100, true), checkedUnhealthy("b"), checkedUnhealthy("c"),
        unchecked("never-checked"));
    CandidatePlanner.Plan plan = planner.plan(states, NOW);
    assertThat(plan.panic()).isTrue();
    assertThat(plan.healthyPercent()).isEqualTo(33);
    assertThat(plan.candidates()).extracting(Candidate::eligible).containsExactly(true, true, true, false);

    CandidatePlanner.Plan atThreshold = planner.plan(List.of(member("a", 100, true), checkedUnhealthy("b")), NOW);
    assertThat(atThreshold.panic()).isFalse(); // 50% is not below 50%
    assertThat(atThreshold.healthyPercent()).isEqualTo(50);
  }

  @Test
  void plan_withNoServingBackend_isNotPanicAndHasNothingEligible() {
    CandidatePlanner.Plan plan = new CandidatePlanner(100, 0, 10).plan(List.of(unchecked("a")), NOW);
    assertThat(plan.panic()).isFalse();
    assertThat(plan.anyEligible()).isFalse();
    assertThat(plan.healthyPercent()).isZero();
  }

  @Test
  void effectiveWeight_rampsLinearlyFromTheFloorDuringSlowStart() {
    CandidatePlanner planner = new CandidatePlanner(0, 100 * SECOND, 10);
    MemberState ramping = member("a", 100, true).withRampStart(NOW);
    assertThat(planner.effectiveWeight(ramping, NOW)).isEqualTo(10);
    assertThat(planner.effectiveWeight(ramping, NOW + 50 * SECOND)).isEqualTo(55);
    assertThat(planner.effectiveWeight(ramping, NOW + 100 * SECOND)).isEqualTo(100);
    assertThat(planner.rampOver(NOW, NOW + 99 * SECOND)).isFalse();
    assertThat(planner.rampOver(NOW, NOW + 100 * SECOND)).isTrue();
    assertThat(planner.effectiveWeight(member("small", 3, true).withRampStart(NOW), NOW)).isEqualTo(1);
  }
}
