package io.lb4j.impl;

import io.lb4j.api.Backend;
import io.lb4j.api.BackendState;
import io.lb4j.api.BackendView;
import io.lb4j.api.Listener;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.LoadBalancerEvent;
import io.lb4j.api.LoadBalancerEvent.MembershipChange;
import io.lb4j.api.Outcome;
import io.lb4j.api.Protocol;
import io.lb4j.api.RequestContext;
import io.lb4j.api.Selection;
import io.lb4j.api.Subscription;
import io.lb4j.api.health.HealthCheckPolicy;
import io.lb4j.api.health.HealthStatus;
import io.lb4j.api.health.HealthTransition;
import io.lb4j.api.scheduler.NoBackendReason;
import io.lb4j.api.scheduler.PickResult;
import io.lb4j.api.scheduler.Scheduler;
import io.lb4j.api.scheduler.SchedulingAlgorithm;
import io.lb4j.impl.health.HealthChecker;
import io.lb4j.impl.health.HealthEventHistory;
import io.lb4j.impl.health.OutlierDetector;
import io.lb4j.impl.persistence.Binding;
import io.lb4j.impl.persistence.SessionAffinity;
import io.lb4j.impl.scheduler.Schedulers;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link LoadBalancer} built by {@link LoadBalancers}: a scheduler, active and passive health
 * checking and session persistence over one pool of backends.
 *
 * <p><b>Data path.</b> {@link #select} reads immutable snapshots (the member map, each member's
 * {@link MemberState}, the candidate set inside the scheduler); it takes no lock, and the only
 * allocation on a plain pick is the {@link Selection} handle, which makes release idempotent.
 *
 * <p><b>Control path.</b> Membership, weight, health, policy and drain changes run one at a time under
 * one control lock, in the order they arrive: each replaces member states, and one planning
 * ({@link CandidatePlanner}) publishes the result to the scheduler. Runtime calls publish before they
 * return; health transitions from the probe thread only mark the pool dirty, and the pool's own thread
 * publishes them together, so a mass outage costs one rebuild, not one per backend. Events are queued
 * under the lock in the order of the changes and delivered after it ({@link EventDispatch}).
 *
 * <p><b>Threads.</b> Health checking runs on the checker's own thread from {@link #start()}. One daemon
 * thread per pool ({@code lb4j-pool-<name>}, from {@link LoadBalancers.Builder#build()}) publishes
 * health changes and runs the timed maintenance ({@link Maintenance}), so drains, slow start and
 * ejections progress whether or not checking was started; another ({@code lb4j-dns-<name>}) resolves
 * host names. {@link #close()} stops them all.
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
  private final boolean persistent;
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
  final Object lock = new Object();

  /** Members by id, in the order they were added; replaced (never mutated) under {@link #lock}. */
  private volatile Map<String, Member> members = Collections.emptyMap();
  private volatile HealthCheckPolicy healthPolicy;
  private volatile Lifecycle lifecycle = Lifecycle.NEW;
  /** Fail-open mode; written under {@link #lock}, read by select. */
  private volatile boolean panic;
  // Guarded by lock below.
  private CandidatePlanner planner;
  private boolean anyEligible;
  private CompletableFuture<Void> readiness = new CompletableFuture<>();
  /** Health changes not yet published; the pool thread publishes them together. */
  private boolean dirty;
  private boolean publishQueued;
  private final List<LoadBalancerEvent> unpublishedEvents = new ArrayList<>();

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
    this.persistent = settings.sessionPersistence().enabled();
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
    synchronized (lock) {
      Map<String, Member> next = new LinkedHashMap<>();
      for (Backend backend : b.backends) {
        joinLocked(next, backend, false);
      }
      members = Collections.unmodifiableMap(next);
      publishLocked();
      maintenance.reschedule(timerPeriodNanos());
    }
    events.drain();
    maintenance.resolveSoon();
    maintenance.scheduleAddressRefresh();
    time.onAdvance(onTimeAdvanced);
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
    return this;
  }

  @Override
  public boolean awaitAnyHealthy(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (lock) {
      while (lifecycle != Lifecycle.CLOSED && !anyEligible) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        TimeUnit.NANOSECONDS.timedWait(lock, left);
      }
      return anyEligible && lifecycle != Lifecycle.CLOSED;
    }
  }

  @Override
  public CompletableFuture<Void> whenReady() {
    CompletableFuture<Void> shared;
    synchronized (lock) {
      shared = readiness;
    }
    // A copy per caller: one that cancels or completes its future affects nobody else.
    CompletableFuture<Void> mine = new CompletableFuture<>();
    shared.whenComplete((v, e) -> {
      if (e != null) {
        mine.completeExceptionally(e);
      } else {
        mine.complete(null);
      }
    });
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
  // Data path

  @Override
  public Selection select(RequestContext context) {
    if (lifecycle == Lifecycle.CLOSED) {
      return Selections.none(NoBackendReason.CLOSED);
    }
    Binding binding = persistent ? affinity.find(context) : null;
    Member previous = null;
    if (binding != null && !binding.isInvalid()) {
      previous = members.get(binding.backendId());
      if (previous != null) {
        MemberState s = previous.state;
        if (canKeepSession(s)) {
          scheduler.acquire(s.backend());
          previous.active.incrementAndGet();
          previous.picks.increment();
          return new Selections.Picked(this, previous, s.backend(), s.address(), context,
              affinity.onHit(context, binding), false);
        }
      }
    }
    PickResult pick = scheduler.pick(context);
    if (!pick.hasBackend()) {
      if (events.hasSubscribers()) {
        events.execute(new LoadBalancerEvent.NoEligibleBackend(pick.reason(), clock.instant()));
      }
      return Selections.none(pick.reason());
    }
    Backend backend = pick.backend();
    // The scheduler's snapshot may name a member removed a moment ago; it was eligible when the pick
    // started, so it is still served, just without a member to count on.
    Member member = members.get(backend.id());
    InetSocketAddress address;
    if (member != null) {
      member.active.incrementAndGet();
      member.picks.increment();
      address = member.state.address();
    } else {
      address = Addresses.initial(backend.host(), settings.backendPortFor(backend));
    }
    boolean moved = binding != null;
    String setCookie = persistent ? affinity.bind(context, backend) : null;
    if (moved && events.hasSubscribers()) {
      String cause = binding.isInvalid() ? "session cookie invalid, expired or unknown"
          : previous == null ? "backend removed" : whyNotUsable(previous.state);
      events.execute(new LoadBalancerEvent.SessionMoved(previous == null ? null : previous.state.backend(), backend,
          cause, clock.instant()));
    }
    return new Selections.Picked(this, member, backend, address, context, setCookie, moved);
  }

  /**
   * A session stays on its backend while the backend is healthy and enabled and either takes new
   * traffic or is inside a drain window (draining keeps existing sessions working).
   */
  private boolean canKeepSession(MemberState s) {
    if (!s.backend().enabled() || !(panic ? s.checked() : s.usable())) {
      return false;
    }
    if (!s.removed() && s.backend().weight() > 0) {
      return true;
    }
    return s.inDrainWindow(nanoTime.getAsLong());
  }

  private static String whyNotUsable(MemberState s) {
    if (!s.backend().enabled()) {
      return "backend disabled";
    }
    if (s.ejected()) {
      return "backend ejected by outlier detection";
    }
    if (!s.healthy()) {
      return "backend unhealthy";
    }
    return s.removed() ? "backend drained and its drain timeout passed" : "backend drained (weight 0)";
  }

  void released(Selections.Picked selection) {
    scheduler.release(selection.backend);
    if (persistent) {
      affinity.release(selection.context);
    }
    Member m = selection.member;
    if (m != null && m.active.decrementAndGet() == 0 && m.state.removed() && !persistent) {
      // The last connection of a removed backend ended and no session can still need it: drop it, on
      // the pool thread, so a releasing event loop never waits for the control lock.
      poolThread.execute(maintenance::runOnce);
    }
  }

  @Override
  public void report(Selection selection, Outcome outcome) {
    if (!(selection instanceof Selections.Picked) || ((Selections.Picked) selection).owner != this) {
      return;
    }
    String id = selection.backend().id();
    if (outliers != null) {
      outliers.report(id, outcome);
    }
    if (!outcome.isFailure() && healthPolicy.skipWhenTrafficSucceeds()) {
      checker.recordTrafficSuccess(id);
    }
  }

  @Override
  public void observeSetCookie(Selection selection, String setCookieHeader) {
    if (persistent && selection instanceof Selections.Picked && setCookieHeader != null) {
      affinity.observeSetCookie(selection.backend(), ((Selections.Picked) selection).context, setCookieHeader);
    }
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
      Map<String, Member> next = new LinkedHashMap<>(members);
      joinLocked(next, backend, true);
      members = Collections.unmodifiableMap(next);
      publishLocked();
    }
    log.info("load balancer '{}': added {}", name, backend);
    events.drain();
    maintenance.resolveSoon();
  }

  /** Adds a new member to {@code next}, with its health, outlier and affinity state. Under the lock. */
  private void joinLocked(Map<String, Member> next, Backend backend, boolean announce) {
    InetSocketAddress address = Addresses.initial(backend.host(), settings.backendPortFor(backend));
    // The checker's state for this id was removed under this same lock when a previous member of that
    // id left, so a re-added backend always gets fresh probes (no stale target to keep).
    checker.add(backend, address.isUnresolved() ? null : address.getAddress());
    boolean healthy = checker.status(backend.id()) == HealthStatus.HEALTHY;
    MemberState state = MemberState.joined(backend, address, healthy);
    if (healthy && slowStartNanos > 0 && announce) {
      state = state.withRampStart(nanoTime.getAsLong());
    }
    next.put(backend.id(), new Member(state));
    affinity.memberAdded(backend.id());
    if (outliers != null) {
      outliers.add(backend);
    }
    if (announce) {
      emitLocked(new LoadBalancerEvent.MembershipChanged(backend, MembershipChange.ADDED, clock.instant()));
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
      Map<String, Member> next = new LinkedHashMap<>(members);
      dropped = leaveLocked(next, m);
      members = Collections.unmodifiableMap(next);
      publishLocked();
    }
    log.info("load balancer '{}': {} {}", name, dropped ? "removed" : "draining", backendId);
    events.drain();
    return true;
  }

  /**
   * Removes a member: drains it when a drain timeout applies and something may still need it, else drops
   * it from {@code next}. Under the lock. Returns true when dropped.
   */
  private boolean leaveLocked(Map<String, Member> next, Member m) {
    if (drainNanos > 0 && (persistent || m.active.get() > 0)) {
      m.state = m.state.draining(nanoTime.getAsLong() + drainNanos);
      emitLocked(new LoadBalancerEvent.MembershipChanged(m.state.backend(), MembershipChange.DRAINING,
          clock.instant()));
      return false;
    }
    dropLocked(next, m);
    return true;
  }

  /** Removes a member for good, with its probe, outlier and affinity state. Under the lock. */
  void dropLocked(Map<String, Member> next, Member m) {
    next.remove(m.id);
    // Under the lock, so a re-add of the same id (also under the lock) comes strictly after.
    checker.remove(m.id);
    if (outliers != null) {
      outliers.remove(m.id);
    }
    affinity.memberRemoved(m.id);
    emitLocked(new LoadBalancerEvent.MembershipChanged(m.state.backend(), MembershipChange.REMOVED, clock.instant()));
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
    int added = 0;
    int updated = 0;
    int removed = 0;
    synchronized (lock) {
      requireOpen();
      Map<String, Member> current = members;
      Map<String, Member> next = new LinkedHashMap<>(current);
      long now = nanoTime.getAsLong();
      for (Member m : current.values()) {
        if (!wanted.containsKey(m.id) && !m.state.removed()) {
          leaveLocked(next, m);
          removed++;
        }
      }
      for (Backend b : wanted.values()) {
        Member m = current.get(b.id());
        if (m == null) {
          joinLocked(next, b, true);
          added++;
        } else if (!m.state.backend().equals(b)) {
          // Another host or port: another server under the same id. Replace it; sessions move.
          dropLocked(next, m);
          joinLocked(next, b, true);
          added++;
        } else if (m.state.removed()) {
          m.state = m.state.revived(b);
          emitLocked(new LoadBalancerEvent.MembershipChanged(b, MembershipChange.ADDED, clock.instant()));
          added++;
        } else if (updateLocked(m, b, now)) {
          updated++;
        }
      }
      members = Collections.unmodifiableMap(next);
      publishLocked();
    }
    log.info("load balancer '{}': backends set: {} added, {} updated, {} removed or draining", name, added, updated,
        removed);
    events.drain();
    maintenance.resolveSoon();
  }

  /**
   * Gives a member new attributes (weight, enabled flag, metadata), with the drain window and slow start
   * a weight change implies. Under the lock. Returns false when nothing changed.
   */
  private boolean updateLocked(Member m, Backend updated, long now) {
    MemberState s = m.state;
    Backend old = s.backend();
    if (sameAttributes(old, updated)) {
      return false;
    }
    s = s.withBackend(updated);
    if (!s.removed() && old.weight() != updated.weight()) {
      // Weight 0 with a drain timeout: no new picks, but sessions keep working for the drain window.
      boolean window = updated.weight() == 0 && drainNanos > 0;
      s = s.withDrainWindow(window, window ? now + drainNanos : 0);
      if (old.weight() == 0 && updated.weight() > 0 && slowStartNanos > 0) {
        s = s.withRampStart(now);
      }
    }
    m.state = s;
    emitLocked(new LoadBalancerEvent.MembershipChanged(updated, MembershipChange.UPDATED, clock.instant()));
    return true;
  }

  private static boolean sameAttributes(Backend a, Backend b) {
    return a.weight() == b.weight() && a.enabled() == b.enabled() && a.metadata().equals(b.metadata());
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
      if (!updateLocked(m, updated, nanoTime.getAsLong())) {
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
      if (listener != null) {
        listener = listener.toBuilder().healthCheck(policy).build();
      }
      // Under the lock: two concurrent calls reach the checker in the order they changed our policy.
      checker.setPolicy(policy);
      for (Member m : members.values()) {
        MemberState s = m.state;
        boolean healthy = checker.status(m.id) == HealthStatus.HEALTHY;
        if (healthy != s.healthy()) {
          m.state = s.withHealth(healthy, s.checked() || healthy);
        }
      }
      planner = newPlanner(policy);
      publishLocked();
      maintenance.reschedule(timerPeriodNanos());
    }
    log.info("load balancer '{}': health check set to {}", name, policy);
    events.drain();
  }

  /**
   * A health transition from active checking ({@code active}) or outlier detection, on the thread that
   * saw it. Only marks the pool dirty: the pool thread publishes, once for however many arrive together.
   * A backend that turns eligible again starts slow start, as a new one does.
   */
  private void onHealthTransition(HealthTransition t, boolean active) {
    history.record(t);
    synchronized (lock) {
      Member m = members.get(t.backend().id());
      if (m == null || lifecycle == Lifecycle.CLOSED || !m.state.backend().equals(t.backend())) {
        return; // a transition of a member that left (or was replaced) meanwhile
      }
      MemberState s = m.state;
      boolean wasUsable = s.usable();
      MemberState n = active ? s.withHealth(t.to() == HealthStatus.HEALTHY, true)
          : s.withEjected(t.to() == HealthStatus.UNHEALTHY);
      if (!wasUsable && n.usable() && slowStartNanos > 0) {
        n = n.withRampStart(nanoTime.getAsLong());
      }
      m.state = n;
      emitLocked(new LoadBalancerEvent.HealthChanged(t));
      markDirtyLocked();
    }
  }

  /** Asks the pool thread to publish pending changes, once for however many arrive before it runs. */
  private void markDirtyLocked() {
    dirty = true;
    if (!publishQueued) {
      publishQueued = true;
      poolThread.execute(this::publishPending);
    }
  }

  private void publishPending() {
    synchronized (lock) {
      publishQueued = false;
      if (!dirty || lifecycle == Lifecycle.CLOSED) {
        return;
      }
      publishLocked();
    }
    events.drain();
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

  /** The maintenance's work under the lock: returns whether anything changed. */
  private boolean maintainLocked() {
    if (lifecycle == Lifecycle.CLOSED) {
      return false;
    }
    long now = nanoTime.getAsLong();
    boolean changed = false;
    List<Member> expired = null;
    for (Member m : members.values()) {
      MemberState s = m.state;
      MemberState n = s;
      if (!n.checked() && !checker.lastResult(m.id).isEmpty()) {
        n = n.withHealth(n.healthy(), true);
      }
      // Reconcile with the detector: an ejection that ran out emits no event (trial traffic must now
      // flow, and its outcomes re-eject or clear the backend), and the detector's events can reach us
      // out of order when two threads report at once. Either way the state is right within one period.
      boolean ejected = outliers != null && outliers.isEjected(m.id);
      if (ejected != n.ejected()) {
        n = n.withEjected(ejected);
        log.info("load balancer '{}': {} is {}", name, m.id,
            ejected ? "ejected" : "no longer ejected (ejection ran out), trial traffic allowed");
      }
      if (n.rampStart() != MemberState.NOT_RAMPING) {
        changed = true; // the effective weight moved
        if (planner.rampOver(n.rampStart(), now)) {
          n = n.withRampStart(MemberState.NOT_RAMPING);
        }
      }
      if (n.drainWindow() && !n.inDrainWindow(now)) {
        n = n.withDrainWindow(false, 0);
      }
      if (n != s) {
        m.state = n;
        changed = true;
      }
      if (n.removed() && (!n.drainWindow() || (!persistent && m.active.get() == 0))) {
        if (expired == null) {
          expired = new ArrayList<>();
        }
        expired.add(m);
      }
    }
    if (expired != null) {
      Map<String, Member> next = new LinkedHashMap<>(members);
      for (Member m : expired) {
        dropLocked(next, m);
        log.info("load balancer '{}': drained and removed {}", name, m.id);
      }
      members = Collections.unmodifiableMap(next);
      changed = true;
    }
    if (changed || dirty) {
      publishLocked();
    }
    return changed;
  }

  /** Host names to resolve: (member id, host) of members whose host is not an IP literal. */
  Map<String, String> hostNames() {
    Map<String, String> names = new HashMap<>();
    for (Member m : members.values()) {
      String host = m.state.backend().host();
      if (!Addresses.isIpLiteral(host)) {
        names.put(m.id, host);
      }
    }
    return names;
  }

  /** Applies a lookup's result (pool thread); a changed address reaches traffic and checks. */
  void addressResolved(String id, String host, InetAddress resolved) {
    synchronized (lock) {
      Member m = members.get(id);
      if (m == null || !m.state.backend().host().equals(host) || resolved == null) {
        return;
      }
      InetSocketAddress current = m.state.address();
      if (!current.isUnresolved() && resolved.equals(current.getAddress())) {
        return;
      }
      // Keeps the host name, so the address prints as host/ip:port.
      InetSocketAddress next = new InetSocketAddress(Addresses.named(host, resolved), current.getPort());
      m.state = m.state.withAddress(next);
      checker.updateAddress(id, resolved);
      log.info("load balancer '{}': {} ({}) now resolves to {}", name, id, host, resolved.getHostAddress());
    }
  }

  /**
   * Plans and publishes the candidates, then queues the pool's pending events (the fail-open change
   * last, after the changes that caused it) and the readiness change. Under the lock.
   */
  private void publishLocked() {
    dirty = false;
    Map<String, Member> current = members;
    List<MemberState> states = new ArrayList<>(current.size());
    for (Member m : current.values()) {
      states.add(m.state);
    }
    CandidatePlanner.Plan plan = planner.plan(states, nanoTime.getAsLong());
    scheduler.update(plan.candidates());
    if (plan.panic() != panic) {
      panic = plan.panic();
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
    if (plan.anyEligible() != anyEligible) {
      anyEligible = plan.anyEligible();
      lock.notifyAll(); // wakes awaitAnyHealthy
      if (anyEligible) {
        CompletableFuture<Void> ready = readiness;
        events.enqueue(() -> ready.complete(null));
      } else if (readiness.isDone()) {
        readiness = new CompletableFuture<>();
      }
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
      if (dirty) {
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
    for (Member m : members.values()) {
      MemberState s = m.state;
      boolean draining = s.removed() || s.inDrainWindow(now);
      views.add(new BackendView(s.backend(), draining ? BackendState.DRAINING : BackendState.ACTIVE,
          s.healthy() ? HealthStatus.HEALTHY : HealthStatus.UNHEALTHY, s.ejected(),
          planner.effectiveWeight(s, now), checker.lastResult(m.id), m.active.get(), m.picks.sum()));
    }
    return Collections.unmodifiableList(views);
  }

  @Override
  public Subscription subscribe(Consumer<? super LoadBalancerEvent> consumer) {
    return events.subscribe(consumer);
  }

  @Override
  public void close() {
    CompletableFuture<Void> ready;
    synchronized (lock) {
      if (lifecycle == Lifecycle.CLOSED) {
        return;
      }
      lifecycle = Lifecycle.CLOSED;
      lock.notifyAll();
      ready = readiness;
    }
    time.removeOnAdvance(onTimeAdvanced);
    ready.completeExceptionally(new IllegalStateException("load balancer '" + name + "' is closed"));
    checker.close();
    poolThread.shutdown(log, name);
    maintenance.shutdown(log);
    log.info("load balancer '{}' closed", name);
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
