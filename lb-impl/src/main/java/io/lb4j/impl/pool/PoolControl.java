package io.lb4j.impl.pool;

import io.lb4j.api.Backend;
import io.lb4j.api.LoadBalancerEvent;
import io.lb4j.api.health.HealthCheckPolicy;
import io.lb4j.api.health.HealthTransition;
import io.lb4j.api.scheduler.Picker;
import io.lb4j.api.scheduler.Scheduler;
import io.lb4j.impl.health.HealthChecker;
import io.lb4j.impl.health.HealthEventHistory;
import io.lb4j.impl.health.OutlierDetector;
import java.net.InetAddress;
import java.time.Clock;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import java.util.function.LongSupplier;
import org.slf4j.Logger;

/**
 * A pool's control state and its one publication per batch: the lifecycle, the health-check policy and the
 * plan it implies, the members ({@link MemberTable}), the backend source ({@link SourceBinding}), the timers
 * and address lookups, and the {@link PoolSnapshot} built from all of it.
 *
 * <p><b>Threading.</b> Confined to the pool's {@link ControlContext}: every method runs as one of its tasks
 * (or at the end of a batch: {@link #publish}, {@link #deliver}), so nothing here is locked. What other
 * threads see is the published snapshot; the only fields read outside are the volatile {@link #policy()}
 * and the snapshot holder.
 */
final class PoolControl {

  /** NEW (built: changes apply, nothing is checked), STARTED (checks run), CLOSED. */
  enum Lifecycle { NEW, STARTED, CLOSED }

  private final String name;
  private final Logger log;
  private final Scheduler scheduler;
  private final long slowStartNanos;
  private final int slowStartFloorPercent;
  private final HealthChecker checker;
  private final HealthEventHistory history;
  private final Clock clock;
  private final LongSupplier nanoTime;
  private final PoolEvents events;
  private final PoolTimers timers;
  private final MemberTable members;
  private final Readiness readiness;
  private final PoolSnapshot.Published published;
  private final SharedThreads threads;
  private final ControlContext context;
  private final long addressRefreshNanos;
  private final Function<String, InetAddress> resolver;
  private SourceBinding source;
  /** Load-aware weights, or null when the pool's weights are the configured ones. */
  private LoadWeighting load;
  /** The deterministic subset, or null when the pool uses every backend it is given. */
  private Subsetting subset;

  private volatile HealthCheckPolicy policy;
  private CandidatePlanner planner;
  private Lifecycle lifecycle = Lifecycle.NEW;
  private boolean panic;
  /** The active priority tier last published; {@link #NOT_PUBLISHED} before the first publication. */
  private int activePriority = NOT_PUBLISHED;
  private static final int NOT_PUBLISHED = -1;
  /** Something besides the members changed (lifecycle, policy, source): publish at the end of the batch. */
  private boolean dirty = true;
  private PoolTimers.Timer rampTimer;
  private PoolTimers.Timer refreshTimer;
  private boolean lookupRunning;
  private boolean lookupAgain;

  PoolControl(String name, Logger log, Scheduler scheduler, HealthCheckPolicy policy, long slowStartNanos,
      int slowStartFloorPercent, HealthChecker checker, HealthEventHistory history, Clock clock,
      LongSupplier nanoTime, PoolEvents events, PoolTimers timers, MemberTable members, Readiness readiness,
      PoolSnapshot.Published published, SharedThreads threads, ControlContext context, long addressRefreshNanos,
      Function<String, InetAddress> resolver) {
    this.name = name;
    this.log = log;
    this.scheduler = scheduler;
    this.policy = policy;
    this.slowStartNanos = slowStartNanos;
    this.slowStartFloorPercent = slowStartFloorPercent;
    this.checker = checker;
    this.history = history;
    this.clock = clock;
    this.nanoTime = nanoTime;
    this.events = events;
    this.timers = timers;
    this.members = members;
    this.readiness = readiness;
    this.published = published;
    this.threads = threads;
    this.context = context;
    this.addressRefreshNanos = addressRefreshNanos;
    this.resolver = resolver;
    this.planner = newPlanner(policy);
  }

