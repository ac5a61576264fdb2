package io.lb4j.api.load;

import static io.lb4j.api.internal.Checks.checkRange;
import static io.lb4j.api.internal.Checks.checkState;
import static io.lb4j.api.internal.Checks.checkZeroOrRange;
import static io.lb4j.api.internal.Checks.format;

import java.time.Duration;
import java.util.Objects;

/**
 * How a pool turns load into weights, so that a backend that is busier per request gets fewer requests.
 * Two signals are available:
 *
 * <ul>
 *   <li>{@link Signal#BACKEND_REPORTS} (the default), gRPC's {@code weighted_round_robin}: each backend
 *       reports its load in {@link LoadReport#HEADER}, and its weight is
 *       {@code qps / (utilization + eps / qps * errorUtilizationPenalty)}. A backend's weight is used only
 *       after {@code blackoutPeriod} of reports (its first reports may come from a warm-up), and no longer
 *       once its last report is {@code weightExpirationPeriod} old; a backend without a usable weight gets
 *       the mean weight of the others.
 *   <li>{@link Signal#OBSERVED_LATENCY}, for backends that report nothing: the pool's own view of each
 *       backend, Finagle's peak-sensitive EWMA of response latency (a slower response counts at once, a
 *       faster one fades in over {@code latencyDecay}). A failed request counts as
 *       {@code failurePenalty} times the backend's current latency, so a backend that fails fast does not
 *       look fast. The weight is the inverse of that latency.
 * </ul>
 *
 * <p>Either way the weights are bounded around their mean: no backend gets less than
 * {@code minWeightRatio} or more than {@code maxWeightRatio} times the mean weight (gRPC's 0.1 and 10), so a
 * backend that looks bad keeps a trickle of traffic to show it recovered, and one that looks idle cannot take
 * everything. The schedule is rebuilt every {@code weightUpdatePeriod}; picks in between never wait for it.
 *
 * <p>Defaults follow gRPC's {@code weighted_round_robin} (gRFC A58) where it has one: update every 1 s,
 * blackout 10 s, expiry 3 min, error penalty 1.0, bounds 0.1-10 times the mean; the latency decay is
 * Finagle's 10 s.
 *
 * <p>Immutable and thread-safe; build with {@link #builder()}. Each setter validates its value at once,
 * naming the field {@code loadAware.<field>}; {@link Builder#build()} checks the fields against each other.
 *
 * @since 0.1.0
 */
public final class LoadAwarePolicy {

  /** The default period between two rebuilds of the schedule (gRPC's {@code weight_update_period}). */
  public static final Duration DEFAULT_WEIGHT_UPDATE_PERIOD = Duration.ofSeconds(1);
  /** The default time a backend must report before its weight is used (gRPC's {@code blackout_period}). */
  public static final Duration DEFAULT_BLACKOUT_PERIOD = Duration.ofSeconds(10);
  /** The default age at which a report is no longer used (gRPC's {@code weight_expiration_period}). */
  public static final Duration DEFAULT_WEIGHT_EXPIRATION_PERIOD = Duration.ofMinutes(3);
  /** The default weight of the error rate against utilization (gRPC's {@code error_utilization_penalty}). */
  public static final double DEFAULT_ERROR_UTILIZATION_PENALTY = 1.0;
  /** The default floor, as a fraction of the mean weight (gRPC's static stride scheduler: 0.1). */
  public static final double DEFAULT_MIN_WEIGHT_RATIO = 0.1;
  /** The default cap, as a multiple of the mean weight (gRPC's static stride scheduler: 10). */
  public static final double DEFAULT_MAX_WEIGHT_RATIO = 10;
  /** The default time over which a faster latency fades in (Finagle's {@code decayTime}). */
  public static final Duration DEFAULT_LATENCY_DECAY = Duration.ofSeconds(10);
  /** The default factor by which a failed request raises the latency estimate. */
  public static final double DEFAULT_FAILURE_PENALTY = 2.0;

