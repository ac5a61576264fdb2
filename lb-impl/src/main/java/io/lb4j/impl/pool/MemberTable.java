package io.lb4j.impl.pool;

import io.lb4j.api.Backend;
import io.lb4j.api.PoolSettings;
import io.lb4j.api.LoadBalancerEvent;
import io.lb4j.api.LoadBalancerEvent.MembershipChange;
import io.lb4j.api.health.HealthStatus;
import io.lb4j.api.health.HealthTransition;
import io.lb4j.impl.health.HealthChecker;
import io.lb4j.impl.health.OutlierDetector;
import io.lb4j.impl.persistence.SessionAffinity;
import java.lang.invoke.VarHandle;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;

/**
 * A pool's members and every change to their lifecycle: joining (with probe, outlier and affinity state),
 * updates of weight, enabled flag and metadata, draining and leaving, whole-list diffs, health results and
 * ejections, and the timed steps (drain deadlines, the end of an ejection, slow-start ramps). Each change
 * replaces a member's {@link MemberState} whole, emits its event and marks the table changed; the pool
 * publishes once per batch.
 *
 * <p><b>Threading.</b> Confined to the pool's {@link ControlContext}: every method runs there, so changes
 * (and the probe and outlier bookkeeping that goes with them: a re-add of an id comes strictly after the
 * removal of its predecessor) happen in one order, and nothing here needs a lock. Readers use the published
 * snapshot, never this table.
 *
 * <p><b>No polling.</b> Health and ejections change here only when the checker or the detector reports a
 * change (or a first result); a drain deadline and the end of an ejection are timers on the context.
 */
final class MemberTable {

  /** What a whole-list update did, for its log line. */
  record Diff(int added, int updated, int removed, boolean hostNameAdded) {}

  private final PoolSettings settings;
  private final HealthChecker checker;
  private final OutlierDetector outliers;
  private final SessionAffinity affinity;
  private final Clock clock;
  private final LongSupplier nanoTime;
  private final PoolTimers timers;
  private final long drainNanos;
  private final long slowStartNanos;
  private final boolean persistent;
  private final Consumer<LoadBalancerEvent> emit;
  private final Logger log;
  private final String poolName;
  /** Creates a joining member's load-aware state; null when the pool's weights do not follow load. */
  private final Supplier<MemberLoad> newLoad;
  /** Members by id, in the order they joined. */
  private final Map<String, MemberState> members = new LinkedHashMap<>();
  /** Whether anything changed since the last {@link #takeChanged()}. */
  private boolean changed;

  MemberTable(PoolSettings settings, long slowStartNanos, HealthChecker checker, OutlierDetector outliers,
      SessionAffinity affinity, Clock clock, LongSupplier nanoTime, PoolTimers timers,
      Consumer<LoadBalancerEvent> emit, Logger log, String poolName, Supplier<MemberLoad> newLoad) {
    this.settings = settings;
    this.checker = checker;
    this.outliers = outliers;
    this.affinity = affinity;
    this.clock = clock;
    this.nanoTime = nanoTime;
    this.timers = timers;
    this.drainNanos = settings.drainTimeout().toNanos();
    this.slowStartNanos = slowStartNanos;
    this.persistent = settings.sessionPersistence().enabled();
    this.emit = emit;
    this.log = log;
    this.poolName = poolName;
    this.newLoad = newLoad;
  }

  MemberState get(String id) {
    return members.get(id);
  }

  int size() {
    return members.size();
  }

  /** Every member's state, in member order, for planning and publication. */
  List<MemberState> states() {
    return new ArrayList<>(members.values());
  }

  /** Whether anything changed since the last call; resets the flag. */
  boolean takeChanged() {
    boolean c = changed;
    changed = false;
    return c;
  }

  /** Marks the table changed (a ramp moved with time, a policy changed the plan). */
  void touch() {
    changed = true;
  }

  /** The members of a new pool, joined silently (no ADDED events for what the pool was built with). */
  void joinAll(List<Backend> backends) {
    for (Backend b : backends) {
      join(b, false);
    }
  }

  /** Adds one backend whose id is not a member. */
  void join(Backend backend) {
    join(backend, true);
  }

  private void join(Backend backend, boolean announce) {
    InetSocketAddress address = Addresses.initial(backend.host(), settings.backendPortFor(backend));
    // The checker's state for this id was removed in this same context when a previous member of that id
    // left, so a re-added backend always gets fresh probes (no stale target to keep).
    checker.add(backend, address.isUnresolved() ? null : address.getAddress());
    boolean healthy = checker.status(backend.id()) == HealthStatus.HEALTHY;
    MemberState state = MemberState.joined(backend, address, healthy, newLoad == null ? null : newLoad.get());
    if (healthy && slowStartNanos > 0 && announce) {
      state = state.withRampStart(nanoTime.getAsLong());
    }
    put(state);
    affinity.memberAdded(backend.id());
    if (outliers != null) {
      outliers.add(backend);
    }
    if (announce) {
      emit.accept(new LoadBalancerEvent.MembershipChanged(backend, MembershipChange.ADDED, clock.instant()));
    }
  }

