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
import io.lb4j.api.discovery.SourceState;
import io.lb4j.api.health.HealthCheckPolicy;
import io.lb4j.api.health.HealthStatus;
import io.lb4j.api.health.HealthTransition;
import io.lb4j.api.scheduler.Candidate;
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
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link LoadBalancer} built by {@link LoadBalancers}: a scheduler, active and passive health
 * checking and session persistence over one pool of backends.
 *
 * <p><b>Data path.</b> {@link #select} reads two immutable snapshots (the member map here, the
 * candidate set inside the scheduler) and the members' volatile fields; it takes no lock, and the only
 * allocation on a plain pick is the {@link Selection} handle, which makes release idempotent.
 *
 * <p><b>Control path.</b> Membership, weight, health and drain changes run under one lock, recompute
 * the candidates and publish them to the scheduler (copy-on-write). Events are delivered after the lock
 * is released, so a consumer may call back into the load balancer.
 *
 * <p><b>Threads.</b> Health checking runs on the checker's own small pool; when slow start or
 * draining is configured, one daemon timer thread ({@code lb4j-lb-<listener>}) advances ramps and
 * drain deadlines. {@link #close()} stops both.
 */
final class DefaultLoadBalancer implements LoadBalancer {

  private static final Logger log = LoggerFactory.getLogger(DefaultLoadBalancer.class);

  private enum Lifecycle { NEW, STARTED, CLOSED }

  private final Listener listener;
  private final Scheduler scheduler;
  private final SessionAffinity affinity;
  private final boolean persistent;
  private final HealthChecker checker;
  private final OutlierDetector outliers;
  private final HealthEventHistory history;
  private final Clock clock;
  private final LongSupplier nanoTime;
  private final long slowStartNanos;
  private final long drainNanos;
  private final Object lock = new Object();
  private final CopyOnWriteArraySet<Consumer<? super LoadBalancerEvent>> consumers = new CopyOnWriteArraySet<>();

  /** Members by id, in the order they were added; replaced (never mutated) under {@link #lock}. */
  private volatile Map<String, Member> members = Collections.emptyMap();
  private volatile HealthCheckPolicy healthPolicy;
  private volatile Lifecycle lifecycle = Lifecycle.NEW;
  /** Whether the last published candidate set had an eligible backend; guarded by {@link #lock}. */
  private boolean anyEligible;
  /** Fail-open mode; written under {@link #lock}, read by select. */
  private volatile boolean panic;
  private ScheduledExecutorService timer;
  /** Feeds membership from a backend source; null when backends are set by hand. */
  private final SourceBinding sourceBinding;

  DefaultLoadBalancer(LoadBalancers.Builder b) {
    this.listener = b.listener;
    this.clock = b.clock;
    this.nanoTime = b.nanoTime;
    this.healthPolicy = listener.healthCheck();
    this.scheduler = Schedulers.create(listener.scheduler(), b.seed);
    SessionAffinity.Builder affinityBuilder = SessionAffinity.builder(listener.sessionPersistence())
        .secure(listener.frontendProtocol() == Protocol.HTTPS)
        .clock(b.clock)
        .nanoTime(b.nanoTime);
    if (b.cookieKeys != null) {
      affinityBuilder.keys(b.cookieKeys);
    }
    this.affinity = affinityBuilder.build();
    this.persistent = listener.sessionPersistence().enabled();
    // Slow start applies to wrr, rr, wlc and p2c. Hash schedulers keep full weights: ramping a ring's
    // weights would move keys at every step, breaking the stickiness they exist for.
    boolean hashing = listener.scheduler() == SchedulingAlgorithm.SOURCE_IP_HASH
        || listener.scheduler() == SchedulingAlgorithm.CONSISTENT_HASH;
    this.slowStartNanos = hashing ? 0 : listener.slowStartWindow().toNanos();
    this.drainNanos = listener.drainTimeout().toNanos();
    this.history = HealthEventHistory.builder().clock(b.clock).build();
    HealthChecker.Builder checkerBuilder = HealthChecker.builder(healthPolicy).clock(b.clock)
        .maxProbesInFlight(b.maxProbesInFlight).random(b.seed);
    if (listener.outlierDetection().enabled()) {
      this.outliers = new OutlierDetector(listener.outlierDetection(), b.clock);
      this.outliers.onTransition(t -> onHealthTransition(t, false));
      checkerBuilder.outlierDetector(outliers); // a successful probe may end an ejection early
    } else {
      this.outliers = null;
    }
    this.checker = checkerBuilder.build();
    this.checker.onTransition(t -> onHealthTransition(t, true));
    for (Backend backend : b.backends) {
      addMember(backend, false);
    }
    this.sourceBinding = b.source == null ? null : new SourceBinding(b.source, b.discoveryPolicy,
        new MembershipApplier(this), this::publish, b.clock, listener.name(), b.seed);
  }

  @Override
  public Listener listener() {
    return listener;
  }

  @Override
  public LoadBalancer start() {
    synchronized (lock) {
      if (lifecycle != Lifecycle.NEW) {
        return this;
      }
      lifecycle = Lifecycle.STARTED;
      long periodNanos = timerPeriodNanos();
      if (periodNanos > 0) {
        ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, r -> {
          Thread thread = new Thread(r, "lb4j-lb-" + listener.name());
          thread.setDaemon(true);
          return thread;
        });
        t.setRemoveOnCancelPolicy(true);
        t.scheduleWithFixedDelay(this::refreshQuietly, periodNanos, periodNanos, TimeUnit.NANOSECONDS);
        timer = t;
      }
    }
    checker.start();
    log.info("load balancer '{}' started with {} backends: {}", listener.name(), members.size(), listener);
    if (sourceBinding != null) {
      sourceBinding.start();
    }
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

  /**
   * How often the timer runs {@link #refresh()}, or 0 when nothing needs it: a twentieth of the slow-start
   * window and of the drain timeout, so ramps move in small steps and drains end close to their deadline;
   * with fail-open, once per check interval, to notice a backend's first failed check (which causes no
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
      period = Math.min(period, listener.outlierDetection().baseEjectionTime().toNanos() / 20);
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
      return Selections.none(NoBackendReason.NO_BACKENDS);
    }
    Binding binding = persistent ? affinity.find(context) : null;
    Member previous = null;
    if (binding != null && !binding.isInvalid()) {
      previous = members.get(binding.backendId());
      if (previous != null && canKeepSession(previous)) {
        scheduler.acquire(previous.backend);
        previous.active.incrementAndGet();
        previous.picks.increment();
        return new Selections.Picked(this, previous, previous.backend, context, affinity.onHit(context, binding), false);
      }
    }
    PickResult pick = scheduler.pick(context);
    if (!pick.hasBackend()) {
      if (!consumers.isEmpty()) {
        publish(new LoadBalancerEvent.NoEligibleBackend(pick.reason(), clock.instant()));
      }
      return Selections.none(pick.reason());
    }
    Backend backend = pick.backend();
    // The scheduler's snapshot may name a member removed a moment ago; it was eligible when the pick
    // started, so it is still served, just without a member to count on.
    Member member = members.get(backend.id());
    if (member != null) {
      member.active.incrementAndGet();
      member.picks.increment();
    }
    boolean moved = binding != null;
    String setCookie = persistent ? affinity.bind(context, backend) : null;
    if (moved && !consumers.isEmpty()) {
      String cause = binding.isInvalid() ? "session cookie invalid, expired or unknown"
          : previous == null ? "backend removed" : whyNotUsable(previous);
      publish(new LoadBalancerEvent.SessionMoved(previous == null ? null : previous.backend, backend, cause,
          clock.instant()));
    }
    return new Selections.Picked(this, member, backend, context, setCookie, moved);
  }

  /**
   * A session stays on its backend while the backend is healthy and enabled and either takes new
   * traffic or is inside a drain window (draining keeps existing sessions working).
   */
  private boolean canKeepSession(Member m) {
    if (!m.backend.enabled() || !(panic ? m.checked : m.healthy && !m.ejected)) {
      return false;
    }
    if (m.state == BackendState.ACTIVE && m.backend.weight() > 0) {
      return true;
    }
    return m.drainWindow && nanoTime.getAsLong() - m.drainDeadline < 0;
  }

  private String whyNotUsable(Member m) {
    if (!m.backend.enabled()) {
      return "backend disabled";
    }
    if (m.ejected) {
      return "backend ejected by outlier detection";
    }
    if (!m.healthy) {
      return "backend unhealthy";
    }
    return m.state == BackendState.DRAINING ? "backend drained and its drain timeout passed" : "backend drained (weight 0)";
  }

  void released(Selections.Picked selection) {
    scheduler.release(selection.backend);
    if (persistent) {
      affinity.release(selection.context);
    }
    Member m = selection.member;
    if (m != null && m.active.decrementAndGet() == 0 && m.state == BackendState.DRAINING && !persistent) {
      // The last connection of a removed backend ended and no session can still need it: drop it now.
      refreshQuietly();
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
    if (persistent && selection.hasBackend() && setCookieHeader != null) {
      affinity.observeSetCookie(selection.backend(), setCookieHeader);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Control path

  @Override
  public void addBackend(Backend backend) {
    addMember(backend, true);
  }

  private void addMember(Backend backend, boolean announce) {
    List<LoadBalancerEvent> events = new ArrayList<>();
    synchronized (lock) {
      requireOpen();
      if (members.containsKey(backend.id())) {
        throw new IllegalArgumentException("backend.id must be unique in the pool, was '" + backend.id()
            + "' (already a member" + (members.get(backend.id()).state == BackendState.DRAINING ? ", draining)" : ")"));
      }
      Member m = new Member(backend, false);
      Map<String, Member> next = new LinkedHashMap<>(members);
      next.put(backend.id(), m);
      members = Collections.unmodifiableMap(next);
      affinity.memberAdded(backend.id());
      if (outliers != null) {
        outliers.add(backend);
      }
      if (announce) {
        events.add(new LoadBalancerEvent.MembershipChanged(backend, MembershipChange.ADDED, clock.instant()));
      }
    }
    // Outside the lock: the checker may deliver a transition from its own thread at any time, and
    // that callback takes our lock.
    checker.add(backend);
    boolean removedMeanwhile;
    synchronized (lock) {
      Member m = members.get(backend.id());
      removedMeanwhile = m == null;
      if (m != null) {
        m.healthy = checker.status(backend.id()) == HealthStatus.HEALTHY;
        m.checked = m.healthy;
        if (m.healthy && lifecycle == Lifecycle.STARTED && slowStartNanos > 0) {
          m.rampStart = nanoTime.getAsLong();
        }
        publishCandidates(events);
      }
    }
    if (removedMeanwhile) {
      checker.remove(backend.id()); // a concurrent removeBackend ran before checker.add
    }
    if (announce) {
      log.info("load balancer '{}': added {}", listener.name(), backend);
    }
    deliver(events);
  }

  @Override
  public boolean removeBackend(String backendId) {
    List<LoadBalancerEvent> events = new ArrayList<>();
    boolean dropped;
    synchronized (lock) {
      Member m = members.get(backendId);
      if (m == null || lifecycle == Lifecycle.CLOSED) {
        return false;
      }
      if (m.state == BackendState.DRAINING) {
        return true;
      }
      if (drainNanos > 0 && (persistent || m.active.get() > 0)) {
        m.state = BackendState.DRAINING;
        m.drainDeadline = nanoTime.getAsLong() + drainNanos;
        m.drainWindow = true;
        publishCandidates(events);
        events.add(new LoadBalancerEvent.MembershipChanged(m.backend, MembershipChange.DRAINING, clock.instant()));
        dropped = false;
      } else {
        drop(List.of(m), events);
        dropped = true;
      }
    }
    if (dropped) {
      afterDrop(backendId);
    }
    log.info("load balancer '{}': {} {}", listener.name(), dropped ? "removed" : "draining", backendId);
    deliver(events);
    return true;
  }

  /** Removes members for good and publishes the new set. Caller holds {@link #lock}. */
  private void drop(List<Member> gone, List<LoadBalancerEvent> events) {
    Map<String, Member> next = new LinkedHashMap<>(members);
    for (Member m : gone) {
      next.remove(m.id());
      affinity.memberRemoved(m.id());
      events.add(new LoadBalancerEvent.MembershipChanged(m.backend, MembershipChange.REMOVED, clock.instant()));
    }
    members = Collections.unmodifiableMap(next);
    publishCandidates(events);
  }

  private void afterDrop(String backendId) {
    checker.remove(backendId);
    if (outliers != null) {
      outliers.remove(backendId);
    }
  }

  @Override
  public void setWeight(String backendId, int weight) {
    List<LoadBalancerEvent> events = new ArrayList<>();
    synchronized (lock) {
      requireOpen();
      Member m = members.get(backendId);
      if (m == null) {
        throw new IllegalArgumentException("backendId must name a member of the pool, was '" + backendId + "'");
      }
      if (m.state == BackendState.DRAINING) {
        throw new IllegalStateException("backend '" + backendId
            + "' is draining after its removal; add it again once it is gone");
      }
      Backend old = m.backend;
      Backend updated = old.withWeight(weight);
      if (updated == old) {
        return;
      }
      m.backend = updated;
      long now = nanoTime.getAsLong();
      // Weight 0 with a drain timeout: no new picks, but sessions keep working for the drain window.
      m.drainWindow = weight == 0 && drainNanos > 0;
      if (m.drainWindow) {
        m.drainDeadline = now + drainNanos;
      }
      if (old.weight() == 0 && weight > 0 && slowStartNanos > 0 && lifecycle == Lifecycle.STARTED) {
        m.rampStart = now;
      }
      publishCandidates(events);
      events.add(new LoadBalancerEvent.MembershipChanged(updated, MembershipChange.UPDATED, clock.instant()));
    }
    log.info("load balancer '{}': weight of {} set to {}", listener.name(), backendId, weight);
    deliver(events);
  }

  @Override
  public void setHealthCheck(HealthCheckPolicy policy) {
    Objects.requireNonNull(policy, "healthCheck");
    synchronized (lock) {
      requireOpen();
      healthPolicy = policy;
    }
    checker.setPolicy(policy);
    List<LoadBalancerEvent> events = new ArrayList<>();
    synchronized (lock) {
      for (Member m : members.values()) {
        m.healthy = checker.status(m.id()) == HealthStatus.HEALTHY;
        m.checked |= m.healthy;
      }
      publishCandidates(events);
    }
    log.info("load balancer '{}': health check set to {}", listener.name(), policy);
    deliver(events);
  }

  /**
   * A health transition from active checking ({@code active}) or outlier detection. A backend that turns
   * eligible again starts slow start, as a new one does.
   */
  private void onHealthTransition(HealthTransition t, boolean active) {
    history.record(t);
    List<LoadBalancerEvent> events = new ArrayList<>();
    synchronized (lock) {
      Member m = members.get(t.backend().id());
      if (m == null || lifecycle == Lifecycle.CLOSED) {
        return;
      }
      boolean wasUsable = m.healthy && !m.ejected;
      if (active) {
        m.healthy = t.to() == HealthStatus.HEALTHY;
        m.checked = true;
      } else {
        m.ejected = t.to() == HealthStatus.UNHEALTHY;
      }
      if (!wasUsable && m.healthy && !m.ejected && slowStartNanos > 0 && lifecycle == Lifecycle.STARTED) {
        m.rampStart = nanoTime.getAsLong();
      }
      publishCandidates(events);
      events.add(new LoadBalancerEvent.HealthChanged(t));
    }
    deliver(events);
  }

  @Override
  public List<HealthTransition> healthHistory(String backendId, Instant from, Instant to) {
    return history.query(Objects.requireNonNull(backendId, "backendId"), from, to);
  }

  /** Advances slow-start ramps and drain deadlines. The timer calls it; tests call it after moving time. */
  void refresh() {
    List<LoadBalancerEvent> events = new ArrayList<>();
    List<Member> expired = new ArrayList<>();
    synchronized (lock) {
      if (lifecycle == Lifecycle.CLOSED) {
        return;
      }
      long now = nanoTime.getAsLong();
      boolean republish = false;
      for (Member m : members.values()) {
        if (!m.checked && !checker.lastResult(m.id()).isEmpty()) {
          m.checked = true;
          republish = true;
        }
        // Reconcile with the detector: an ejection that ran out emits no event (trial traffic must now
        // flow, and its outcomes re-eject or clear the backend), and the detector's events can reach us
        // out of order when two threads report at once. Either way the state is right within one period.
        boolean ejected = outliers != null && outliers.isEjected(m.id());
        if (ejected != m.ejected) {
          m.ejected = ejected;
          republish = true;
          log.info("load balancer '{}': {} is {}", listener.name(), m.id(),
              ejected ? "ejected" : "no longer ejected (ejection ran out), trial traffic allowed");
        }
        if (m.rampStart != Long.MIN_VALUE) {
          republish = true;
          if (now - m.rampStart >= slowStartNanos) {
            m.rampStart = Long.MIN_VALUE;
          }
        }
        if (m.drainWindow && now - m.drainDeadline >= 0) {
          m.drainWindow = false;
        }
        if (m.state == BackendState.DRAINING && (!m.drainWindow || (!persistent && m.active.get() == 0))) {
          expired.add(m);
        }
      }
      if (!expired.isEmpty()) {
        drop(expired, events);
      } else if (republish) {
        publishCandidates(events);
      }
    }
    for (Member m : expired) {
      afterDrop(m.id());
      log.info("load balancer '{}': drained and removed {}", listener.name(), m.id());
    }
    deliver(events);
  }

  private void refreshQuietly() {
    try {
      refresh();
    } catch (RuntimeException e) {
      log.warn("load balancer '{}': refresh failed", listener.name(), e);
    }
  }

  /**
   * Recomputes every member's candidate (health, effective weight) and publishes the set to the
   * scheduler. Caller holds {@link #lock}.
   *
   * <p>Fail-open ("panic"): when the share of healthy backends falls below the policy's threshold,
   * health is ignored and every backend whose health is known (checked at least once) may be picked.
   * Backends nobody has checked yet are neither counted nor picked, so a pool that just started does not
   * send traffic to backends never seen working.
   */
  private void publishCandidates(List<LoadBalancerEvent> events) {
    long now = nanoTime.getAsLong();
    int serving = 0;
    int healthy = 0;
    for (Member m : members.values()) {
      if (m.checked && m.state == BackendState.ACTIVE && m.backend.enabled() && m.backend.weight() > 0) {
        serving++;
        if (m.healthy && !m.ejected) {
          healthy++;
        }
      }
    }
    int threshold = healthPolicy.enabled() ? healthPolicy.panicThresholdPercent() : 0;
    boolean nowPanic = threshold > 0 && serving > 0 && healthy * 100 < threshold * serving;
    if (nowPanic != panic) {
      panic = nowPanic;
      int percent = serving == 0 ? 0 : healthy * 100 / serving;
      events.add(new LoadBalancerEvent.PanicModeChanged(nowPanic, percent, clock.instant()));
      if (nowPanic) {
        log.warn("load balancer '{}': only {}% of backends healthy, below {}%: fail-open, picking among all",
            listener.name(), percent, threshold);
      } else {
        log.info("load balancer '{}': {}% of backends healthy, fail-open ended", listener.name(), percent);
      }
    }
    List<Candidate> candidates = new ArrayList<>(members.size());
    boolean any = false;
    for (Member m : members.values()) {
      boolean usable = nowPanic ? m.checked : m.healthy && !m.ejected;
      Candidate c = new Candidate(m.backend, usable, effectiveWeight(m, now));
      any |= c.eligible();
      candidates.add(c);
    }
    scheduler.update(candidates);
    if (any != anyEligible) {
      anyEligible = any;
      lock.notifyAll(); // wakes awaitAnyHealthy
    }
  }

  /** The weight schedulers use now: 0 while draining, ramping from the floor during slow start. */
  private int effectiveWeight(Member m, long now) {
    int weight = m.backend.weight();
    if (m.state == BackendState.DRAINING || weight == 0) {
      return 0;
    }
    long rampStart = m.rampStart;
    if (rampStart == Long.MIN_VALUE || slowStartNanos == 0) {
      return weight;
    }
    long elapsed = now - rampStart;
    if (elapsed >= slowStartNanos) {
      return weight;
    }
    int floor = Math.max(1, weight * listener.slowStartFloorPercent() / 100);
    return (int) Math.max(1, floor + (weight - floor) * Math.max(0, elapsed) / slowStartNanos);
  }

  private void requireOpen() {
    if (lifecycle == Lifecycle.CLOSED) {
      throw new IllegalStateException("load balancer '" + listener.name() + "' is closed");
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
    synchronized (lock) {
      return viewLocked();
    }
  }

  private List<BackendView> viewLocked() {
    long now = nanoTime.getAsLong();
    List<BackendView> views = new ArrayList<>();
    for (Member m : members.values()) {
      boolean draining = m.state == BackendState.DRAINING || (m.drainWindow && now - m.drainDeadline < 0);
      views.add(new BackendView(m.backend, draining ? BackendState.DRAINING : BackendState.ACTIVE,
          m.healthy ? HealthStatus.HEALTHY : HealthStatus.UNHEALTHY, m.ejected, effectiveWeight(m, now),
          checker.lastResult(m.id()), m.active.get(), m.picks.sum()));
    }
    return Collections.unmodifiableList(views);
  }

  @Override
  public AutoCloseable subscribe(Consumer<? super LoadBalancerEvent> consumer) {
    Objects.requireNonNull(consumer, "consumer");
    consumers.add(consumer);
    return () -> consumers.remove(consumer);
  }

  private void publish(LoadBalancerEvent event) {
    for (Consumer<? super LoadBalancerEvent> c : consumers) {
      try {
        c.accept(event);
      } catch (RuntimeException e) {
        log.warn("load balancer '{}': event consumer failed on {}", listener.name(), event, e);
      }
    }
  }

  private void deliver(List<LoadBalancerEvent> events) {
    for (LoadBalancerEvent e : events) {
      publish(e);
    }
  }

  @Override
  public Optional<SourceState> sourceState() {
    return sourceBinding == null ? Optional.empty() : Optional.of(sourceBinding.state());
  }

  /** The backend source's first list, for tests; until the pool's readiness covers it. */
  CompletableFuture<Void> firstListForTest() {
    return sourceBinding.firstList();
  }

  @Override
  public void close() {
    if (sourceBinding != null) {
      sourceBinding.close(); // first, so no list is applied to a closing pool
    }
    ScheduledExecutorService t;
    synchronized (lock) {
      if (lifecycle == Lifecycle.CLOSED) {
        return;
      }
      lifecycle = Lifecycle.CLOSED;
      lock.notifyAll();
      t = timer;
      timer = null;
    }
    checker.close();
    if (t != null) {
      t.shutdownNow();
      try {
        if (!t.awaitTermination(10, TimeUnit.SECONDS)) {
          log.warn("load balancer '{}': timer did not stop within 10s", listener.name());
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    log.info("load balancer '{}' closed", listener.name());
  }

  @Override
  public String toString() {
    return "LoadBalancer{" + listener.name() + " " + members.size() + " backends " + lifecycle + "}";
  }
}
