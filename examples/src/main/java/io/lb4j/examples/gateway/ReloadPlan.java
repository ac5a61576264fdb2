package io.lb4j.examples.gateway;

import io.lb4j.api.Backend;
import io.lb4j.api.Listener;
import io.lb4j.api.health.HealthCheckPolicy;
import io.lb4j.examples.gateway.config.GatewayConfig;
import io.lb4j.examples.gateway.config.ListenerConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.Optional;

/**
 * What a configuration reload changes in a running gateway. Backends (membership, weights, enabled) and
 * the health-check policy are applied to running pools without dropping a connection; everything else
 * that changed (a listener added or removed, its port, protocol, scheduler, persistence, timeouts, TLS)
 * needs a restart and is listed in {@link #needsRestart()}, so the operator sees that the file and the
 * running gateway differ. Immutable.
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
   *     provides the backends
   * @param healthCheck the new policy, or null when it did not change
   */
  public record Update(String listenerName, List<Backend> backends, HealthCheckPolicy healthCheck) {

    /** Copies the list. */
    public Update {
      Objects.requireNonNull(listenerName, "listenerName");
      backends = backends == null ? null : List.copyOf(backends);
    }
  }

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
      HealthCheckPolicy check = a.healthCheck().equals(b.healthCheck()) ? null : b.healthCheck();
      boolean listed = now.source() == null && then.get().source() == null;
      updates.add(new Update(name, listed ? then.get().backends() : null, check));
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
        if (!before.equals(after)) {
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
    m.put("idleTimeout", Listener::idleTimeout);
    m.put("maxRequestHeaderSize", Listener::maxRequestHeaderSize);
    m.put("acceptBacklog", Listener::acceptBacklog);
    m.put("drainTimeout", Listener::drainTimeout);
    m.put("slowStart.window", Listener::slowStartWindow);
    m.put("slowStart.floorPercent", Listener::slowStartFloorPercent);
    return m;
  }
}
