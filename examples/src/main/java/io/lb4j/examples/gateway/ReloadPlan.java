package io.lb4j.examples.gateway;

import io.lb4j.api.Backend;
import io.lb4j.api.Listener;
import io.lb4j.api.PeakBandwidth;
import io.lb4j.api.health.HealthCheckPolicy;
import io.lb4j.examples.gateway.config.GatewayConfig;
import io.lb4j.examples.gateway.config.ListenerConfig;
import io.lb4j.examples.gateway.config.RoutingConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.Optional;

/**
 * What a configuration reload changes in a running gateway. Backends (membership, weights, enabled), the
 * health-check policy, the peak bandwidth and, for a listener with server groups, its whole routing (groups,
 * their settings and backends, rules, default and standby groups, applied at once: each request sees the old
 * routing or the new one) are applied without dropping a connection; everything else that changed (a listener
 * added or removed, its port, protocol, timeouts, TLS, UDP flow settings, a switch between groups and a plain
 * backend list, and for a listener without groups its scheduler and persistence) needs a restart and is listed
 * in {@link #needsRestart()}, so the operator sees that the file and the running gateway differ. Immutable.
 *
 * @param updates per running listener, the backends and health check to apply
 * @param needsRestart one sentence per change that a reload does not apply
 */
public record ReloadPlan(List<Update> updates, List<String> needsRestart) {

  /** Copies the lists. */
  public ReloadPlan {
    updates = List.copyOf(updates);
    needsRestart = List.copyOf(needsRestart);
  }

  /**
   * What to apply to one running listener's pool.
   *
   * @param listenerName the listener
   * @param backends the whole new backend list (the pool applies it as one diff), or null when a source
   *     provides the backends or the listener has server groups
   * @param healthCheck the new policy, or null when it did not change (or the listener has server groups)
   * @param routing the listener's new routing, or null when it did not change (or it has no server groups)
   * @param peakBandwidth the new caps, or null when they did not change
   */
  public record Update(String listenerName, List<Backend> backends, HealthCheckPolicy healthCheck,
      RoutingConfig routing, PeakBandwidth peakBandwidth) {

    /** Copies the list. */
    public Update {
      Objects.requireNonNull(listenerName, "listenerName");
      backends = backends == null ? null : List.copyOf(backends);
    }
  }

  /** The settings a listener with groups applies through its routing, since every group inherits them. */
  private static final java.util.Set<String> POOL_SETTINGS = java.util.Set.of("backendPort", "scheduler",
      "outlierDetection", "sessionPersistence", "drainTimeout", "slowStart.window", "slowStart.floorPercent");

  /** The listener settings that a running listener keeps until a restart, by their name in the file. */
  private static final Map<String, Function<Listener, Object>> RESTART_SETTINGS = restartSettings();

