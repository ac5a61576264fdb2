package io.lb4j.examples;

import io.lb4j.api.BackendView;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.LoadBalancerEvent;
import io.lb4j.api.Protocol;
import io.lb4j.api.discovery.SourceState;
import io.lb4j.api.health.HealthStatus;
import io.lb4j.impl.LoadAwareMetrics;
import io.lb4j.impl.LoadBalancers;
import io.lb4j.impl.SubsetStatus;
import io.lb4j.impl.client.BalancedHttpClient;
import io.lb4j.impl.client.ClientMetrics;
import io.lb4j.impl.listener.BandwidthMetrics;
import io.lb4j.impl.listener.FailureCause;
import io.lb4j.impl.listener.ListenerMetrics;
import io.lb4j.impl.listener.ListenerServer;
import io.lb4j.impl.listener.UdpMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/**
 * Publishes a load balancer's counters to Micrometer. lb4j itself depends on no metrics library: its
 * {@link LoadBalancer#view()} and events carry the numbers, and a few lines like these bind them.
 *
 * <p>Meters (tagged {@code listener}, {@code pool}, the listener's or a server group's {@code listener/group},
 * and {@code backend}): {@code lb4j.backend.active} (gauge), {@code lb4j.backend.picks} (function counter),
 * {@code lb4j.backend.healthy} (1 or 0), {@code lb4j.backend.weight} (effective weight),
 * {@code lb4j.pool.active_priority} (the priority tier taking traffic: above 0 while a standby serves), and
 * {@code lb4j.no_backend} (counter, tagged {@code reason}); a pool's backend source ({@code lb4j.source.phase},
 * {@code lb4j.source.backends}, {@code lb4j.source.retries}); its load-aware weights and subset
 * ({@link #bindFleet(LoadBalancer, MeterRegistry)}); a listener's counters
 * ({@link #bind(ListenerServer, MeterRegistry)}); a
 * {@code BalancedHttpClient}'s requests, retries and refused retries
 * ({@link #bind(BalancedHttpClient, MeterRegistry)}).
 */
public final class MicrometerMetrics {
  /** The meters {@link #bind(LoadBalancer, MeterRegistry)} registers per backend. */
  private static final String[] BACKEND_METERS = {
    "lb4j.backend.active", "lb4j.backend.picks", "lb4j.backend.healthy", "lb4j.backend.weight"};

  /** The meters {@link #bindFleet(LoadBalancer, MeterRegistry)} registers per backend of a load-aware pool. */
  private static final String[] LOAD_METERS = {
    "lb4j.backend.load_weight", "lb4j.backend.load_utilization", "lb4j.backend.load_reports",
    "lb4j.backend.load_reports_malformed"};

  private MicrometerMetrics() {}

  /**
   * Binds gauges for every backend of {@code lb} and a counter of "no eligible backend" events. A backend
   * that joins later (a reload, a discovery source) gets its meters when it joins, and one that leaves loses
   * them. Bind a pool once: a second call would count each "no eligible backend" event twice.
   */
  public static void bind(LoadBalancer lb, MeterRegistry registry) {
    String listener = lb.listener().name();
    String pool = lb.name();
    Gauge.builder("lb4j.pool.active_priority", lb, LoadBalancer::activePriority)
        .tags(Tags.of("listener", listener, "pool", pool)).register(registry);
    // Subscribed before the current backends are bound, so that none joining meanwhile is missed (binding a
    // backend twice registers nothing new: Micrometer returns the meter it has).
    lb.subscribe(event -> {
      if (event instanceof LoadBalancerEvent.NoEligibleBackend) {
        Counter.builder("lb4j.no_backend").tags("listener", listener, "pool", pool, "reason",
            ((LoadBalancerEvent.NoEligibleBackend) event).reason().name()).register(registry).increment();
      } else {
        followMembership(event, registry, BACKEND_METERS, id -> backendTags(listener, pool, id),
            (id, tags) -> bindBackend(lb, id, tags, registry));
      }
    });
    for (BackendView v : lb.view()) {
      String id = v.backend().id();
      bindBackend(lb, id, backendTags(listener, pool, id), registry);
    }
    lb.sourceState().ifPresent(first -> bindSource(lb, listener, first.source(), registry));
  }

