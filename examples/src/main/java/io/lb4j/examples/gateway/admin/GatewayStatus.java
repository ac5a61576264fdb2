package io.lb4j.examples.gateway.admin;

import io.lb4j.api.BackendState;
import io.lb4j.api.BackendView;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.discovery.SourceState;
import io.lb4j.api.discovery.SubsetPolicy;
import io.lb4j.impl.LoadBalancers;
import io.lb4j.impl.SubsetStatus;
import io.lb4j.api.health.HealthStatus;
import io.lb4j.api.health.HealthTransition;
import io.lb4j.api.routing.ServerGroup;
import io.lb4j.examples.gateway.config.Durations;
import io.lb4j.impl.listener.BandwidthMetrics;
import io.lb4j.impl.listener.ListenerMetrics;
import io.lb4j.impl.listener.ListenerServer;
import io.lb4j.impl.listener.ListenerState;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * What the admin endpoint shows: one row per backend grouped by listener, with health, last check and the
 * cause of the last health change, weights, active connections, requests and 5xx per second, ejections, and
 * each listener's state and backend source. Rates are the growth of counters between two samples, taken by
 * {@link #sample()} every few seconds.
 *
 * <p>Thread-safe: {@link #sample()} and {@link #snapshot()} are synchronized; snapshots are immutable.
 */
public final class GatewayStatus {

  /**
   * A listener the gateway serves, as the status reads it.
   *
   * @param pool the listener's pool, counting its answers per backend
   * @param server the listener's server
   * @param started when the gateway started it
   */
  public record Served(CountingPool pool, ListenerServer server, Instant started) {}

  /**
   * One backend's row.
   *
   * @param id the backend's id
   * @param address {@code host:port}
   * @param health {@code healthy}, {@code unhealthy}, {@code unknown}, with {@code ejected}, {@code draining} or
   *     {@code disabled} when they apply
   * @param up whether it can take new traffic now
   * @param lastCheck the last health check's result, or {@code -}
   * @param cause the cause of its last health change and when, or {@code -}
   * @param effectiveWeight the weight schedulers use now
   * @param weight the configured weight
   * @param active connections or requests in flight
   * @param requestsPerSecond answers (Layer 4: connections) per second over the last sample interval
   * @param serverErrorsPerSecond 5xx answers per second over the last sample interval
   * @param ejections how often outlier detection ejected it since the gateway started
   */
  public record BackendRow(String id, String address, String health, boolean up, String lastCheck, String cause,
      int effectiveWeight, int weight, int active, double requestsPerSecond, double serverErrorsPerSecond,
      long ejections) {}

  /**
   * One listener with its backends.
   *
   * @param name the listener's name
   * @param protocol {@code http}, {@code https} or {@code tcp}
   * @param address the bound address
   * @param state the listener's state ({@code running}...)
   * @param source where the backends come from and the source's state, or {@code listed in the file}
   * @param sourceFailing whether the source fails or has delivered nothing yet
   * @param connections connections open now
   * @param requestsPerSecond answers per second over the last sample interval
   * @param serverErrorsPerSecond 5xx answers per second over the last sample interval
   * @param backends its backends
   * @param traffic which backends take new traffic: {@code primary}, or {@code standby <group>} while a
   *     standby group has it ({@code priority n} for another tier)
   * @param peakBandwidth the listener's caps ({@code unlimited} when none) and how long each direction was held
   *     back, for example {@code up=50Mbit/s (throttled 3s up, 0s down)}
   */
  public record ListenerRow(String name, String protocol, String address, String state, String source,
      boolean sourceFailing, long connections, double requestsPerSecond, double serverErrorsPerSecond,
      List<BackendRow> backends, String traffic, String peakBandwidth) {}

  /**
   * The whole status at one moment.
   *
   * @param at when it was taken
   * @param listeners every listener, in configuration order
   * @param notReady why the gateway is not ready (a listener not running, a pool without a backend that can
   *     take traffic), empty when it is
   */
  public record Snapshot(Instant at, List<ListenerRow> listeners, List<String> notReady) {}

  private final Supplier<List<Served>> served;
  private final Map<String, long[]> previous = new HashMap<>();
  private final Map<String, double[]> rates = new HashMap<>();

  /** The status of what {@code served} lists at each call. */
  public GatewayStatus(Supplier<List<Served>> served) {
    this.served = served;
  }

  /** Takes a sample of every counter and computes the rates since the previous one. */
  public synchronized void sample() {
    long now = System.nanoTime();
    for (Served s : served.get()) {
      String listener = s.pool().name();
      ListenerMetrics m = s.server().metrics();
      boolean layer7 = s.pool().listener().frontendProtocol().isLayer7();
      rate(listener, now, layer7 ? answers(m) : m.connectionsTotal(), m.responses(5)); // Layer 4: connections
      for (BackendView v : s.pool().view()) {
        CountingPool.Counts c = s.pool().counts(v.backend().id());
        rate(listener + "/" + v.backend().id(), now, c.answers(), c.serverErrors());
      }
    }
  }

  private void rate(String key, long now, long answers, long errors) {
    long[] before = previous.put(key, new long[] {now, answers, errors});
    if (before != null && now > before[0]) {
      double seconds = (now - before[0]) / 1e9;
      rates.put(key, new double[] {Math.max(0, answers - before[1]) / seconds, Math.max(0, errors - before[2]) / seconds});
    }
  }

  private static long answers(ListenerMetrics m) {
    long sum = 0;
    for (int c = 1; c <= 5; c++) {
      sum += m.responses(c);
    }
    return sum;
  }

  /** The status now, with the rates of the last sample interval. */
  public synchronized Snapshot snapshot() {
    List<ListenerRow> listeners = new ArrayList<>();
    List<String> notReady = new ArrayList<>();
    for (Served s : served.get()) {
      LoadBalancer pool = s.pool();
      String name = pool.name();
      List<BackendRow> rows = new ArrayList<>();
      boolean anyUp = false;
      for (BackendView v : pool.view()) {
        BackendRow row = backend(s, v);
        anyUp |= row.up();
        rows.add(row);
      }
      ListenerState state = s.server().state();
      if (state != ListenerState.RUNNING) {
        notReady.add("listener " + name + " is " + state.name().toLowerCase(Locale.ROOT));
      }
      if (!anyUp) {
        notReady.add("listener " + name + " has no backend that can take traffic");
      }
      SourceState source = pool.sourceState().orElse(null);
      double[] r = rates.getOrDefault(name, new double[2]);
      listeners.add(new ListenerRow(name, pool.listener().frontendProtocol().name().toLowerCase(Locale.ROOT),
          address(s.server()), state.name().toLowerCase(Locale.ROOT), describe(source)
              + LoadBalancers.subsetStatus(s.pool().delegate()).map(GatewayStatus::describe).orElse(""),
          source != null && (source.phase() == SourceState.Phase.FAILING || source.phase() == SourceState.Phase.PENDING),
          s.server().metrics().connectionsActive(), r[0], r[1], rows, traffic(pool), bandwidth(s.server())));
    }
    return new Snapshot(Instant.now(), listeners, notReady);
  }

  private BackendRow backend(Served s, BackendView v) {
    boolean up = v.state() == BackendState.ACTIVE && v.backend().enabled() && v.effectiveWeight() > 0
        && v.health() == HealthStatus.HEALTHY && !v.ejected();
    String health = v.health().name().toLowerCase(Locale.ROOT) + (v.ejected() ? ", ejected" : "")
        + (v.state() == BackendState.DRAINING ? ", draining" : "") + (v.backend().enabled() ? "" : ", disabled");
    List<HealthTransition> history = s.pool().healthHistory(v.backend().id(), s.started(), Instant.now().plusNanos(1));
    long ejections = history.stream().filter(t -> t.to() == HealthStatus.UNHEALTHY && t.cause().startsWith("ejected"))
        .count();
    String cause = history.isEmpty() ? "-" : history.get(history.size() - 1).cause() + " ("
        + ago(history.get(history.size() - 1).at()) + " ago)";
    double[] r = rates.getOrDefault(s.pool().name() + "/" + v.backend().id(), new double[2]);
    return new BackendRow(v.backend().id(), v.backend().authority(), health, up,
        v.lastCheck().isEmpty() ? "-" : v.lastCheck(), cause, v.effectiveWeight(), v.backend().weight(),
        v.activeConnections(), r[0], r[1], ejections);
  }

  /** {@code primary}, {@code standby dr} while a standby group has the traffic, or the tier taking it. */
  private static String traffic(LoadBalancer pool) {
    int tier = pool.activePriority();
    for (BackendView v : pool.view()) {
      String standby = v.backend().metadata().get(ServerGroup.STANDBY_METADATA_KEY);
      if (v.backend().priority() == tier && standby != null) {
        return "standby " + standby;
      }
    }
    return tier == 0 ? "primary" : "priority " + tier;
  }

  /** The caps and how long each direction was held back. */
  private static String bandwidth(ListenerServer server) {
    BandwidthMetrics b = server.bandwidthMetrics();
    if (b.caps().isUnlimited()) {
      return "unlimited";
    }
    return b.caps() + " (throttled " + Durations.format(b.timeThrottled(BandwidthMetrics.Direction.UPSTREAM))
        + " up, " + Durations.format(b.timeThrottled(BandwidthMetrics.Direction.DOWNSTREAM)) + " down)";
  }

  /** {@code ; subset: 5 of 40 backends (client 3 of 12)}: the view lists the subset only. */
  private static String describe(SubsetStatus subset) {
    SubsetPolicy p = subset.policy();
    return "; subset: " + subset.subset() + " of " + subset.membership() + " backends ("
        + (p.byIndex() ? "client " + p.clientIndex() + " of " + p.clientCount() : "client " + p.clientId()) + ")";
  }

  private static String describe(SourceState source) {
    if (source == null) {
      return "listed in the file";
    }
    String state = source.source() + ": " + source.phase().name().toLowerCase(Locale.ROOT) + " since "
        + ago(source.since()) + " ago, " + source.backends() + " backends";
    return source.lastError().isEmpty() ? state : state + ", last error: " + source.lastError();
  }

  private static String address(ListenerServer server) {
    var a = server.localAddress();
    return a == null ? "-" : a.getAddress().getHostAddress() + ":" + a.getPort();
  }

  /** {@code 4s}, {@code 3m 12s}, {@code 2h 5m}, {@code 3d 4h}. */
  static String ago(Instant at) {
    long s = Math.max(0, Duration.between(at, Instant.now()).getSeconds());
    if (s < 60) {
      return s + "s";
    }
    if (s < 3600) {
      return s / 60 + "m " + s % 60 + "s";
    }
    if (s < 86_400) {
      return s / 3600 + "h " + s % 3600 / 60 + "m";
    }
    return s / 86_400 + "d " + s % 86_400 / 3600 + "h";
  }
}
