package io.lb4j.impl.scheduler;

import static io.lb4j.impl.scheduler.Fixtures.backend;
import static io.lb4j.impl.scheduler.Fixtures.healthy;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lb4j.api.Backend;
import io.lb4j.api.RequestContext;
import io.lb4j.api.scheduler.Candidate;
import io.lb4j.api.scheduler.NoBackendReason;
import io.lb4j.api.scheduler.PickResult;
import io.lb4j.api.scheduler.Picker;
import io.lb4j.api.scheduler.Scheduler;
import io.lb4j.api.scheduler.SchedulingAlgorithm;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Behaviour every scheduler shares, run once per algorithm. */
class SharedSchedulerBehaviourTest {

  private static final RequestContext[] CONTEXTS = Fixtures.contexts(2_000);

  /** Picks once per context (so hash schedulers see many keys) and returns the picked ids. */
  private static Set<String> pickedIds(Scheduler s) {
    Set<String> ids = new HashSet<>();
    for (RequestContext c : CONTEXTS) {
      PickResult r = s.pick(c);
      assertThat(r.hasBackend()).as("%s", r).isTrue();
      ids.add(r.backend().id());
    }
    return ids;
  }

  private static Scheduler scheduler(SchedulingAlgorithm algorithm, List<Candidate> candidates) {
    Scheduler s = Schedulers.create(algorithm, 17);
    s.update(candidates);
    return s;
  }

  @ParameterizedTest
  @EnumSource(SchedulingAlgorithm.class)
  void create_returnsSchedulerOfThatAlgorithm(SchedulingAlgorithm algorithm) {
    assertThat(Schedulers.create(algorithm).algorithm()).isEqualTo(algorithm);
    assertThat(Schedulers.create(algorithm, 1).algorithm()).isEqualTo(algorithm);
  }

  @ParameterizedTest
  @EnumSource(SchedulingAlgorithm.class)
  void pick_beforeFirstUpdate_returnsNoBackends(SchedulingAlgorithm algorithm) {
    Scheduler s = Schedulers.create(algorithm, 1);

    assertThat(s.pick(CONTEXTS[0])).isSameAs(PickResult.noBackend(NoBackendReason.NO_BACKENDS));
  }

  @ParameterizedTest
  @EnumSource(SchedulingAlgorithm.class)
  void pick_afterEmptyUpdate_returnsNoBackends(SchedulingAlgorithm algorithm) {
    Scheduler s = scheduler(algorithm, Fixtures.equal(3));
    s.update(List.of());

    assertThat(s.pick(CONTEXTS[0]).reason()).isEqualTo(NoBackendReason.NO_BACKENDS);
  }

  @ParameterizedTest
  @EnumSource(SchedulingAlgorithm.class)
  void pick_whenEveryWeightedBackendIsUnhealthy_returnsAllUnhealthy(SchedulingAlgorithm algorithm) {
    Scheduler s = scheduler(algorithm, List.of(
        new Candidate(backend("a", 100), false, 100),
        new Candidate(backend("b", 50), false, 50),
        new Candidate(backend("c", 0), true, 0)));

    PickResult r = s.pick(CONTEXTS[0]);

    assertThat(r.hasBackend()).isFalse();
    assertThat(r.reason()).isEqualTo(NoBackendReason.ALL_UNHEALTHY);
  }

  @ParameterizedTest
  @EnumSource(SchedulingAlgorithm.class)
  void pick_whenEveryHealthyBackendIsDrainedOrDisabled_returnsAllDrained(SchedulingAlgorithm algorithm) {
    Backend disabled = backend("b", 100).toBuilder().enabled(false).build();
    Scheduler s = scheduler(algorithm, List.of(
        new Candidate(backend("a", 100), true, 0),
        Candidate.of(disabled),
        new Candidate(backend("c", 0), false, 0)));

    assertThat(s.pick(CONTEXTS[0]).reason()).isEqualTo(NoBackendReason.ALL_DRAINED);
  }

  @ParameterizedTest
  @EnumSource(SchedulingAlgorithm.class)
  void pick_skipsDrainedDisabledAndUnhealthyBackends(SchedulingAlgorithm algorithm) {
    Backend disabled = backend("disabled", 100).toBuilder().enabled(false).build();
    Scheduler s = scheduler(algorithm, List.of(
        healthy("ok1", 100),
        new Candidate(backend("drained", 100), true, 0),
        Candidate.of(disabled),
        new Candidate(backend("unhealthy", 100), false, 100),
        healthy("ok2", 30)));

    assertThat(pickedIds(s)).containsExactlyInAnyOrder("ok1", "ok2");
  }

