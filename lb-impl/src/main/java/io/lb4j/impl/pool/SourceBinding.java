package io.lb4j.impl.pool;

import io.lb4j.api.Backend;
import io.lb4j.api.LoadBalancerEvent;
import io.lb4j.api.discovery.BackendSource;
import io.lb4j.api.discovery.DiscoveryPolicy;
import io.lb4j.api.discovery.SourceState;
import io.lb4j.api.discovery.SourceState.Phase;
import io.lb4j.api.internal.Checks;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Connects a {@link BackendSource} to a pool: applies each whole list the source delivers (one diff, one
 * publication), keeps the last good list when the source fails (or answers with an empty list the policy
 * does not allow), retries with exponential backoff and jitter (unless the source
 * {@link BackendSource#retriesItself() retries by itself}: then only the source's own schedule asks again),
 * times out the wait for the first list, and
 * reports all of it as a {@link SourceState} (published in the pool's snapshot) and
 * {@link LoadBalancerEvent.SourceStateChanged} events.
 *
 * <p><b>Threads.</b> Confined to the pool's {@link ControlContext}: the source's callbacks enter it as tasks,
 * queued from the source's own thread without waiting (a source may hold its own monitor while it delivers,
 * and the context calls the source's {@code refresh} and {@code close}: waiting there could deadlock), and
 * retries and the first-list timeout are the context's timers, on the pool's time source. So lists are
 * applied one at a time in the order they arrived, and state changes and their events happen in one order,
 * with no lock of its own.
 */
public final class SourceBinding {

  private static final Logger log = LoggerFactory.getLogger(SourceBinding.class);

  private final BackendSource source;
  private final DiscoveryPolicy policy;
  private final Consumer<List<Backend>> applier;
  private final Consumer<LoadBalancerEvent> emit;
  private final Runnable changed;
  private final Clock clock;
  private final String poolName;
  private final SplittableRandom random;
  private final PoolTimers timers;
  private final ControlContext context;

  private SourceState state;
  private PoolTimers.Timer pendingRetry;
  private boolean started;
  private boolean closed;
  private boolean gotFirstList;
  /** Set once the first-list timeout passed with no list: why the pool is not ready. */
  private TimeoutException firstListTimeout;

  /**
   * @param applier applies a list in the context; throws {@link IllegalArgumentException} for an invalid one
   * @param changed called in the context when the state changed (so the pool publishes it)
   */
  SourceBinding(BackendSource source, DiscoveryPolicy policy, Consumer<List<Backend>> applier,
      Consumer<LoadBalancerEvent> emit, Runnable changed, Clock clock, String poolName, long seed,
      PoolTimers timers, ControlContext context) {
    this.source = Objects.requireNonNull(source, "source");
    this.policy = Objects.requireNonNull(policy, "policy");
    this.applier = applier;
    this.emit = emit;
    this.changed = changed;
    this.clock = clock;
    this.poolName = poolName;
    this.random = new SplittableRandom(seed);
    this.state = new SourceState(source.description(), Phase.PENDING, clock.instant(), 0, "", 0);
    this.timers = timers;
    this.context = context;
  }

  /** The state, as of the last task (control context; the pool publishes it). */
  SourceState state() {
    return state;
  }

  /**
   * Why a pool fed by this source is not ready: the first list did not arrive within
   * {@link DiscoveryPolicy#initialTimeout()} (and has not arrived since); null otherwise.
   */
  TimeoutException firstListTimeout() {
    return firstListTimeout;
  }

  /** Starts the source and the first-list timeout (control context); idempotent. */
  void start() {
    if (started || closed) {
      return;
    }
    started = true;
    setState(new SourceState(state.source(), Phase.PENDING, clock.instant(), 0, "", 0));
    timers.after(policy.initialTimeout().toNanos(), this::onInitialTimeout);
    source.start(new BackendSource.Subscriber() {
      @Override
      public void onBackends(List<Backend> backends) {
        List<Backend> copy = backends == null ? null : new ArrayList<>(backends); // the source may reuse its list
        context.submit(() -> SourceBinding.this.onBackends(copy));
      }

      @Override
      public void onError(String error) {
        context.submit(() -> SourceBinding.this.onError(error));
      }
    });
    log.info("load balancer '{}': waiting for backends from {}", poolName, source.description());
  }

  private void onBackends(List<Backend> backends) {
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
    gotFirstList = true;
    firstListTimeout = null;
    SourceState previous = state;
    boolean phaseChanged = previous.phase() != Phase.HEALTHY;
    setState(new SourceState(previous.source(), Phase.HEALTHY,
        phaseChanged ? clock.instant() : previous.since(), backends.size(), previous.lastError(), 0));
    if (phaseChanged) {
      log.info("load balancer '{}': {} healthy with {} backends", poolName, previous.source(), backends.size());
      emit.accept(new LoadBalancerEvent.SourceStateChanged(state));
    }
  }

  private void onError(String error) {
    if (!closed) {
      fail(error == null ? "unknown error" : error);
    }
  }

  private void onInitialTimeout() {
    if (closed || gotFirstList) {
      return;
    }
    String waited = "no backend list within " + Checks.format(policy.initialTimeout());
    if (state.phase() == Phase.PENDING) {
      fail(waited); // a silent source: say so, and ask it again with backoff
      firstListTimeout = new TimeoutException(state.source() + ": " + waited);
    } else {
      firstListTimeout = new TimeoutException(state.source() + ": " + waited + ", last error: " + state.lastError());
    }
  }

  /** Records a failure, keeps the applied list, and schedules a retry unless one is pending. */
  private void fail(String error) {
    SourceState previous = state;
    int retries = previous.retries() + 1;
    setState(new SourceState(previous.source(), Phase.FAILING,
        previous.phase() == Phase.FAILING ? previous.since() : clock.instant(), previous.backends(), error,
        retries));
    log.warn("load balancer '{}': {} failed ({} in a row), keeping {} backends: {}", poolName,
        previous.source(), retries, previous.backends(), error);
    emit.accept(new LoadBalancerEvent.SourceStateChanged(state));
    if (firstListTimeout != null) {
      firstListTimeout = new TimeoutException(previous.source() + ": " + error);
    }
    if (pendingRetry == null && !source.retriesItself()) {
      long delay = jittered(policy.backoff(retries).toNanos(), random);
      pendingRetry = timers.after(delay, this::retry);
    }
  }

  /**
   * A delay drawn uniformly from {@code [backoff / 2, backoff]}, so pools that failed together spread out.
   *
   * @param backoffNanos the backoff
   * @param random the source of randomness
   * @return the delay, in nanoseconds
   */
  public static long jittered(long backoffNanos, SplittableRandom random) {
    long half = backoffNanos / 2;
    return half + random.nextLong(backoffNanos - half + 1);
  }

  private void retry() {
    pendingRetry = null;
    if (closed) {
      return;
    }
    try {
      source.refresh(); // never blocks
    } catch (RuntimeException e) {
      fail("refresh failed: " + e);
    }
  }

  private void cancelRetry() {
    if (pendingRetry != null) {
      pendingRetry.cancel();
      pendingRetry = null;
    }
  }

  /** Closes the source and stops retries (control context); idempotent. */
  void close() {
    if (closed) {
      return;
    }
    closed = true;
    cancelRetry();
    SourceState previous = state;
    setState(new SourceState(previous.source(), Phase.CLOSED, clock.instant(), previous.backends(),
        previous.lastError(), previous.retries()));
    try {
      source.close();
    } catch (RuntimeException e) {
      log.warn("load balancer '{}': closing {} failed", poolName, source.description(), e);
    }
    emit.accept(new LoadBalancerEvent.SourceStateChanged(state));
  }

  private void setState(SourceState next) {
    state = next;
    changed.run();
  }
}