  /** The pool's backend source, once; its state is published with the rest. */
  void source(SourceBinding binding) {
    this.source = binding;
  }

  /** The pool's load-aware weights, once; updated from when the pool starts. */
  void loadWeighting(LoadWeighting weighting) {
    this.load = weighting;
  }

  /** The pool's subsetting, once: from then on only the subset of what the pool is given becomes members. */
  void subsetting(Subsetting subsetting) {
    this.subset = subsetting;
  }

  /** The backends the pool is built with (ids unique), joined without events: the subset of them, if any. */
  void joinInitial(List<Backend> backends) {
    members.joinAll(subset == null ? backends : List.copyOf(subset.replaceAll(validated(backends)).values()));
  }

  /** Whether fail-open is on, as last published. */
  boolean panic() {
    return panic;
  }

  private CandidatePlanner newPlanner(HealthCheckPolicy p) {
    return new CandidatePlanner(p.enabled() ? p.panicThresholdPercent() : 0, slowStartNanos, slowStartFloorPercent);
  }

  HealthCheckPolicy policy() {
    return policy;
  }

  Lifecycle lifecycle() {
    return lifecycle;
  }

  MemberTable members() {
    return members;
  }

  /** Throws when the pool is closed. */
  void requireOpen() {
    if (lifecycle == Lifecycle.CLOSED) {
      throw new IllegalStateException("load balancer '" + name + "' is closed");
    }
  }

  /** Something besides the members changed: publish at the end of the batch. */
  void changed() {
    dirty = true;
  }

  // ---- lifecycle ----

  /** Starts checks and the source; false when already started. */
  boolean start() {
    requireOpen();
    if (lifecycle == Lifecycle.STARTED) {
      return false;
    }
    lifecycle = Lifecycle.STARTED;
    dirty = true;
    checker.start();
    if (load != null) {
      load.start();
    }
    if (source != null) {
      source.start();
    }
    return true;
  }

  /** Stops everything of this pool; false when already closed. */
  boolean close() {
    if (lifecycle == Lifecycle.CLOSED) {
      return false;
    }
    lifecycle = Lifecycle.CLOSED;
    dirty = true;
    if (source != null) {
      source.close(); // first, so that no list is applied to a closing pool
    }
    members.closed();
    if (load != null) {
      load.stop();
    }
    timers.clear();
    checker.close();
    context.stop();
    return true;
  }

  // ---- membership ----

  /** Adds a backend whose id must not be a member (draining ones included). */
  void addBackend(Backend backend) {
    requireOpen();
    MemberState existing = members.get(backend.id());
    if (existing != null || (subset != null && subset.contains(backend.id()))) {
      throw new IllegalArgumentException("backend.id must be unique in the pool, was '" + backend.id()
          + "' (already a member" + (existing != null && existing.removed() ? ", draining)" : ")"));
    }
    if (subset != null) {
      replace(subset.add(backend), "added " + backend.id());
      return;
    }
    members.join(backend);
    log.info("load balancer '{}': added {}", name, backend);
    if (!Addresses.isIpLiteral(backend.host())) {
      resolveSoon();
    }
  }

  /** Removes (or drains) a member; false when none has that id or the pool is closed. */
  boolean removeBackend(String backendId) {
    MemberState m = members.get(backendId);
    if (subset != null && subset.contains(backendId) && lifecycle != Lifecycle.CLOSED) {
      replace(subset.remove(backendId), "removed " + backendId);
      return true;
    }
    if (m == null || lifecycle == Lifecycle.CLOSED) {
      return false;
    }
    if (!m.removed()) {
      boolean dropped = members.leave(m);
      log.info("load balancer '{}': {} {}", name, dropped ? "removed" : "draining", backendId);
    }
    return true;
  }

  /** Checks a whole list before anything changes (on the caller's thread): no null, unique ids. */
  static Map<String, Backend> validated(Collection<Backend> backends) {
    Objects.requireNonNull(backends, "backends");
    Map<String, Backend> wanted = new LinkedHashMap<>(backends.size() * 2);
    for (Backend b : backends) {
      Objects.requireNonNull(b, "backends element");
      if (wanted.put(b.id(), b) != null) {
        throw new IllegalArgumentException("backends must have unique ids, was '" + b.id() + "' twice");
      }
    }
    return wanted;
  }

