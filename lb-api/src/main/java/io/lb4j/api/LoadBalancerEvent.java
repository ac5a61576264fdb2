package io.lb4j.api;

import io.lb4j.api.discovery.SourceState;
import io.lb4j.api.health.HealthTransition;
import io.lb4j.api.scheduler.NoBackendReason;
import java.time.Instant;

/**
 * Something a load balancer tells its subscribers about. Delivered one at a time in the order it happened,
 * after the change it announces is in effect (every select that starts afterwards sees it), by the pool's
 * control path: on the thread of the runtime call that caused it, or on lb4j's shared control thread (health
 * checks, ejections, timers, and the events selects raise, which never run a subscriber on the selecting
 * thread). Consumers must be quick and must not block.
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

  /**
   * A select found no eligible backend. Handed to the control thread through a bounded buffer: when
   * subscribers fall 1,024 such events behind (every select of an outage failing), further ones are dropped.
   */
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