  /**
   * Keeps per-backend meters in step with the pool's members: on a {@link LoadBalancerEvent.MembershipChanged}
   * event, a backend that joined is bound ({@code bind}, with its tags) and one that left loses the meters
   * named {@code meters}; other events are ignored.
   */
  private static void followMembership(LoadBalancerEvent event, MeterRegistry registry, String[] meters,
      Function<String, Tags> tagsOf, BiConsumer<String, Tags> bind) {
    if (!(event instanceof LoadBalancerEvent.MembershipChanged)) {
      return;
    }
    LoadBalancerEvent.MembershipChanged m = (LoadBalancerEvent.MembershipChanged) event;
    String id = m.backend().id();
    Tags tags = tagsOf.apply(id);
    if (m.change() == LoadBalancerEvent.MembershipChange.ADDED) {
      bind.accept(id, tags);
    } else if (m.change() == LoadBalancerEvent.MembershipChange.REMOVED) {
      for (String name : meters) {
        registry.find(name).tags(tags).meters().forEach(registry::remove);
      }
    }
  }

  private static Tags backendTags(String listener, String pool, String backendId) {
    return Tags.of("listener", listener, "pool", pool, "backend", backendId);
  }

  private static void bindBackend(LoadBalancer lb, String id, Tags tags, MeterRegistry registry) {
    Gauge.builder(BACKEND_METERS[0], lb, read(id, BackendView::activeConnections)).tags(tags).register(registry);
    FunctionCounter.builder(BACKEND_METERS[1], lb, read(id, BackendView::picks)).tags(tags).register(registry);
    Gauge.builder(BACKEND_METERS[2], lb, read(id, x -> x.health() == HealthStatus.HEALTHY ? 1 : 0))
        .tags(tags).register(registry);
    Gauge.builder(BACKEND_METERS[3], lb, read(id, BackendView::effectiveWeight)).tags(tags).register(registry);
  }

  /**
   * A pool's backend source: {@code lb4j.source.phase} (tagged {@code phase}: 1 for the source's phase now,
   * 0 for the others, so an alert on {@code phase="FAILING"} fires while a DNS server is down or a ZooKeeper
   * connection is SUSPENDED or LOST), {@code lb4j.source.backends} (the last good list's size) and
   * {@code lb4j.source.retries} (failures in a row), each tagged {@code listener} and {@code source}. Why a
   * source fails (ZooKeeper's {@code SUSPENDED}, an NXDOMAIN) is its last error, on the gateway's
   * {@code /status} and in {@link LoadBalancer#sourceState()}.
   */
  private static void bindSource(LoadBalancer lb, String listener, String source, MeterRegistry registry) {
    Tags tags = Tags.of("listener", listener, "source", source);
    for (SourceState.Phase phase : SourceState.Phase.values()) {
      Gauge.builder("lb4j.source.phase", lb, p -> p.sourceState().map(s -> s.phase() == phase ? 1 : 0).orElse(0))
          .tags(tags.and("phase", phase.name())).register(registry);
    }
    Gauge.builder("lb4j.source.backends", lb, p -> p.sourceState().map(SourceState::backends).orElse(0))
        .tags(tags).register(registry);
    Gauge.builder("lb4j.source.retries", lb, p -> p.sourceState().map(SourceState::retries).orElse(0))
        .tags(tags).register(registry);
  }

