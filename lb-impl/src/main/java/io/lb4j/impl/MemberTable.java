package io.lb4j.impl;

import io.lb4j.api.Backend;
import io.lb4j.api.Listener;
import io.lb4j.api.LoadBalancerEvent;
import io.lb4j.api.LoadBalancerEvent.MembershipChange;
import io.lb4j.api.health.HealthStatus;
import io.lb4j.api.health.HealthTransition;
import io.lb4j.impl.health.HealthChecker;
import io.lb4j.impl.health.HealthEventHistory;
import io.lb4j.impl.health.OutlierDetector;
import io.lb4j.impl.persistence.SessionAffinity;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.ToIntFunction;
import org.slf4j.Logger;

/**
 * A pool's members and every change to their lifecycle: joining (with probe, outlier and affinity state),
 * updates of weight, enabled flag and metadata, draining and leaving, whole-list diffs, health transitions
 * and the timed steps (ramps, drain deadlines, ejections that ran out). Each change replaces a member's
 * {@link MemberState} whole and emits its event through the pool's sink; the pool publishes afterwards.
 *
 * <p><b>Threading.</b> Every method that changes something runs under the pool's control lock, so changes
 * (and the probe and outlier bookkeeping that goes with them: a re-add of an id comes strictly after the
 * removal of its predecessor) happen in one order. {@link #snapshot()} and each member's state are read
 * without a lock by selects: the map is replaced, never mutated, once published.
 */
final class MemberTable {

  /** A health transition seen by another thread and not yet applied to its member. */
  record PendingTransition(HealthTransition transition, boolean active) {}

  /** What a whole-list update did, for its log line. */
  record Diff(int added, int updated, int removed, boolean hostNameAdded) {}

  private final Listener settings;
  private final HealthChecker checker;
  private final OutlierDetector outliers;
  private final SessionAffinity affinity;
  private final HealthEventHistory history;
  private final Clock clock;
  private final LongSupplier nanoTime;
  private final long drainNanos;
  private final long slowStartNanos;
  private final boolean persistent;
  private final Consumer<LoadBalancerEvent> emit;
  /** A member's active requests (counted by the scheduler or by the member). */
  private final ToIntFunction<Member> active;
  private final Logger log;
  private final String poolName;
  /** Members by id, in the order they joined; replaced (never mutated) once published. */
  private volatile Map<String, Member> members = Collections.emptyMap();

  MemberTable(Listener settings, HealthChecker checker, OutlierDetector outliers, SessionAffinity affinity,
      HealthEventHistory history, Clock clock, LongSupplier nanoTime, long slowStartNanos,
      Consumer<LoadBalancerEvent> emit, ToIntFunction<Member> active, Logger log, String poolName) {
    this.active = active;
    this.settings = settings;
    this.checker = checker;
    this.outliers = outliers;
    this.affinity = affinity;
    this.history = history;
    this.clock = clock;
    this.nanoTime = nanoTime;
    this.drainNanos = settings.drainTimeout().toNanos();
    this.slowStartNanos = slowStartNanos;
    this.persistent = settings.sessionPersistence().enabled();
    this.emit = emit;
    this.log = log;
    this.poolName = poolName;
  }

  /** The members, for lock-free readers. */
  Map<String, Member> snapshot() {
    return members;
  }

  Member get(String id) {
    return members.get(id);
  }

  int size() {
    return members.size();
  }

  /** Every member's state, in member order, for planning. */
  List<MemberState> states() {
    Collection<Member> all = members.values();
    List<MemberState> states = new ArrayList<>(all.size());
    for (Member m : all) {
      states.add(m.state);
    }
    return states;
  }

  /** The members of a new pool, joined silently (no ADDED events for what the pool was built with). */
  void joinAll(List<Backend> backends) {
    Map<String, Member> next = new LinkedHashMap<>();
    for (Backend b : backends) {
      join(next, b, false);
    }
    members = Collections.unmodifiableMap(next);
  }

  /** Adds one backend whose id is not a member. */
  void join(Backend backend) {
    Map<String, Member> next = new LinkedHashMap<>(members);
    join(next, backend, true);
    members = Collections.unmodifiableMap(next);
  }

