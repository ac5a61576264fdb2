package io.lb4j.impl.pool;

import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import org.slf4j.Logger;

/**
 * One pool's serial control context, the way gRPC's {@code SynchronizationContext} serves a balancer: a
 * queue of tasks drained by one thread at a time, in the order they were queued. Every change of the pool's
 * state is such a task, so the state needs no lock and changes happen in one order.
 *
 * <p><b>Batches.</b> A drain runs every queued task, then ends the batch: {@code publish} (one snapshot for
 * all of the batch's changes: a mass outage of 5,000 backends costs one rebuild) and then {@code deliver}
 * (the batch's events and readiness futures, after the publication, so whatever is announced is already in
 * effect). Then it drains what came in meanwhile.
 *
 * <p><b>Who drains.</b> {@link #call} (an API call) queues its task, drains on the caller's thread when
 * no other thread is draining, and otherwise waits until the draining thread has run, published and
 * delivered it: a call returns once its change is in effect. {@link #submit} (a health result, an ejection,
 * a timer, an event raised by a select) only queues and leaves the drain to the shared {@code lb4j-control}
 * thread, so a probe loop or a selecting event loop never runs control work or a subscriber.
 *
 * <p><b>Calls from the context itself.</b> A subscriber (or a readiness callback) that calls back into the
 * pool while events are delivered gets its call run at once, on the same thread, and published before it
 * returns; its events are delivered after those already queued. A call made while a task runs (a backend
 * source that answers from inside {@code start}) is queued behind it. A call into another pool's context
 * from inside this one drains that context inline when it is free and otherwise queues without waiting, so
 * two pools calling each other from their subscribers cannot deadlock.
 *
 * <p>Thread-safe. Tasks must not block.
 */
final class ControlContext {

  /** Tasks run before a batch is published, so a flood of results cannot hold a publication back forever. */
  private static final int MAX_BATCH = 4096;
  /** How many contexts the current thread is draining (nested when one pool's subscriber calls another). */
  private static final ThreadLocal<int[]> DRAINING = ThreadLocal.withInitial(() -> new int[1]);

  private final String poolName;
  private final Logger log;
  private final Executor executor;
  private final Runnable publish;
  private final Runnable deliver;
  private final Queue<Runnable> queue = new ConcurrentLinkedQueue<>();
  private final AtomicReference<Thread> drainer = new AtomicReference<>();
  private final AtomicBoolean drainScheduled = new AtomicBoolean();
  private final Runnable scheduledDrain = () -> {
    drainScheduled.set(false);
    drain();
  };
  /** Calls whose task ran in the current batch; released once it is published and delivered. Confined. */
  private final List<Call<?>> finished = new ArrayList<>();
  /** True while the batch's events are delivered (confined). */
  private boolean delivering;
  private volatile boolean stopped;

  /**
   * @param poolName for log lines
   * @param log where failed tasks are logged
   * @param executor runs drains that no caller runs (the shared {@code lb4j-control} thread)
   * @param publish ends a batch's changes: publishes the snapshot when something changed
   * @param deliver delivers what the batch announced, after {@code publish}
   */
  ControlContext(String poolName, Logger log, Executor executor, Runnable publish, Runnable deliver) {
    this.poolName = poolName;
    this.log = log;
    this.executor = executor;
    this.publish = publish;
    this.deliver = deliver;
  }

  /**
   * Runs {@code task} in order with every other change and returns its result once published and delivered
   * (see the class javadoc for calls made from inside a context, which may return null).
   *
   * @throws RuntimeException what the task threw
   */
  <T> T call(Supplier<T> task) {
    Thread me = Thread.currentThread();
    if (drainer.get() == me) {
      if (delivering) {
        T result = task.get(); // a subscriber calling back: in effect before it returns
        publish.run();
        return result;
      }
      queue.add(() -> task.get());
      return null;
    }
    Call<T> call = new Call<>(task, me);
    queue.add(call);
    drain();
    if (!call.released && DRAINING.get()[0] > 0) {
      return null; // another pool's context waits on this thread: never wait back on it
    }
    return call.await();
  }

  /** {@link #call} for a task without a result. */
  void run(Runnable task) {
    call(() -> {
      task.run();
      return null;
    });
  }

  /**
   * Queues {@code task} for the shared control thread; never blocks and never runs it on this thread.
   * Dropped once the context is stopped.
   */
  void submit(Runnable task) {
    if (stopped) {
      return;
    }
    queue.add(task);
    if (drainer.get() == null && drainScheduled.compareAndSet(false, true)) {
      executor.execute(scheduledDrain);
    }
  }

  /** Whether the current thread is running this context's tasks. */
  boolean inContext() {
    return drainer.get() == Thread.currentThread();
  }

  /** Stops taking {@link #submit}ted work: the pool is closed. Calls still run (and see it closed). */
  void stop() {
    stopped = true;
  }

  /** Runs every queued task and ends the batches, unless another thread is already doing so. */
  private void drain() {
    Thread me = Thread.currentThread();
    int[] depth = DRAINING.get();
    do {
      if (!drainer.compareAndSet(null, me)) {
        return; // the draining thread runs our task too
      }
      depth[0]++;
      boolean completed = false;
      try {
        drainBatches();
        completed = true;
      } finally {
        depth[0]--;
        releaseFinished();
        drainer.set(null);
        if (!completed && !queue.isEmpty() && drainScheduled.compareAndSet(false, true)) {
          executor.execute(scheduledDrain); // a subscriber threw an Error: the queue still drains
        }
      }
      // A task queued after our last poll but before the reset found us draining and left: run it.
    } while (!queue.isEmpty());
  }

  private void drainBatches() {
    for (;;) {
      Runnable r;
      int n = 0;
      while (n++ < MAX_BATCH && (r = queue.poll()) != null) {
        if (r instanceof Call) {
          ((Call<?>) r).runTask();
        } else {
          try {
            r.run();
          } catch (RuntimeException e) {
            log.warn("load balancer '{}': control task failed", poolName, e);
          }
        }
      }
      publish.run();
      delivering = true;
      try {
        deliver.run();
      } finally {
        delivering = false;
      }
      releaseFinished();
      if (queue.isEmpty()) {
        return;
      }
    }
  }

  private void releaseFinished() {
    for (Call<?> c : finished) {
      c.release();
    }
    finished.clear();
  }

  /** An API call's task, its outcome and the thread waiting for it. */
  private final class Call<T> implements Runnable {
    private final Supplier<T> task;
    private final Thread caller;
    private T result;
    private Throwable error;
    volatile boolean released;

    Call(Supplier<T> task, Thread caller) {
      this.task = task;
      this.caller = caller;
    }

    @Override
    public void run() {
      runTask();
    }

    void runTask() {
      try {
        result = task.get();
      } catch (RuntimeException | Error e) {
        error = e;
      }
      finished.add(this);
    }

    void release() {
      released = true;
      LockSupport.unpark(caller);
    }

    T await() {
      boolean interrupted = false;
      while (!released) {
        LockSupport.park(this);
        interrupted |= Thread.interrupted();
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
      if (error instanceof RuntimeException) {
        throw (RuntimeException) error;
      }
      if (error instanceof Error) {
        throw (Error) error;
      }
      return result;
    }
  }
}
