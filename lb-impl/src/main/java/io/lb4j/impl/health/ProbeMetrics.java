package io.lb4j.impl.health;

import java.time.Duration;

/**
 * A checker's probe counters and the lateness of probe starts (how long after its scheduled time, jitter
 * included, each probe actually started) since the checker was built: what the API's
 * {@code io.lb4j.impl.HealthCheckMetrics} shows. Immutable snapshot; subtract two snapshots with
 * {@link #since} to measure a period.
 *
 * <p>Thread-safe (immutable).
 */
public final class ProbeMetrics {
  private final long[] counters;
  private final long[] lateness;
  private final int inFlight;

  ProbeMetrics(ProbeStats stats, int inFlight) {
    this.counters = new long[ProbeStats.COUNTERS];
    for (int i = 0; i < counters.length; i++) {
      counters[i] = stats.counters.get(i);
    }
    this.lateness = new long[ProbeStats.BUCKETS];
    for (int i = 0; i < lateness.length; i++) {
      lateness[i] = stats.lateness.get(i);
    }
    this.inFlight = inFlight;
  }

  private ProbeMetrics(long[] counters, long[] lateness, int inFlight) {
    this.counters = counters;
    this.lateness = lateness;
    this.inFlight = inFlight;
  }

  /** Probes started. */
  public long probesStarted() {
    return counters[ProbeStats.STARTED];
  }

  /** Probes skipped because real traffic succeeded recently. */
  public long probesSkipped() {
    return counters[ProbeStats.SKIPPED];
  }

  /** Probes that had to wait for the in-flight cap. */
  public long probesDeferred() {
    return counters[ProbeStats.DEFERRED];
  }

  /** Probes that succeeded. */
  public long probesSucceeded() {
    return counters[ProbeStats.SUCCEEDED];
  }

  /** Probes that failed. */
  public long probesFailed() {
    return counters[ProbeStats.FAILED];
  }

  /** Probes in flight when the snapshot was taken. */
  public int inFlight() {
    return inFlight;
  }

  /** The largest lateness of a probe start since the checker was built (not reduced by {@link #since}). */
  public Duration maxLateness() {
    return Duration.ofNanos(counters[ProbeStats.MAX_LATENESS]);
  }

  /**
   * The {@code percentile} (0-100) of probe start lateness, as the upper edge of its 100 us bucket;
   * 102.4 ms means "at least that".
   */
  public Duration latenessPercentile(double percentile) {
    long total = 0;
    for (long c : lateness) {
      total += c;
    }
    if (total == 0) {
      return Duration.ZERO;
    }
    long rank = (long) Math.ceil(total * percentile / 100.0);
    long seen = 0;
    for (int i = 0; i < lateness.length; i++) {
      seen += lateness[i];
      if (seen >= rank) {
        return Duration.ofNanos((i + 1) * ProbeStats.BUCKET_NANOS);
      }
    }
    return Duration.ofNanos(lateness.length * ProbeStats.BUCKET_NANOS);
  }

  /** The counts of this snapshot minus those of {@code earlier}. */
  public ProbeMetrics since(ProbeMetrics earlier) {
    long[] c = counters.clone();
    for (int i = 0; i < c.length; i++) {
      if (i != ProbeStats.MAX_LATENESS) {
        c[i] -= earlier.counters[i];
      }
    }
    long[] l = lateness.clone();
    for (int i = 0; i < l.length; i++) {
      l[i] -= earlier.lateness[i];
    }
    return new ProbeMetrics(c, l, inFlight);
  }

  @Override
  public String toString() {
    return "ProbeMetrics{started=" + probesStarted() + " skipped=" + probesSkipped() + " deferred="
        + probesDeferred() + " ok=" + probesSucceeded() + " failed=" + probesFailed() + " inFlight="
        + inFlight + " p99Lateness=" + latenessPercentile(99).toNanos() / 1000 + "us}";
  }
}
