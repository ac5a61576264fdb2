package io.lb4j.examples.gateway;

import io.lb4j.api.BackendView;
import io.lb4j.api.LoadBalancer;
import io.lb4j.examples.gateway.config.ConfigException;
import io.lb4j.examples.gateway.config.ConfigProblem;
import io.lb4j.examples.gateway.config.GatewayConfig;
import io.lb4j.examples.gateway.config.ListenerConfig;
import io.lb4j.impl.LoadBalancers;
import io.lb4j.impl.diagnostics.Diagnostics;
import io.lb4j.impl.diagnostics.ListenerSnapshot;
import io.lb4j.impl.diagnostics.PeriodicCheck;
import io.lb4j.impl.diagnostics.Report;
import io.lb4j.impl.listener.ConnectionBudget;
import io.lb4j.impl.listener.ListenerMetrics;
import io.lb4j.impl.listener.ListenerServer;
import io.lb4j.impl.listener.PemSsl;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import javax.net.ssl.SSLContext;

/**
 * A running gateway: one lb4j pool and one {@link ListenerServer} per configured listener. Started from a
 * validated {@link GatewayConfig}, reconfigured by {@link #apply} on reload, stopped gracefully by
 * {@link #stop}. Starting is all or nothing: when a listener cannot bind, the ones already started are
 * stopped before the failure is reported.
 *
 * <p>Thread-safe: {@link #apply} and {@link #stop} are serialised; views may be read from any thread.
 */
final class GatewayRuntime implements AutoCloseable {

  /** One listener's pool and server. */
  record Running(ListenerConfig config, LoadBalancer pool, ListenerServer server) {}

  private final Map<String, Running> running;
  private final Map<String, Diagnostics> diagnostics = new ConcurrentHashMap<>();
  private final List<PeriodicCheck> checks = new ArrayList<>();
  private volatile boolean stopped;
  private GatewayConfig config;

  private GatewayRuntime(GatewayConfig config, Map<String, Running> running) {
    this.config = config;
    this.running = running;
  }

  /**
   * Loads the TLS files, builds the pools and starts every listener.
   *
   * @param eventLoops event-loop threads per listener
   * @param onListenerFailure told the name of a listener that failed while running (an event loop hit an
   *     {@link Error}; the listener closed its sockets); called on that listener's thread, must not block
   * @throws ConfigException when a TLS key or certificate cannot be loaded (nothing was started)
   * @throws UncheckedIOException when a listener cannot bind; its message names the listener, address and
   *     cause (the listeners started before it are stopped again)
   */
  static GatewayRuntime start(GatewayConfig config, String fileName, int eventLoops,
      Consumer<String> onListenerFailure) throws ConfigException {
    Map<String, SSLContext> tls = loadTls(config, fileName);
    ConnectionBudget budget = config.maxConnections() > 0 ? ConnectionBudget.of(config.maxConnections())
        : ConnectionBudget.processDefault();
    Map<String, Running> running = new LinkedHashMap<>();
    try {
      for (ListenerConfig listener : config.listeners()) {
        String name = listener.listener().name();
        LoadBalancers.Builder builder = LoadBalancers.builder(listener.listener());
        if (listener.source() != null) {
          builder.backendSource(listener.source().factory().get());
        } else {
          builder.backends(listener.backends());
        }
        LoadBalancer pool = builder.build();
        try {
          ListenerServer.Builder server = ListenerServer.builder(pool)
              .bindAddress(InetAddress.getByName(listener.bindAddress()))
              .eventLoops(eventLoops)
              .maxIdleConnectionsPerBackend(listener.backendPool().maxIdlePerBackend())
              .backendIdleTimeout(listener.backendPool().idleTimeout())
              .connectionBudget(budget)
              .onFailure(() -> onListenerFailure.accept(name));
          if (listener.maxConnections() > 0) {
            server.maxConnections(listener.maxConnections());
          }
          if (tls.containsKey(name)) {
            server.sslContext(tls.get(name));
          }
          pool.start();
          running.put(name, new Running(listener, pool, server.build().start()));
        } catch (IOException | RuntimeException e) {
          pool.close();
          throw e instanceof UncheckedIOException ? (UncheckedIOException) e
              : new UncheckedIOException("listener " + name + ": " + e.getMessage(),
                  e instanceof IOException ? (IOException) e : new IOException(e));
        }
      }
    } catch (RuntimeException e) {
      running.values().forEach(r -> stopOne(r, Duration.ZERO));
      throw e;
    }
    return new GatewayRuntime(config, running);
  }

