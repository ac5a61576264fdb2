package io.lb4j.api.discovery;

import java.time.Instant;
import java.util.Objects;

/**
 * What a pool knows about its {@link BackendSource}: whether the first list has arrived, whether the
 * source is healthy or failing, since when, and the last error.
 *
 * @param source the source's {@link BackendSource#description()}
 * @param phase pending, healthy, failing or closed
 * @param since when the source entered this phase
 * @param backends how many backends the last applied list had (the last known good list while failing)
 * @param lastError the last error the source reported, or an empty string when it never failed
 * @param retries the failed attempts in a row since the last good list (0 when healthy)
 * @since 0.1.0
 */
public record SourceState(String source, Phase phase, Instant since, int backends, String lastError,
    int retries) {

  /** Validates the fields. */
  public SourceState {
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(phase, "phase");
    Objects.requireNonNull(since, "since");
    Objects.requireNonNull(lastError, "lastError");
  }

  /**
   * The phases of a source, as a pool sees them.
   *
   * @since 0.1.0
   */
  public enum Phase {
    /** Started, no list yet: the pool is not ready. */
    PENDING,
    /** The last answer was a list the pool applied. */
    HEALTHY,
    /**
     * The last answer was an error (or an empty list the pool may not apply): the pool keeps the last
     * known good list and retries with backoff.
     */
    FAILING,
    /** Closed with its pool. */
    CLOSED
  }
}
