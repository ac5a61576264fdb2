package io.lb4j.impl;

import io.lb4j.api.Backend;
import io.lb4j.api.LoadBalancerEvent;
import io.lb4j.api.discovery.BackendSource;
import io.lb4j.api.discovery.DiscoveryPolicy;
import io.lb4j.api.discovery.SourceState;
import io.lb4j.api.discovery.SourceState.Phase;
import io.lb4j.api.internal.Checks;
import java.time.Clock;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Connects a {@link BackendSource} to a pool: applies each whole list the source delivers (through the
 * pool's {@code setBackends}: one diff, one publication), keeps the last
 * good list when the source fails (or answers with an empty list the policy does not allow), retries with
 * exponential backoff and jitter, times out the wait for the first list, and reports all of it as a
 * {@link SourceState} and {@link LoadBalancerEvent.SourceStateChanged} events.
 *
 * <p><b>Threads.</b> Source callbacks, retries and the first-list timeout are serialised on this object's
 * monitor, so lists are applied one at a time in the order they arrived and state changes and their
 * events happen in one order. Retries and the timeout run on the pool's own thread ({@link PoolThread}),
 * which stops with the pool; {@link BackendSource#refresh()} does not block, so it holds that thread up
 * no longer than a list takes to apply. The state is a volatile immutable snapshot: readers never lock.
 */
final class SourceBinding implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(SourceBinding.class);

  private final BackendSource source;
  private final DiscoveryPolicy policy;
  private final Consumer<List<Backend>> applier;
  private final Consumer<LoadBalancerEvent> events;
  private final Clock clock;
  private final String poolName;
  private final SplittableRandom random;
  private final PoolThread poolThread;

  private volatile SourceState state;
  /** Guarded by this object's monitor. */
  private ScheduledFuture<?> pendingRetry;
  private boolean started;
  private boolean closed;
  /** Whether the first-list timeout passed before a list arrived. */
  private boolean timedOut;
  /** Completes with the first applied list, or exceptionally once the initial timeout has passed. */
  private final CompletableFuture<Void> firstList = new CompletableFuture<>();

  SourceBinding(BackendSource source, DiscoveryPolicy policy, Consumer<List<Backend>> applier,
      Consumer<LoadBalancerEvent> events, Clock clock, String poolName, long seed, PoolThread poolThread) {
    this.source = Objects.requireNonNull(source, "source");
    this.policy = Objects.requireNonNull(policy, "policy");
    this.applier = applier;
    this.events = events;
    this.clock = clock;
    this.poolName = poolName;
    this.random = new SplittableRandom(seed);
    this.state = new SourceState(source.description(), Phase.PENDING, clock.instant(), 0, "", 0);
    this.poolThread = poolThread;
  }

  SourceState state() {
    return state;
  }

  /**
   * Completes when the first list has been applied; completes exceptionally with a
   * {@link TimeoutException} (naming the source and its last error) when
   * {@link DiscoveryPolicy#initialTimeout()} passes first, or with a {@link CancellationException} when
   * the binding closes first. A list that arrives after the timeout is applied all the same.
   */
  CompletableFuture<Void> firstList() {
    return firstList;
  }

  /** Starts the source and the first-list timeout; idempotent. */
  synchronized void start() {
    if (started || closed) {
      return;
    }
    started = true;
    state = new SourceState(state.source(), Phase.PENDING, clock.instant(), 0, "", 0);
    poolThread.after(policy.initialTimeout().toNanos(), this::onInitialTimeout);
    source.start(new BackendSource.Subscriber() {
      @Override
      public void onBackends(List<Backend> backends) {
        SourceBinding.this.onBackends(backends);
      }

      @Override
      public void onError(String error) {
        SourceBinding.this.onError(error);
      }
    });
    log.info("load balancer '{}': waiting for backends from {}", poolName, source.description());
  }

  private synchronized void onBackends(List<Backend> backends) {
    if (closed) {
      return;
    }
    if (backends == null) {
      fail("null backend list");
      return;
    }
    if (backends.isEmpty() && !policy.allowEmptyList()) {
      fail("empty backend list refused (allowEmptyList is off), kept the last " + state.backends());
      return;
    }
    try {
      applier.accept(backends); // the pool validates (unique ids, no nulls) before it changes anything
    } catch (RuntimeException e) {
      fail("invalid backend list: " + e.getMessage());
      return;
    }
    cancelRetry();
    firstList.complete(null);
    SourceState previous = state;
    boolean phaseChanged = previous.phase() != Phase.HEALTHY;
    state = new SourceState(previous.source(), Phase.HEALTHY,
        phaseChanged ? clock.instant() : previous.since(), backends.size(), previous.lastError(), 0);
    if (phaseChanged) {
      log.info("load balancer '{}': {} healthy with {} backends", poolName, previous.source(), backends.size());
      events.accept(new LoadBalancerEvent.SourceStateChanged(state));
    }
  }

  private synchronized void onError(String error) {
    if (!closed) {
      fail(error == null ? "unknown error" : error);
    }
  }

  private synchronized void onInitialTimeout() {
    if (closed || firstList.isDone()) {
      return;
    }
    timedOut = true;
    String waited = "no backend list within " + Checks.format(policy.initialTimeout());
    if (state.phase() == Phase.PENDING) {
      fail(waited); // a silent source: say so, and ask it again with backoff
    } else {
      firstList.completeExceptionally(new TimeoutException(
          state.source() + ": " + waited + ", last error: " + state.lastError()));
    }
  }

  /** Records a failure, keeps the applied list, and schedules a retry unless one is pending. */
  private void fail(String error) {
    SourceState previous = state;
    int retries = previous.retries() + 1;
    state = new SourceState(previous.source(), Phase.FAILING,
        previous.phase() == Phase.FAILING ? previous.since() : clock.instant(), previous.backends(), error,
        retries);
    log.warn("load balancer '{}': {} failed ({} in a row), keeping {} backends: {}", poolName,
        previous.source(), retries, previous.backends(), error);
    events.accept(new LoadBalancerEvent.SourceStateChanged(state));
    if (!firstList.isDone() && timedOut) {
      firstList.completeExceptionally(new TimeoutException(previous.source() + ": " + error));
    }
    if (pendingRetry == null || pendingRetry.isDone()) { // null too once the pool thread has stopped
      long delay = jittered(policy.backoff(retries).toNanos(), random);
      pendingRetry = poolThread.after(delay, this::retry);
    }
  }

  /** A delay drawn uniformly from {@code [backoff / 2, backoff]}, so pools that failed together spread out. */
  static long jittered(long backoffNanos, SplittableRandom random) {
    long half = backoffNanos / 2;
    return half + random.nextLong(backoffNanos - half + 1);
  }

  private void retry() {
    synchronized (this) {
      if (closed) {
        return;
      }
      pendingRetry = null;
    }
    try {
      source.refresh();
    } catch (RuntimeException e) {
      onError("refresh failed: " + e);
    }
  }

  private void cancelRetry() {
    if (pendingRetry != null) {
      pendingRetry.cancel(false);
      pendingRetry = null;
    }
  }

  /** Closes the source and stops retries; idempotent. */
  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      cancelRetry();
      firstList.completeExceptionally(new CancellationException("closed before the first backend list"));
      SourceState previous = state;
      state = new SourceState(previous.source(), Phase.CLOSED, clock.instant(), previous.backends(),
          previous.lastError(), previous.retries());
    }
    try {
      source.close();
    } catch (RuntimeException e) {
      log.warn("load balancer '{}': closing {} failed", poolName, source.description(), e);
    }
    events.accept(new LoadBalancerEvent.SourceStateChanged(state));
  }
}
