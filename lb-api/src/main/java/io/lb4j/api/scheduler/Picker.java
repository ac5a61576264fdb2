package io.lb4j.api.scheduler;

import io.lb4j.api.RequestContext;

/**
 * One immutable set of candidates, ready to pick from: what {@link Scheduler#update} builds, the way gRPC's
 * balancers build a {@code SubchannelPicker}. A load balancer publishes it inside its own snapshot, so a
 * selection reads the candidates, their picker and the pool's state from one publication.
 *
 * <p><b>Threading.</b> {@link #pick} is called by any number of threads at once; it never blocks, never
 * throws for "no backend" and should not allocate. A picker never changes after it is built; it may share
 * counters with the scheduler that built it (a round-robin position) and read the candidates'
 * {@link ActiveRequests}.
 *
 * @since 0.1.0
 */
@FunctionalInterface
public interface Picker {

  /**
   * Picks a backend for one request, among the candidates this picker was built from. Only an
   * {@link Candidate#eligible() eligible} candidate is returned; when none is, the result carries the
   * reason.
   *
   * @param context what the request carries (client address, hash key); {@link RequestContext#EMPTY}
   *     when the algorithm needs nothing
   * @return the result, never null
   */
  PickResult pick(RequestContext context);
}
