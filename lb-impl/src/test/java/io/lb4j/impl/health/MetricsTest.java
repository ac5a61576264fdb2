package io.lb4j.impl.health;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class MetricsTest {

  @Test
  void latenessPercentile_isTheUpperEdgeOfThe100usBucket() {
    ProbeStats stats = new ProbeStats();
    for (int i = 0; i < 98; i++) {
      stats.started(50_000); // 0.05 ms
    }
    stats.started(2_050_000); // 2.05 ms
    stats.started(-5); // early: counts as 0

    ProbeMetrics m = new ProbeMetrics(stats, 0);

    assertThat(m.probesStarted()).isEqualTo(100);
    assertThat(m.latenessPercentile(50)).isEqualTo(Duration.ofNanos(100_000));
    assertThat(m.latenessPercentile(99)).isEqualTo(Duration.ofNanos(100_000));
    assertThat(m.latenessPercentile(100)).isEqualTo(Duration.ofNanos(2_100_000));
    assertThat(m.maxLateness()).isEqualTo(Duration.ofNanos(2_050_000));
  }

  @Test
  void latenessBeyondTheLastBucket_countsInIt() {
    ProbeStats stats = new ProbeStats();
    stats.started(Duration.ofSeconds(3).toNanos());
    ProbeMetrics m = new ProbeMetrics(stats, 0);
    assertThat(m.latenessPercentile(99)).isEqualTo(Duration.ofNanos(102_400_000));
    assertThat(m.maxLateness()).isEqualTo(Duration.ofSeconds(3));
  }

  @Test
  void since_subtractsAnEarlierSnapshot() {
    ProbeStats stats = new ProbeStats();
    stats.started(0);
    stats.count(ProbeStats.SUCCEEDED);
    ProbeMetrics earlier = new ProbeMetrics(stats, 0);
    stats.started(5_000_000);
    stats.count(ProbeStats.FAILED);
    ProbeMetrics later = new ProbeMetrics(stats, 1);

    ProbeMetrics period = later.since(earlier);

    assertThat(period.probesStarted()).isEqualTo(1);
    assertThat(period.probesSucceeded()).isZero();
    assertThat(period.probesFailed()).isEqualTo(1);
    assertThat(period.latenessPercentile(50)).isEqualTo(Duration.ofNanos(5_100_000));
    assertThat(period.inFlight()).isEqualTo(1);
  }
}
