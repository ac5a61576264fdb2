package io.lb4j.impl.pool;

import static io.lb4j.api.internal.Checks.checkRange;

import io.lb4j.api.Backend;
import io.lb4j.api.BackendState;
import io.lb4j.api.BackendView;
import io.lb4j.api.Listener;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.LoadBalancerEvent;
import io.lb4j.api.Outcome;
import io.lb4j.api.PoolSettings;
import io.lb4j.api.RequestContext;
import io.lb4j.api.Selection;
import io.lb4j.api.Subscription;
import io.lb4j.api.discovery.SourceState;
import io.lb4j.api.health.HealthCheckPolicy;
import io.lb4j.api.health.HealthStatus;
import io.lb4j.api.health.HealthTransition;
import io.lb4j.api.load.LoadReport;
import io.lb4j.api.scheduler.Scheduler;
import io.lb4j.api.scheduler.SchedulingAlgorithm;
import io.lb4j.impl.LoadAwareMetrics;
import io.lb4j.impl.SubsetStatus;
import io.lb4j.impl.health.ProbeMetrics;
import io.lb4j.impl.health.HealthChecker;
import io.lb4j.impl.health.HealthEventHistory;
import io.lb4j.impl.health.OutlierDetector;
import io.lb4j.impl.load.LoadWeights;
import io.lb4j.impl.persistence.SessionAffinity;
import io.lb4j.impl.scheduler.Schedulers;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link LoadBalancer} built by {@code io.lb4j.impl.LoadBalancers}: the facade over one pool.
 *
 * <p>It is put together from: {@link ControlContext} (the pool's one serial control path),
 * {@link PoolControl} (the state it owns and the snapshot it publishes per batch), {@link MemberTable}
 * (members and their lifecycle), {@link CandidatePlanner} (members, policy and time to candidates: a pure
 * function), {@link RequestPath} (select, release, report: lock-free, on the published snapshot),
 * {@link PoolEvents} (subscribers), {@link Readiness} (awaitHealthy, whenReady), {@link PoolTimers} and
 * {@link SourceBinding}.
 *
 * <p>Every runtime call is validated here, on the caller's thread, before it enters the control context:
 * a bad argument changes nothing. Then it runs as a task, and returns once its change is published and its
 * events delivered.
 */
public final class DefaultLoadBalancer implements LoadBalancer {

  private static final Logger log = LoggerFactory.getLogger(DefaultLoadBalancer.class);
  private static final Runnable NOTHING = () -> { };

  private final String name;
  /** The listener as the user sees it (the current health check), or null for a client-side pool. */
  private volatile Listener listener;
  private final PoolSettings settings;
  private final HealthChecker checker;
  private final HealthEventHistory history;
  private final LongSupplier nanoTime;
  private final Runnable onTimeAdvanced;
  private final Consumer<Runnable> timeNoLongerAdvanced;
  private final SharedThreads threads;
  private final ControlContext context;
  private final PoolSnapshot.Published published;
  private final PoolEvents events;
  private final PoolControl control;
  private final MemberTable members;
  private final RequestPath requests;
  private final Readiness readiness;
  /** Load-aware weights, or null when off. */
  private final LoadWeighting load;
  /** The deterministic subset, or null when off. */
  private final Subsetting subset;

  /**
   * A pool built from {@code b}, which {@code LoadBalancers.Builder} checked.
   *
   * @param b what the pool is built from
   */
  public DefaultLoadBalancer(PoolParameters b) {
    this.name = b.name();
    this.listener = b.listener();
    this.settings = b.settings();
    Clock clock = b.clock();
    this.nanoTime = b.nanoTime();
    Scheduler scheduler = b.customScheduler() != null ? b.customScheduler()
        : Schedulers.create(settings.scheduler(), b.seed());
    SessionAffinity.Builder affinityBuilder = SessionAffinity.builder(settings.sessionPersistence())
        .secure(b.secureCookies()).clock(clock).nanoTime(nanoTime);
    if (b.cookieKeys() != null) {
      affinityBuilder.keys(b.cookieKeys());
    }
    SessionAffinity affinity = affinityBuilder.build();
    // Slow start applies to wrr, rr, wlc and p2c. Hash schedulers keep full weights: ramping a ring's
    // weights would move keys at every step, breaking the stickiness they exist for.
    SchedulingAlgorithm algorithm = scheduler.algorithm();
    boolean hashing = algorithm == SchedulingAlgorithm.SOURCE_IP_HASH || algorithm == SchedulingAlgorithm.CONSISTENT_HASH;
    long slowStartNanos = hashing ? 0 : settings.slowStartWindow().toNanos();
    HealthCheckPolicy policy = settings.healthCheck();

    this.threads = SharedThreads.acquire();
    this.events = new PoolEvents(log, name);
    this.published = new PoolSnapshot.Published(PoolSnapshot.initial(null));
    this.context = new ControlContext(name, log, threads.control(), () -> control().publish(),
        () -> control().deliver());
    PoolTimers timers = new PoolTimers(nanoTime, threads, context);
    this.history = HealthEventHistory.builder().clock(clock).build();
    HealthChecker.Builder checkerBuilder = HealthChecker.builder(policy).name(name).clock(clock)
        .maxProbesInFlight(b.maxProbesInFlight()).random(b.seed()).backendPort(settings.backendPort());
    OutlierDetector outliers = null;
    if (settings.outlierDetection().enabled()) {
      outliers = new OutlierDetector(settings.outlierDetection(), clock, name);
      outliers.onTransition(t -> context.submit(() -> control().ejectionChanged(t)));
      outliers.onEjectedAgain(id -> context.submit(() -> control().ejectedAgain(id)));
      checkerBuilder.outlierDetector(outliers); // a successful probe may end an ejection early
    }
    this.checker = checkerBuilder.build();
    checker.onTransition(t -> context.submit(() -> control().activeHealthChanged(t)));
    checker.onFirstResult(backend -> context.submit(() -> control().firstCheck(backend)));
    this.load = settings.loadAware().map(p -> new LoadWeighting(p, () -> members().states(), () -> members().touch(),
        timers, nanoTime, () -> control().panic())).orElse(null);
    this.members = new MemberTable(settings, slowStartNanos, checker, outliers, affinity, clock, nanoTime, timers,
        events::emit, log, name, load == null ? null : load::newMemberLoad);
    this.readiness = new Readiness(context, () -> published.current,
        () -> new IllegalStateException("load balancer '" + name + "' is closed"));
    this.control = new PoolControl(name, log, scheduler, policy, slowStartNanos, settings.slowStartFloorPercent(),
        checker, history, clock, nanoTime, events, timers, members, readiness, published, threads, context,
        b.addressRefreshInterval().toNanos(), b.resolver());
    this.requests = new RequestPath(published, algorithm, affinity, settings, checker, outliers, events, context,
        clock, nanoTime, m -> context.submit(() -> members.idle(m)));
    if (load != null) {
      control.loadWeighting(load);
    }
    this.subset = settings.subset().map(Subsetting::new).orElse(null);
    if (subset != null) {
      control.subsetting(subset);
    }
    if (b.source() != null) {
      control.source(new SourceBinding(b.source(), b.discoveryPolicy(), control::apply, events::emit,
          control::changed, clock, name, b.seed(), timers, context));
    }
    context.run(() -> {
      control.joinInitial(b.backends());
      control.changed();
      control.resolveSoon();
    });
    this.onTimeAdvanced = () -> context.run(control::timeAdvanced);
    this.timeNoLongerAdvanced = b.timeNoLongerAdvanced();
    b.onTimeAdvanced().accept(onTimeAdvanced);
  }

  /** The control state, for the hooks created before the constructor assigned it (they run after). */
  private PoolControl control() {
    return control;
  }

  /** The members, for the hooks created before the constructor assigned them (they run after). */
  private MemberTable members() {
    return members;
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
  public PoolSettings settings() {
    return settings;
  }

  @Override
  public HealthCheckPolicy healthCheck() {
    return control.policy();
  }

  // ---------------------------------------------------------------------------------------------
  // Lifecycle

  @Override
  public LoadBalancer start() {
    if (Boolean.TRUE.equals(context.call(control::start))) {
      log.info("load balancer '{}' started with {} backends: {}", name, published.current.members.size(), settings);
    }
    return this;
  }

  @Override
  public void close() {
    Boolean closed = context.call(() -> {
      boolean first = control.close();
      if (first) {
        timeNoLongerAdvanced.accept(onTimeAdvanced);
        threads.release();
      }
      return first;
    });
    if (Boolean.TRUE.equals(closed)) {
      log.info("load balancer '{}' closed", name);
    }
  }

  @Override
  public boolean awaitAnyHealthy(Duration timeout) throws InterruptedException {
    return readiness.await(Readiness.ANY_ELIGIBLE, Objects.requireNonNull(timeout, "timeout"));
  }

  @Override
  public boolean awaitHealthy(int backends, Duration timeout) throws InterruptedException {
    checkRange("backends", backends, 1, Integer.MAX_VALUE);
    return readiness.await(backends, Objects.requireNonNull(timeout, "timeout"));
  }

  @Override
  public CompletableFuture<Void> whenReady() {
    return readiness.when(Readiness.ANY_ELIGIBLE);
  }

  @Override
  public CompletableFuture<Void> whenHealthy(int backends) {
    checkRange("backends", backends, 1, Integer.MAX_VALUE);
    return readiness.when(backends);
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

  @Override
  public void report(Selection selection, Outcome outcome) {
    requests.report(selection, outcome);
  }

  @Override
  public void reportLoad(Selection selection, LoadReport report) {
    requests.reportLoad(selection, report);
  }

  @Override
  public void reportMalformedLoad(Selection selection, String reason) {
    requests.reportMalformedLoad(selection, reason);
  }

  @Override
  public void observeSetCookie(Selection selection, String setCookieHeader) {
    requests.observeSetCookie(selection, setCookieHeader);
  }

  // ---------------------------------------------------------------------------------------------
  // Control path: validated here, applied as tasks of the control context

  @Override
  public void addBackend(Backend backend) {
    Objects.requireNonNull(backend, "backend");
    context.run(() -> control.addBackend(backend));
  }

  @Override
  public boolean removeBackend(String backendId) {
    Objects.requireNonNull(backendId, "backendId");
    Boolean removed = context.call(() -> control.removeBackend(backendId));
    // Null only for a call queued from inside the pool's own task (it runs right after): it was accepted.
    return removed == null || removed;
  }

  @Override
  public void setBackends(Collection<Backend> backends) {
    Map<String, Backend> wanted = PoolControl.validated(backends);
    context.run(() -> {
      control.requireOpen();
      control.replace(wanted);
    });
  }

  @Override
  public void setWeight(String backendId, int weight) {
    checkRange("backend.weight", weight, Backend.MIN_WEIGHT, Backend.MAX_WEIGHT);
    changeMember(backendId, b -> b.withWeight(weight), "weight of " + backendId + " set to " + weight);
  }

  @Override
  public void setEnabled(String backendId, boolean enabled) {
    changeMember(backendId, b -> b.enabled() == enabled ? b : b.toBuilder().enabled(enabled).build(),
        backendId + (enabled ? " enabled" : " disabled"));
  }

  private void changeMember(String backendId, UnaryOperator<Backend> change, String logLine) {
    Objects.requireNonNull(backendId, "backendId");
    context.run(() -> control.changeMember(backendId, change, logLine));
  }

  @Override
  public void setHealthCheck(HealthCheckPolicy policy) {
    Objects.requireNonNull(policy, "healthCheck");
    context.run(() -> {
      control.setHealthCheck(policy);
      if (listener != null) {
        listener = listener.toBuilder().healthCheck(policy).build();
      }
      log.info("load balancer '{}': health check set to {}", name, policy);
    });
  }

  @Override
  public List<HealthTransition> healthHistory(String backendId, Instant from, Instant to) {
    Objects.requireNonNull(backendId, "backendId");
    Objects.requireNonNull(from, "from");
    Objects.requireNonNull(to, "to");
    return history.query(backendId, from, to);
  }

  // ---------------------------------------------------------------------------------------------
  // Views and events

  /**
   * {@inheritDoc}
   *
   * <p>Applies what is already queued for the control context first (health results and ejections reported
   * before this call), then reads the published snapshot: a backend shown HEALTHY receives picks, and one
   * shown ejected, drained or removed receives none from any select that starts afterwards. Not for the
   * request path.
   */
  @Override
  public List<BackendView> view() {
    context.run(NOTHING); // a barrier: everything queued before it is applied and published
    PoolSnapshot s = published.current;
    long now = nanoTime.getAsLong();
    List<BackendView> views = new ArrayList<>(s.members.size());
    for (int i = 0; i < s.members.size(); i++) {
      MemberState m = s.members.get(i);
      boolean draining = m.removed() || m.inDrainWindow(now);
      views.add(new BackendView(m.backend(), draining ? BackendState.DRAINING : BackendState.ACTIVE,
          m.healthy() ? HealthStatus.HEALTHY : HealthStatus.UNHEALTHY, m.ejected(), s.candidates.get(i).weight(),
          checker.lastResult(m.backend().id()), m.member().active.get(), m.member().picks.sum()));
    }
    return Collections.unmodifiableList(views);
  }

  /**
   * {@inheritDoc}
   *
   * <p>Applies what is already queued first (a barrier, as {@link #view()}), then reads the published
   * snapshot.
   */
  @Override
  public int activePriority() {
    context.run(NOTHING);
    return published.current.activePriority;
  }

  @Override
  public Subscription subscribe(Consumer<? super LoadBalancerEvent> consumer) {
    return events.subscribe(consumer);
  }

  /**
   * {@inheritDoc}
   *
   * <p>Applies what the source already delivered first (a barrier, as {@link #view()}), then reads the
   * published snapshot.
   */
  @Override
  public Optional<SourceState> sourceState() {
    context.run(NOTHING);
    return Optional.ofNullable(published.current.source);
  }

  /**
   * The load-aware weights' state, for {@code LoadBalancers.loadAwareMetrics}: applies what is queued first
   * (a barrier, as {@link #view()}).
   *
   * @return the metrics, or empty when the pool's weights do not follow load
   */
  public Optional<LoadAwareMetrics> loadAwareMetrics() {
    if (load == null) {
      return Optional.empty();
    }
    context.run(NOTHING);
    PoolSnapshot s = published.current;
    List<LoadAwareMetrics.BackendLoad> backends = new ArrayList<>(s.members.size());
    for (MemberState m : s.members) {
      MemberLoad l = m.member().load;
      backends.add(new LoadAwareMetrics.BackendLoad(m.backend().id(), l.weight, l.lastReport(), l.reports(),
          l.malformed(), l.lastMalformed()));
    }
    LoadWeights last = load.last();
    return Optional.of(new LoadAwareMetrics(load.policy(), load.updates(), last == null ? 0 : last.usable(),
        last == null ? s.members.size() : last.notYetUsable(), last == null ? 0 : last.stale(), backends));
  }

  /**
   * The subset's size and the whole membership's, for {@code LoadBalancers.subsetStatus}: applies what is
   * queued first (a barrier, as {@link #view()}).
   *
   * @return the status, or empty when the pool does not subset
   */
  public Optional<SubsetStatus> subsetStatus() {
    if (subset == null) {
      return Optional.empty();
    }
    context.run(NOTHING);
    return Optional.of(new SubsetStatus(subset.policy(), subset.membershipSize(), subset.subsetSize()));
  }

  /**
   * The checker's probe counters, for {@code LoadBalancers.healthCheckMetrics}.
   *
   * @return a snapshot
   */
  public ProbeMetrics probeMetrics() {
    return checker.metrics();
  }

  /**
   * The checker's policy, for tests that check it agrees with {@link #healthCheck()}.
   *
   * @return the policy
   */
  public HealthCheckPolicy checkerPolicy() {
    return checker.policy();
  }

  /**
   * Readiness futures waiting now, for tests.
   *
   * @return how many
   */
  public int readinessWaiters() {
    return readiness.waiting();
  }

  @Override
  public String toString() {
    PoolSnapshot s = published.current;
    return "LoadBalancer{" + name + " " + s.members.size() + " backends "
        + (s.closed ? "CLOSED" : s.started ? "STARTED" : "NEW") + "}";
  }
}
