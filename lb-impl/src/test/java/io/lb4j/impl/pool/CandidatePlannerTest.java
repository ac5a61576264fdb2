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

  // ---- priority tiers ----

  private static MemberState tiered(String id, int priority, boolean healthy) {
    Backend b = Backend.builder(id, "127.0.0.1", 8080).priority(priority).build();
    MemberState s = MemberState.joined(b, new InetSocketAddress("127.0.0.1", 8080), healthy);
    return healthy ? s : s.withHealth(false, true);
  }

  private static List<String> eligible(CandidatePlanner.Plan plan) {
    return plan.candidates().stream().filter(Candidate::eligible).map(c -> c.backend().id()).toList();
  }

  @Test
  void plan_onlyTheLowestTierWithAHealthyBackendIsEligible() {
    CandidatePlanner.Plan plan = new CandidatePlanner(0, 0, 10).plan(List.of(tiered("p1", 0, true),
        tiered("p2", 0, false), tiered("s1", 1, true), tiered("s2", 1, true)), NOW);
    assertThat(plan.activePriority()).isZero();
    assertThat(eligible(plan)).containsExactly("p1");
    assertThat(plan.eligible()).isEqualTo(1);
    assertThat(plan.healthy()).as("awaitHealthy counts every tier").isEqualTo(3);
  }

  @Test
  void plan_primaryTierWithoutAHealthyBackend_failsOverToTheNextTier() {
    CandidatePlanner.Plan plan = new CandidatePlanner(0, 0, 10).plan(List.of(tiered("p1", 0, false),
        tiered("p2", 0, false), tiered("s1", 1, true), tiered("s2", 1, false)), NOW);
    assertThat(plan.activePriority()).isEqualTo(1);
    assertThat(eligible(plan)).containsExactly("s1");
    assertThat(plan.anyEligible()).isTrue();
  }

  @Test
  void plan_tiersNeedNotBeContiguous_theLowestValueWithAHealthyBackendWins() {
    CandidatePlanner.Plan plan = new CandidatePlanner(0, 0, 10).plan(List.of(tiered("far", 65_535, true),
        tiered("mid", 10, true), tiered("down", 3, false)), NOW);
    assertThat(plan.activePriority()).isEqualTo(10);
    assertThat(eligible(plan)).containsExactly("mid");
  }

  @Test
  void plan_drainedOrDisabledPrimaries_doNotHoldTheTier() {
    Backend disabled = Backend.builder("off", "127.0.0.1", 8080).enabled(false).build();
    CandidatePlanner.Plan plan = new CandidatePlanner(0, 0, 10).plan(List.of(
        MemberState.joined(disabled, new InetSocketAddress("127.0.0.1", 8080), true), tiered("zero", 0, true)
            .withBackend(Backend.of("zero", "127.0.0.1", 8080, 0)), tiered("s", 1, true)), NOW);
    assertThat(plan.activePriority()).isEqualTo(1);
    assertThat(eligible(plan)).containsExactly("s");
  }

  @Test
  void plan_failOpenIsJudgedWithinTheActiveTier_andNeverReachesTheStandby() {
    // 1 healthy of 4 primaries is below 50%: fail-open among the checked primaries, the standby stays out.
    CandidatePlanner.Plan plan = new CandidatePlanner(50, 0, 10).plan(List.of(tiered("p1", 0, true),
        tiered("p2", 0, false), tiered("p3", 0, false), tiered("p4", 0, false), unchecked("p5"),
        tiered("s1", 1, true)), NOW);
    assertThat(plan.activePriority()).isZero();
    assertThat(plan.panic()).isTrue();
    assertThat(plan.healthyPercent()).isEqualTo(25);
    assertThat(eligible(plan)).containsExactly("p1", "p2", "p3", "p4");
  }

  @Test
  void plan_noTierHealthy_failsOpenInTheLowestCheckedTier_asOneTierWould() {
    CandidatePlanner.Plan plan = new CandidatePlanner(50, 0, 10).plan(List.of(unchecked("p1"),
        tiered("s1", 1, false), tiered("s2", 1, false), tiered("t1", 2, false)), NOW);
    assertThat(plan.activePriority()).as("tier 0 was never checked: tier 1 is the lowest known").isEqualTo(1);
    assertThat(plan.panic()).isTrue();
    assertThat(eligible(plan)).containsExactly("s1", "s2");

    CandidatePlanner.Plan noFailOpen = new CandidatePlanner(0, 0, 10).plan(List.of(tiered("p1", 0, false),
        tiered("s1", 1, false)), NOW);
    assertThat(noFailOpen.activePriority()).isZero();
    assertThat(noFailOpen.anyEligible()).isFalse();
    assertThat(noFailOpen.eligible()).isZero();
  }

  @Test
  void plan_nothingChecked_theActiveTierIsTheLowestPresent() {
    CandidatePlanner.Plan plan = new CandidatePlanner(50, 0, 10).plan(List.of(
        MemberState.joined(Backend.builder("s", "127.0.0.1", 1).priority(7).build(),
            new InetSocketAddress("127.0.0.1", 1), false),
        MemberState.joined(Backend.builder("t", "127.0.0.1", 2).priority(9).build(),
            new InetSocketAddress("127.0.0.1", 2), false)), NOW);
    assertThat(plan.activePriority()).isEqualTo(7);
    assertThat(plan.anyEligible()).isFalse();
    assertThat(new CandidatePlanner(0, 0, 10).plan(List.of(), NOW).activePriority()).isZero();
  }

  @Test
  void priority_outOfRange_isRefusedWithTheFieldTheValueAndTheRange() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> Backend.builder("a", "h", 1).priority(65_536))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("backend.priority must be between 0 and 65535, was 65536");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> Backend.of("a", "h", 1).withPriority(-1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("backend.priority must be between 0 and 65535, was -1");
    Backend b = Backend.of("a", "h", 1).withPriority(65_535);
    assertThat(b.priority()).isEqualTo(Backend.MAX_PRIORITY);
    assertThat(b).as("priority is an attribute, not identity").isEqualTo(Backend.of("a", "h", 1));
    assertThat(b.toBuilder().build().priority()).isEqualTo(65_535);
    assertThat(b.toString()).contains("priority=65535");
  }
}
