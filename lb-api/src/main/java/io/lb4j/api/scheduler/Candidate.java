package io.lb4j.api.scheduler;

import static io.lb4j.api.internal.Checks.checkRange;

import io.lb4j.api.Backend;
import java.util.Objects;

/**
 * One backend as a scheduler sees it in a snapshot: the backend, whether the health layer considers it
 * healthy, its effective weight (0-100) right now, and the count of its requests in flight.
 *
 * <p>The effective weight is normally {@link Backend#weight()}; the load balancer lowers it while a
 * backend warms up (slow start) and sets it to 0 while the backend drains. A candidate is eligible for
 * new picks when it is healthy, enabled and its effective weight is above 0.
 *
 * @param backend the backend
 * @param healthy whether health checking (active and passive) considers it healthy
 * @param weight the effective weight, 0-100
 * @param activeRequests the backend's requests in flight, kept by the pool for as long as the backend is a
 *     member (see {@link ActiveRequests}); {@link ActiveRequests#untracked()} when nobody counts
 * @since 0.1.0
 */
public record Candidate(Backend backend, boolean healthy, int weight, ActiveRequests activeRequests) {

  /** Validates the fields. */
  public Candidate {
    Objects.requireNonNull(backend, "backend");
    checkRange("candidate.weight", weight, Backend.MIN_WEIGHT, Backend.MAX_WEIGHT);
    Objects.requireNonNull(activeRequests, "activeRequests");
  }

  /**
   * A candidate whose requests nobody counts ({@link ActiveRequests#untracked()}).
   *
   * @param backend the backend
   * @param healthy whether it is healthy
   * @param weight the effective weight, 0-100
   */
  public Candidate(Backend backend, boolean healthy, int weight) {
    this(backend, healthy, weight, ActiveRequests.untracked());
  }

  /**
   * A healthy candidate with the backend's own weight, untracked.
   *
   * @param backend the backend
   * @return the candidate
   */
  public static Candidate of(Backend backend) {
    return new Candidate(backend, true, backend.weight());
  }

  /**
   * A candidate with the backend's own weight and the given health, untracked.
   *
   * @param backend the backend
   * @param healthy whether it is healthy
   * @return the candidate
   */
  public static Candidate of(Backend backend, boolean healthy) {
    return new Candidate(backend, healthy, backend.weight());
  }

  /**
   * This candidate counting its requests on {@code counter}.
   *
   * @param counter the backend's requests in flight
   * @return a candidate equal to this one but for its counter
   * @since 0.1.0
   */
  public Candidate withActiveRequests(ActiveRequests counter) {
    return new Candidate(backend, healthy, weight, counter);
  }

  /**
   * True when the candidate may receive new picks: healthy, enabled and weight above 0.
   *
   * @return whether it is eligible
   */
  public boolean eligible() {
    return healthy && weight > 0 && backend.enabled();
  }
}