  private static Map<String, SSLContext> loadTls(GatewayConfig config, String fileName) throws ConfigException {
    Map<String, SSLContext> contexts = new LinkedHashMap<>();
    List<ConfigProblem> problems = new ArrayList<>();
    for (ListenerConfig listener : config.listeners()) {
      if (listener.tls() == null) {
        continue;
      }
      String name = listener.listener().name();
      try {
        contexts.put(name, PemSsl.serverContext(listener.tls().privateKey(), listener.tls().certificateChain()));
      } catch (IOException | GeneralSecurityException e) {
        problems.add(new ConfigProblem(fileName, 0, "listeners[" + name + "].tls",
            "cannot load the key and certificate chain: " + e.getMessage()));
      }
    }
    if (!problems.isEmpty()) {
      throw new ConfigException(problems);
    }
    return contexts;
  }

  /** The running listeners, in configuration order. */
  List<Running> listeners() {
    return List.copyOf(running.values());
  }

  /**
   * Examines every listener's pool, its listener and the host ({@link Diagnostics}), one report per
   * listener. One {@code Diagnostics} per listener is kept, so counters are judged by their growth.
   */
  List<Report> examine() {
    List<Report> reports = new ArrayList<>();
    running.forEach((name, r) -> reports.add(diagnostics.computeIfAbsent(name, n -> Diagnostics.builder().build())
        .examine(r.pool(), List.of(ListenerSnapshot.of(r.server())))));
    return reports;
  }

  /**
   * Waits until every backend of every pool has been checked at least once (or health checks are off),
   * at most {@code limit}, or until the gateway stops: what diagnostics need before they examine.
   */
  void awaitFirstChecks(Duration limit) {
    long deadline = System.nanoTime() + limit.toNanos();
    while (System.nanoTime() - deadline < 0 && !stopped && !allChecked()) {
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
    }
  }

  private boolean allChecked() {
    return running.values().stream().allMatch(r -> !r.pool().healthCheck().enabled()
        || r.pool().view().stream().allMatch(v -> !v.lastCheck().isEmpty()));
  }

  /**
   * Logs each finding of each listener's examination once when it appears and once when it clears. Does
   * nothing once the gateway stopped.
   */
  synchronized void startPeriodicDiagnostics(Duration every) {
    if (stopped) {
      return;
    }
    running.forEach((name, r) -> {
      Diagnostics d = Diagnostics.builder().build();
      checks.add(PeriodicCheck.logging(() -> d.examine(r.pool(), List.of(ListenerSnapshot.of(r.server()))))
          .start(every));
    });
  }

  /** Every listener's counters, by listener name. */
  Map<String, ListenerMetrics> metrics() {
    Map<String, ListenerMetrics> metrics = new LinkedHashMap<>();
    running.forEach((name, r) -> metrics.put(name, r.server().metrics()));
    return metrics;
  }

  /** Every pool's backends, by listener name. */
  Map<String, List<BackendView>> views() {
    Map<String, List<BackendView>> views = new LinkedHashMap<>();
    running.forEach((name, r) -> views.put(name, r.pool().view()));
    return views;
  }

  /**
   * Applies a reloaded configuration: backends and health checks of running listeners change without
   * dropping connections; every other change is returned as a sentence and left for a restart.
   */
  synchronized List<String> apply(GatewayConfig next) {
    ReloadPlan plan = ReloadPlan.between(config, next);
    List<ListenerConfig> effective = new ArrayList<>();
    for (ListenerConfig now : config.listeners()) {
      ListenerConfig applied = now;
      for (ReloadPlan.Update update : plan.updates()) {
        if (update.listenerName().equals(now.listener().name())) {
          Running r = running.get(update.listenerName());
          if (update.backends() != null) {
            r.pool().setBackends(update.backends());
          }
          if (update.healthCheck() != null) {
            r.pool().setHealthCheck(update.healthCheck());
          }
          applied = new ListenerConfig(update.healthCheck() == null ? now.listener()
              : now.listener().toBuilder().healthCheck(update.healthCheck()).build(),
              now.bindAddress(), now.tls(), update.backends() == null ? now.backends() : update.backends(),
              now.source(), now.backendPool(), now.maxConnections());
        }
      }
      effective.add(applied);
    }
    // What runs now, not the file: changes that wait for a restart are named again at the next reload.
    config = new GatewayConfig(effective, config.maxConnections());
    return plan.needsRestart();
  }

  /** Stops accepting on every listener, lets requests in flight finish within {@code grace}, then closes. */
  synchronized void stop(Duration grace) {
    stopped = true;
    checks.forEach(PeriodicCheck::close);
    checks.clear();
    running.values().forEach(r -> stopOne(r, grace));
  }

  private static void stopOne(Running r, Duration grace) {
    try {
      r.server().stop(grace);
    } finally {
      r.pool().close();
    }
  }

  /** {@code stop(Duration.ZERO)}. */
  @Override
  public void close() {
    stop(Duration.ZERO);
  }
}