  /**
   * The largest ratio between the cap and the floor: a pool's weights are whole numbers from 1 to 100, so a
   * wider range could not be represented.
   */
  public static final double MAX_CAP_TO_FLOOR = 100;

  private static final Duration MIN_UPDATE_PERIOD = Duration.ofMillis(100);
  private static final Duration MAX_UPDATE_PERIOD = Duration.ofMinutes(1);
  private static final Duration MIN_BLACKOUT = Duration.ofMillis(10);
  private static final Duration MAX_BLACKOUT = Duration.ofMinutes(10);
  private static final Duration MIN_EXPIRATION = Duration.ofSeconds(1);
  private static final Duration MAX_EXPIRATION = Duration.ofHours(1);
  private static final Duration MIN_DECAY = Duration.ofMillis(100);
  private static final Duration MAX_DECAY = Duration.ofMinutes(10);

  /**
   * What the weights follow.
   *
   * @since 0.1.0
   */
  public enum Signal {
    /** The load each backend reports in {@link LoadReport#HEADER} (gRPC's weighted_round_robin). */
    BACKEND_REPORTS,
    /** The latency and failures the pool observes itself (Finagle's peak EWMA), for silent backends. */
    OBSERVED_LATENCY
  }

  private final Signal signal;
  private final Duration weightUpdatePeriod;
  private final Duration blackoutPeriod;
  private final Duration weightExpirationPeriod;
  private final double errorUtilizationPenalty;
  private final double minWeightRatio;
  private final double maxWeightRatio;
  private final Duration latencyDecay;
  private final double failurePenalty;

  private LoadAwarePolicy(Builder b) {
    this.signal = b.signal;
    this.weightUpdatePeriod = b.weightUpdatePeriod;
    this.blackoutPeriod = b.blackoutPeriod;
    this.weightExpirationPeriod = b.weightExpirationPeriod;
    this.errorUtilizationPenalty = b.errorUtilizationPenalty;
    this.minWeightRatio = b.minWeightRatio;
    this.maxWeightRatio = b.maxWeightRatio;
    this.latencyDecay = b.latencyDecay;
    this.failurePenalty = b.failurePenalty;
  }

  /**
   * Weights from backend load reports, every other value at its default.
   *
   * @return the policy
   */
  public static LoadAwarePolicy backendReports() {
    return builder().build();
  }

  /**
   * Weights from the latency and failures the pool observes, every other value at its default.
   *
   * @return the policy
   */
  public static LoadAwarePolicy observedLatency() {
    return builder().signal(Signal.OBSERVED_LATENCY).build();
  }