  /** A list from the backend source: validated, then applied like setBackends. */
  void apply(List<Backend> backends) {
    replace(validated(backends));
  }

  /** Makes the membership {@code wanted} (or, with subsetting, its subset), as one change. */
  void replace(Map<String, Backend> wanted) {
    if (subset != null) {
      replace(subset.replaceAll(wanted), "backends set");
    } else {
      replace(wanted, "backends set");
    }
  }

  /** Makes the members {@code wanted}, as one change. */
  private void replace(Map<String, Backend> wanted, String what) {
    MemberTable.Diff diff = members.replaceAll(wanted);
    log.info("load balancer '{}': {}: {} added, {} updated, {} removed or draining{}", name, what, diff.added(),
        diff.updated(), diff.removed(), subset == null ? ""
            : " (subset of " + subset.subsetSize() + " of " + subset.membershipSize() + " backends)");
    if (diff.hostNameAdded()) {
      resolveSoon();
    }
  }

  /** Gives a member new attributes ({@code change} validates before anything changes). */
  void changeMember(String backendId, UnaryOperator<Backend> change, String logLine) {
    requireOpen();
    MemberState m = members.get(backendId);
    if (subset != null && subset.contains(backendId)) {
      Backend updated = change.apply(subset.get(backendId));
      subset.update(updated); // outside the subset it waits there, in case the subset moves to it
      if (m != null && !m.removed() && members.update(m, updated, nanoTime.getAsLong())) {
        log.info("load balancer '{}': {}", name, logLine);
      }
      return;
    }
    if (m == null) {
      throw new IllegalArgumentException("backendId must name a member of the pool, was '" + backendId + "'");
    }
    if (members.update(m, change.apply(m.backend()), nanoTime.getAsLong())) {
      log.info("load balancer '{}': {}", name, logLine);
    }
  }

  // ---- health ----

  /** Switches the health-check policy; running probes switch over, members take the checker's view. */
  void setHealthCheck(HealthCheckPolicy next) {
    requireOpen();
    policy = next;
    checker.setPolicy(next);
    members.refreshHealthFromChecker();
    planner = newPlanner(next);
    dirty = true;
  }

  /** An active check changed a backend's status (a task from the probe loop). */
  void activeHealthChanged(HealthTransition t) {
    if (lifecycle == Lifecycle.CLOSED) {
      return;
    }
    history.record(t);
    members.applyHealth(t);
  }

  /** A backend's first probe result changed no status (a task from the probe loop). */
  void firstCheck(Backend backend) {
    if (lifecycle != Lifecycle.CLOSED) {
      members.markChecked(backend);
    }
  }

  /** Outlier detection ejected a backend or ended an ejection (a task from a reporting thread). */
  void ejectionChanged(HealthTransition t) {
    if (lifecycle == Lifecycle.CLOSED) {
      return;
    }
    history.record(t);
    members.applyEjection(t.backend(), t);
  }

  /** Outlier detection ejected a backend again after its trial calls failed (a task from a reporting thread). */
  void ejectedAgain(String backendId) {
    MemberState s = members.get(backendId);
    if (lifecycle != Lifecycle.CLOSED && s != null) {
      members.applyEjection(s.backend(), null);
    }
  }

  // ---- addresses ----

  /** Resolves host names now and every refresh interval from now on, while some member has one. */
  void resolveSoon() {
    if (refreshTimer != null) {
      refreshTimer.cancel();
    }
    refreshAddresses();
  }

