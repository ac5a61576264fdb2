package io.lb4j.impl.pool;

import io.lb4j.api.scheduler.ActiveRequests;
import io.lb4j.impl.scheduler.Schedulers;
import java.util.concurrent.atomic.LongAdder;

/**
 * One membership of a backend in a pool: what lasts from the moment it joins until it leaves, while its
 * {@link MemberState} is replaced at every change. A backend that leaves and is added again is a new
 * membership, with counts starting at zero.
 *
 * <p>Thread-safe: the counters are changed by every request thread; {@link #leaving} is written by the
 * control context and read by the threads that end requests.
 */
final class Member {
  final String id;
  /**
   * Requests or connections selected and not yet released: handed to the scheduler in every candidate
   * and carried by every pick, so a request ends on the membership it started on.
   */
  final ActiveRequests active = Schedulers.activeRequests();
  /** How many times it was selected. */
  final LongAdder picks = new LongAdder();
  /**
   * Set by the control context when the member was removed and drains until its last request ends (no
   * session can still need it): the thread that ends that request tells the context, which drops it.
   */
  volatile boolean leavingWhenIdle;
  /** The timer of its drain deadline, or of the end of its ejection; confined to the control context. */
  PoolTimers.Timer drainTimer;
  PoolTimers.Timer ejectionTimer;
  /** Its load-aware state, or null when the pool's weights do not follow load. */
  final MemberLoad load;

  Member(String id) {
    this(id, null);
  }

  Member(String id, MemberLoad load) {
    this.id = id;
    this.load = load;
  }

  @Override
  public String toString() {
    return "Member{" + id + " active=" + active.get() + "}";
  }
}
