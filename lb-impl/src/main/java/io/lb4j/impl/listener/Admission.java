package io.lb4j.impl.listener;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * One listener's admission control: its own cap ({@code maxConnections}) and the {@link ConnectionBudget}
 * it shares. The acceptor takes a slot before each {@code accept} and the connection gives it back when it
 * closes. When a slot cannot be had the acceptor stops accepting ({@code OP_ACCEPT} off: connections wait
 * in the kernel's backlog) and is woken, on its loop, once the count that stopped it is back to its
 * low-water mark.
 *
 * <p>Thread-safe: the acceptor (first loop) acquires, every loop releases. A pause and a release cannot
 * miss each other: the acceptor sets its flag before it checks the counts again, a releaser changes the
 * counts before it reads the flag, and both are volatile or atomic.
 */
final class Admission {
  private final int max;
  private final int lowWater;
  private final AtomicInteger open = new AtomicInteger();
  private final ConnectionBudget budget;
  private volatile boolean pausedOnOwnCap;
  private volatile boolean pausedOnBudget;
  private volatile Runnable wake;

  Admission(int max, ConnectionBudget budget) {
    this.max = max;
    this.lowWater = ConnectionBudget.lowWaterMark(max);
    this.budget = budget;
  }

  /** What wakes the paused acceptor (posts its resume to its loop); set once the acceptor exists. */
  void onWake(Runnable wake) {
    this.wake = wake;
  }

  int max() {
    return max;
  }

  /** Takes a slot for a connection about to be accepted; false at either cap (nothing taken). */
  boolean tryAcquire() {
    if (open.incrementAndGet() > max) {
      open.decrementAndGet();
      return false;
    }
    if (!budget.tryAcquire()) {
      open.decrementAndGet();
      return false;
    }
    return true;
  }

  /** The slot was taken but no connection came ({@code accept} returned none). */
  void cancel() {
    open.decrementAndGet();
    budget.cancel();
  }

  /** A connection closed (or an accepted one was discarded). */
  void release() {
    int n = open.decrementAndGet();
    budget.release();
    if (pausedOnOwnCap && n <= lowWater) {
      wake();
    }
  }

  /**
   * The acceptor stops: records why, then checks again, so a release that came in between is not missed.
   * Returns true when it may resume at once.
   */
  boolean pause() {
    if (open.get() >= max) {
      pausedOnOwnCap = true;
    } else {
      pausedOnBudget = true;
      budget.await(this);
    }
    return mayResume();
  }

  /** True when what paused the acceptor is back to its low-water mark (the acceptor then resumes). */
  boolean mayResume() {
    return (!pausedOnOwnCap || open.get() <= lowWater) && (!pausedOnBudget || budget.belowLowWater());
  }

  /** The acceptor resumed: no longer waiting. */
  void resumed() {
    pausedOnOwnCap = false;
    if (pausedOnBudget) {
      pausedOnBudget = false;
      budget.stopWaiting(this);
    }
  }

  /** The shared budget is back to its low-water mark. */
  void budgetAvailable() {
    if (pausedOnBudget) {
      wake();
    }
  }

  private void wake() {
    Runnable w = wake;
    if (w != null) {
      w.run();
    }
  }

  /** Connections holding a slot now. */
  int open() {
    return open.get();
  }
}
