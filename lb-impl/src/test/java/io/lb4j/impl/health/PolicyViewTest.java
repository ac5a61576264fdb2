package io.lb4j.impl.health;

import static org.assertj.core.api.Assertions.assertThat;

import io.lb4j.api.health.HealthCheckPolicy;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class PolicyViewTest {

  private static final long INTERVAL = Duration.ofSeconds(2).toNanos();
  private static final long EDGE = Duration.ofMillis(100).toNanos();

  private static final PolicyView WITH_EDGE = new PolicyView(HealthCheckPolicy.builder()
      .interval(Duration.ofSeconds(2)).edgeInterval(Duration.ofMillis(100)).healthyThreshold(3)
      .unhealthyThreshold(3).build());
  private static final PolicyView WITHOUT_EDGE = new PolicyView(HealthCheckPolicy.builder()
      .interval(Duration.ofSeconds(2)).healthyThreshold(3).unhealthyThreshold(3).build());

  @Test
  void intervalFor_usesTheNormalIntervalForAHealthyBackendWithNoFailureStreak() {
    HealthStateMachine s = new HealthStateMachine(true);
    assertThat(WITH_EDGE.intervalFor(s)).isEqualTo(INTERVAL);
  }

  @Test
  void intervalFor_usesTheEdgeIntervalForAHealthyBackendWithAFailureStreak() {
    HealthStateMachine s = new HealthStateMachine(true);
    s.record(false, 3, 3);
    assertThat(WITH_EDGE.intervalFor(s)).isEqualTo(EDGE);
    s.record(false, 3, 3);
    assertThat(WITH_EDGE.intervalFor(s)).isEqualTo(EDGE);
  }

  @Test
  void intervalFor_usesTheNormalIntervalOnceABackendTurnedUnhealthy() {
    HealthStateMachine s = new HealthStateMachine(true);
    for (int i = 0; i < 3; i++) {
      s.record(false, 3, 3);
    }
    assertThat(s.isHealthy()).isFalse();
    assertThat(WITH_EDGE.intervalFor(s)).isEqualTo(INTERVAL);
  }

  @Test
  void intervalFor_usesTheEdgeIntervalForAnUnhealthyBackendWithASuccessStreak() {
    HealthStateMachine s = new HealthStateMachine(true);
    s.record(false, 3, 1);
    s.record(true, 3, 1);
    assertThat(s.isHealthy()).isFalse();
    assertThat(WITH_EDGE.intervalFor(s)).isEqualTo(EDGE);
  }

  @Test
  void intervalFor_usesTheNormalIntervalForANeverCheckedBackend() {
    assertThat(WITH_EDGE.intervalFor(new HealthStateMachine(false))).isEqualTo(INTERVAL);
  }

  @Test
  void intervalFor_usesTheNormalIntervalInEveryStateWithoutAnEdgeInterval() {
    HealthStateMachine healthy = new HealthStateMachine(true);
    HealthStateMachine failing = new HealthStateMachine(true);
    failing.record(false, 3, 3);
    HealthStateMachine recovering = new HealthStateMachine(true);
    recovering.record(false, 3, 1);
    recovering.record(true, 3, 1);
    assertThat(WITHOUT_EDGE.intervalFor(healthy)).isEqualTo(INTERVAL);
    assertThat(WITHOUT_EDGE.intervalFor(failing)).isEqualTo(INTERVAL);
    assertThat(WITHOUT_EDGE.intervalFor(recovering)).isEqualTo(INTERVAL);
  }
}
