package io.lb4j.impl;

import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;

/**
 * A pool's one daemon thread: publishes coalesced health changes, resolves host names, runs the
 * timed maintenance and the backend source's retries. Work handed to it after shutdown is dropped (the pool is closed, nothing is left to
 * do). Thread-safe.
 */
final class PoolThread {

  private final ScheduledThreadPoolExecutor executor;
  private volatile Thread thread;

  PoolThread(String name) {
    executor = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      thread = t;
      return t;
    });
    executor.setRemoveOnCancelPolicy(true);
    executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
  }

  void execute(Runnable task) {
    try {
      executor.execute(task);
    } catch (RejectedExecutionException closed) {
      // shut down: the pool is closed and has nothing left to publish or maintain
    }
  }

  /** Runs {@code task} once after {@code delayNanos}; null when shut down. */
  ScheduledFuture<?> after(long delayNanos, Runnable task) {
    try {
      return executor.schedule(task, delayNanos, TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException closed) {
      return null;
    }
  }

  /** Runs {@code task} every {@code periodNanos}; null when shut down. */
  ScheduledFuture<?> every(long periodNanos, Runnable task) {
    try {
      return executor.scheduleWithFixedDelay(task, periodNanos, periodNanos, TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException closed) {
      return null;
    }
  }

  /**
   * Stops the thread. Waits up to 10 s for it to end, unless called on the thread itself (an event
   * consumer or a callback closing its pool), which ends as soon as the current task returns.
   */
  void shutdown(Logger log, String poolName) {
    executor.shutdownNow();
    if (Thread.currentThread() == thread) {
      return;
    }
    try {
      if (!executor.awaitTermination(10, TimeUnit.SECONDS)) {
        log.warn("load balancer '{}': pool thread did not stop within 10s", poolName);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
