package io.lb4j.impl.listener;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.Iterator;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One event-loop thread with its selector, Netty's model: the loop owns the channels registered with it
 * for their whole life, so per-connection state needs no lock; other threads hand work in through
 * {@link #execute}. Deadlines are {@link LoopTimer}s in one {@link TimerQueue} per loop: the loop sleeps
 * in {@code select} until the earliest armed deadline, so idle connections cost nothing until their own
 * deadline (no periodic scan of the loop's keys).
 *
 * <p>Nothing on this thread blocks: connects are non-blocking, and a backend host is resolved once.
 */
final class EventLoop implements Executor {
  private static final Logger log = LoggerFactory.getLogger(EventLoop.class);

  private final Selector selector;
  private final Thread thread;
  private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean wakeupPending = new AtomicBoolean();
  private final BufferPool buffers;
  private BackendConnectionPool backendPool;
  private final TimerQueue timers = new TimerQueue();
  private volatile boolean stopRequested;
  /** Wake-ups of the loop (returns from select), for tests: an idle loop must not wake up. */
  private final AtomicLong turns = new AtomicLong();

  EventLoop(String name, BufferPool buffers) {
    try {
      this.selector = Selector.open();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open a selector for " + name, e);
    }
    this.buffers = buffers;
    this.thread = new Thread(this::run, name);
    this.thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  Selector selector() {
    return selector;
  }

  BufferPool buffers() {
    return buffers;
  }

  /** This loop's idle Layer-7 backend connections (set before the loop starts; loop thread only after). */
  BackendConnectionPool backendPool() {
    return backendPool;
  }

  void backendPool(BackendConnectionPool pool) {
    this.backendPool = pool;
  }

  Thread thread() {
    return thread;
  }

  boolean inLoop() {
    return Thread.currentThread() == thread;
  }

  /** Runs {@code task} on this loop's thread, soon; safe from any thread. */
  @Override
  public void execute(Runnable task) {
    tasks.add(task);
    if (!inLoop() && wakeupPending.compareAndSet(false, true)) {
      selector.wakeup();
    }
  }

  /** Arms {@code timer} at {@code deadlineNanos} (moves it when armed). Loop thread only. */
  void schedule(LoopTimer timer, long deadlineNanos) {
    timers.schedule(timer, deadlineNanos);
  }

  /**
   * Arms {@code timer} at {@code deadlineNanos} unless it is armed at that time or earlier already: the
   * lazy model's call after each event (a later deadline is found when the armed one fires). Loop thread
   * only.
   */
  void armBy(LoopTimer timer, long deadlineNanos) {
    timers.scheduleNoLaterThan(timer, deadlineNanos);
  }

  /** Disarms {@code timer}. Loop thread only. */
  void cancel(LoopTimer timer) {
    timers.cancel(timer);
  }

  /** How many times the loop woke up since it started (any thread; tests). */
  long turns() {
    return turns.get();
  }

  /** Armed timers (tests). Loop thread only. */
  int armedTimers() {
    return timers.size();
  }

  /**
   * Runs every handler's {@link LoopTimer#checkTimeouts} now, whatever its deadline: a listener that
   * starts draining closes its idle connections at once. Once per stop, so its scan of the keys is fine.
   */
  void checkAllNow() {
    long now = System.nanoTime();
    for (SelectionKey key : selector.keys().toArray(new SelectionKey[0])) {
      Object a = key.attachment();
      if (key.isValid() && a instanceof IoHandler) {
        IoHandler h = (IoHandler) a;
        timers.cancel(h);
        h.checkTimeouts(now);
      }
    }
  }

  /** Asks the loop to close all its channels and end; {@link #awaitStopped} waits for it. */
  void stop() {
    stopRequested = true;
    selector.wakeup();
  }

  boolean awaitStopped(long millis) throws InterruptedException {
    thread.join(millis);
    return !thread.isAlive();
  }

  private void run() {
    while (!stopRequested) {
      try {
        if (!tasks.isEmpty()) {
          selector.selectNow();
        } else if (timers.size() == 0) {
          selector.select(); // nothing armed: sleep until I/O or a task
        } else {
          long wait = timers.earliestDeadline() - System.nanoTime();
          if (wait <= 0) {
            selector.selectNow();
          } else {
            // Rounded up to whole milliseconds, so the loop never wakes just before a deadline and spins.
            selector.select((wait + 999_999) / 1_000_000);
          }
        }
        wakeupPending.set(false);
        turns.lazySet(turns.get() + 1); // written by this thread only: an ordered store is enough
        processSelected();
        runTasks();
        if (timers.size() > 0) {
          timers.runExpired(System.nanoTime());
        }
      } catch (Throwable t) {
        // One bad callback must not take the loop (and every connection on it) down with it.
        log.error("event loop {} caught an unexpected error; it keeps running", thread.getName(), t);
      }
    }
    closeAll();
  }

  private void processSelected() {
    Iterator<SelectionKey> it = selector.selectedKeys().iterator();
    while (it.hasNext()) {
      SelectionKey key = it.next();
      it.remove();
      if (key.isValid()) {
        ((IoHandler) key.attachment()).ready(key);
      }
    }
  }

  private void runTasks() {
    // Bounded: tasks queued by these tasks wait for the next turn, so I/O is never starved.
    for (int n = tasks.size(); n > 0; n--) {
      Runnable task = tasks.poll();
      if (task == null) {
        return;
      }
      try {
        task.run();
      } catch (RuntimeException e) {
        log.error("event loop {} task failed", thread.getName(), e);
      }
    }
  }

  private void closeAll() {
    runTasks();
    for (SelectionKey key : selector.keys().toArray(new SelectionKey[0])) {
      Object a = key.attachment();
      if (a instanceof IoHandler) {
        try {
          ((IoHandler) a).closeNow();
        } catch (RuntimeException e) {
          log.debug("closing a channel while stopping failed", e);
        }
      }
    }
    timers.clear();
    try {
      selector.close();
    } catch (IOException e) {
      log.debug("closing selector failed", e);
    }
    buffers.clear();
  }
}
