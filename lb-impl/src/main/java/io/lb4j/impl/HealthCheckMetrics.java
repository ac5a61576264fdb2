package io.lb4j.impl;

import io.lb4j.impl.health.ProbeMetrics;
import java.time.Duration;

/**
 * Probe counters and the lateness of probe starts (how long after its scheduled time, jitter included, each
 * probe actually started) of a pool's active health checking since the pool was built, as
 * {@link LoadBalancers#healthCheckMetrics} returns them. Immutable snapshot; subtract two snapshots with
 * {@link #since} to measure a period.
 *
 * <p>Thread-safe (immutable).
 *
 * @since 0.1.0
 */
public final class HealthCheckMetrics {

  private final ProbeMetrics metrics;

  HealthCheckMetrics(ProbeMetrics metrics) {
    this.metrics = metrics;
  }

  /**
   * Probes started.
   *
   * @return the count
   */
  public long probesStarted() {
    return metrics.probesStarted();
  }

  /**
   * Probes skipped because real traffic succeeded recently.
   *
   * @return the count
   */
  public long probesSkipped() {
    return metrics.probesSkipped();
  }

  /**
   * Probes that had to wait for the in-flight cap.
   *
   * @return the count
   */
  public long probesDeferred() {
    return metrics.probesDeferred();
  }

  /**
   * Probes that succeeded.
   *
   * @return the count
   */
  public long probesSucceeded() {
    return metrics.probesSucceeded();
  }

  /**
   * Probes that failed.
   *
   * @return the count
   */
  public long probesFailed() {
    return metrics.probesFailed();
  }

  /**
   * Probes in flight when the snapshot was taken.
   *
   * @return the count
   */
  public int inFlight() {
    return metrics.inFlight();
  }

  /**
   * The largest lateness of a probe start since the pool was built (not reduced by {@link #since}).
   *
   * @return the lateness
   */
  public Duration maxLateness() {
    return metrics.maxLateness();
  }

  /**
   * The {@code percentile} (0-100) of probe start lateness, as the upper edge of its 100 us bucket; 102.4 ms
   * means "at least that".
   *
   * @param percentile 0-100
   * @return the lateness
   */
  public Duration latenessPercentile(double percentile) {
    return metrics.latenessPercentile(percentile);
  }

  /**
   * The counts of this snapshot minus those of {@code earlier}.
   *
   * @param earlier an earlier snapshot of the same pool
   * @return the difference
   */
  public HealthCheckMetrics since(HealthCheckMetrics earlier) {
    return new HealthCheckMetrics(metrics.since(earlier.metrics));
  }

  @Override
  public String toString() {
    return metrics.toString().replace("ProbeMetrics", "HealthCheckMetrics");
  }
}
