package io.lb4j.api.health;

import static io.lb4j.api.internal.Checks.checkRange;
import static io.lb4j.api.internal.Checks.checkState;
import static io.lb4j.api.internal.Checks.format;

import java.time.Duration;
import java.util.Objects;

/**
 * Passive health checking: the results of real traffic (connect failures, 5xx answers, timeouts),
 * reported by the caller or the listener, eject a backend that keeps failing.
 *
 * <p>A backend is ejected after {@code consecutiveFailures} failures in a row, or, when
 * {@code failureRatePercent} is above 0, when that share of the last {@code slidingWindowSize} calls
 * failed. It stays out for {@code baseEjectionTime} times its ejection count, at most
 * {@code maxEjectionTime}; then a few trial calls decide whether it is back. The count follows Envoy's
 * ejection multiplier: each ejection (a failed trial included) adds one, so the second ejection in a row
 * lasts twice as long as the first, and each {@code baseEjectionTime} the backend then spends back in
 * service takes one off. Ejection never takes more than {@code maxEjectionPercent} of the pool out, though
 * one backend may always be ejected.
 *
 * <p>When active checks run too, a backend gets traffic only when both agree it is healthy; with
 * {@code activeCheckEndsEjection} a successful active check ends an ejection early, but only a check that
 * can see the ejection's cause: a TCP check ends an ejection for connect failures, an HTTP check one for
 * connect failures, 5xx answers or resets; no check ends an ejection that timeouts took part in (its trial
 * calls do).
 *
 * <p>Immutable and thread-safe; off unless {@link #enabled()}.
 *
 * @since 0.1.0
 */
public final class OutlierDetectionPolicy {

  /** Consecutive failures that eject a backend by default (Envoy's default). */
  public static final int DEFAULT_CONSECUTIVE_FAILURES = 5;
  /** The default time a backend stays ejected the first time. */
  public static final Duration DEFAULT_BASE_EJECTION_TIME = Duration.ofSeconds(30);
  /** The default cap on the ejection time. */
  public static final Duration DEFAULT_MAX_EJECTION_TIME = Duration.ofSeconds(300);
  /** The default cap on the share of backends ejected at once. */
  public static final int DEFAULT_MAX_EJECTION_PERCENT = 10;
  /** The default number of trial calls after an ejection. */
  public static final int DEFAULT_TRIAL_CALLS = 3;
  /** The default sliding window size, for the failure-rate rule. */
  public static final int DEFAULT_SLIDING_WINDOW_SIZE = 100;

  private static final Duration MIN_EJECTION_TIME = Duration.ofMillis(10);
  private static final Duration MAX_EJECTION_TIME_LIMIT = Duration.ofHours(1);
  private static final OutlierDetectionPolicy DISABLED = builder().enabled(false).build();

  private final boolean enabled;
  private final int consecutiveFailures;
  private final int failureRatePercent;
  private final int slidingWindowSize;
  private final Duration baseEjectionTime;
  private final Duration maxEjectionTime;
  private final int maxEjectionPercent;
  private final int trialCalls;
  private final boolean activeCheckEndsEjection;

  private OutlierDetectionPolicy(Builder b) {
    this.enabled = b.enabled;
    this.consecutiveFailures = b.consecutiveFailures;
    this.failureRatePercent = b.failureRatePercent;
    this.slidingWindowSize = b.slidingWindowSize;
    this.baseEjectionTime = b.baseEjectionTime;
    this.maxEjectionTime = b.maxEjectionTime;
    this.maxEjectionPercent = b.maxEjectionPercent;
    this.trialCalls = b.trialCalls;
    this.activeCheckEndsEjection = b.activeCheckEndsEjection;
  }

  /** Passive checking off (the default of a listener). */
  public static OutlierDetectionPolicy disabled() {
    return DISABLED;
  }

  /** A builder for an enabled policy with every default. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding this policy's values. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.enabled = enabled;
    b.consecutiveFailures = consecutiveFailures;
    b.failureRatePercent = failureRatePercent;
    b.slidingWindowSize = slidingWindowSize;
    b.baseEjectionTime = baseEjectionTime;
    b.maxEjectionTime = maxEjectionTime;
    b.maxEjectionPercent = maxEjectionPercent;
    b.trialCalls = trialCalls;
    b.activeCheckEndsEjection = activeCheckEndsEjection;
    return b;
  }

  /** Whether passive checking runs. */
  public boolean enabled() {
    return enabled;
  }

  /** Failures in a row that eject a backend, 1-1000. */
  public int consecutiveFailures() {
    return consecutiveFailures;
  }

  /** Failure rate (percent of the sliding window) that ejects a backend; 0 when only consecutive failures count. */
  public int failureRatePercent() {
    return failureRatePercent;
  }

  /** Number of recent calls the failure rate is computed over. */
  public int slidingWindowSize() {
    return slidingWindowSize;
  }

  /** How long a first ejection lasts; each further ejection in a row adds as much. */
  public Duration baseEjectionTime() {
    return baseEjectionTime;
  }

  /** The longest an ejection lasts. */
  public Duration maxEjectionTime() {
    return maxEjectionTime;
  }

  /** The largest share of the pool ejected at once (at least one backend may always be ejected). */
  public int maxEjectionPercent() {
    return maxEjectionPercent;
  }

  /** Trial calls let through after an ejection before the backend is trusted again. */
  public int trialCalls() {
    return trialCalls;
  }