  @ParameterizedTest
  @EnumSource(SchedulingAlgorithm.class)
  void pick_usesEffectiveWeightOfCandidate_notBackendWeight(SchedulingAlgorithm algorithm) {
    // The facade drains a backend by giving it effective weight 0 while its own weight stays 100.
    Scheduler s = scheduler(algorithm, List.of(
        new Candidate(backend("draining", 100), true, 0), healthy("ok", 100)));

    assertThat(pickedIds(s)).containsExactly("ok");
  }

  @ParameterizedTest
  @EnumSource(SchedulingAlgorithm.class)
  void pick_reachesEveryEligibleBackend(SchedulingAlgorithm algorithm) {
    Scheduler s = scheduler(algorithm, Fixtures.weighted(100, 80, 60, 100, 90));

    assertThat(pickedIds(s)).containsExactlyInAnyOrder("b0", "b1", "b2", "b3", "b4");
  }

  @ParameterizedTest
  @EnumSource(SchedulingAlgorithm.class)
  void pick_returnsSameResultInstanceForSameBackend_soPicksDoNotAllocate(SchedulingAlgorithm algorithm) {
    Scheduler s = scheduler(algorithm, List.of(healthy("only", 100)));

    PickResult first = s.pick(CONTEXTS[0]);
    PickResult second = s.pick(CONTEXTS[1]);

    assertThat(first.backend().id()).isEqualTo("only");
    assertThat(second).isSameAs(first);
  }

  @ParameterizedTest
  @EnumSource(SchedulingAlgorithm.class)
  void pick_afterUpdateRemovesBackend_neverReturnsIt(SchedulingAlgorithm algorithm) {
    Scheduler s = scheduler(algorithm, Fixtures.equal(4));
    List<Candidate> without = new ArrayList<>(Fixtures.equal(4));
    without.remove(2);
    s.update(without);

    assertThat(pickedIds(s)).containsExactlyInAnyOrder("b0", "b1", "b3");
  }

  @ParameterizedTest
  @EnumSource(SchedulingAlgorithm.class)
  void update_rejectsTwoCandidatesWithSameId(SchedulingAlgorithm algorithm) {
    Scheduler s = Schedulers.create(algorithm, 1);

    assertThatThrownBy(() -> s.update(List.of(healthy("a", 100), healthy("a", 50))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("candidate.backend.id must be unique within one update, was a");
  }

  @ParameterizedTest
  @EnumSource(SchedulingAlgorithm.class)
  void update_rejectsNullCandidates(SchedulingAlgorithm algorithm) {
    Scheduler s = Schedulers.create(algorithm, 1);

    assertThatThrownBy(() -> s.update(null)).isInstanceOf(NullPointerException.class).hasMessage("candidates");
  }

  @ParameterizedTest
  @EnumSource(SchedulingAlgorithm.class)
  void update_returnsThePickerThatPicksFromThoseCandidates_andAnOlderPickerKeepsItsOwn(SchedulingAlgorithm algorithm) {
    Scheduler s = Schedulers.create(algorithm, 1);
    Picker first = s.update(List.of(healthy("a", 100)));
    Picker second = s.update(List.of(healthy("b", 100)));

    for (RequestContext c : CONTEXTS) {
      assertThat(first.pick(c).backend().id()).isEqualTo("a");
      assertThat(second.pick(c).backend().id()).isEqualTo("b");
      assertThat(s.pick(c).backend().id()).isEqualTo("b");
    }
  }

  @ParameterizedTest
  @EnumSource(SchedulingAlgorithm.class)
  void pick_carriesThePickedCandidatesOwnCounter(SchedulingAlgorithm algorithm) {
    List<Candidate> candidates = Fixtures.equal(3);
    Scheduler s = scheduler(algorithm, candidates);

    for (RequestContext c : CONTEXTS) {
      PickResult r = s.pick(c);
      assertThat(r.activeRequests()).isSameAs(candidates.get(Integer.parseInt(r.backend().id().substring(1)))
          .activeRequests());
    }
  }
}