  /** Compares the running configuration with the file's new one. */
  public static ReloadPlan between(GatewayConfig running, GatewayConfig next) {
    List<Update> updates = new ArrayList<>();
    List<String> restart = new ArrayList<>();
    if (running.maxConnections() != next.maxConnections()) {
      restart.add("maxConnections changed from " + connections(running.maxConnections()) + " to "
          + connections(next.maxConnections()) + "; restart to apply");
    }
    for (ListenerConfig now : running.listeners()) {
      String name = now.listener().name();
      Optional<ListenerConfig> then = next.listener(name);
      if (then.isEmpty()) {
        restart.add("listener '" + name + "' was removed from the file; it keeps running until a restart");
        continue;
      }
      Listener a = now.listener();
      Listener b = then.get().listener();
      boolean routed = now.routing() != null || then.get().routing() != null;
      HealthCheckPolicy check = routed || a.healthCheck().equals(b.healthCheck()) ? null : b.healthCheck();
      boolean listed = !routed && now.source() == null && then.get().source() == null;
      RoutingConfig routing = now.routing() != null && then.get().routing() != null
          && !now.routing().same(then.get().routing()) ? then.get().routing() : null;
      PeakBandwidth caps = a.peakBandwidth().equals(b.peakBandwidth()) ? null : b.peakBandwidth();
      updates.add(new Update(name, listed ? then.get().backends() : null, check, routing, caps));
      if ((now.routing() == null) != (then.get().routing() == null)) {
        restart.add("listener '" + name + "': " + (now.routing() == null ? "groups were added" : "groups were"
            + " removed") + "; restart to apply (a listener with groups changes its routing on reload)");
      }
      if (!Objects.equals(now.udp(), then.get().udp())) {
        restart.add("listener '" + name + "': udp changed from " + now.udp() + " to " + then.get().udp()
            + "; restart to apply");
      }
      if (!Objects.equals(now.source(), then.get().source())) {
        restart.add("listener '" + name + "': source changed from " + describe(now) + " to " + describe(then.get())
            + "; restart to apply");
      }
      if (!now.bindAddress().equals(then.get().bindAddress())) {
        restart.add("listener '" + name + "': bind changed from " + now.bindAddress() + " to "
            + then.get().bindAddress() + "; restart to apply");
      }
      if (now.maxConnections() != then.get().maxConnections()) {
        restart.add("listener '" + name + "': maxConnections changed from " + connections(now.maxConnections())
            + " to " + connections(then.get().maxConnections()) + "; restart to apply");
      }
      if (!now.backendPool().equals(then.get().backendPool())) {
        restart.add("listener '" + name + "': backendPool changed from " + describe(now.backendPool()) + " to "
            + describe(then.get().backendPool()) + "; restart to apply");
      }
      if (!Objects.equals(now.viaId(), then.get().viaId())) {
        restart.add("listener '" + name + "': viaId changed from " + now.viaId() + " to " + then.get().viaId()
            + "; restart to apply");
      }
      if ((now.cookieKeys() == null) != (then.get().cookieKeys() == null)) {
        restart.add("listener '" + name + "': sessionPersistence.keyFile was " + (now.cookieKeys() == null
            ? "added" : "removed") + "; restart to apply (a new key in the same file is applied at once)");
      }
      if (!now.fleet().equals(then.get().fleet())) {
        restart.add("listener '" + name + "': loadAware or subset changed; restart to apply");
      }
      if (!Objects.equals(now.tls(), then.get().tls())) {
        restart.add("listener '" + name + "': tls files changed; restart to apply");
      }
      for (Map.Entry<String, Function<Listener, Object>> setting : RESTART_SETTINGS.entrySet()) {
        Object before = setting.getValue().apply(a);
        Object after = setting.getValue().apply(b);
        // A listener with groups applies its pool settings with its routing (each group inherits them).
        boolean appliedWithRouting = now.routing() != null && then.get().routing() != null
            && POOL_SETTINGS.contains(setting.getKey());
        if (!before.equals(after) && !appliedWithRouting) {
          restart.add("listener '" + name + "': " + setting.getKey() + " changed from " + before + " to " + after
              + "; restart to apply");
        }
      }
    }
    if (!adminAddress(running).equals(adminAddress(next))) {
      restart.add("admin endpoint changed from " + adminAddress(running) + " to " + adminAddress(next)
          + "; restart to apply");
    }
    for (ListenerConfig added : next.listeners()) {
      if (running.listener(added.listener().name()).isEmpty()) {
        restart.add("listener '" + added.listener().name() + "' was added to the file; restart to start it");
      }
    }
    return new ReloadPlan(updates, restart);
  }

  private static String connections(int max) {
    return max == 0 ? "the default" : String.valueOf(max);
  }

  private static String describe(ListenerConfig.BackendPool pool) {
    return "{maxIdlePerBackend: " + pool.maxIdlePerBackend() + ", idleTimeout: "
        + io.lb4j.examples.gateway.config.Durations.format(pool.idleTimeout()) + "}";
  }

  private static String adminAddress(GatewayConfig config) {
    return config.admin() == null ? "off" : config.admin().bindAddress() + ":" + config.admin().port();
  }

  private static String describe(ListenerConfig config) {
    return config.source() == null ? "listed backends" : config.source().description();
  }

  private static Map<String, Function<Listener, Object>> restartSettings() {
    Map<String, Function<Listener, Object>> m = new LinkedHashMap<>();
    m.put("protocol", Listener::frontendProtocol);
    m.put("port", Listener::frontendPort);
    m.put("backendPort", Listener::backendPort);
    m.put("scheduler", l -> l.scheduler().code());
    m.put("outlierDetection", Listener::outlierDetection);
    m.put("sessionPersistence", Listener::sessionPersistence);
    m.put("requestTimeout", Listener::requestTimeout);
    m.put("writeTimeout", Listener::writeTimeout);
    m.put("lingeringTime", Listener::lingeringTime);
    m.put("underscoresInHeaders", Listener::underscoresInHeaders);
    m.put("allowH2cUpgrade", Listener::allowH2cUpgrade);
    m.put("http2", Listener::http2);
    m.put("backendProtocol", l -> l.backendHttpVersion().code());
    m.put("idleTimeout", Listener::idleTimeout);
    m.put("maxRequestHeaderSize", Listener::maxRequestHeaderSize);
    m.put("acceptBacklog", Listener::acceptBacklog);
    m.put("drainTimeout", Listener::drainTimeout);
    m.put("slowStart.window", Listener::slowStartWindow);
    m.put("slowStart.floorPercent", Listener::slowStartFloorPercent);
    return m;
  }
}
