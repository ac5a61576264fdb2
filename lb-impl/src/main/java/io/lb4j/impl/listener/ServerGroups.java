package io.lb4j.impl.listener;

import io.lb4j.api.Backend;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.PoolSettings;
import io.lb4j.api.health.HealthCheckPolicy;
import io.lb4j.api.routing.Routing;
import io.lb4j.api.routing.ServerGroup;
import io.lb4j.impl.groups.GroupPools;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A listener's server groups over time: the current {@link Routes} (read once per request), the pools it built
 * for them, and each change from one {@link Routing} to the next, applied so that every request sees the old
 * routing or the new one whole.
 *
 * <p><b>A change</b> ({@link #reconfigure}), in order: pools of new groups (or of groups whose settings, source
 * or standby changed) are built, started and given a moment to pass their first checks; a kept group's health
 * check changes in place; a kept group's listed membership changes in two halves when the listener has rules
 * (its pool holds the union, the old generation hiding the new backends and the new generation the old ones);
 * then the new generation is published with one volatile write, every event loop passes a barrier, and a
 * {@link RoutingChange} ends the previous generation once none of its requests can select any more: kept pools
 * take their new membership alone, pools no group uses are closed. A listener without rules has one group and
 * no rule to mix with, so its membership changes in place, as one publication of its pool.
 *
 * <p>Thread-safe: changes are serialized ({@code synchronized}); {@link #current()} is a volatile read.
 */
final class ServerGroups {
  private static final Logger log = LoggerFactory.getLogger(ListenerServer.class);
  /** The longest a change waits for a new pool's first eligible backend before publishing anyway. */
  private static final Duration MAX_WARM_UP = Duration.ofSeconds(30);

  private final String listenerName;
  /** Builds group pools; null for a server given one pool by its caller (no change possible). */
  private final GroupPools factory;
  private volatile Routes current;
  /** Pools this server built and has not closed yet. */
  private final Set<LoadBalancer> owned = new HashSet<>();
  private RoutingChange pending;
  private boolean started;
  private boolean closed;

  private ServerGroups(String listenerName, GroupPools factory, Routes initial) {
    this.listenerName = listenerName;
    this.factory = factory;
    this.current = initial;
  }

  /** One pool of the caller's, the default group of every request. */
  static ServerGroups ofPool(String listenerName, Routing routing, LoadBalancer pool) {
    Map<String, GroupPool> groups = Map.of(routing.routedGroups().get(0), new GroupPool(routing.routedGroups().get(0),
        pool));
    return new ServerGroups(listenerName, null, new Routes(routing, groups, null));
  }

  /** Groups whose pools are built by {@code factory} when the server starts. */
  static ServerGroups of(String listenerName, Routing routing, GroupPools factory) {
    // Until start the routes hold no pool: nothing selects before the loops run.
    return new ServerGroups(listenerName, factory, new Routes(routing, Map.of(), null));
  }

  /** The current generation: one volatile read. */
  Routes current() {
    return current;
  }

  /** Whether the pools are this server's to build, change and close. */
  boolean ownsPools() {
    return factory != null;
  }

  /** Builds and starts the first generation's pools (the server starts). */
  synchronized void start() {
    if (factory == null || started) {
      return;
    }
    started = true;
    Routing routing = current.routing;
    Map<String, GroupPool> groups = new LinkedHashMap<>();
    try {
      for (String name : routing.routedGroups()) {
        LoadBalancer pool = factory.build(routing, name);
        owned.add(pool);
        pool.start();
        groups.put(name, new GroupPool(name, pool));
      }
    } catch (RuntimeException e) {
      close();
      throw e;
    }
    current = new Routes(routing, groups, null);
  }

  /**
   * Applies {@code next} (validated by the caller) as described in the class javadoc; returns once the new
   * generation serves every request that starts from then on. The future completes once the previous one
   * ended (its pools closed, kept pools at their new membership alone).
   *
   * @param loopBarrier returns once every event loop ran a task queued after the publication
   */
  synchronized CompletableFuture<Void> reconfigure(Routing next, Runnable loopBarrier) {
    if (pending != null) {
      pending.finishNow(); // one change at a time: the previous one ends here
      pending = null;
    }
    Routes prev = current;
    if (!started) {
      current = new Routes(next, Map.of(), prev);
      return CompletableFuture.completedFuture(null);
    }
    boolean split = prev.table != null || !next.rules().rules().isEmpty();
    Map<String, GroupPool> groups = new LinkedHashMap<>();
    List<RoutingChange.Transition> transitions = new ArrayList<>();
    List<LoadBalancer> fresh = new ArrayList<>();
    Set<LoadBalancer> kept = new HashSet<>();
    for (String name : next.routedGroups()) {
      GroupPool before = prev.byName.get(name);
      if (before != null && factory.sameShape(prev.routing, next, name)) {
        GroupPool now = new GroupPool(name, before.pool);
        keep(prev.routing, next, name, before, now, split, transitions);
        kept.add(before.pool);
        groups.put(name, now);
      } else {
        LoadBalancer pool = factory.build(next, name);
        owned.add(pool);
        pool.start();
        fresh.add(pool);
        groups.put(name, new GroupPool(name, pool));
      }
    }
    warmUp(fresh);
    current = new Routes(next, groups, prev);
    loopBarrier.run();
    List<LoadBalancer> retired = new ArrayList<>();
    for (GroupPool g : prev.groups) {
      if (!kept.contains(g.pool) && owned.remove(g.pool)) {
        retired.add(g.pool);
      }
    }
    log.info("listener {}: routing changed: {} groups ({} new, {} kept, {} retired), {} rules", listenerName,
        groups.size(), fresh.size(), kept.size(), retired.size(), next.rules().rules().size());
    RoutingChange change = new RoutingChange(listenerName, log, List.of(prev.groups), transitions, retired,
        factory::forgetClosed);
    pending = change;
    change.finishWhenDrained();
    return change.done();
  }

  /** A kept group: its health check in place; its membership in place, or in two halves ({@code split}). */
  private void keep(Routing before, Routing after, String name, GroupPool old, GroupPool now, boolean split,
      List<RoutingChange.Transition> transitions) {
    PoolSettings settings = factory.settingsOf(after, name);
    HealthCheckPolicy check = settings.healthCheck();
    if (!old.pool.healthCheck().equals(check)) {
      old.pool.setHealthCheck(check);
    }
    List<Backend> wanted = GroupPools.listedMembership(after, name);
    List<Backend> had = GroupPools.listedMembership(before, name);
    if (wanted == null || ServerGroupsDiff.sameMembership(had, wanted)) {
      return;
    }
    if (!split) {
      old.pool.setBackends(wanted);
      return;
    }
    ServerGroupsDiff diff = ServerGroupsDiff.between(had, wanted);
    old.hidden = diff.onlyNew(); // before the union is published: old requests never see a new backend
    old.pool.setBackends(diff.union());
    now.hidden = diff.onlyOld();
    transitions.add(new RoutingChange.Transition(old.pool, wanted, now));
  }

  /**
   * Gives new pools a moment to find an eligible backend before they take traffic: each until ready, at most
   * two check intervals and a timeout (of its own policy), and {@link #MAX_WARM_UP} in all.
   */
  private static void warmUp(List<LoadBalancer> pools) {
    long deadline = System.nanoTime() + MAX_WARM_UP.toNanos();
    for (LoadBalancer pool : pools) {
      HealthCheckPolicy p = pool.healthCheck();
      long wait = p.enabled() ? p.interval().multipliedBy(2).plus(p.responseTimeout()).toNanos() : 0;
      long left = Math.min(wait, deadline - System.nanoTime());
      if (left <= 0) {
        continue;
      }
      CompletableFuture<Void> ready = pool.whenReady();
      try {
        ready.get(left, TimeUnit.NANOSECONDS);
      } catch (TimeoutException | ExecutionException e) {
        ready.cancel(false); // not ready in time (or a source timed out): it serves as it can
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /** The routed groups' pools now, by group name. */
  Map<String, LoadBalancer> pools() {
    Map<String, LoadBalancer> pools = new LinkedHashMap<>();
    for (GroupPool g : current.groups) {
      if (g != null) {
        pools.put(g.name, g.pool);
      }
    }
    return pools;
  }

  /** Ends a change under way and closes every pool this server built (the server stopped). */
  synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (pending != null) {
      pending.finishNow();
      pending = null;
    }
    for (LoadBalancer pool : new ArrayList<>(owned)) {
      pool.close();
    }
    owned.clear();
    if (factory != null) {
      factory.forgetClosed();
    }
  }

  /** Every backend a routing lists, with the group it is listed in (for the self-loop check). */
  static Map<Backend, String> listedBackends(Routing routing) {
    Map<Backend, String> all = new HashMap<>();
    for (ServerGroup g : routing.groups()) {
      for (Backend b : g.backends()) {
        all.putIfAbsent(b, g.name());
      }
    }
    return all;
  }
}
