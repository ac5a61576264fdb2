package io.lb4j.testing;

import io.lb4j.api.internal.Checks;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Waits for a condition with a deadline, instead of sleeping for a guessed time: returns as soon as the condition
 * holds, fails with a message naming what was awaited (and the observed state) when the deadline passes.
 *
 * <p>The condition is polled every millisecond at first, backing off to every 20 ms, so that a quick condition
 * returns quickly and a slow one does not burn a core. Stateless and thread-safe.
 *
 * @since 0.1.0
 */
public final class Await {

  /** A deadline generous enough for a loaded 2-core build machine. */
  public static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(30);

  private static final long MAX_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

  private Await() {}

  /**
   * Waits up to {@link #DEFAULT_DEADLINE} until {@code condition} holds.
   *
   * @param what what is awaited, for the failure message
   * @param condition the condition, polled from this thread
   * @throws AssertionError if it does not hold within the deadline
   */
  public static void until(String what, BooleanSupplier condition) {
    until(what, condition, DEFAULT_DEADLINE, () -> "");
  }

  /**
   * Waits until {@code condition} holds.
   *
   * @param what what is awaited, for the failure message
   * @param condition the condition, polled from this thread
   * @param deadline how long to wait at most
   * @throws AssertionError if it does not hold within {@code deadline}
   */
  public static void until(String what, BooleanSupplier condition, Duration deadline) {
    until(what, condition, deadline, () -> "");
  }

  /**
   * Waits until {@code condition} holds; on failure the message ends with {@code state}, such as the observed
   * traffic distribution.
   *
   * @param what what is awaited, for the failure message
   * @param condition the condition, polled from this thread
   * @param deadline how long to wait at most
   * @param state describes what was observed, evaluated only on failure
   * @throws AssertionError if it does not hold within {@code deadline}
   */
  public static void until(String what, BooleanSupplier condition, Duration deadline, Supplier<String> state) {
    Objects.requireNonNull(condition, "condition");
    long end = System.nanoTime() + deadline.toNanos();
    long poll = TimeUnit.MILLISECONDS.toNanos(1);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - end > 0) {
        String observed = state.get();
        throw new AssertionError("timed out after " + Checks.format(deadline) + " waiting for " + what
            + (observed.isEmpty() ? "" : "; observed: " + observed));
      }
      LockSupport.parkNanos(poll);
      if (Thread.interrupted()) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted while waiting for " + what);
      }
      poll = Math.min(MAX_POLL_NANOS, poll * 2);
    }
  }
}
