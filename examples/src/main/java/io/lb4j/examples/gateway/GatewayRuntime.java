package io.lb4j.examples.gateway;

import io.lb4j.api.BackendView;
import io.lb4j.api.Listener;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.discovery.BackendSource;
import io.lb4j.examples.gateway.config.ConfigException;
import io.lb4j.examples.gateway.config.ConfigProblem;
import io.lb4j.examples.gateway.admin.AdminServer;
import io.lb4j.examples.gateway.admin.CountingPool;
import io.lb4j.examples.gateway.admin.GatewayStatus;
import io.lb4j.examples.gateway.config.CookieKeys;
import io.lb4j.examples.gateway.config.GatewayConfig;
import io.lb4j.examples.gateway.config.ListenerConfig;
import io.lb4j.examples.gateway.config.SourceConfig;
import io.lb4j.impl.CookieKeyRing;
import io.lb4j.impl.LoadBalancers;
import io.lb4j.impl.diagnostics.Diagnostics;
import io.lb4j.impl.diagnostics.FixStyle;
import io.lb4j.impl.diagnostics.ListenerSnapshot;
import io.lb4j.impl.diagnostics.PeriodicCheck;
import io.lb4j.impl.diagnostics.Report;
import io.lb4j.impl.listener.BandwidthMetrics;
import io.lb4j.impl.listener.ConnectionBudget;
import io.lb4j.impl.listener.ListenerMetrics;
import io.lb4j.impl.listener.ListenerServer;
import io.lb4j.impl.listener.PemSsl;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
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

  /**
   * One listener's pool and server.
   *
   * @param config the listener as it was started
   * @param pool its pool, or null for a listener with server groups (its server builds a pool per group)
   * @param server its server
   * @param cookieKeys the ring that signs its inserted cookies, or null when it has none from a file
   */
  record Running(ListenerConfig config, LoadBalancer pool, ListenerServer server, CookieKeyRing cookieKeys) {

    /** The listener's pools now: its one pool, or one per routed group (named {@code listener/group}). */
    List<LoadBalancer> pools() {
      return pool != null ? List.of(pool) : List.copyOf(server.groups().values());
    }
  }

  /**
   * A listener that could not start (most often its port is in use), with where it is in the file.
   */
  static final class StartFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final transient ConfigProblem problem;

    StartFailure(ConfigProblem problem, Throwable cause) {
      super(problem.toString(), cause);
      this.problem = problem;
    }

    /** {@code gateway.yaml:5: listeners[0].port: listener web cannot bind 127.0.0.1:8080: Address already in use}. */
    ConfigProblem problem() {
      return problem;
    }
  }

  private static final SecureRandom RANDOM = new SecureRandom();

  private final Map<String, Running> running;
  /** Per listener with groups: the source instance of each source its routing names, reused on reload. */
  private final Map<String, Map<SourceConfig, BackendSource>> sources;
  private final Map<String, CookieKeys> keysApplied = new ConcurrentHashMap<>();
  private final Map<String, Diagnostics> diagnostics = new ConcurrentHashMap<>();
  private final List<PeriodicCheck> checks = new ArrayList<>();
  private final AdminServer admin;
  private volatile boolean stopped;
  private GatewayConfig config;

  private GatewayRuntime(GatewayConfig config, Map<String, Running> running,
      Map<String, Map<SourceConfig, BackendSource>> sources, AdminServer admin) {
    this.config = config;
    this.running = running;
    this.sources = sources;
    this.admin = admin;
  }

  private static AdminServer startAdmin(GatewayConfig.AdminConfig admin, String fileName, Map<String, Running> running) {
    Instant started = Instant.now();
    // Read at each request: a reload may add or retire group pools.
    java.util.function.Supplier<List<GatewayStatus.Served>> served = () -> {
      List<GatewayStatus.Served> all = new ArrayList<>();
      running.values().forEach(r -> r.pools().forEach(p -> all.add(new GatewayStatus.Served((CountingPool) p,
          r.server(), started))));
      return all;
    };
    try {
      return AdminServer.start(InetAddress.getByName(admin.bindAddress()), admin.port(), served);
    } catch (IOException | RuntimeException e) {
      throw new StartFailure(new ConfigProblem(fileName, admin.line(), "admin.port", "the admin endpoint cannot bind "
          + admin.bindAddress() + ":" + admin.port() + ": " + e.getMessage()), e);
    }
  }

  /** Where the admin endpoint listens, or null when it is off. */
  InetSocketAddress adminAddress() {
    return admin == null ? null : admin.address();
  }

  /**
   * Loads the TLS files, builds the pools and starts every listener.
   *
   * @param eventLoops event-loop threads per listener
   * @param onListenerFailure told the name of a listener that failed while running (an event loop hit an
   *     {@link Error}; the listener closed its sockets); called on that listener's thread, must not block
   * @throws ConfigException when a TLS key or certificate cannot be loaded (nothing was started)
   * @throws StartFailure when a listener cannot start, most often because its port is in use; it names the
   *     file, the line of the listener's port, the listener, the address and the cause (the listeners started
   *     before it are stopped again)
   */
  static GatewayRuntime start(GatewayConfig config, String fileName, int eventLoops,
      Consumer<String> onListenerFailure) throws ConfigException {
    Map<String, SSLContext> tls = loadTls(config, fileName);
    ConnectionBudget budget = config.maxConnections() > 0 ? ConnectionBudget.of(config.maxConnections())
        : ConnectionBudget.processDefault();
    String instance = instanceId();
    Map<String, Running> running = java.util.Collections.synchronizedMap(new LinkedHashMap<>());
    Map<String, Map<SourceConfig, BackendSource>> sources = new ConcurrentHashMap<>();
    AdminServer admin = null;
    try {
      for (int i = 0; i < config.listeners().size(); i++) {
        ListenerConfig listener = config.listeners().get(i);
        String name = listener.listener().name();
        if (listener.routing() != null) {
          running.put(name, RoutedListeners.start(listener, i, fileName, eventLoops, budget, instance, tls,
              config.admin() != null, sources, onListenerFailure));
          continue;
        }
        LoadBalancers.Builder builder = LoadBalancers.builder(listener.listener());
        if (listener.fleet().loadAware() != null) {
          builder.loadAware(listener.fleet().loadAware());
        }
        if (listener.fleet().subset() != null) {
          builder.subset(listener.fleet().subset());
        }
        if (listener.source() != null) {
          builder.backendSource(listener.source().factory().get());
        } else {
          builder.backends(listener.backends());
        }
        CookieKeyRing ring = listener.cookieKeys() == null ? null : ring(listener.cookieKeys());
        if (ring != null) {
          builder.cookieKeys(ring);
        }
        LoadBalancer pool = builder.build();
        if (config.admin() != null) {
          pool = new CountingPool(pool); // per-backend answers and 5xx for the status page
        }
        try {
          ListenerServer.Builder server = ListenerServer.builder(pool)
              .bindAddress(InetAddress.getByName(listener.bindAddress())) // an IP literal: no lookup
              .eventLoops(eventLoops)
              .maxIdleConnectionsPerBackend(listener.backendPool().maxIdlePerBackend())
              .backendIdleTimeout(listener.backendPool().idleTimeout())
              .connectionBudget(budget)
              .onFailure(() -> onListenerFailure.accept(name))
              .viaId(listener.viaId() != null ? listener.viaId() : defaultViaId(name, instance));
          if (listener.maxConnections() > 0) {
            server.maxConnections(listener.maxConnections());
          }
          if (listener.http2Limits() != null) {
            server.http2Limits(listener.http2Limits());
          }
          if (tls.containsKey(name)) {
            server.sslContext(tls.get(name));
          }
          if (listener.udp() != null) {
            server.udp(listener.udp());
          }
          pool.start();
          running.put(name, new Running(listener, pool, server.build().start(), ring));
        } catch (IOException | RuntimeException e) {
          pool.close();
          throw new StartFailure(new ConfigProblem(fileName, listener.line(), "listeners[" + i + "].port",
              e.getMessage() != null && e.getMessage().startsWith("listener ") ? e.getMessage()
                  : "listener " + name + " cannot start: " + e), e);
        }
      }
      if (config.admin() != null) {
        admin = startAdmin(config.admin(), fileName, running);
      }
    } catch (RuntimeException e) {
      running.values().forEach(r -> stopOne(r, Duration.ZERO));
      throw e;
    }
    GatewayRuntime runtime = new GatewayRuntime(config, running, sources, admin);
    config.listeners().forEach(l -> {
      if (l.cookieKeys() != null) {
        runtime.keysApplied.put(l.listener().name(), l.cookieKeys());
      }
    });
    return runtime;
  }

  /**
   * A listener's default id in {@code Via}: its name and this gateway instance's random id, so two gateways
   * in series whose listeners share a name (two copies of one file) do not take each other for a loop (508).
   * A request that comes back to this very instance still does.
   */
  static String defaultViaId(String listenerName, String instance) {
    String name = listenerName.length() > 55 ? listenerName.substring(0, 55) : listenerName;
    return name + "." + instance;
  }

  /** 8 random hex digits, new for each start. */
  static String instanceId() {
    return String.format("%08x", RANDOM.nextInt());
  }

  /** The ring of a key file: the current key signs, the previous one (if listed) still validates. */
  static CookieKeyRing ring(CookieKeys keys) {
    byte[] previous = keys.previous();
    if (previous == null) {
      return CookieKeyRing.of(keys.current());
    }
    CookieKeyRing ring = CookieKeyRing.of(previous);
    ring.rotate(keys.current());
    return ring;
  }

  /**
   * Loads every HTTPS listener's key and certificate chain: what {@code validate} checks and {@code run}
   * needs, without binding anything.
   *
   * @throws ConfigException naming each listener whose files cannot be loaded
   */
  static Map<String, SSLContext> loadTls(GatewayConfig config, String fileName) throws ConfigException {
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
        problems.add(new ConfigProblem(fileName, listener.line(), "listeners[" + config.listeners().indexOf(listener)
            + "].tls",
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
    running.forEach((name, r) -> {
      Diagnostics d = diagnostics.computeIfAbsent(name, n -> diagnostics());
      ListenerSnapshot snapshot = ListenerSnapshot.of(r.server());
      r.pools().forEach(pool -> reports.add(d.examine(pool, List.of(snapshot))));
    });
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
    return running.values().stream().flatMap(r -> r.pools().stream()).allMatch(p -> !p.healthCheck().enabled()
        || p.view().stream().allMatch(v -> !v.lastCheck().isEmpty()));
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
      Diagnostics d = diagnostics();
      if (r.pool() != null) {
        checks.add(PeriodicCheck.logging(() -> d.examine(r.pool(), List.of(ListenerSnapshot.of(r.server()))))
            .start(every));
        return;
      }
      // One periodic check per group known at start, each reading the group's pool in force.
      for (String group : r.server().groups().keySet()) {
        checks.add(PeriodicCheck.logging(() -> d.examine(r.server().groups().getOrDefault(group,
            r.server().groups().values().iterator().next()), List.of(ListenerSnapshot.of(r.server())))).start(every));
      }
    });
  }

  /** Every listener's counters, by listener name. */
  Map<String, ListenerMetrics> metrics() {
    Map<String, ListenerMetrics> metrics = new LinkedHashMap<>();
    running.forEach((name, r) -> metrics.put(name, r.server().metrics()));
    return metrics;
  }

  /** Diagnostics whose fixes name the file's keys, not Java calls. */
  private static Diagnostics diagnostics() {
    return Diagnostics.builder().fixStyle(FixStyle.GATEWAY_YAML).build();
  }

  /**
   * The longest time a check-versus-traffic finding must hold before it is reported ({@code interval x
   * unhealthyThreshold} of the slowest pool): how long {@code diagnose} examines again while one is confirming.
   */
  Duration confirmationTime() {
    return running.values().stream().flatMap(r -> r.pools().stream()).map(LoadBalancer::healthCheck)
        .map(c -> c.interval().multipliedBy(c.unhealthyThreshold())).max(Duration::compareTo).orElse(Duration.ZERO);
  }

  /** Every pool's backends, by pool name (the listener's, or {@code listener/group}). */
  Map<String, List<BackendView>> views() {
    Map<String, List<BackendView>> views = new LinkedHashMap<>();
    running.forEach((name, r) -> r.pools().forEach(p -> views.put(p.name(), p.view())));
    return views;
  }

  /** Every listener's peak-bandwidth counters, by listener name. */
  Map<String, BandwidthMetrics> bandwidth() {
    Map<String, BandwidthMetrics> bandwidth = new LinkedHashMap<>();
    running.forEach((name, r) -> bandwidth.put(name, r.server().bandwidthMetrics()));
    return bandwidth;
  }

  /**
   * Applies a reloaded configuration: backends and health checks of running listeners change without
   * dropping connections; every other change is returned as a sentence and left for a restart.
   */
  synchronized List<String> apply(GatewayConfig next) {
    ReloadPlan plan = ReloadPlan.between(config, next);
    List<String> pending = new ArrayList<>(plan.needsRestart());
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
          Listener settings = update.healthCheck() == null ? now.listener()
              : now.listener().toBuilder().healthCheck(update.healthCheck()).build();
          if (update.peakBandwidth() != null) {
            r.server().setPeakBandwidth(update.peakBandwidth());
            settings = settings.toBuilder().peakBandwidth(update.peakBandwidth()).build();
          }
          applied = now.reloaded(settings, update.backends() == null ? now.backends() : update.backends(),
              now.cookieKeys());
          if (update.routing() != null) {
            applied = RoutedListeners.reroute(r, applied, update.routing(), sources, pending);
          }
        }
      }
      applied = rotateKeys(applied, next.listener(now.listener().name()).orElse(null));
      effective.add(applied);
    }
    // What runs now, not the file: changes that wait for a restart are named again at the next reload.
    config = new GatewayConfig(effective, config.maxConnections(), config.admin());
    return pending;
  }



  /**
   * A new current key in the listener's key file: rotated in, so new cookies are signed with it and cookies
   * signed with the key it replaces stay valid until the next rotation. Returns what runs now.
   */
  private ListenerConfig rotateKeys(ListenerConfig now, ListenerConfig next) {
    Running r = running.get(now.listener().name());
    if (next == null || next.cookieKeys() == null || r.cookieKeys() == null) {
      return now; // adding or removing a key file needs a restart (ReloadPlan says so)
    }
    CookieKeys applied = keysApplied.get(now.listener().name());
    if (applied != null && !applied.keys().get(0).equals(next.cookieKeys().keys().get(0))) {
      r.cookieKeys().rotate(next.cookieKeys().current());
      keysApplied.put(now.listener().name(), next.cookieKeys());
      return now.reloaded(now.listener(), now.backends(), next.cookieKeys());
    }
    return now;
  }

  /** Stops accepting on every listener, lets requests in flight finish within {@code grace}, then closes. */
  synchronized void stop(Duration grace) {
    stopped = true;
    if (admin != null) {
      admin.close();
    }
    checks.forEach(PeriodicCheck::close);
    checks.clear();
    running.values().forEach(r -> stopOne(r, grace));
  }

  private static void stopOne(Running r, Duration grace) {
    try {
      r.server().stop(grace); // closes the pools of its groups
    } finally {
      if (r.pool() != null) {
        r.pool().close();
      }
    }
  }

  /** {@code stop(Duration.ZERO)}. */
  @Override
  public void close() {
    stop(Duration.ZERO);
  }
}
