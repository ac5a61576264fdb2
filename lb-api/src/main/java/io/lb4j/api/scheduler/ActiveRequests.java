package io.lb4j.api.scheduler;

/**
 * The requests in flight on one backend: the handle a pick carries, so the request that started with a
 * pick ends on the very counter it started on.
 *
 * <p>A pool creates one for each backend when it joins and hands it to its scheduler in every
 * {@link Candidate} of that backend; a backend that leaves and is added again gets a new one, which starts
 * at zero, so requests that ended after the backend left never lower the new count. The pool counts a
 * request from its selection (a pick, or a session that routed it without one) to its release: it calls
 * {@link #increment()} and {@link #decrement()}, exactly once each. Connection-aware schedulers
 * ({@code wlc}, {@code p2c}) only {@link #get() read} it to choose.
 *
 * <p>Implementations are thread-safe and lock-free: the count is read and changed from every request
 * thread at once. lb4j's implementation module creates counters ({@code Schedulers.activeRequests()}) for
 * schedulers used on their own.
 *
 * @since 0.1.0
 */
public interface ActiveRequests {

  /**
   * The current count. A recent value is enough for a scheduler (picks race with each other anyway); every
   * change is atomic, so the count itself is never lost.
   *
   * @return the requests in flight, 0 or more
   */
  int get();

  /** One more request in flight. */
  void increment();

  /** One request fewer; never below zero. */
  void decrement();

  /**
   * A count nobody keeps: always 0, and changes do nothing. Candidates built without a counter carry it
   * (schedulers that do not count connections need none).
   *
   * @return the shared untracked count
   */
  static ActiveRequests untracked() {
    return Untracked.INSTANCE;
  }
}
