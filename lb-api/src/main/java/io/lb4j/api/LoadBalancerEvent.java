package io.lb4j.api;

import io.lb4j.api.discovery.SourceState;
import io.lb4j.api.health.HealthTransition;
import io.lb4j.api.scheduler.NoBackendReason;
import java.time.Instant;

/**
 * Something a load balancer tells its subscribers about. Delivered one at a time in the order it
 * happened, on the thread that caused it (a health-check thread, a caller of {@code select} or of a
 * runtime change) or on the thread already delivering earlier events, so consumers must be quick and
 * must not block.
 *
 * @since 0.1.0
 */
public sealed interface LoadBalancerEvent {

  /** When it happened. */
  Instant at();

  /** A backend's health changed (active check, or passive ejection and its end). */
  record HealthChanged(HealthTransition transition) implements LoadBalancerEvent {
    @Override
    public Instant at() {
      return transition.at();
    }
  }

  /** What happened to a backend's membership. */
  enum MembershipChange {
    /** It joined the pool. */
    ADDED,
    /** Its weight or enabled flag changed. */
    UPDATED,
    /** It started draining. */
    DRAINING,
    /** It left the pool. */
    REMOVED
  }

  /** A backend joined, changed, started draining or left. */
  record MembershipChanged(Backend backend, MembershipChange change, Instant at) implements LoadBalancerEvent {}

  /**
   * A client's session moved from {@code from} (null when its cookie was invalid) to {@code to}, because
   * {@code cause}.
   */
  record SessionMoved(Backend from, Backend to, String cause, Instant at) implements LoadBalancerEvent {}

  /** A select found no eligible backend. */
  record NoEligibleBackend(NoBackendReason reason, Instant at) implements LoadBalancerEvent {}

  /** The pool entered ({@code active}) or left fail-open ("panic") mode: picks ignore health. */
  record PanicModeChanged(boolean active, int healthyPercent, Instant at) implements LoadBalancerEvent {}

  /**
   * The pool's backend source changed phase (first list, failing, recovered, closed) or failed again with
   * another error; {@link #at()} is when the current phase began.
   *
   * @param state the source's state after the change
   * @since 0.1.0
   */
  record SourceStateChanged(SourceState state) implements LoadBalancerEvent {
    @Override
    public Instant at() {
      return state.since();
    }
  }
}
