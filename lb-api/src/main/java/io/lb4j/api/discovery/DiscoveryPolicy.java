package io.lb4j.api.discovery;

import static io.lb4j.api.internal.Checks.checkRange;
import static io.lb4j.api.internal.Checks.checkState;
import static io.lb4j.api.internal.Checks.format;

import java.time.Duration;
import java.util.Objects;

/**
 * How a pool treats its {@link BackendSource}: how long it waits for the first list before it reports
 * that it is not ready, how it backs off while the source fails, and whether an empty list from a
 * healthy source may empty the pool.
 *
 * <p>Retries after a failure wait {@code retryInitialBackoff}, then twice as long each time up to
 * {@code retryMaxBackoff}, each wait drawn at random between half of it and all of it (jitter), so a
 * fleet of pools does not hammer a registry that just came back in step.
 *
 * <p>Immutable and thread-safe.
 *
 * @since 0.1.0
 */
public final class DiscoveryPolicy {

  /** The default wait for the first list. */
  public static final Duration DEFAULT_INITIAL_TIMEOUT = Duration.ofSeconds(10);
  /** The default first retry delay after a failure. */
  public static final Duration DEFAULT_RETRY_INITIAL_BACKOFF = Duration.ofSeconds(1);
  /** The default cap on the retry delay. */
  public static final Duration DEFAULT_RETRY_MAX_BACKOFF = Duration.ofSeconds(60);

  private static final Duration MIN_DURATION = Duration.ofMillis(10);
  private static final Duration MAX_INITIAL_TIMEOUT = Duration.ofMinutes(10);
  private static final Duration MAX_BACKOFF = Duration.ofMinutes(10);
  private static final DiscoveryPolicy DEFAULTS = builder().build();

  private final Duration initialTimeout;
  private final Duration retryInitialBackoff;
  private final Duration retryMaxBackoff;
  private final boolean allowEmptyList;

  private DiscoveryPolicy(Builder b) {
    this.initialTimeout = b.initialTimeout;
    this.retryInitialBackoff = b.retryInitialBackoff;
    this.retryMaxBackoff = b.retryMaxBackoff;
    this.allowEmptyList = b.allowEmptyList;
  }

  /** Every default: 10 s for the first list, retries from 1 s to 60 s, empty lists refused. */
  public static DiscoveryPolicy defaults() {
    return DEFAULTS;
  }

  /** A builder holding the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding this policy's values. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.initialTimeout = initialTimeout;
    b.retryInitialBackoff = retryInitialBackoff;
    b.retryMaxBackoff = retryMaxBackoff;
    b.allowEmptyList = allowEmptyList;
    return b;
  }

  /** How long a starting pool waits for the source's first list before it reports a timeout. */
  public Duration initialTimeout() {
    return initialTimeout;
  }

  /** The wait before the first retry after a failure. */
  public Duration retryInitialBackoff() {
    return retryInitialBackoff;
  }

  /** The longest wait between retries. */
  public Duration retryMaxBackoff() {
    return retryMaxBackoff;
  }

  /**
   * Whether an empty list from a source that answered normally empties the pool. Off by default: a
   * registry that briefly lists nothing (a redeploy, a bug, a wrong name) would otherwise turn every
   * request into "no backend"; the pool keeps its last list and counts the empty answer as a failure.
   */
  public boolean allowEmptyList() {
    return allowEmptyList;
  }

  /**
   * The retry delay before attempt {@code attempt} (1 for the first retry) without jitter:
   * {@code retryInitialBackoff * 2^(attempt-1)}, at most {@code retryMaxBackoff}.
   */
  public Duration backoff(int attempt) {
    if (attempt < 1) {
      throw new IllegalArgumentException("attempt must be at least 1, was " + attempt);
    }
    // At most 2^30: multipliedBy cannot overflow, and the cap is reached long before (10ms * 2^16 > 10m).
    int doublings = Math.min(attempt - 1, 30);
    Duration uncapped = retryInitialBackoff.multipliedBy(1L << doublings);
    return uncapped.compareTo(retryMaxBackoff) > 0 ? retryMaxBackoff : uncapped;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DiscoveryPolicy p && initialTimeout.equals(p.initialTimeout)
        && retryInitialBackoff.equals(p.retryInitialBackoff) && retryMaxBackoff.equals(p.retryMaxBackoff)
        && allowEmptyList == p.allowEmptyList;
  }

  @Override
  public int hashCode() {
    return Objects.hash(initialTimeout, retryInitialBackoff, retryMaxBackoff, allowEmptyList);
  }

  @Override
  public String toString() {
    return "DiscoveryPolicy{initialTimeout=" + format(initialTimeout) + ", retryBackoff="
        + format(retryInitialBackoff) + "-" + format(retryMaxBackoff) + ", allowEmptyList=" + allowEmptyList
        + "}";
  }

  /** Builds a {@link DiscoveryPolicy}; validates each value as it is set. Not thread-safe. */
  public static final class Builder {
    private Duration initialTimeout = DEFAULT_INITIAL_TIMEOUT;
    private Duration retryInitialBackoff = DEFAULT_RETRY_INITIAL_BACKOFF;
    private Duration retryMaxBackoff = DEFAULT_RETRY_MAX_BACKOFF;
    private boolean allowEmptyList;

    private Builder() {}

    /** How long a starting pool waits for the first list, 10ms-10m (default 10 s). */
    public Builder initialTimeout(Duration timeout) {
      this.initialTimeout = checkRange("discovery.initialTimeout", timeout, MIN_DURATION, MAX_INITIAL_TIMEOUT);
      return this;
    }

    /** The first retry delay after a failure, 10ms-10m (default 1 s). */
    public Builder retryInitialBackoff(Duration backoff) {
      this.retryInitialBackoff = checkRange("discovery.retryInitialBackoff", backoff, MIN_DURATION, MAX_BACKOFF);
      return this;
    }

    /** The cap on the retry delay, 10ms-10m (default 60 s); not below the initial backoff. */
    public Builder retryMaxBackoff(Duration backoff) {
      this.retryMaxBackoff = checkRange("discovery.retryMaxBackoff", backoff, MIN_DURATION, MAX_BACKOFF);
      return this;
    }

    /** Whether an empty list from a healthy source empties the pool (default false). */
    public Builder allowEmptyList(boolean allow) {
      this.allowEmptyList = allow;
      return this;
    }

    /**
     * Builds the policy.
     *
     * @throws IllegalStateException when the maximum backoff is below the initial backoff
     */
    public DiscoveryPolicy build() {
      checkState(retryMaxBackoff.compareTo(retryInitialBackoff) >= 0,
          "discovery.retryMaxBackoff must be at least discovery.retryInitialBackoff ("
              + format(retryInitialBackoff) + "), was " + format(retryMaxBackoff));
      return new DiscoveryPolicy(this);
    }
  }
}
