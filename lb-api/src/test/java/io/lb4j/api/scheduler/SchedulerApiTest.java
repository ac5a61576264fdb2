package io.lb4j.api.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lb4j.api.Backend;
import org.junit.jupiter.api.Test;

class SchedulerApiTest {

  @Test
  void fromCode_acceptsEveryCodeAndTheQchAlias() {
    for (SchedulingAlgorithm a : SchedulingAlgorithm.values()) {
      assertThat(SchedulingAlgorithm.fromCode(a.code())).isEqualTo(a);
      assertThat(SchedulingAlgorithm.fromCode(a.code().toUpperCase())).isEqualTo(a);
    }
    assertThat(SchedulingAlgorithm.fromCode("qch")).isEqualTo(SchedulingAlgorithm.CONSISTENT_HASH);
    assertThatThrownBy(() -> SchedulingAlgorithm.fromCode("lc"))
        .hasMessage("listener.scheduler must be one of wrr, rr, wlc, p2c, sch, tch, qch, was lc");
  }

  @Test
  void noBackend_resultsAreSharedPerReason() {
    for (NoBackendReason r : NoBackendReason.values()) {
      PickResult p = PickResult.noBackend(r);
      assertThat(p).isSameAs(PickResult.noBackend(r));
      assertThat(p.hasBackend()).isFalse();
      assertThat(p.backend()).isNull();
      assertThat(p.reason()).isEqualTo(r);
    }
  }

  @Test
  void candidate_eligibleOnlyWhenHealthyEnabledAndWeighted() {
    Backend b = Backend.of("b", "h", 80, 5);
    assertThat(Candidate.of(b).eligible()).isTrue();
    assertThat(Candidate.of(b).weight()).isEqualTo(5);
    assertThat(Candidate.of(b, false).eligible()).isFalse();
    assertThat(new Candidate(b, true, 0).eligible()).isFalse();
    assertThat(Candidate.of(b.toBuilder().enabled(false).build()).eligible()).isFalse();
    assertThatThrownBy(() -> new Candidate(b, true, 101))
        .hasMessage("candidate.weight must be between 0 and 100, was 101");
  }
}