  private void join(Map<String, Member> next, Backend backend, boolean announce) {
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
      emit.accept(new LoadBalancerEvent.MembershipChanged(backend, MembershipChange.ADDED, clock.instant()));
    }
  }

  /** Removes a member, draining it first when that applies. Returns true when it left at once. */
  boolean leave(Member m) {
    Map<String, Member> next = new LinkedHashMap<>(members);
    boolean dropped = leave(next, m);
    members = Collections.unmodifiableMap(next);
    return dropped;
  }

  /**
   * Drains {@code m} when a drain timeout applies and something may still need it (open connections, or
   * sessions that may come back), else drops it from {@code next}. Returns true when dropped.
   */
  private boolean leave(Map<String, Member> next, Member m) {
    if (drainNanos > 0 && (persistent || active.applyAsInt(m) > 0)) {
      m.state = m.state.draining(nanoTime.getAsLong() + drainNanos);
      emit.accept(new LoadBalancerEvent.MembershipChanged(m.state.backend(), MembershipChange.DRAINING,
          clock.instant()));
      return false;
    }
    drop(next, m);
    return true;
  }

  /** Removes a member for good, with its probe, outlier and affinity state. */
  private void drop(Map<String, Member> next, Member m) {
    next.remove(m.id);
    checker.remove(m.id);
    if (outliers != null) {
      outliers.remove(m.id);
    }
    affinity.memberRemoved(m.id);
    emit.accept(new LoadBalancerEvent.MembershipChanged(m.state.backend(), MembershipChange.REMOVED,
        clock.instant()));
  }

  /**
   * Makes the membership {@code wanted} (ids unique, checked by the caller): new ids join, missing members
   * leave, changed attributes update, a draining member listed again comes back, and a member whose host
   * or port changed is replaced (another server under the same id; its sessions move). O(members).
   */
  Diff replaceAll(Map<String, Backend> wanted) {
    int added = 0;
    int updated = 0;
    int removed = 0;
    boolean hostNameAdded = false;
    Map<String, Member> current = members;
    Map<String, Member> next = new LinkedHashMap<>(current);
    long now = nanoTime.getAsLong();
    for (Member m : current.values()) {
      if (!wanted.containsKey(m.id) && !m.state.removed()) {
        leave(next, m);
        removed++;
      }
    }
    for (Backend b : wanted.values()) {
      Member m = current.get(b.id());
      if (m == null || !m.state.backend().equals(b)) {
        if (m != null) {
          drop(next, m);
        }
        join(next, b, true);
        hostNameAdded |= !Addresses.isIpLiteral(b.host());
        added++;
      } else if (m.state.removed()) {
        m.state = m.state.revived(b);
        emit.accept(new LoadBalancerEvent.MembershipChanged(b, MembershipChange.ADDED, clock.instant()));
        added++;
      } else if (update(m, b, now)) {
        updated++;
      }
    }
    members = Collections.unmodifiableMap(next);
    return new Diff(added, updated, removed, hostNameAdded);
  }

  /**
   * Gives a member new attributes (weight, enabled flag, metadata), with the drain window and slow start
   * a weight change implies. Returns false when nothing changed.
   */
  boolean update(Member m, Backend updated, long now) {
    MemberState s = m.state;
    Backend old = s.backend();
    if (old.weight() == updated.weight() && old.enabled() == updated.enabled()
        && old.metadata().equals(updated.metadata())) {
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
    emit.accept(new LoadBalancerEvent.MembershipChanged(updated, MembershipChange.UPDATED, clock.instant()));
    return true;
  }

  /** After a policy change: every member's health as the checker now sees it. */
  void refreshHealthFromChecker() {
    for (Member m : members.values()) {
      MemberState s = m.state;
      boolean healthy = checker.status(m.id) == HealthStatus.HEALTHY;
      if (healthy != s.healthy()) {
        m.state = s.withHealth(healthy, s.checked() || healthy);
      }
    }
  }

  /**
   * Applies queued transitions, in the order they were seen, to their members (a member that turns
   * eligible again starts slow start, as a new one does), and records them in the history. Returns
   * whether any member changed.
   */
  boolean applyTransitions(Queue<PendingTransition> pending) {
    boolean any = false;
    PendingTransition p;
    while ((p = pending.poll()) != null) {
      HealthTransition t = p.transition();
      history.record(t);
      Member m = members.get(t.backend().id());
      if (m == null || !m.state.backend().equals(t.backend())) {
        continue; // a transition of a member that left (or was replaced) meanwhile
      }
      MemberState s = m.state;
      MemberState n = p.active() ? s.withHealth(t.to() == HealthStatus.HEALTHY, true)
          : s.withEjected(t.to() == HealthStatus.UNHEALTHY);
      if (!s.usable() && n.usable() && slowStartNanos > 0) {
        n = n.withRampStart(nanoTime.getAsLong());
      }
      m.state = n;
      emit.accept(new LoadBalancerEvent.HealthChanged(t));
      any = true;
    }
    return any;
  }

  /**
   * The timed steps at {@code now}: first checks that changed no status, ejections that ran out (the
   * detector reports none), slow-start ramps, drain windows that closed and drained members that can go.
   * Returns whether anything changed (a ramp in progress counts: its weight moved).
   */
  boolean maintain(long now, CandidatePlanner planner) {
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
        log.info("load balancer '{}': {} is {}", poolName, m.id,
            ejected ? "ejected" : "no longer ejected (ejection ran out), trial traffic allowed");
      }
      if (n.rampStart() != MemberState.NOT_RAMPING) {
        changed = true;
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
      if (n.removed() && (!n.drainWindow() || (!persistent && active.applyAsInt(m) == 0))) {
        if (expired == null) {
          expired = new ArrayList<>();
        }
        expired.add(m);
      }
    }
    if (expired != null) {
      Map<String, Member> next = new LinkedHashMap<>(members);
      for (Member m : expired) {
        drop(next, m);
        log.info("load balancer '{}': drained and removed {}", poolName, m.id);
      }
      members = Collections.unmodifiableMap(next);
      changed = true;
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

  /** Applies a lookup's result: a changed address reaches traffic and checks. */
  void addressResolved(String id, String host, InetAddress resolved) {
    Member m = members.get(id);
    if (m == null || !m.state.backend().host().equals(host) || resolved == null) {
      return;
    }
    InetSocketAddress current = m.state.address();
    if (!current.isUnresolved() && resolved.equals(current.getAddress())) {
      return;
    }
    // Keeps the host name, so the address prints as host/ip:port.
    m.state = m.state.withAddress(new InetSocketAddress(Addresses.named(host, resolved), current.getPort()));
    checker.updateAddress(id, resolved);
    log.info("load balancer '{}': {} ({}) now resolves to {}", poolName, id, host, resolved.getHostAddress());
  }
}
