package io.lb4j.impl.pool;

import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The threads every pool of the process shares, however many pools there are:
 *
 * <ul>
 *   <li>{@code lb4j-control}: runs the control work that does not come from a caller of the pool's API
 *       (health results, ejections, the end of a request on a drained backend, events raised by selects)
 *       and the pools' timers (drain deadlines, slow-start steps, the end of an ejection, a backend
 *       source's retries); one pool's work runs one task at a time, in order, on its
 *       {@link ControlContext}.
 *   <li>{@code lb4j-dns}: resolves backend host names, which blocks, so that a slow DNS server delays
 *       nothing else. Started with the first host name.
 * </ul>
 *
 * <p>Health checks of every pool share one more thread, the probe loop of {@code io.lb4j.impl.health}.
 * The threads start with the first pool and end when the last pool is closed, so a process with no open
 * pool has none of them. Thread-safe.
 */
final class SharedThreads {

  private static final Object LOCK = new Object();
  private static SharedThreads current;
  private static int users;

  private final ScheduledThreadPoolExecutor control;
  private final ThreadPoolExecutor dns;

  private SharedThreads() {
    control = new ScheduledThreadPoolExecutor(1, r -> daemon(r, "lb4j-control"));
    control.setRemoveOnCancelPolicy(true);
    control.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    dns = new ThreadPoolExecutor(0, 1, 10, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
        r -> daemon(r, "lb4j-dns"));
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  /** The shared threads, started if no pool uses them yet; every call is matched by {@link #release}. */
  static SharedThreads acquire() {
    synchronized (LOCK) {
      if (current == null) {
        current = new SharedThreads();
      }
      users++;
      return current;
    }
  }

  /** One user fewer; the last one stops the threads (without waiting when called on one of them). */
  void release() {
    synchronized (LOCK) {
      if (current != this) {
        return;
      }
      if (--users > 0) {
        return;
      }
      current = null;
    }
    control.shutdownNow();
    dns.shutdownNow();
  }

  /** Runs control work on {@code lb4j-control}; dropped once the threads are stopped (every pool closed). */
  Executor control() {
    return this::executeControl;
  }

  private void executeControl(Runnable task) {
    try {
      control.execute(task);
    } catch (RejectedExecutionException stopped) {
      // every pool is closed: nothing is left to apply
    }
  }

  /** Runs {@code task} on {@code lb4j-control} after {@code delayNanos}; null once stopped. */
  ScheduledFuture<?> schedule(Runnable task, long delayNanos) {
    try {
      return control.schedule(task, Math.max(0, delayNanos), TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException stopped) {
      return null;
    }
  }

  /** Runs a blocking lookup on {@code lb4j-dns}; dropped once stopped. */
  void lookup(Runnable task) {
    try {
      dns.execute(task);
    } catch (RejectedExecutionException stopped) {
      // every pool is closed
    }
  }
}
