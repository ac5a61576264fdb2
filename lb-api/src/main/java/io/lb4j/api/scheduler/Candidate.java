package io.lb4j.api.scheduler;

import static io.lb4j.api.internal.Checks.checkRange;

import io.lb4j.api.Backend;
import java.util.Objects;

/**
 * One backend as a scheduler sees it in a snapshot: the backend, whether the health layer considers it
 * healthy, and its effective weight (0-100) right now.
 *
 * <p>The effective weight is normally {@link Backend#weight()}; the load balancer lowers it while a
 * backend warms up (slow start) and sets it to 0 while the backend drains. A candidate is eligible for
 * new picks when it is healthy, enabled and its effective weight is above 0.
 *
 * @param backend the backend
 * @param healthy whether health checking (active and passive) considers it healthy
 * @param weight the effective weight, 0-100
 * @since 0.1.0
 */
public record Candidate(Backend backend, boolean healthy, int weight) {

  /** Validates the fields. */
  public Candidate {
    Objects.requireNonNull(backend, "backend");
    checkRange("candidate.weight", weight, Backend.MIN_WEIGHT, Backend.MAX_WEIGHT);
  }

  /** A healthy candidate with the backend's own weight. */
  public static Candidate of(Backend backend) {
    return new Candidate(backend, true, backend.weight());
  }

  /** A candidate with the backend's own weight and the given health. */
  public static Candidate of(Backend backend, boolean healthy) {
    return new Candidate(backend, healthy, backend.weight());
  }

  /** True when the candidate may receive new picks: healthy, enabled and weight above 0. */
  public boolean eligible() {
    return healthy && weight > 0 && backend.enabled();
  }
}
