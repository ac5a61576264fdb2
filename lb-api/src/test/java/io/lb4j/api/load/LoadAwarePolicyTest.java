package io.lb4j.api.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lb4j.api.load.LoadAwarePolicy.Signal;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class LoadAwarePolicyTest {

  @Test
  void defaults_areGrpcWeightedRoundRobinsAndFinaglesDecay() {
    LoadAwarePolicy p = LoadAwarePolicy.backendReports();
    assertThat(p.signal()).isEqualTo(Signal.BACKEND_REPORTS);
    assertThat(p.weightUpdatePeriod()).isEqualTo(Duration.ofSeconds(1));
    assertThat(p.blackoutPeriod()).isEqualTo(Duration.ofSeconds(10));
    assertThat(p.weightExpirationPeriod()).isEqualTo(Duration.ofMinutes(3));
    assertThat(p.errorUtilizationPenalty()).isEqualTo(1.0);
    assertThat(p.minWeightRatio()).isEqualTo(0.1);
    assertThat(p.maxWeightRatio()).isEqualTo(10.0);
    assertThat(p.latencyDecay()).isEqualTo(Duration.ofSeconds(10));
    assertThat(p.failurePenalty()).isEqualTo(2.0);
    assertThat(p).hasToString("LoadAwarePolicy{BACKEND_REPORTS, weightUpdatePeriod=1s, weights=0.1-10.0x mean,"
        + " blackoutPeriod=10s, weightExpirationPeriod=180s, errorUtilizationPenalty=1.0}");
    assertThat(LoadAwarePolicy.observedLatency()).hasToString("LoadAwarePolicy{OBSERVED_LATENCY,"
        + " weightUpdatePeriod=1s, weights=0.1-10.0x mean, latencyDecay=10s, failurePenalty=2.0}");
  }

  @Test
  void durations_acceptEachEdgeAndRejectOnePast() {
    LoadAwarePolicy.Builder b = LoadAwarePolicy.builder();
    assertThat(b.weightUpdatePeriod(Duration.ofMillis(100)).build().weightUpdatePeriod()).isEqualTo(Duration.ofMillis(100));
    assertThat(b.weightUpdatePeriod(Duration.ofSeconds(60)).build().weightUpdatePeriod()).isEqualTo(Duration.ofSeconds(60));
    assertThatThrownBy(() -> b.weightUpdatePeriod(Duration.ofMillis(99)))
        .hasMessage("loadAware.weightUpdatePeriod must be between 100ms and 60s, was 99ms");
    assertThatThrownBy(() -> b.weightUpdatePeriod(Duration.ofSeconds(61)))
        .hasMessage("loadAware.weightUpdatePeriod must be between 100ms and 60s, was 61s");
    assertThat(b.blackoutPeriod(Duration.ZERO).build().blackoutPeriod()).isZero();
    assertThat(b.blackoutPeriod(Duration.ofMillis(10)).build().blackoutPeriod()).isEqualTo(Duration.ofMillis(10));
    assertThat(b.blackoutPeriod(Duration.ofMinutes(10)).build().blackoutPeriod()).isEqualTo(Duration.ofMinutes(10));
    assertThatThrownBy(() -> b.blackoutPeriod(Duration.ofMillis(9)))
        .hasMessage("loadAware.blackoutPeriod must be 0 (off) or between 10ms and 600s, was 9ms");
    assertThatThrownBy(() -> b.blackoutPeriod(Duration.ofSeconds(601)))
        .hasMessage("loadAware.blackoutPeriod must be 0 (off) or between 10ms and 600s, was 601s");
    assertThatThrownBy(() -> b.weightExpirationPeriod(Duration.ofMillis(999)))
        .hasMessage("loadAware.weightExpirationPeriod must be between 1s and 3600s, was 999ms");
    assertThatThrownBy(() -> b.weightExpirationPeriod(Duration.ofSeconds(3601)))
        .hasMessage("loadAware.weightExpirationPeriod must be between 1s and 3600s, was 3601s");
    assertThatThrownBy(() -> b.latencyDecay(Duration.ofMillis(99)))
        .hasMessage("loadAware.latencyDecay must be between 100ms and 600s, was 99ms");
    assertThatThrownBy(() -> b.latencyDecay(Duration.ofSeconds(601)))
        .hasMessage("loadAware.latencyDecay must be between 100ms and 600s, was 601s");
    assertThatThrownBy(() -> b.blackoutPeriod(null)).isInstanceOf(NullPointerException.class)
        .hasMessage("loadAware.blackoutPeriod");
    assertThatThrownBy(() -> b.signal(null)).isInstanceOf(NullPointerException.class).hasMessage("loadAware.signal");
  }

  @Test
  void numbers_acceptEachEdgeAndRejectOnePastAndNaN() {
    LoadAwarePolicy.Builder b = LoadAwarePolicy.builder();
    assertThat(b.errorUtilizationPenalty(0).build().errorUtilizationPenalty()).isZero();
    assertThat(b.errorUtilizationPenalty(100).build().errorUtilizationPenalty()).isEqualTo(100);
    assertThatThrownBy(() -> b.errorUtilizationPenalty(-0.01))
        .hasMessage("loadAware.errorUtilizationPenalty must be between 0.0 and 100.0, was -0.01");
    assertThatThrownBy(() -> b.errorUtilizationPenalty(Double.NaN))
        .hasMessage("loadAware.errorUtilizationPenalty must be between 0.0 and 100.0, was NaN");
    assertThatThrownBy(() -> b.minWeightRatio(0.009))
        .hasMessage("loadAware.minWeightRatio must be between 0.01 and 1.0, was 0.009");
    assertThatThrownBy(() -> b.minWeightRatio(1.01))
        .hasMessage("loadAware.minWeightRatio must be between 0.01 and 1.0, was 1.01");
    assertThatThrownBy(() -> b.maxWeightRatio(0.99))
        .hasMessage("loadAware.maxWeightRatio must be between 1.0 and 100.0, was 0.99");
    assertThatThrownBy(() -> b.maxWeightRatio(100.5))
        .hasMessage("loadAware.maxWeightRatio must be between 1.0 and 100.0, was 100.5");
    assertThatThrownBy(() -> b.failurePenalty(0.99))
        .hasMessage("loadAware.failurePenalty must be between 1.0 and 100.0, was 0.99");
    assertThatThrownBy(() -> b.failurePenalty(Double.POSITIVE_INFINITY))
        .hasMessage("loadAware.failurePenalty must be between 1.0 and 100.0, was Infinity");
    assertThat(b.minWeightRatio(1).maxWeightRatio(100).build().maxWeightRatio()).isEqualTo(100);
    assertThat(b.minWeightRatio(0.01).maxWeightRatio(1).build().minWeightRatio()).isEqualTo(0.01);
  }

  @Test
  void build_rejectsACapMoreThanAHundredTimesTheFloor() {
    LoadAwarePolicy.Builder b = LoadAwarePolicy.builder().minWeightRatio(0.1).maxWeightRatio(10);
    assertThat(b.build().maxWeightRatio()).as("exactly 100 times").isEqualTo(10);
    b.maxWeightRatio(10.01);
    assertThatThrownBy(b::build).isInstanceOf(IllegalStateException.class)
        .hasMessage("loadAware.maxWeightRatio must be at most 100 times loadAware.minWeightRatio (0.1): weights are"
            + " 1-100, was 10.01");
    assertThat(b.minWeightRatio(0.2).build().maxWeightRatio()).isEqualTo(10.01);
  }

  @Test
  void build_rejectsAnExpiryNotLongerThanTheUpdatePeriod() {
    LoadAwarePolicy.Builder b = LoadAwarePolicy.builder().weightUpdatePeriod(Duration.ofSeconds(5))
        .weightExpirationPeriod(Duration.ofSeconds(5));
    assertThatThrownBy(b::build).isInstanceOf(IllegalStateException.class)
        .hasMessage("loadAware.weightExpirationPeriod must be longer than loadAware.weightUpdatePeriod (5s), was 5s");
    assertThat(b.weightExpirationPeriod(Duration.ofSeconds(6)).build().weightExpirationPeriod())
        .isEqualTo(Duration.ofSeconds(6));
  }

  @Test
  void toBuilder_keepsEveryValue() {
    LoadAwarePolicy p = LoadAwarePolicy.builder().signal(Signal.OBSERVED_LATENCY)
        .weightUpdatePeriod(Duration.ofMillis(500)).blackoutPeriod(Duration.ZERO)
        .weightExpirationPeriod(Duration.ofSeconds(30)).errorUtilizationPenalty(2.5).minWeightRatio(0.2)
        .maxWeightRatio(5).latencyDecay(Duration.ofSeconds(3)).failurePenalty(4).build();
    assertThat(p.toBuilder().build()).isEqualTo(p).hasSameHashCodeAs(p);
    assertThat(p).isNotEqualTo(p.toBuilder().failurePenalty(3).build());
    assertThat(p).isNotEqualTo(LoadAwarePolicy.observedLatency());
  }
}