  private void refreshAddresses() {
    refreshTimer = null;
    if (lifecycle == Lifecycle.CLOSED) {
      return;
    }
    Map<String, String> names = members.hostNames();
    if (names.isEmpty()) {
      return;
    }
    refreshTimer = timers.after(addressRefreshNanos, this::refreshAddresses);
    if (lookupRunning) {
      lookupAgain = true; // a slow DNS server: one lookup at a time, the next right after it
      return;
    }
    lookupRunning = true;
    threads.lookup(() -> {
      for (Map.Entry<String, String> e : names.entrySet()) {
        InetAddress resolved = resolver.apply(e.getValue());
        if (resolved == null) {
          log.warn("load balancer '{}': cannot resolve {} of backend {}", name, e.getValue(), e.getKey());
        }
        context.submit(() -> members.addressResolved(e.getKey(), e.getValue(), resolved));
      }
      context.submit(this::lookupDone);
    });
  }

  private void lookupDone() {
    lookupRunning = false;
    if (lookupAgain) {
      lookupAgain = false;
      resolveSoon();
    }
  }

  // ---- the end of a batch ----

  /**
   * Publishes the batch's changes as one snapshot, with one volatile write (after planning, the fail-open
   * change and its event last, after the changes that caused it), then arms the timers.
   */
  void publish() {
    if (members.takeChanged() | dirty) {
      dirty = false;
      List<MemberState> states = members.states();
      if (load != null) {
        load.assignNew(states);
      }
      CandidatePlanner.Plan plan = planner.plan(states, nanoTime.getAsLong());
      Picker picker = scheduler.update(plan.candidates());
      if (plan.activePriority() != activePriority) {
        tierChanged(activePriority, plan);
        activePriority = plan.activePriority();
      }
      if (plan.panic() != panic) {
        panic = plan.panic();
        events.emit(new LoadBalancerEvent.PanicModeChanged(panic, plan.healthyPercent(), clock.instant()));
        if (panic) {
          log.warn("load balancer '{}': only {}% of backends healthy, below {}%: fail-open, picking among all",
              name, plan.healthyPercent(), planner.panicThresholdPercent());
        } else {
          log.info("load balancer '{}': {}% of backends healthy, fail-open ended", name, plan.healthyPercent());
        }
      }
      published.current = new PoolSnapshot(List.copyOf(states), plan.candidates(), picker, panic,
          lifecycle == Lifecycle.STARTED, lifecycle == Lifecycle.CLOSED, plan.anyEligible(), plan.healthy(),
          source == null ? null : source.state(), source == null ? null : source.firstListTimeout(),
          policy.skipWhenTrafficSucceeds(), activePriority);
      if (plan.ramping() && rampTimer == null && lifecycle != Lifecycle.CLOSED) {
        rampTimer = timers.after(planner.rampStepNanos(), this::rampStep);
      }
    }
    if (lifecycle != Lifecycle.CLOSED) {
      timers.rearm();
    }
  }

  /**
   * The active tier moved from {@code from} to the plan's: announced (after the publication, like every event)
   * and logged. The first publication sets the tier without an announcement.
   */
  private void tierChanged(int from, CandidatePlanner.Plan plan) {
    if (from == NOT_PUBLISHED) {
      return;
    }
    int to = plan.activePriority();
    events.emit(new LoadBalancerEvent.PriorityChanged(from, to, plan.eligible(), clock.instant()));
    if (plan.eligible() == 0) {
      log.warn("load balancer '{}': no priority tier has an eligible backend (was taking traffic on priority {})",
          name, from);
    } else if (to > from) {
      log.warn("load balancer '{}': priority {} has no eligible backend: failing over to priority {} ({} eligible)",
          name, from, to, plan.eligible());
    } else {
      log.info("load balancer '{}': priority {} can serve again ({} eligible): traffic moves back from priority {}",
          name, to, plan.eligible(), from);
    }
  }

  /** A slow-start step: weights move with time, so the plan is published again. */
  private void rampStep() {
    rampTimer = null;
    members.endRamps(nanoTime.getAsLong(), planner);
    members.touch();
  }

  /** Delivers what the batch announced, then completes the readiness futures it satisfied. */
  void deliver() {
    do {
      events.deliver();
      readiness.completeSatisfied();
      if (lifecycle == Lifecycle.CLOSED) {
        readiness.closed();
      }
    } while (events.pending());
  }

  /** Fires the timers that are due (a {@link ManualTimeSource} moved). */
  void timeAdvanced() {
    timers.fireDue();
  }
}
