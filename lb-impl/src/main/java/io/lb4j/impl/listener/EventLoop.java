package io.lb4j.impl.listener;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One event-loop thread with its selector, Netty's model: the loop owns the channels registered with it
 * for their whole life, so per-connection state needs no lock; other threads hand work in through
 * {@link #execute}. Deadlines are checked by a sweep over the loop's keys every {@link #SWEEP_NANOS},
 * which costs one comparison per connection and needs no timer structure.
 *
 * <p>Nothing on this thread blocks: connects are non-blocking, and a backend host is resolved once.
 */
final class EventLoop implements Executor {
  private static final Logger log = LoggerFactory.getLogger(EventLoop.class);
  static final long SWEEP_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

  private final Selector selector;
  private final Thread thread;
  private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean wakeupPending = new AtomicBoolean();
  private final BufferPool buffers;
  private BackendConnectionPool backendPool;
  private final ArrayList<IoHandler> sweepList = new ArrayList<>();
  private volatile boolean stopRequested;
  private long nextSweep;
  private long sweepEpoch;

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
    nextSweep = System.nanoTime() + SWEEP_NANOS;
    while (!stopRequested) {
      try {
        long wait = Math.max(1, TimeUnit.NANOSECONDS.toMillis(nextSweep - System.nanoTime()));
        if (tasks.isEmpty()) {
          selector.select(wait);
        } else {
          selector.selectNow();
        }
        wakeupPending.set(false);
        processSelected();
        runTasks();
        long now = System.nanoTime();
        if (now - nextSweep >= 0) {
          nextSweep = now + SWEEP_NANOS;
          sweep(now);
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

  private void sweep(long now) {
    // Copy first: a handler that times out may close or register channels, which changes keys().
    sweepList.clear();
    long epoch = ++sweepEpoch;
    for (SelectionKey key : selector.keys()) {
      Object a = key.attachment();
      if (key.isValid() && a instanceof IoHandler && ((IoHandler) a).sweepEpoch != epoch) {
        ((IoHandler) a).sweepEpoch = epoch;
        sweepList.add((IoHandler) a);
      }
    }
    for (IoHandler h : sweepList) {
      h.checkTimeouts(now);
    }
    sweepList.clear();
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
    try {
      selector.close();
    } catch (IOException e) {
      log.debug("closing selector failed", e);
    }
    buffers.clear();
  }
}