  /**
   * Binds what only a pool built by {@link LoadBalancers} knows (pass the pool itself, not a wrapper), tagged
   * {@code listener} (the pool's name): with load-aware weights, per backend {@code lb4j.backend.load_weight}
   * (1-100, before slow start), {@code lb4j.backend.load_utilization} (its last report's),
   * {@code lb4j.backend.load_reports} and {@code lb4j.backend.load_reports_malformed} (function counters), and
   * {@code lb4j.pool.load_weight_updates}; with subsetting, {@code lb4j.pool.subset_backends} and
   * {@code lb4j.pool.membership_backends} (the subset against every backend given). A backend that joins
   * later gets its load meters when it joins, and one that leaves loses them, as with
   * {@link #bind(LoadBalancer, MeterRegistry)}. Nothing is bound for a pool with neither option.
   *
   * @param pool a pool built by {@code LoadBalancers}
   * @param registry where the meters go
   */
  public static void bindFleet(LoadBalancer pool, MeterRegistry registry) {
    Tags pooled = Tags.of("listener", pool.name());
    LoadBalancers.subsetStatus(pool).ifPresent(first -> {
      Gauge.builder("lb4j.pool.subset_backends", pool, p -> LoadBalancers.subsetStatus(p).map(SubsetStatus::subset)
          .orElse(0)).tags(pooled).register(registry);
      Gauge.builder("lb4j.pool.membership_backends", pool, p -> LoadBalancers.subsetStatus(p)
          .map(SubsetStatus::membership).orElse(0)).tags(pooled).register(registry);
    });
    LoadBalancers.loadAwareMetrics(pool).ifPresent(first -> {
      FunctionCounter.builder("lb4j.pool.load_weight_updates", pool, p -> LoadBalancers.loadAwareMetrics(p)
          .map(LoadAwareMetrics::updates).orElse(0L)).tags(pooled).register(registry);
      // Subscribed first, so that no backend joining meanwhile is missed (a second registration is a no-op).
      pool.subscribe(event -> followMembership(event, registry, LOAD_METERS, id -> pooled.and("backend", id),
          (id, tags) -> bindLoad(pool, id, tags, registry)));
      for (LoadAwareMetrics.BackendLoad b : first.backends()) {
        bindLoad(pool, b.backendId(), pooled.and("backend", b.backendId()), registry);
      }
    });
  }

  private static void bindLoad(LoadBalancer pool, String id, Tags tags, MeterRegistry registry) {
    Gauge.builder(LOAD_METERS[0], pool, load(id, LoadAwareMetrics.BackendLoad::loadWeight))
        .tags(tags).register(registry);
    Gauge.builder(LOAD_METERS[1], pool, load(id, x -> x.lastReport() == null ? Double.NaN
        : x.lastReport().effectiveUtilization())).tags(tags).register(registry);
    FunctionCounter.builder(LOAD_METERS[2], pool, load(id, LoadAwareMetrics.BackendLoad::reports))
        .tags(tags).register(registry);
    FunctionCounter.builder(LOAD_METERS[3], pool, load(id, LoadAwareMetrics.BackendLoad::malformedReports))
        .tags(tags).register(registry);
  }

  private static ToDoubleFunction<LoadBalancer> load(String id, ToDoubleFunction<LoadAwareMetrics.BackendLoad> metric) {
    return lb -> {
      LoadAwareMetrics.BackendLoad b = LoadBalancers.loadAwareMetrics(lb).map(m -> m.backend(id)).orElse(null);
      return b == null ? Double.NaN : metric.applyAsDouble(b); // the backend left the pool
    };
  }

