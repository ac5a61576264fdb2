package io.lb4j.impl;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Whether a pool can serve (some backend is eligible), for both ways of waiting for it: blocking
 * ({@link #await}) and non-blocking ({@link #whenReady}). The pool reports each publication's answer
 * ({@link #published}) under its control lock; futures are completed by the task that call returns, which
 * the pool runs in order with its events, outside the lock. Thread-safe.
 */
final class Readiness {

  private boolean ready;
  private boolean closed;
  /** Completed when the pool became ready; replaced by a fresh one when it stops being ready. */
  private CompletableFuture<Void> future = new CompletableFuture<>();

  /**
   * Records a publication's answer. Returns a task completing the waiting futures when the pool just
   * became ready, else null.
   */
  synchronized Runnable published(boolean anyEligible) {
    if (anyEligible == ready || closed) {
      return null;
    }
    ready = anyEligible;
    notifyAll(); // wakes await
    if (ready) {
      CompletableFuture<Void> f = future;
      return () -> f.complete(null);
    }
    if (future.isDone()) {
      future = new CompletableFuture<>();
    }
    return null;
  }

  /** Waits until ready; false when {@code timeout} passed first or the pool closed. */
  boolean await(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (this) {
      while (!closed && !ready) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        TimeUnit.NANOSECONDS.timedWait(this, left);
      }
      return ready && !closed;
    }
  }

  /** A future of the caller's own, completed when ready (failed when the pool closes first). */
  CompletableFuture<Void> whenReady() {
    CompletableFuture<Void> shared;
    synchronized (this) {
      shared = future;
    }
    // A copy per caller: one that cancels or completes its future affects nobody else.
    CompletableFuture<Void> mine = new CompletableFuture<>();
    shared.whenComplete((v, e) -> {
      if (e != null) {
        mine.completeExceptionally(e);
      } else {
        mine.complete(null);
      }
    });
    return mine;
  }

  /** The pool closed: waiters stop waiting, futures not yet completed fail with {@code cause}. */
  void closed(IllegalStateException cause) {
    CompletableFuture<Void> f;
    synchronized (this) {
      closed = true;
      notifyAll();
      f = future;
    }
    f.completeExceptionally(cause);
  }
}
