package io.lb4j.impl.scheduler;

import io.lb4j.api.RequestContext;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A set of independent pick counters ("stripes"), each on its own cache lines, chosen by the calling
 * thread's id. Thread-safe and lock-free.
 *
 * <p>Why: a single shared counter is the floor of a round-robin design, but with two or more threads its
 * cache line bounces between cores on every pick and total throughput falls below one thread's. Giving
 * each thread (mostly) its own counter removes that write sharing. Each stripe walks the same cycle, so
 * every stripe on its own gets exact shares over each whole cycle it completes; the sum over stripes is
 * exact when every stripe has completed whole cycles, and otherwise each backend is within
 * {@code stripes() x} (the per-window bound) of its exact share.
 *
 * <p>Stripes start at different points, derived from the seed, so that (a) two stripes do not pick
 * the same backends in lock-step and (b) schedulers of a fleet started together do not herd. With a
 * fixed seed, a given thread sees a reproducible sequence.
 */
final class StripedSequence {

  private static final VarHandle CELLS = MethodHandles.arrayElementVarHandle(long[].class);
  /** 16 longs = 128 bytes between cells: one cell per pair of cache lines, beating adjacent-line prefetch. */
  private static final int SPACING = 16;
  private static final int MAX_STRIPES = 16;

  private final long[] cells;
  private final int mask;

  StripedSequence(long seed) {
    this(seed, defaultStripes());
  }

  StripedSequence(long seed, int stripes) {
    if (Integer.bitCount(stripes) != 1) {
      throw new IllegalArgumentException("stripes must be a power of two, was " + stripes);
    }
    this.mask = stripes - 1;
    this.cells = new long[(stripes + 1) * SPACING];
    for (int s = 0; s < stripes; s++) {
      // Non-negative and far from overflow: 2^61 picks per stripe before the sign bit is reached.
      cells[index(s)] = RequestContext.mix64(seed + s * 0x9E3779B97F4A7C15L) >>> 3;
    }
    VarHandle.releaseFence(); // the initial values are visible to threads that see this object published
  }

  /** Twice the processor count rounded to a power of two, at most 16: few collisions of thread ids. */
  static int defaultStripes() {
    int wanted = Math.min(MAX_STRIPES, 2 * Runtime.getRuntime().availableProcessors());
    return Integer.highestOneBit(Math.max(1, wanted - 1) << 1);
  }

  /**
   * The calling thread's next sequence number, never negative. Thread ids are assigned consecutively,
   * so threads started together land on different stripes; {@code getAndAdd} makes each value unique
   * within its stripe even when two threads share one.
   */
  long next() {
    int stripe = (int) Thread.currentThread().getId() & mask;
    return (long) CELLS.getAndAdd(cells, index(stripe), 1L);
  }

  int stripes() {
    return mask + 1;
  }

  private static int index(int stripe) {
    return (stripe + 1) * SPACING;
  }
}
