package io.lb4j.impl.pool;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * Waiting until a pool can serve ({@code whenReady}, {@code awaitAnyHealthy}) or has N healthy backends
 * ({@code whenHealthy}, {@code awaitHealthy}).
 *
 * <p><b>Exact.</b> A waiting future is completed only by the pool's {@link ControlContext}, right after it
 * published a snapshot that satisfies it, and its dependent actions without an executor run there and
 * then: no publication can come between the snapshot that satisfied it and those actions. A future asked
 * for while the published snapshot already satisfies it is returned completed.
 *
 * <p><b>No leak.</b> Each call gets its own future, held by the pool only while it waits: cancelling it, or
 * completing it by other means ({@code orTimeout}, {@code complete}), lets it go at once, so a pool that
 * never becomes ready can be polled any number of times. A future that its caller drops without cancelling
 * waits (and is held) until the pool is ready or closed.
 *
 * <p>Thread-safe: waiters are added by any thread, completed by the context.
 */
final class Readiness {

  /** The threshold of "some backend can take a new pick". */
  static final int ANY_ELIGIBLE = 0;

  private final ControlContext context;
  private final Supplier<PoolSnapshot> snapshot;
  private final Supplier<IllegalStateException> closedError;
  private final Set<Waiter> waiters = ConcurrentHashMap.newKeySet();
  /** A task that does nothing: queued, it makes the context end a batch, whose delivery completes waiters. */
  private static final Runnable WAKE = () -> { };

  Readiness(ControlContext context, Supplier<PoolSnapshot> snapshot, Supplier<IllegalStateException> closedError) {
    this.context = context;
    this.snapshot = snapshot;
    this.closedError = closedError;
  }

  /**
   * A future completed once the published snapshot has at least {@code healthy} healthy serving backends
   * ({@link #ANY_ELIGIBLE}: one eligible candidate); failed with an {@link IllegalStateException} when the
   * pool closes first, and with a {@link java.util.concurrent.TimeoutException} naming the source and its
   * last error when the pool's backend source sent no first list within its initial timeout.
   */
  CompletableFuture<Void> when(int healthy) {
    PoolSnapshot s = snapshot.get();
    if (s.closed) {
      return CompletableFuture.failedFuture(closedError.get());
    }
    if (s.satisfies(healthy)) {
      return CompletableFuture.completedFuture(null);
    }
    if (s.sourceTimeout != null) {
      return CompletableFuture.failedFuture(s.sourceTimeout);
    }
    Waiter w = new Waiter(healthy);
    waiters.add(w);
    PoolSnapshot now = snapshot.get();
    if (now.closed) {
      w.completeExceptionally(closedError.get());
    } else if (now != s) {
      // A publication came between our read and the add, and its pass may have missed us: have the context
      // end another batch, whose delivery looks again, against whatever is published then.
      context.submit(WAKE);
    }
    return w;
  }

  /** Blocks until {@link #when} completes; false when {@code timeout} passed first or the pool closed. */
  boolean await(int healthy, Duration timeout) throws InterruptedException {
    if (context.inContext()) {
      throw new IllegalStateException("awaitHealthy and awaitAnyHealthy block, and an event consumer of the pool "
          + "must not: use whenHealthy or whenReady there");
    }
    CompletableFuture<Void> f = when(healthy);
    try {
      f.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
      return true;
    } catch (TimeoutException e) {
      return false;
    } catch (ExecutionException e) {
      return false; // closed
    } finally {
      f.cancel(false); // lets a waiter that timed out (or was interrupted) go
    }
  }

  /** Completes every waiter the published snapshot satisfies (control context, after a publication). */
  void completeSatisfied() {
    if (waiters.isEmpty()) {
      return;
    }
    PoolSnapshot s = snapshot.get();
    for (Waiter w : waiters) {
      if (s.satisfies(w.healthy)) {
        w.complete(null); // its dependents run here, with s still the published snapshot
      } else if (s.sourceTimeout != null) {
        w.completeExceptionally(s.sourceTimeout);
      }
    }
  }

  /** Fails every waiter: the pool closed (control context). */
  void closed() {
    for (Waiter w : waiters) {
      w.completeExceptionally(closedError.get());
    }
  }

  /** Futures waiting now; for tests. */
  int waiting() {
    return waiters.size();
  }

  /** A caller's future; leaves the set however it completes. */
  private final class Waiter extends CompletableFuture<Void> {
    final int healthy;

    Waiter(int healthy) {
      this.healthy = healthy;
    }

    // Each leaves the set before it completes: whoever its completion wakes finds it gone.

    @Override
    public boolean complete(Void value) {
      waiters.remove(this);
      return super.complete(value);
    }

    @Override
    public boolean completeExceptionally(Throwable ex) {
      waiters.remove(this);
      return super.completeExceptionally(ex);
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
      waiters.remove(this);
      return super.cancel(mayInterruptIfRunning);
    }
  }
}
