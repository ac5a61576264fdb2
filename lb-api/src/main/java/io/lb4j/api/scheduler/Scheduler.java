package io.lb4j.api.scheduler;

import io.lb4j.api.Backend;
import io.lb4j.api.RequestContext;
import java.util.Collection;

/**
 * Picks a backend for each request from the current set of candidates: a factory of immutable
 * {@link Picker}s, plus whatever the pickers share across updates (a round-robin position).
 *
 * <p><b>Threading.</b> {@link #update} is called by one thread at a time (a pool's control path): it builds
 * a new picker and returns it. {@link #pick} and the pickers' own {@code pick} are called concurrently from
 * any number of threads, once per request or connection; they must not block and should not allocate. A
 * pick sees one picker, never a mix of two updates, and is never blocked by an update.
 *
 * <p><b>Eligibility.</b> A pick only returns a candidate that is {@link Candidate#eligible() eligible} in
 * the picker it ran on. When none is, it returns {@link PickResult#noBackend} with the reason.
 *
 * <p><b>Requests in flight.</b> A scheduler does not count requests: the caller does, on the
 * {@link ActiveRequests} each {@link Candidate} carries and each {@link PickResult} hands back (a load
 * balancer counts from selection to release). Connection-aware schedulers ({@code wlc}, {@code p2c})
 * read those counts to choose. Schedulers build their results with {@link PickResult#of(Candidate)}, so
 * that a pick carries its candidate's count.
 *
 * <p>Instances are created by lb4j's implementation module ({@code io.lb4j.impl.scheduler.Schedulers}).
 *
 * @since 0.1.0
 */
public interface Scheduler {

  /**
   * The algorithm this scheduler implements.
   *
   * @return the algorithm
   */
  SchedulingAlgorithm algorithm();

  /**
   * Builds the picker for {@code candidates} and makes it the one {@link #pick} uses. Backends are matched
   * by {@link Backend#id()}: what the algorithm keeps across updates (a position in the cycle) carries over
   * for a backend present before and after. Each id must appear at most once.
   *
   * @param candidates the whole candidate set, in the pool's order
   * @return the new picker; a load balancer publishes it with the rest of its state
   * @throws IllegalArgumentException when two candidates share an id
   */
  Picker update(Collection<Candidate> candidates);

  /**
   * Picks a backend for one request from the picker of the last {@link #update}. Never returns null and
   * never throws for "no backend".
   *
   * @param context what the request carries (client address, hash key); {@link RequestContext#EMPTY}
   *     when the algorithm needs nothing
   * @return the result
   */
  PickResult pick(RequestContext context);
}