  /**
   * Whether a successful active health check that can see the ejection's cause ends it early (see the
   * class javadoc).
   */
  public boolean activeCheckEndsEjection() {
    return activeCheckEndsEjection;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof OutlierDetectionPolicy)) {
      return false;
    }
    OutlierDetectionPolicy p = (OutlierDetectionPolicy) o;
    return enabled == p.enabled && consecutiveFailures == p.consecutiveFailures
        && failureRatePercent == p.failureRatePercent && slidingWindowSize == p.slidingWindowSize
        && baseEjectionTime.equals(p.baseEjectionTime) && maxEjectionTime.equals(p.maxEjectionTime)
        && maxEjectionPercent == p.maxEjectionPercent && trialCalls == p.trialCalls
        && activeCheckEndsEjection == p.activeCheckEndsEjection;
  }

  @Override
  public int hashCode() {
    return Objects.hash(enabled, consecutiveFailures, failureRatePercent, slidingWindowSize,
        baseEjectionTime, maxEjectionTime, maxEjectionPercent, trialCalls, activeCheckEndsEjection);
  }

  @Override
  public String toString() {
    if (!enabled) {
      return "OutlierDetectionPolicy{disabled}";
    }
    return "OutlierDetectionPolicy{consecutiveFailures=" + consecutiveFailures
        + (failureRatePercent > 0 ? " failureRate=" + failureRatePercent + "% of " + slidingWindowSize : "")
        + " ejection=" + format(baseEjectionTime) + ".." + format(maxEjectionTime)
        + " maxEjection=" + maxEjectionPercent + "% trialCalls=" + trialCalls + "}";
  }

  /** Builds an {@link OutlierDetectionPolicy}; validation as in {@link HealthCheckPolicy.Builder}. */
  public static final class Builder {
    private boolean enabled = true;
    private int consecutiveFailures = DEFAULT_CONSECUTIVE_FAILURES;
    private int failureRatePercent;
    private int slidingWindowSize = DEFAULT_SLIDING_WINDOW_SIZE;
    private Duration baseEjectionTime = DEFAULT_BASE_EJECTION_TIME;
    private Duration maxEjectionTime = DEFAULT_MAX_EJECTION_TIME;
    private int maxEjectionPercent = DEFAULT_MAX_EJECTION_PERCENT;
    private int trialCalls = DEFAULT_TRIAL_CALLS;
    private boolean activeCheckEndsEjection = true;

    private Builder() {}

    /** Whether passive checking runs (default true for a built policy). */
    public Builder enabled(boolean enabled) {
      this.enabled = enabled;
      return this;
    }

    /** Failures in a row that eject a backend, 1-1000 (default 5). */
    public Builder consecutiveFailures(int failures) {
      this.consecutiveFailures = checkRange("outlierDetection.consecutiveFailures", failures, 1, 1000);
      return this;
    }

    /** Failure rate in percent that ejects a backend, 0-100; 0 (default) disables the rate rule. */
    public Builder failureRatePercent(int percent) {
      this.failureRatePercent = checkRange("outlierDetection.failureRatePercent", percent, 0, 100);
      return this;
    }

    /** Number of recent calls the failure rate is computed over, 1-10000 (default 100). */
    public Builder slidingWindowSize(int size) {
      this.slidingWindowSize = checkRange("outlierDetection.slidingWindowSize", size, 1, 10_000);
      return this;
    }

    /** The first ejection's length, 10ms-1h (default 30s). */
    public Builder baseEjectionTime(Duration time) {
      this.baseEjectionTime = checkRange("outlierDetection.baseEjectionTime", time, MIN_EJECTION_TIME,
          MAX_EJECTION_TIME_LIMIT);
      return this;
    }

    /** The longest ejection, 10ms-1h and not below the base ejection time (default 300s). */
    public Builder maxEjectionTime(Duration time) {
      this.maxEjectionTime = checkRange("outlierDetection.maxEjectionTime", time, MIN_EJECTION_TIME,
          MAX_EJECTION_TIME_LIMIT);
      return this;
    }

    /** The largest share of backends ejected at once, 0-100 (default 10); one may always be ejected. */
    public Builder maxEjectionPercent(int percent) {
      this.maxEjectionPercent = checkRange("outlierDetection.maxEjectionPercent", percent, 0, 100);
      return this;
    }

    /** Trial calls after an ejection, 1-100 (default 3). */
    public Builder trialCalls(int calls) {
      this.trialCalls = checkRange("outlierDetection.trialCalls", calls, 1, 100);
      return this;
    }

    /**
     * Whether a successful active check that can see the ejection's cause ends it early (default true):
     * a TCP check for connect failures, an HTTP check also for 5xx answers and resets, none for timeouts.
     */
    public Builder activeCheckEndsEjection(boolean ends) {
      this.activeCheckEndsEjection = ends;
      return this;
    }

    /**
     * Builds the policy.
     *
     * @throws IllegalStateException when the maximum ejection time is below the base ejection time
     */
    public OutlierDetectionPolicy build() {
      checkState(maxEjectionTime.compareTo(baseEjectionTime) >= 0,
          "outlierDetection.maxEjectionTime must not be below outlierDetection.baseEjectionTime ("
              + format(baseEjectionTime) + "), was " + format(maxEjectionTime));
      return new OutlierDetectionPolicy(this);
    }
  }
}