  /**
   * Removes a member, draining it first when a drain timeout applies and something may still need it
   * (open connections, or sessions that may come back). Returns true when it left at once.
   */
  boolean leave(MemberState m) {
    Member member = m.member();
    if (drainNanos > 0) {
      if (!persistent) {
        // Dekker with the request threads (Selections.Picked#release): they lower the count, then read the
        // flag; we raise the flag, then read the count. One of the two sees the other, so the member never
        // waits for its deadline once its last request ended.
        member.leavingWhenIdle = true;
        VarHandle.fullFence();
      }
      if (persistent || member.active.get() > 0) {
        MemberState draining = m.draining(nanoTime.getAsLong() + drainNanos);
        put(draining);
        armDrainTimer(draining);
        emit.accept(new LoadBalancerEvent.MembershipChanged(m.backend(), MembershipChange.DRAINING, clock.instant()));
        return false;
      }
    }
    drop(m);
    return true;
  }

  /** Removes a member for good, with its probe, outlier and affinity state. */
  private void drop(MemberState m) {
    members.remove(m.backend().id());
    changed = true;
    cancelTimers(m.member());
    checker.remove(m.backend().id());
    if (outliers != null) {
      outliers.remove(m.backend().id());
    }
    affinity.memberRemoved(m.backend().id());
    emit.accept(new LoadBalancerEvent.MembershipChanged(m.backend(), MembershipChange.REMOVED, clock.instant()));
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
    long now = nanoTime.getAsLong();
    for (MemberState m : new ArrayList<>(members.values())) {
      if (!wanted.containsKey(m.backend().id()) && !m.removed()) {
        leave(m);
        removed++;
      }
    }
    for (Backend b : wanted.values()) {
      MemberState m = members.get(b.id());
      if (m == null || !m.backend().equals(b)) { // Backend equality: same id, host and port
        if (m != null) {
          drop(m);
        }
        join(b, true);
        hostNameAdded |= !Addresses.isIpLiteral(b.host());
        added++;
      } else if (m.removed()) {
        m.member().leavingWhenIdle = false;
        cancelTimers(m.member());
        put(m.revived(b));
        emit.accept(new LoadBalancerEvent.MembershipChanged(b, MembershipChange.ADDED, clock.instant()));
        added++;
      } else if (update(m, b, now)) {
        updated++;
      }
    }
    return new Diff(added, updated, removed, hostNameAdded);
  }

  /**
   * Gives a member new attributes (weight, priority, enabled flag, metadata), with the drain window and slow
   * start a weight change implies. Returns false when nothing changed.
   */
  boolean update(MemberState s, Backend updated, long now) {
    Backend old = s.backend();
    if (old.weight() == updated.weight() && old.priority() == updated.priority() && old.enabled() == updated.enabled()
        && old.metadata().equals(updated.metadata())) {
      return false;
    }
    MemberState n = s.withBackend(updated);
    if (!n.removed() && old.weight() != updated.weight()) {
      // Weight 0 with a drain timeout: no new picks, but sessions keep working for the drain window.
      boolean window = updated.weight() == 0 && drainNanos > 0;
      n = n.withDrainWindow(window, window ? now + drainNanos : 0);
      if (window) {
        armDrainTimer(n);
      }
      if (old.weight() == 0 && updated.weight() > 0 && slowStartNanos > 0) {
        n = n.withRampStart(now);
      }
    }
    put(n);
    emit.accept(new LoadBalancerEvent.MembershipChanged(updated, MembershipChange.UPDATED, clock.instant()));
    return true;
  }

  /** After a policy change: every member's health as the checker now sees it. */
  void refreshHealthFromChecker() {
    for (MemberState s : new ArrayList<>(members.values())) {
      boolean healthy = checker.status(s.backend().id()) == HealthStatus.HEALTHY;
      if (healthy != s.healthy()) {
        put(s.withHealth(healthy, s.checked() || healthy));
      }
    }
  }

  /**
   * An active check changed a member's status: applied (a member that turns eligible again starts slow
   * start, as a new one does) and announced. A transition of a member that left or was replaced
   * meanwhile changes nothing. Returns whether it applied.
   */
  boolean applyHealth(HealthTransition t) {
    MemberState s = current(t.backend());
    if (s == null) {
      return false;
    }
    ramped(s, s.withHealth(t.to() == HealthStatus.HEALTHY, true));
    emit.accept(new LoadBalancerEvent.HealthChanged(t));
    return true;
  }

  /** A member's first probe result changed no status (a first failure): its health is known from now on. */
  void markChecked(Backend backend) {
    MemberState s = current(backend);
    if (s != null && !s.checked()) {
      put(s.withHealth(s.healthy(), true));
    }
  }

