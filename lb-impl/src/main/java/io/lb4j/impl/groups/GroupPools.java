package io.lb4j.impl.groups;

import io.lb4j.api.Backend;
import io.lb4j.api.Listener;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.PoolSettings;
import io.lb4j.api.discovery.BackendSource;
import io.lb4j.api.routing.Routing;
import io.lb4j.api.routing.ServerGroup;
import io.lb4j.impl.CookieKeyRing;
import io.lb4j.impl.LoadBalancers;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * Builds the pools of a listener's routed server groups: each named {@code <listener>/<group>}, under the
 * group's settings (the listener's when it has none), with the listener's cookie keys (so a session cookie
 * stays valid when a group's pool is rebuilt), and with its standby's backends as the tier after its own.
 * Listed backends go in as a list; a source, the group's own or its standby's, is shared through one
 * {@link SharedSource} per source instance, so each source runs once whatever the number of pools it feeds.
 *
 * <p>Thread-safe (synchronized); used on the listener's control path only (build, reconfigure).
 */
public final class GroupPools {

  private final Listener listener;
  private final CookieKeyRing keys;
  private final UnaryOperator<LoadBalancer> decorator;
  private final Map<BackendSource, SharedSource> shared = new IdentityHashMap<>();

  /**
   * @param listener the listener the groups serve (its pool settings are the default of every group)
   * @param keys the keys of inserted session cookies, shared by every group's pool
   * @param decorator applied to each pool built (the identity, or a wrapper that counts what it is told)
   */
  public GroupPools(Listener listener, CookieKeyRing keys, UnaryOperator<LoadBalancer> decorator) {
    this.listener = Objects.requireNonNull(listener, "listener");
    this.keys = Objects.requireNonNull(keys, "keys");
    this.decorator = Objects.requireNonNull(decorator, "decorator");
  }

  /** The settings group {@code name} of {@code routing} runs under: its own, else the listener's. */
  public PoolSettings settingsOf(Routing routing, String name) {
    ServerGroup g = routing.group(name);
    return g.settings() != null ? g.settings() : listener.poolSettings();
  }

  /**
   * The membership of {@code name}'s pool when the group and its standby (if any) are listed: its backends,
   * then the standby's at the standby tier; null when a source provides some of them.
   */
  public static List<Backend> listedMembership(Routing routing, String name) {
    ServerGroup g = routing.group(name);
    String s = routing.standbyOf(name);
    ServerGroup standby = s == null ? null : routing.group(s);
    if (g.source() != null || (standby != null && standby.source() != null)) {
      return null;
    }
    return standby == null ? g.backends() : Standby.merge(g.backends(), standby.backends(), standby.name());
  }

  /**
   * Whether the pool built for {@code name} in {@code before} can serve {@code name} in {@code after} as it
   * is, its listed backends and health check aside (a pool changes those in place): the same settings
   * otherwise, the same sources, the same discovery policy and the same standby.
   */
  public boolean sameShape(Routing before, Routing after, String name) {
    ServerGroup a = before.group(name);
    ServerGroup b = after.group(name);
    if (a == null || b == null) {
      return false;
    }
    PoolSettings sa = settingsOf(before, name);
    PoolSettings sb = settingsOf(after, name);
    if (!sa.toBuilder().healthCheck(sb.healthCheck()).build().equals(sb) || a.source() != b.source()
        || !a.discoveryPolicy().equals(b.discoveryPolicy())) {
      return false;
    }
    String standbyA = before.standbyOf(name);
    String standbyB = after.standbyOf(name);
    if (!Objects.equals(standbyA, standbyB)) {
      return false;
    }
    return standbyA == null || before.group(standbyA).source() == after.group(standbyB).source();
  }

  /** Builds the pool of routed group {@code name} of {@code routing} (not started). */
  public synchronized LoadBalancer build(Routing routing, String name) {
    ServerGroup g = routing.group(name);
    Listener settings = listener.toBuilder().poolSettings(settingsOf(routing, name)).build();
    LoadBalancers.Builder b = LoadBalancers.builder(settings, name).cookieKeys(keys)
        .discoveryPolicy(g.discoveryPolicy());
    String s = routing.standbyOf(name);
    ServerGroup standby = s == null ? null : routing.group(s);
    List<Backend> listed = listedMembership(routing, name);
    if (listed != null) {
      b.backends(listed);
    } else if (standby == null) {
      b.backendSource(tap(g.source()));
    } else {
      b.backendSource(new StandbySource(g.source() == null ? g.backends() : null, tap(g.source()),
          standby.source() == null ? standby.backends() : null, tap(standby.source()), standby.name()));
    }
    return decorator.apply(b.build());
  }

  /** A tap of the shared {@code source}, or null for none. */
  private BackendSource tap(BackendSource source) {
    if (source == null) {
      return null;
    }
    SharedSource s = shared.get(source);
    if (s == null || s.closed()) {
      s = new SharedSource(source);
      shared.put(source, s);
    }
    return s.tap();
  }

  /** Forgets the shared sources whose last tap closed. */
  public synchronized void forgetClosed() {
    shared.values().removeIf(SharedSource::closed);
  }
}
