package io.lb4j.api.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class OutlierDetectionPolicyTest {

  @Test
  void defaults_followEnvoy() {
    OutlierDetectionPolicy p = OutlierDetectionPolicy.builder().build();
    assertThat(p.enabled()).isTrue();
    assertThat(p.consecutiveFailures()).isEqualTo(5);
    assertThat(p.maxEjectionPercent()).isEqualTo(10);
    assertThat(p.baseEjectionTime()).isEqualTo(Duration.ofSeconds(30));
    assertThat(p.activeCheckEndsEjection()).isTrue();
    assertThat(OutlierDetectionPolicy.disabled().enabled()).isFalse();
  }

  @Test
  void ranges_rejectOnePastEachEdge() {
    OutlierDetectionPolicy.Builder b = OutlierDetectionPolicy.builder();
    assertThat(b.consecutiveFailures(1).consecutiveFailures(1000).build().consecutiveFailures()).isEqualTo(1000);
    assertThatThrownBy(() -> b.consecutiveFailures(0))
        .hasMessage("outlierDetection.consecutiveFailures must be between 1 and 1000, was 0");
    assertThatThrownBy(() -> b.consecutiveFailures(1001))
        .hasMessage("outlierDetection.consecutiveFailures must be between 1 and 1000, was 1001");
    assertThatThrownBy(() -> b.maxEjectionPercent(101))
        .hasMessage("outlierDetection.maxEjectionPercent must be between 0 and 100, was 101");
    assertThatThrownBy(() -> b.failureRatePercent(-1))
        .hasMessage("outlierDetection.failureRatePercent must be between 0 and 100, was -1");
    assertThatThrownBy(() -> b.slidingWindowSize(10_001))
        .hasMessage("outlierDetection.slidingWindowSize must be between 1 and 10000, was 10001");
    assertThatThrownBy(() -> b.trialCalls(0))
        .hasMessage("outlierDetection.trialCalls must be between 1 and 100, was 0");
    assertThatThrownBy(() -> b.baseEjectionTime(Duration.ofMillis(9)))
        .hasMessage("outlierDetection.baseEjectionTime must be between 10ms and 3600s, was 9ms");
  }

  @Test
  void build_rejectsMaxEjectionTimeBelowBase() {
    assertThatThrownBy(() -> OutlierDetectionPolicy.builder().baseEjectionTime(Duration.ofSeconds(60))
        .maxEjectionTime(Duration.ofSeconds(30)).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("outlierDetection.maxEjectionTime must not be below outlierDetection.baseEjectionTime (60s), was 30s");
  }

  @Test
  void toBuilder_roundTrips() {
    OutlierDetectionPolicy p = OutlierDetectionPolicy.builder().consecutiveFailures(3).failureRatePercent(50)
        .slidingWindowSize(20).baseEjectionTime(Duration.ofMillis(100)).maxEjectionTime(Duration.ofSeconds(1))
        .maxEjectionPercent(50).trialCalls(2).activeCheckEndsEjection(false).build();
    assertThat(p.toBuilder().build()).isEqualTo(p).hasSameHashCodeAs(p);
  }
}
