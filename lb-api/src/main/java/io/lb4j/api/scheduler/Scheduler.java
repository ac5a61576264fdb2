package io.lb4j.api.scheduler;

import io.lb4j.api.Backend;
import io.lb4j.api.RequestContext;
import java.util.Collection;

/**
 * Picks a backend for each request from the current set of candidates.
 *
 * <p><b>Threading.</b> {@link #pick} is called concurrently from any number of threads, once per
 * request or connection; it must not block and should not allocate. {@link #update} may be called
 * concurrently with picks (typically by one control thread): it builds a new immutable snapshot and
 * publishes it atomically, so a pick sees either the old or the new set, never a mix, and is never
 * blocked by an update.
 *
 * <p><b>Eligibility.</b> A pick only returns a candidate that is {@link Candidate#eligible() eligible}
 * in the snapshot the pick read. When none is, it returns {@link PickResult#noBackend} with the reason.
 *
 * <p><b>Connection accounting.</b> Connection-aware schedulers ({@code wlc}, {@code p2c}) count a
 * picked backend as busy until {@link #release} is called for it; call it exactly once per successful
 * pick when the request or connection ends. Other schedulers ignore releases. For a handle that may be
 * released more than once, use {@link io.lb4j.api.LoadBalancer#select}.
 *
 * <p>Instances are created by lb4j's implementation module ({@code io.lb4j.impl.scheduler.Schedulers}).
 *
 * @since 0.1.0
 */
public interface Scheduler {

  /** The algorithm this scheduler implements. */
  SchedulingAlgorithm algorithm();

  /**
   * Picks a backend for one request. Never returns null and never throws for "no backend".
   *
   * @param context what the request carries (client address, hash key); {@link RequestContext#EMPTY}
   *     when the algorithm needs nothing
   */
  PickResult pick(RequestContext context);

  /**
   * Replaces the candidate set. Backends are matched by {@link Backend#id()}: a backend present before
   * and after keeps its runtime state (active connections, position in the cycle where the algorithm
   * allows); a backend no longer present is dropped. Each id must appear at most once.
   *
   * @throws IllegalArgumentException when two candidates share an id
   */
  void update(Collection<Candidate> candidates);

  /**
   * Counts a request or connection sent to {@code backend} without a {@link #pick} (session persistence
   * routed it), so connection-aware schedulers see it; it must be {@link #release released} like a pick.
   * A no-op for schedulers that do not count connections, and for backends not in the set.
   */
  default void acquire(Backend backend) {}

  /**
   * Ends the request or connection a pick (or {@link #acquire}) returned {@code backend} for. A no-op for schedulers that do
   * not count connections, and for backends no longer in the set.
   */
  default void release(Backend backend) {}

  /** Active (picked, not yet released) requests on {@code backend}; 0 for schedulers that do not count. */
  default int activeRequests(Backend backend) {
    return 0;
  }

  /**
   * Whether this scheduler counts active requests itself ({@link #activeRequests} is exact for every
   * backend in its set). A load balancer then keeps no count of its own: each request is counted once.
   *
   * @return true for connection-aware schedulers; false (the default) for the others
   * @since 0.1.0
   */
  default boolean countsActiveRequests() {
    return false;
  }
}