  /**
   * A builder holding the defaults (backend reports).
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * A builder holding this policy's values.
   *
   * @return a new builder
   */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.signal = signal;
    b.weightUpdatePeriod = weightUpdatePeriod;
    b.blackoutPeriod = blackoutPeriod;
    b.weightExpirationPeriod = weightExpirationPeriod;
    b.errorUtilizationPenalty = errorUtilizationPenalty;
    b.minWeightRatio = minWeightRatio;
    b.maxWeightRatio = maxWeightRatio;
    b.latencyDecay = latencyDecay;
    b.failurePenalty = failurePenalty;
    return b;
  }

  /**
   * What the weights follow.
   *
   * @return the signal
   */
  public Signal signal() {
    return signal;
  }

  /**
   * The period between two rebuilds of the schedule from the current weights.
   *
   * @return the period
   */
  public Duration weightUpdatePeriod() {
    return weightUpdatePeriod;
  }

  /**
   * How long a backend must have reported before its weight is used; zero uses it from the first report.
   * Backend reports only.
   *
   * @return the period, zero when off
   */
  public Duration blackoutPeriod() {
    return blackoutPeriod;
  }

  /**
   * The age at which a backend's last report is no longer used (it then gets the mean weight, and serves a
   * new blackout when reports resume). Backend reports only.
   *
   * @return the period
   */
  public Duration weightExpirationPeriod() {
    return weightExpirationPeriod;
  }

  /**
   * How much the error rate weighs against utilization: the weight is
   * {@code qps / (utilization + eps / qps * penalty)}; 0 ignores errors. Backend reports only.
   *
   * @return the penalty
   */
  public double errorUtilizationPenalty() {
    return errorUtilizationPenalty;
  }

  /**
   * The floor: no backend's weight is set below this fraction of the mean weight.
   *
   * @return the ratio, 0.01-1
   */
  public double minWeightRatio() {
    return minWeightRatio;
  }

  /**
   * The cap: no backend's weight is set above this multiple of the mean weight.
   *
   * @return the ratio, 1-100
   */
  public double maxWeightRatio() {
    return maxWeightRatio;
  }

  /**
   * The time over which a lower latency fades into the estimate (a higher one counts at once). Observed
   * latency only.
   *
   * @return the decay time
   */
  public Duration latencyDecay() {
    return latencyDecay;
  }

  /**
   * A failed request counts as a response this many times slower than the current estimate (or as its own
   * latency, when that is larger). Observed latency only.
   *
   * @return the factor, 1-100
   */
  public double failurePenalty() {
    return failurePenalty;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof LoadAwarePolicy p && signal == p.signal && weightUpdatePeriod.equals(p.weightUpdatePeriod)
        && blackoutPeriod.equals(p.blackoutPeriod) && weightExpirationPeriod.equals(p.weightExpirationPeriod)
        && Double.compare(errorUtilizationPenalty, p.errorUtilizationPenalty) == 0
        && Double.compare(minWeightRatio, p.minWeightRatio) == 0
        && Double.compare(maxWeightRatio, p.maxWeightRatio) == 0 && latencyDecay.equals(p.latencyDecay)
        && Double.compare(failurePenalty, p.failurePenalty) == 0;
  }

  @Override
  public int hashCode() {
    return Objects.hash(signal, weightUpdatePeriod, blackoutPeriod, weightExpirationPeriod, errorUtilizationPenalty,
        minWeightRatio, maxWeightRatio, latencyDecay, failurePenalty);
  }

  @Override
  public String toString() {
    String common = "weightUpdatePeriod=" + format(weightUpdatePeriod) + ", weights=" + minWeightRatio + "-"
        + maxWeightRatio + "x mean";
    return "LoadAwarePolicy{" + signal + ", " + common + (signal == Signal.BACKEND_REPORTS
        ? ", blackoutPeriod=" + format(blackoutPeriod) + ", weightExpirationPeriod=" + format(weightExpirationPeriod)
            + ", errorUtilizationPenalty=" + errorUtilizationPenalty
        : ", latencyDecay=" + format(latencyDecay) + ", failurePenalty=" + failurePenalty) + "}";
  }

  /**
   * Builds a {@link LoadAwarePolicy}; validates each value as it is set and the combination at
   * {@link #build()}. Not thread-safe.
   *
   * @since 0.1.0
   */
  public static final class Builder {
    private Signal signal = Signal.BACKEND_REPORTS;
    private Duration weightUpdatePeriod = DEFAULT_WEIGHT_UPDATE_PERIOD;
    private Duration blackoutPeriod = DEFAULT_BLACKOUT_PERIOD;
    private Duration weightExpirationPeriod = DEFAULT_WEIGHT_EXPIRATION_PERIOD;
    private double errorUtilizationPenalty = DEFAULT_ERROR_UTILIZATION_PENALTY;
    private double minWeightRatio = DEFAULT_MIN_WEIGHT_RATIO;
    private double maxWeightRatio = DEFAULT_MAX_WEIGHT_RATIO;
    private Duration latencyDecay = DEFAULT_LATENCY_DECAY;
    private double failurePenalty = DEFAULT_FAILURE_PENALTY;

    private Builder() {}

    /**
     * What the weights follow (default {@link Signal#BACKEND_REPORTS}).
     *
     * @param signal the signal
     * @return this builder
     */
    public Builder signal(Signal signal) {
      this.signal = Objects.requireNonNull(signal, "loadAware.signal");
      return this;
    }

    /**
     * The period between rebuilds of the schedule, 100ms-60s (default 1 s; gRPC's minimum is 100 ms too).
     *
     * @param period the period
     * @return this builder
     */
    public Builder weightUpdatePeriod(Duration period) {
      this.weightUpdatePeriod = checkRange("loadAware.weightUpdatePeriod", period, MIN_UPDATE_PERIOD,
          MAX_UPDATE_PERIOD);
      return this;
    }

    /**
     * How long a backend must report before its weight is used: 0 (off) or 10ms-600s (default 10 s).
     *
     * @param period the period
     * @return this builder
     */
    public Builder blackoutPeriod(Duration period) {
      this.blackoutPeriod = checkZeroOrRange("loadAware.blackoutPeriod", period, MIN_BLACKOUT, MAX_BLACKOUT);
      return this;
    }

    /**
     * The age at which a report is no longer used, 1s-3600s (default 3 min); longer than the update period.
     *
     * @param period the period
     * @return this builder
     */
    public Builder weightExpirationPeriod(Duration period) {
      this.weightExpirationPeriod = checkRange("loadAware.weightExpirationPeriod", period, MIN_EXPIRATION,
          MAX_EXPIRATION);
      return this;
    }

    /**
     * How much errors weigh against utilization, 0-100 (default 1.0); 0 ignores errors.
     *
     * @param penalty the penalty
     * @return this builder
     */
    public Builder errorUtilizationPenalty(double penalty) {
      this.errorUtilizationPenalty = checkRange("loadAware.errorUtilizationPenalty", penalty, 0.0, 100.0);
      return this;
    }

    /**
     * The floor as a fraction of the mean weight, 0.01-1 (default 0.1).
     *
     * @param ratio the ratio
     * @return this builder
     */
    public Builder minWeightRatio(double ratio) {
      this.minWeightRatio = checkRange("loadAware.minWeightRatio", ratio, 0.01, 1.0);
      return this;
    }

    /**
     * The cap as a multiple of the mean weight, 1-100 (default 10).
     *
     * @param ratio the ratio
     * @return this builder
     */
    public Builder maxWeightRatio(double ratio) {
      this.maxWeightRatio = checkRange("loadAware.maxWeightRatio", ratio, 1.0, 100.0);
      return this;
    }

    /**
     * The time over which a lower latency fades in, 100ms-600s (default 10 s).
     *
     * @param decay the decay time
     * @return this builder
     */
    public Builder latencyDecay(Duration decay) {
      this.latencyDecay = checkRange("loadAware.latencyDecay", decay, MIN_DECAY, MAX_DECAY);
      return this;
    }

    /**
     * The factor by which a failure raises the latency estimate, 1-100 (default 2.0); 1 counts a failure as
     * its own latency only.
     *
     * @param penalty the factor
     * @return this builder
     */
    public Builder failurePenalty(double penalty) {
      this.failurePenalty = checkRange("loadAware.failurePenalty", penalty, 1.0, 100.0);
      return this;
    }

    /**
     * Builds the policy.
     *
     * @return the policy
     * @throws IllegalStateException when the cap is more than {@value LoadAwarePolicy#MAX_CAP_TO_FLOOR} times
     *     the floor, or reports would expire within one update period
     */
    public LoadAwarePolicy build() {
      checkState(maxWeightRatio <= MAX_CAP_TO_FLOOR * minWeightRatio + 1e-9,
          "loadAware.maxWeightRatio must be at most 100 times loadAware.minWeightRatio (" + minWeightRatio
              + "): weights are 1-100, was " + maxWeightRatio);
      checkState(weightExpirationPeriod.compareTo(weightUpdatePeriod) > 0,
          "loadAware.weightExpirationPeriod must be longer than loadAware.weightUpdatePeriod ("
              + format(weightUpdatePeriod) + "), was " + format(weightExpirationPeriod));
      return new LoadAwarePolicy(this);
    }
  }
}
