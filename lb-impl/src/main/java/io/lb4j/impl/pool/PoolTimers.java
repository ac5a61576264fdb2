package io.lb4j.impl.pool;

import java.util.PriorityQueue;
import java.util.concurrent.ScheduledFuture;
import java.util.function.LongSupplier;

/**
 * A pool's timers, on its {@link TimeSource}'s nanosecond line: drain deadlines, slow-start steps, the end
 * of an ejection, a backend source's retries and first-list timeout, address refreshes. Each timer fires as
 * a task of the pool's {@link ControlContext}, so it needs no lock and nothing polls: the shared
 * {@code lb4j-control} thread is woken for the earliest deadline only, and a {@link ManualTimeSource} fires
 * what is due when it moves.
 *
 * <p>Confined to the control context, except {@link #wakeUp}, the shared thread's entry.
 */
final class PoolTimers {

  /** One scheduled task; {@link #cancel()} makes it a no-op (it leaves the queue when it comes due). */
  static final class Timer {
    private final long deadline;
    private final Runnable task;
    private boolean cancelled;

    private Timer(long deadline, Runnable task) {
      this.deadline = deadline;
      this.task = task;
    }

    /** Stops the timer; idempotent. */
    void cancel() {
      cancelled = true;
    }

    long deadline() {
      return deadline;
    }
  }

  private final PriorityQueue<Timer> queue =
      new PriorityQueue<>((a, b) -> Long.compare(a.deadline - b.deadline, 0)); // nanoTime: by difference
  private final LongSupplier nanoTime;
  private final SharedThreads threads;
  private final Runnable fireDue = this::fireDue;
  private final Runnable wakeUp;
  /** The deadline the shared thread is armed for, and its handle; null when not armed. */
  private ScheduledFuture<?> armed;
  private long armedFor;

  PoolTimers(LongSupplier nanoTime, SharedThreads threads, ControlContext context) {
    this.nanoTime = nanoTime;
    this.threads = threads;
    this.wakeUp = () -> context.submit(fireDue);
  }

  /** Runs {@code task} in the context {@code delayNanos} from now. */
  Timer after(long delayNanos, Runnable task) {
    Timer t = new Timer(nanoTime.getAsLong() + Math.max(0, delayNanos), task);
    queue.add(t);
    return t;
  }

  /** Runs every timer that is due, in deadline order; each may schedule others. */
  void fireDue() {
    long now = nanoTime.getAsLong();
    Timer t;
    while ((t = queue.peek()) != null && t.deadline - now <= 0) {
      queue.poll();
      if (!t.cancelled) {
        t.task.run();
      }
    }
  }

  /**
   * Arms the shared thread for the earliest deadline, after a batch: at most one wake-up per pool is
   * pending, for the earliest timer (a later one is armed when that one fires).
   */
  void rearm() {
    Timer first;
    while ((first = queue.peek()) != null && first.cancelled) {
      queue.poll();
    }
    if (first == null) {
      disarm();
      return;
    }
    if (armed != null && !armed.isDone() && armedFor - first.deadline <= 0) {
      return; // armed for this deadline or an earlier one, which re-arms when it fires
    }
    disarm();
    armedFor = first.deadline;
    armed = threads.schedule(wakeUp, first.deadline - nanoTime.getAsLong());
  }

  /** Drops every timer and the wake-up (the pool closed). */
  void clear() {
    queue.clear();
    disarm();
  }

  private void disarm() {
    if (armed != null) {
      armed.cancel(false);
      armed = null;
    }
  }
}
