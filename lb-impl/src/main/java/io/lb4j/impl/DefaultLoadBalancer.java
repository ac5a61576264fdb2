package io.lb4j.impl;

import io.lb4j.api.Backend;
import io.lb4j.api.BackendState;
import io.lb4j.api.BackendView;
import io.lb4j.api.Listener;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.LoadBalancerEvent;
import io.lb4j.api.Outcome;
import io.lb4j.api.Protocol;
import io.lb4j.api.RequestContext;
import io.lb4j.api.Selection;
import io.lb4j.api.Subscription;
import io.lb4j.api.discovery.SourceState;
import io.lb4j.api.health.HealthCheckPolicy;
import io.lb4j.api.health.HealthStatus;
import io.lb4j.api.health.HealthTransition;
import io.lb4j.api.scheduler.Scheduler;
import io.lb4j.api.scheduler.SchedulingAlgorithm;
import io.lb4j.impl.health.HealthCheckMetrics;
import io.lb4j.impl.health.HealthChecker;
import io.lb4j.impl.health.HealthEventHistory;
import io.lb4j.impl.health.OutlierDetector;
import io.lb4j.impl.persistence.SessionAffinity;
import io.lb4j.impl.scheduler.Schedulers;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link LoadBalancer} built by {@link LoadBalancers}: a scheduler, active and passive health
 * checking and session persistence over one pool of backends.
 *
 * <p>It is put together from: {@link RequestPath} (select, release, report: lock-free),
 * {@link MemberTable} (the members and every change to their lifecycle), {@link CandidatePlanner} (members,
 * policy and time to candidates: a pure function), {@link EventDispatch} (ordered event delivery),
 * {@link Maintenance} (timed work) and {@link Readiness} (awaitAnyHealthy, whenReady).
 *
 * <p><b>Control path.</b> Membership, weight, health, policy and drain changes run one at a time under
 * one control lock, in the order they arrive: each replaces member states, and one planning
 * ({@link CandidatePlanner}) publishes the result to the scheduler. Runtime calls publish before they
 * return; health transitions from the probe thread are only queued (lock-free), and the pool's own thread
 * publishes them together, so a mass outage costs one rebuild, not one per backend. Events are queued
 * under the lock in the order of the changes and delivered after it ({@link EventDispatch}).
 *
 * <p><b>Threads.</b> Health checking runs on the checker's own thread from {@link #start()}. One daemon
 * thread per pool ({@code lb4j-pool-<name>}, from {@link LoadBalancers.Builder#build()}) publishes
 * health changes and runs the timed maintenance ({@link Maintenance}), so drains, slow start and
 * ejections progress whether or not checking was started; another ({@code lb4j-dns-<name>}, once a
 * backend has a host name) resolves host names. {@link #close()} stops them all.
 */
final class DefaultLoadBalancer implements LoadBalancer {

  private static final Logger log = LoggerFactory.getLogger(DefaultLoadBalancer.class);

  private enum Lifecycle { NEW, STARTED, CLOSED }

  private final String name;
  /** The listener as the user sees it (the current health check), or null for a client-side pool. */
  private volatile Listener listener;
  private final Listener settings;
  private final Scheduler scheduler;
  private final SessionAffinity affinity;
  private final HealthChecker checker;
  private final OutlierDetector outliers;
  private final HealthEventHistory history;
  private final TimeSource time;
  private final Clock clock;
  private final LongSupplier nanoTime;
  private final Runnable onTimeAdvanced = this::maintain;
  private final long slowStartNanos;
  private final long drainNanos;
  private final EventDispatch events;
  private final PoolThread poolThread;
  private final Maintenance maintenance;
  /** Feeds membership from a backend source through {@link #setBackends}; null when backends are set by hand. */
  private final SourceBinding sourceBinding;
  private final Object lock = new Object();

  private final MemberTable members;
  private final RequestPath requests;
  private volatile HealthCheckPolicy healthPolicy;
  private volatile Lifecycle lifecycle = Lifecycle.NEW;
  /** Fail-open mode as last published; guarded by {@link #lock} (the request path has its own copy). */
  private boolean panic;
  // Guarded by lock below.
  private CandidatePlanner planner;
  private final Readiness readiness = new Readiness();
  private final List<LoadBalancerEvent> unpublishedEvents = new ArrayList<>();
  /** Health transitions seen by other threads, applied by the pool thread in order. */
  private final ConcurrentLinkedQueue<MemberTable.PendingTransition> pendingTransitions =
      new ConcurrentLinkedQueue<>();
  private final AtomicBoolean applyQueued = new AtomicBoolean();

  DefaultLoadBalancer(LoadBalancers.Builder b) {
    this.settings = b.settings();
    this.listener = b.listener;
    this.name = b.name;
    this.time = b.time;
    this.clock = b.time.asClock();
    this.nanoTime = b.time::nanoTime;
    this.healthPolicy = settings.healthCheck();
    this.scheduler = b.customScheduler != null ? b.customScheduler : Schedulers.create(settings.scheduler(), b.seed);
    SessionAffinity.Builder affinityBuilder = SessionAffinity.builder(settings.sessionPersistence())
        .secure(b.listener != null && b.listener.frontendProtocol() == Protocol.HTTPS)
        .clock(clock)
        .nanoTime(nanoTime);
    if (b.cookieKeys != null) {
      affinityBuilder.keys(b.cookieKeys);
    }
    this.affinity = affinityBuilder.build();
    // Slow start applies to wrr, rr, wlc and p2c. Hash schedulers keep full weights: ramping a ring's
    // weights would move keys at every step, breaking the stickiness they exist for.
    SchedulingAlgorithm algorithm = scheduler.algorithm();
    boolean hashing = algorithm == SchedulingAlgorithm.SOURCE_IP_HASH || algorithm == SchedulingAlgorithm.CONSISTENT_HASH;
    this.slowStartNanos = hashing ? 0 : settings.slowStartWindow().toNanos();
    this.drainNanos = settings.drainTimeout().toNanos();
    this.planner = newPlanner(healthPolicy);
    this.history = HealthEventHistory.builder().clock(clock).build();
    this.events = new EventDispatch(log, name);
    HealthChecker.Builder checkerBuilder = HealthChecker.builder(healthPolicy).clock(clock)
        .maxProbesInFlight(b.maxProbesInFlight).random(b.seed).backendPort(settings.backendPort());
    if (settings.outlierDetection().enabled()) {
      this.outliers = new OutlierDetector(settings.outlierDetection(), clock);
      this.outliers.onTransition(t -> onHealthTransition(t, false));
      checkerBuilder.outlierDetector(outliers); // a successful probe may end an ejection early
    } else {
      this.outliers = null;
    }
    this.checker = checkerBuilder.build();
    this.checker.onTransition(t -> onHealthTransition(t, true));
    this.poolThread = new PoolThread("lb4j-pool-" + name);
    this.maintenance = new Maintenance(this, poolThread, b.addressRefreshInterval, b.resolver);
    this.members = new MemberTable(settings, checker, outliers, affinity, history, clock, nanoTime, slowStartNanos,
        this::emitLocked, this::active, log, name);
    this.requests = new RequestPath(members, scheduler, affinity, settings, checker, outliers, events, clock,
        nanoTime, () -> poolThread.execute(maintenance::runOnce));
    requests.skipWhenTrafficSucceeds = healthPolicy.skipWhenTrafficSucceeds();
    synchronized (lock) {
      members.joinAll(b.backends);
      publishLocked();
      maintenance.reschedule(timerPeriodNanos());
    }
    events.drain();
    if (!members.hostNames().isEmpty()) {
      maintenance.resolveSoon();
    }
    time.onAdvance(onTimeAdvanced);
    this.sourceBinding = b.source == null ? null : new SourceBinding(b.source, b.discoveryPolicy, this::setBackends,
        events::execute, clock, name, b.seed, poolThread);
  }

  private CandidatePlanner newPlanner(HealthCheckPolicy policy) {
    return new CandidatePlanner(policy.enabled() ? policy.panicThresholdPercent() : 0, slowStartNanos,
        settings.slowStartFloorPercent());
  }

  @Override
  public Listener listener() {
    return listener;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public HealthCheckPolicy healthCheck() {
    return healthPolicy;
  }

  @Override
  public LoadBalancer start() {
    synchronized (lock) {
      requireOpen();
      if (lifecycle != Lifecycle.NEW) {
        return this;
      }
      lifecycle = Lifecycle.STARTED;
    }
    checker.start();
    log.info("load balancer '{}' started with {} backends: {}", name, members.size(), settings);
    if (sourceBinding != null) {
      sourceBinding.start();
    }
    return this;
  }

  @Override
  public boolean awaitAnyHealthy(Duration timeout) throws InterruptedException {
    return readiness.await(timeout);
  }

  @Override
  public CompletableFuture<Void> whenReady() {
    CompletableFuture<Void> mine = readiness.whenReady();
    if (sourceBinding != null) {
      // No first list from the source within its initial timeout: not ready, with the source's reason.
      // (A close before the first list completes the future through readiness, as for any pool.)
      sourceBinding.firstList().whenComplete((v, e) -> {
        if (e instanceof TimeoutException) {
          mine.completeExceptionally(e);
        }
      });
    }
    return mine;
  }

  /**
   * How often the maintenance runs, or 0 when nothing needs it: a twentieth of the slow-start window and
   * of the drain timeout, so ramps move in small steps and drains end close to their deadline; with
   * fail-open, once per check interval, to notice a backend's first failed check (which causes no
   * transition); with outlier detection, a twentieth of the base ejection time, to notice an ejection
   * that ran out (the detector reports none: the backend's next outcomes decide). Between 10 ms and 1 s.
   */
  private long timerPeriodNanos() {
    long period = Long.MAX_VALUE;
    if (slowStartNanos > 0) {
      period = Math.min(period, slowStartNanos / 20);
    }
    if (drainNanos > 0) {
      period = Math.min(period, drainNanos / 20);
    }
    if (healthPolicy.enabled() && healthPolicy.panicThresholdPercent() > 0) {
      period = Math.min(period, healthPolicy.interval().toNanos());
    }
    if (outliers != null) {
      period = Math.min(period, settings.outlierDetection().baseEjectionTime().toNanos() / 20);
    }
    if (period == Long.MAX_VALUE) {
      return 0;
    }
    return Math.max(TimeUnit.MILLISECONDS.toNanos(10), Math.min(TimeUnit.SECONDS.toNanos(1), period));
  }

  // ---------------------------------------------------------------------------------------------
  // Data path: lock-free, in RequestPath

  @Override
  public Selection select(RequestContext context) {
    return requests.select(context);
  }

  @Override
  public Selection select(RequestContext context, Collection<String> excludedBackendIds) {
    return requests.select(context, excludedBackendIds);
  }

  private int active(Member m) {
    return requests.active(m);
  }

  @Override
  public void report(Selection selection, Outcome outcome) {
    requests.report(selection, outcome);
  }

  @Override
  public void observeSetCookie(Selection selection, String setCookieHeader) {
    requests.observeSetCookie(selection, setCookieHeader);
  }

  // ---------------------------------------------------------------------------------------------
  // Control path: every method below changes state under the lock, publishes, then delivers events.

  @Override
  public void addBackend(Backend backend) {
    Objects.requireNonNull(backend, "backend");
    synchronized (lock) {
      requireOpen();
      Member existing = members.get(backend.id());
      if (existing != null) {
        throw new IllegalArgumentException("backend.id must be unique in the pool, was '" + backend.id()
            + "' (already a member" + (existing.state.removed() ? ", draining)" : ")"));
      }
      members.join(backend);
      publishLocked();
    }
    log.info("load balancer '{}': added {}", name, backend);
    events.drain();
    if (!Addresses.isIpLiteral(backend.host())) {
      maintenance.resolveSoon();
    }
  }

  @Override
  public boolean removeBackend(String backendId) {
    Objects.requireNonNull(backendId, "backendId");
    boolean dropped;
    synchronized (lock) {
      Member m = members.get(backendId);
      if (m == null || lifecycle == Lifecycle.CLOSED) {
        return false;
      }
      if (m.state.removed()) {
        return true;
      }
      dropped = members.leave(m);
      publishLocked();
    }
    log.info("load balancer '{}': {} {}", name, dropped ? "removed" : "draining", backendId);
    events.drain();
    return true;
  }

  @Override
  public void setBackends(Collection<Backend> backends) {
    Objects.requireNonNull(backends, "backends");
    Map<String, Backend> wanted = new LinkedHashMap<>(backends.size() * 2);
    for (Backend b : backends) {
      Objects.requireNonNull(b, "backends element");
      if (wanted.put(b.id(), b) != null) {
        throw new IllegalArgumentException("backends must have unique ids, was '" + b.id() + "' twice");
      }
    }
    MemberTable.Diff diff;
    synchronized (lock) {
      requireOpen();
      diff = members.replaceAll(wanted);
      publishLocked();
    }
    log.info("load balancer '{}': backends set: {} added, {} updated, {} removed or draining", name, diff.added(),
        diff.updated(), diff.removed());
    events.drain();
    if (diff.hostNameAdded()) {
      maintenance.resolveSoon();
    }
  }

  @Override
  public void setWeight(String backendId, int weight) {
    changeMember(backendId, b -> b.withWeight(weight), "weight of " + backendId + " set to " + weight);
  }

  @Override
  public void setEnabled(String backendId, boolean enabled) {
    changeMember(backendId, b -> b.enabled() == enabled ? b : b.toBuilder().enabled(enabled).build(),
        backendId + (enabled ? " enabled" : " disabled"));
  }

  private void changeMember(String backendId, UnaryOperator<Backend> change, String logLine) {
    Objects.requireNonNull(backendId, "backendId");
    synchronized (lock) {
      requireOpen();
      Member m = members.get(backendId);
      if (m == null) {
        throw new IllegalArgumentException("backendId must name a member of the pool, was '" + backendId + "'");
      }
      Backend updated = change.apply(m.state.backend()); // validates (weight range) before anything changes
      if (!members.update(m, updated, nanoTime.getAsLong())) {
        return;
      }
      publishLocked();
    }
    log.info("load balancer '{}': {}", name, logLine);
    events.drain();
  }

  @Override
  public void setHealthCheck(HealthCheckPolicy policy) {
    Objects.requireNonNull(policy, "healthCheck");
    synchronized (lock) {
      requireOpen();
      healthPolicy = policy;
      requests.skipWhenTrafficSucceeds = policy.skipWhenTrafficSucceeds();
      if (listener != null) {
        listener = listener.toBuilder().healthCheck(policy).build();
      }
      // Under the lock: two concurrent calls reach the checker in the order they changed our policy.
      checker.setPolicy(policy);
      members.refreshHealthFromChecker();
      planner = newPlanner(policy);
      publishLocked();
      maintenance.reschedule(timerPeriodNanos());
    }
    log.info("load balancer '{}': health check set to {}", name, policy);
    events.drain();
  }

  /**
   * A health transition from active checking ({@code active}) or outlier detection, on the thread that
   * saw it (the probe thread, or a thread reporting an outcome). It only queues the transition, lock-free,
   * so a mass outage never makes the probe thread wait for the control lock; the pool thread applies
   * whatever has queued up and publishes once for all of it.
   */
  private void onHealthTransition(HealthTransition t, boolean active) {
    pendingTransitions.add(new MemberTable.PendingTransition(t, active));
    if (applyQueued.compareAndSet(false, true)) {
      poolThread.execute(this::applyPendingTransitions);
    }
  }

  private void applyPendingTransitions() {
    // Cleared before draining: a transition queued after our last poll schedules another run.
    applyQueued.set(false);
    synchronized (lock) {
      if (applyTransitionsLocked() && lifecycle != Lifecycle.CLOSED) {
        publishLocked();
      }
    }
    events.drain();
  }

  /** Applies queued transitions (dropped once closed). Under the lock. */
  private boolean applyTransitionsLocked() {
    if (lifecycle == Lifecycle.CLOSED) {
      pendingTransitions.clear();
      return false;
    }
    return members.applyTransitions(pendingTransitions);
  }

  @Override
  public List<HealthTransition> healthHistory(String backendId, Instant from, Instant to) {
    return history.query(Objects.requireNonNull(backendId, "backendId"), from, to);
  }

  /** One round of timed maintenance: under the lock, then the events it caused. */
  void maintain() {
    synchronized (lock) {
      maintainLocked();
    }
    events.drain();
  }

  /** The maintenance's work under the lock. */
  private void maintainLocked() {
    if (lifecycle == Lifecycle.CLOSED) {
      return;
    }
    // Both run: | does not short-circuit.
    if (applyTransitionsLocked() | members.maintain(nanoTime.getAsLong(), planner)) {
      publishLocked();
    }
  }

  /** Host names to resolve: (member id, host) of members whose host is not an IP literal. */
  Map<String, String> hostNames() {
    return members.hostNames();
  }

  /** Applies a lookup's result (lookup thread); a changed address reaches traffic and checks. */
  void addressResolved(String id, String host, InetAddress resolved) {
    synchronized (lock) {
      members.addressResolved(id, host, resolved);
    }
  }

  /**
   * Plans and publishes the candidates, then queues the pool's pending events (the fail-open change
   * last, after the changes that caused it) and the readiness change. Under the lock.
   */
  private void publishLocked() {
    CandidatePlanner.Plan plan = planner.plan(members.states(), nanoTime.getAsLong());
    scheduler.update(plan.candidates());
    requests.candidates = plan.candidates();
    if (plan.panic() != panic) {
      panic = plan.panic();
      requests.panic = panic;
      emitLocked(new LoadBalancerEvent.PanicModeChanged(plan.panic(), plan.healthyPercent(), clock.instant()));
      if (plan.panic()) {
        log.warn("load balancer '{}': only {}% of backends healthy, below {}%: fail-open, picking among all",
            name, plan.healthyPercent(), planner.panicThresholdPercent());
      } else {
        log.info("load balancer '{}': {}% of backends healthy, fail-open ended", name, plan.healthyPercent());
      }
    }
    for (LoadBalancerEvent e : unpublishedEvents) {
      events.enqueue(e);
    }
    unpublishedEvents.clear();
    Runnable becameReady = readiness.published(plan.anyEligible());
    if (becameReady != null) {
      events.enqueue(becameReady);
    }
  }

  /** Holds an event until the change that caused it is published. Under the lock. */
  private void emitLocked(LoadBalancerEvent event) {
    if (events.hasSubscribers()) {
      unpublishedEvents.add(event);
    }
  }

  private void requireOpen() {
    if (lifecycle == Lifecycle.CLOSED) {
      throw new IllegalStateException("load balancer '" + name + "' is closed");
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Views and events

  /**
   * {@inheritDoc}
   *
   * <p>Taken under the control lock, so the view shows only states already published to the scheduler:
   * a backend shown HEALTHY receives picks. Not for the request path.
   */
  @Override
  public List<BackendView> view() {
    List<BackendView> views;
    synchronized (lock) {
      if (applyTransitionsLocked()) {
        publishLocked(); // so the view never shows a state the scheduler does not have yet
      }
      views = viewLocked();
    }
    events.drain();
    return views;
  }

  private List<BackendView> viewLocked() {
    long now = nanoTime.getAsLong();
    List<BackendView> views = new ArrayList<>(members.size());
    for (Member m : members.snapshot().values()) {
      MemberState s = m.state;
      boolean draining = s.removed() || s.inDrainWindow(now);
      views.add(new BackendView(s.backend(), draining ? BackendState.DRAINING : BackendState.ACTIVE,
          s.healthy() ? HealthStatus.HEALTHY : HealthStatus.UNHEALTHY, s.ejected(),
          planner.effectiveWeight(s, now), checker.lastResult(m.id), requests.active(m), m.picks.sum()));
    }
    return Collections.unmodifiableList(views);
  }

  @Override
  public Subscription subscribe(Consumer<? super LoadBalancerEvent> consumer) {
    return events.subscribe(consumer);
  }

  @Override
  public Optional<SourceState> sourceState() {
    return sourceBinding == null ? Optional.empty() : Optional.of(sourceBinding.state());
  }

  @Override
  public void close() {
    if (sourceBinding != null) {
      sourceBinding.close(); // first, so that no list is applied to a closing pool
    }
    synchronized (lock) {
      if (lifecycle == Lifecycle.CLOSED) {
        return;
      }
      lifecycle = Lifecycle.CLOSED;
      requests.closed = true;
    }
    time.removeOnAdvance(onTimeAdvanced);
    readiness.closed(new IllegalStateException("load balancer '" + name + "' is closed"));
    checker.close();
    poolThread.shutdown(log, name);
    maintenance.shutdown(log);
    log.info("load balancer '{}' closed", name);
  }

  HealthCheckMetrics healthCheckMetrics() {
    return checker.metrics();
  }

  /** The settings the pool runs under: its listener, or the client-side pool's listener-shaped settings. */
  Listener settings() {
    return settings;
  }

  /** The checker's policy, for tests that check it agrees with {@link #healthCheck()}. */
  HealthCheckPolicy checkerPolicy() {
    return checker.policy();
  }

  @Override
  public String toString() {
    return "LoadBalancer{" + name + " " + members.size() + " backends " + lifecycle + "}";
  }
}