  /**
   * Binds a running listener's counters: {@code lb4j.listener.connections.active} (gauge),
   * {@code lb4j.listener.connections} (total), {@code lb4j.listener.responses} (tagged {@code class}
   * 1xx-5xx), {@code lb4j.listener.failures} (tagged {@code cause}: 502 by cause, 504, 431, 400, 508...),
   * {@code lb4j.listener.retries}, {@code lb4j.listener.bytes} (tagged {@code direction} in/out),
   * {@code lb4j.listener.backend_connections_opened}, {@code lb4j.listener.accept_pauses} (tagged
   * {@code reason}: {@code accept_error} when out of file descriptors, {@code connection_cap} at
   * {@code maxConnections} or the process budget) and {@code lb4j.listener.response_time_p99} (seconds, an
   * upper bound from the listener's histogram); for HTTP/2 clients {@code lb4j.listener.http2.connections},
   * {@code lb4j.listener.http2.streams}, {@code lb4j.listener.http2.stream_resets},
   * {@code lb4j.listener.http2.goaways} and {@code lb4j.listener.http2.flood_refusals}; its peak bandwidth:
   * {@code lb4j.listener.bandwidth.cap} (gauge, Mbit/s, tagged {@code direction} up/down/total, 0 for none) and
   * {@code lb4j.listener.bandwidth.throttled} (seconds a direction was held back, tagged {@code direction}); and
   * for a UDP listener {@code lb4j.listener.udp.datagrams} (tagged {@code direction} in/out),
   * {@code lb4j.listener.udp.dropped} (tagged {@code cause}) and {@code lb4j.listener.udp.flows} (gauge). Each
   * meter reads a fresh snapshot when scraped.
   */
  public static void bind(ListenerServer server, MeterRegistry registry) {
    Tags tags = Tags.of("listener", server.listener().name());
    Gauge.builder("lb4j.listener.connections.active", server, s -> s.metrics().connectionsActive()).tags(tags)
        .register(registry);
    FunctionCounter.builder("lb4j.listener.connections", server, s -> s.metrics().connectionsTotal()).tags(tags)
        .register(registry);
    for (int c = 1; c <= 5; c++) {
      int statusClass = c;
      FunctionCounter.builder("lb4j.listener.responses", server, s -> s.metrics().responses(statusClass))
          .tags(tags.and("class", c + "xx")).register(registry);
    }
    for (FailureCause cause : FailureCause.values()) {
      FunctionCounter.builder("lb4j.listener.failures", server, s -> s.metrics().failures(cause))
          .tags(tags.and("cause", cause.name(), "status", String.valueOf(cause.status()))).register(registry);
    }
    FunctionCounter.builder("lb4j.listener.retries", server, s -> s.metrics().retries()).tags(tags).register(registry);
    FunctionCounter.builder("lb4j.listener.bytes", server, s -> s.metrics().bytesIn())
        .tags(tags.and("direction", "in")).register(registry);
    FunctionCounter.builder("lb4j.listener.bytes", server, s -> s.metrics().bytesOut())
        .tags(tags.and("direction", "out")).register(registry);
    FunctionCounter.builder("lb4j.listener.backend_connections_opened", server,
        s -> s.metrics().backendConnectionsOpened()).tags(tags).register(registry);
    FunctionCounter.builder("lb4j.listener.accept_pauses", server, s -> s.metrics().acceptPauses())
        .tags(tags.and("reason", "accept_error")).register(registry);
    FunctionCounter.builder("lb4j.listener.accept_pauses", server, s -> s.metrics().admissionPauses())
        .tags(tags.and("reason", "connection_cap")).register(registry);
    FunctionCounter.builder("lb4j.listener.http2.connections", server, s -> s.metrics().http2().connections())
        .tags(tags).register(registry);
    FunctionCounter.builder("lb4j.listener.http2.streams", server, s -> s.metrics().http2().streams())
        .tags(tags).register(registry);
    FunctionCounter.builder("lb4j.listener.http2.stream_resets", server, s -> s.metrics().http2().streamResets())
        .tags(tags).register(registry);
    FunctionCounter.builder("lb4j.listener.http2.goaways", server, s -> s.metrics().http2().goAways())
        .tags(tags).register(registry);
    FunctionCounter.builder("lb4j.listener.http2.flood_refusals", server, s -> s.metrics().http2().floodRefusals())
        .tags(tags).register(registry);
    Gauge.builder("lb4j.listener.response_time_p99", server,
        s -> s.metrics().responseTimeQuantile(0.99).toNanos() / 1e9).tags(tags).register(registry);
    Gauge.builder("lb4j.listener.bandwidth.cap", server, s -> s.peakBandwidth().upstreamMbps())
        .tags(tags.and("direction", "up")).register(registry);
    Gauge.builder("lb4j.listener.bandwidth.cap", server, s -> s.peakBandwidth().downstreamMbps())
        .tags(tags.and("direction", "down")).register(registry);
    Gauge.builder("lb4j.listener.bandwidth.cap", server, s -> s.peakBandwidth().totalMbps())
        .tags(tags.and("direction", "total")).register(registry);
    for (BandwidthMetrics.Direction d : BandwidthMetrics.Direction.values()) {
      FunctionCounter.builder("lb4j.listener.bandwidth.throttled", server,
          s -> s.bandwidthMetrics().timeThrottled(d).toNanos() / 1e9)
          .tags(tags.and("direction", d == BandwidthMetrics.Direction.UPSTREAM ? "up" : "down")).register(registry);
    }
    if (server.listener().frontendProtocol() == Protocol.UDP) {
      FunctionCounter.builder("lb4j.listener.udp.datagrams", server, s -> s.udpMetrics().datagramsIn())
          .tags(tags.and("direction", "in")).register(registry);
      FunctionCounter.builder("lb4j.listener.udp.datagrams", server, s -> s.udpMetrics().datagramsOut())
          .tags(tags.and("direction", "out")).register(registry);
      for (UdpMetrics.DropCause cause : UdpMetrics.DropCause.values()) {
        FunctionCounter.builder("lb4j.listener.udp.dropped", server, s -> s.udpMetrics().dropped(cause))
            .tags(tags.and("cause", cause.name())).register(registry);
      }
      Gauge.builder("lb4j.listener.udp.flows", server, s -> s.udpMetrics().flowsActive()).tags(tags)
          .register(registry);
    }
  }

