package io.lb4j.testing;

/**
 * Something a test backend recorded, with the time it arrived on the {@link System#nanoTime()} scale (monotonic,
 * so "after time T" assertions hold even if the wall clock steps).
 *
 * @since 0.1.0
 */
public interface Recorded {

  /**
   * When it arrived.
   *
   * @return the {@link System#nanoTime()} at arrival
   */
  long arrivedNanos();
}