  /**
   * Brings a member's ejection in line with the detector, after it reported a change (an ejection, a return,
   * a failed trial) or when the ejection's time ran out; announces {@code t} when there is one. Reading the
   * detector rather than the event's direction makes events that two reporting threads raised out of order
   * harmless. While ejected, a timer is set for the end of the ejection, when trial traffic may flow again.
   */
  void applyEjection(Backend backend, HealthTransition t) {
    MemberState s = current(backend);
    if (s == null) {
      return;
    }
    String id = backend.id();
    boolean ejected = outliers.isEjected(id);
    if (ejected != s.ejected()) {
      ramped(s, s.withEjected(ejected));
      if (t == null && !ejected) {
        log.info("load balancer '{}': {} is no longer ejected (ejection ran out), trial traffic allowed", poolName,
            id);
      }
    }
    Member member = s.member();
    if (member.ejectionTimer != null) {
      member.ejectionTimer.cancel();
      member.ejectionTimer = null;
    }
    if (ejected) {
      long leftMillis = outliers.ejectedUntilMillis(id) - clock.millis();
      member.ejectionTimer = timers.after(Math.max(0, leftMillis) * 1_000_000L, () -> applyEjection(backend, null));
    }
    if (t != null) {
      emit.accept(new LoadBalancerEvent.HealthChanged(t));
    }
  }

  /** {@code s} replaced by {@code n}; a member that turns usable starts slow start. */
  private void ramped(MemberState s, MemberState n) {
    if (!s.usable() && n.usable() && slowStartNanos > 0) {
      n = n.withRampStart(nanoTime.getAsLong());
    }
    put(n);
  }

  /** Ends the ramps that are over at {@code now}. */
  void endRamps(long now, CandidatePlanner planner) {
    for (MemberState s : new ArrayList<>(members.values())) {
      if (s.rampStart() != MemberState.NOT_RAMPING && planner.rampOver(s.rampStart(), now)) {
        put(s.withRampStart(MemberState.NOT_RAMPING));
      }
    }
  }

  private void armDrainTimer(MemberState s) {
    Member member = s.member();
    if (member.drainTimer != null) {
      member.drainTimer.cancel();
    }
    member.drainTimer = timers.after(s.drainDeadline() - nanoTime.getAsLong(), () -> drainDeadlinePassed(member));
  }

  /** A member's drain window closed: a removed member leaves, a member at weight 0 stops keeping sessions. */
  private void drainDeadlinePassed(Member member) {
    MemberState s = members.get(member.id);
    if (s == null || s.member() != member || !s.drainWindow() || s.inDrainWindow(nanoTime.getAsLong())) {
      return;
    }
    if (s.removed()) {
      drop(s);
      log.info("load balancer '{}': drained and removed {}", poolName, member.id);
    } else {
      put(s.withDrainWindow(false, 0));
    }
  }

  /** The last request of a member that was left to drain ended: it leaves now, unless it came back. */
  void idle(Member member) {
    MemberState s = members.get(member.id);
    if (s != null && s.member() == member && s.removed() && !persistent && member.active.get() == 0) {
      drop(s);
      log.info("load balancer '{}': drained and removed {}", poolName, member.id);
    }
  }

  /** Host names to resolve: (member id, host) of members whose host is not an IP literal. */
  Map<String, String> hostNames() {
    Map<String, String> names = new LinkedHashMap<>();
    for (MemberState s : members.values()) {
      String host = s.backend().host();
      if (!Addresses.isIpLiteral(host)) {
        names.put(s.backend().id(), host);
      }
    }
    return names;
  }

  /** Applies a lookup's result: a changed address reaches traffic and checks. */
  void addressResolved(String id, String host, InetAddress resolved) {
    MemberState s = members.get(id);
    if (s == null || !s.backend().host().equals(host) || resolved == null) {
      return;
    }
    InetSocketAddress current = s.address();
    if (!current.isUnresolved() && resolved.equals(current.getAddress())) {
      return;
    }
    // Keeps the host name, so the address prints as host/ip:port.
    put(s.withAddress(new InetSocketAddress(Addresses.named(host, resolved), current.getPort())));
    checker.updateAddress(id, resolved);
    log.info("load balancer '{}': {} ({}) now resolves to {}", poolName, id, host, resolved.getHostAddress());
  }

  /** The member {@code backend} names, or null when it left or was replaced by another server since. */
  private MemberState current(Backend backend) {
    MemberState s = members.get(backend.id());
    return s == null || !s.backend().equals(backend) ? null : s;
  }

  /** Drops every member's timers (the pool closed). */
  void closed() {
    for (MemberState s : members.values()) {
      cancelTimers(s.member());
    }
  }

  private static void cancelTimers(Member member) {
    if (member.drainTimer != null) {
      member.drainTimer.cancel();
      member.drainTimer = null;
    }
    if (member.ejectionTimer != null) {
      member.ejectionTimer.cancel();
      member.ejectionTimer = null;
    }
  }

  private void put(MemberState s) {
    members.put(s.backend().id(), s);
    changed = true;
  }
}
