package io.lb4j.api;

import io.lb4j.api.discovery.SourceState;
import io.lb4j.api.health.HealthCheckPolicy;
import io.lb4j.api.health.HealthTransition;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * A pool of backends behind one {@link Listener}: schedules each request, checks health, keeps
 * sessions sticky, and drains and adds backends at runtime.
 *
 * <p><b>Lifecycle.</b> Built by lb4j's implementation module ({@code io.lb4j.impl.LoadBalancers}),
 * {@link #start()} starts health checking, {@link #close()} stops it and leaves no thread behind. A
 * closed load balancer selects nothing.
 *
 * <p><b>Threading.</b> Every method is thread-safe. {@link #select} never blocks and does not wait for
 * runtime changes, which publish new immutable snapshots.
 *
 * @since 0.1.0
 */
public interface LoadBalancer extends AutoCloseable {

  /** The listener this pool was built from. */
  Listener listener();

  /** Starts health checking. Idempotent. */
  LoadBalancer start();

  /**
   * Waits until at least one backend can take new traffic (healthy, enabled, weight above 0), for
   * example after {@link #start()} while the first health checks run: a new backend gets no traffic
   * until it has been checked.
   *
   * @return true when a backend is available, false when {@code timeout} passed first or the load
   *     balancer is closed
   * @throws InterruptedException when the waiting thread is interrupted
   */
  boolean awaitAnyHealthy(Duration timeout) throws InterruptedException;

  /**
   * Selects a backend for one request or connection. Never returns null and never throws because no
   * backend is eligible: the selection then carries the reason.
   */
  Selection select(RequestContext context);

  /** Reports what happened to a selected request (feeds passive and traffic-aware health checking). */
  void report(Selection selection, Outcome outcome);

  /**
   * Server-cookie persistence: tells the balancer about a {@code Set-Cookie} header the selected backend
   * sent, so requests carrying that cookie go back to it. Ignored for other persistence modes.
   */
  void observeSetCookie(Selection selection, String setCookieHeader);

  /**
   * Adds a backend.
   *
   * @throws IllegalArgumentException when a backend with the same id is a member (draining ones included)
   */
  void addBackend(Backend backend);

  /** Removes a backend (draining it first when the listener has a drain timeout); false when unknown. */
  boolean removeBackend(String backendId);

  /**
   * Changes a backend's weight (0-100; 0 stops new traffic).
   *
   * @throws IllegalArgumentException when the weight is out of range or the backend is unknown
   */
  void setWeight(String backendId, int weight);

  /** Replaces the health-check policy (for example to disable checks); running probes switch over. */
  void setHealthCheck(HealthCheckPolicy policy);

  /**
   * Health transitions (active and passive) of one backend with {@code from <= at < to}, oldest first.
   * Kept for 3 days and at most 10,000 events per pool, like a cloud balancer's health-check log.
   */
  List<HealthTransition> healthHistory(String backendId, Instant from, Instant to);

  /** A snapshot of every backend, in the order they were added. */
  List<BackendView> view();

  /**
   * The state of the backend source feeding this pool (pending, healthy, failing with its last error and
   * since when), or empty when the pool has none and its backends are set by hand.
   *
   * @since 0.2.0
   */
  default Optional<SourceState> sourceState() {
    return Optional.empty();
  }

  /**
   * Subscribes to events.
   *
   * @return a handle whose {@code close()} unsubscribes
   */
  AutoCloseable subscribe(Consumer<? super LoadBalancerEvent> consumer);

  /** Stops health checking and every thread; idempotent. */
  @Override
  void close();
}