  /**
   * Binds a {@link BalancedHttpClient}'s counters, tagged {@code pool}: {@code lb4j.client.requests},
   * {@code lb4j.client.attempts}, {@code lb4j.client.retries} (tagged {@code kind} {@code retry} or
   * {@code requeue}: attempts sent after an answer a backend may have seen, or after a refused or failed
   * connection), {@code lb4j.client.retry_overflow} (same tags: retries and requeues a budget refused, so
   * that the caller got the last answer or failure; Envoy's {@code upstream_rq_retry_overflow}),
   * {@code lb4j.client.failures} ({@code RequestFailedException}s, {@code NoBackendException} included),
   * {@code lb4j.client.no_backend}, and the gauge {@code lb4j.client.retry_budget.tokens} (tagged
   * {@code kind}: the tokens left). Each meter reads {@link BalancedHttpClient#metrics()} when scraped.
   */
  public static void bind(BalancedHttpClient client, MeterRegistry registry) {
    Tags tags = Tags.of("pool", client.metrics().pool());
    counter(registry, "lb4j.client.requests", tags, client, ClientMetrics::requests);
    counter(registry, "lb4j.client.attempts", tags, client, ClientMetrics::attempts);
    counter(registry, "lb4j.client.retries", tags.and("kind", "retry"), client, ClientMetrics::retries);
    counter(registry, "lb4j.client.retries", tags.and("kind", "requeue"), client, ClientMetrics::requeues);
    counter(registry, "lb4j.client.retry_overflow", tags.and("kind", "retry"), client, ClientMetrics::retriesRefused);
    counter(registry, "lb4j.client.retry_overflow", tags.and("kind", "requeue"), client,
        ClientMetrics::requeuesRefused);
    counter(registry, "lb4j.client.failures", tags, client, ClientMetrics::failures);
    counter(registry, "lb4j.client.no_backend", tags, client, ClientMetrics::noBackend);
    Gauge.builder("lb4j.client.retry_budget.tokens", client, c -> c.metrics().retryTokens())
        .tags(tags.and("kind", "retry")).register(registry);
    Gauge.builder("lb4j.client.retry_budget.tokens", client, c -> c.metrics().requeueTokens())
        .tags(tags.and("kind", "requeue")).register(registry);
  }

  private static void counter(MeterRegistry registry, String name, Tags tags, BalancedHttpClient client,
      ToDoubleFunction<ClientMetrics> count) {
    FunctionCounter.builder(name, client, c -> count.applyAsDouble(c.metrics())).tags(tags).register(registry);
  }

  private static ToDoubleFunction<LoadBalancer> read(String id, ToDoubleFunction<BackendView> metric) {
    return lb -> {
      for (BackendView v : lb.view()) {
        if (v.backend().id().equals(id)) {
          return metric.applyAsDouble(v);
        }
      }
      return Double.NaN; // the backend left the pool
    };
  }
}
