package io.lb4j.impl;

import static io.lb4j.api.internal.Checks.checkCharset;
import static io.lb4j.api.internal.Checks.checkRange;
import static io.lb4j.api.internal.Checks.checkState;

import io.lb4j.api.Backend;
import io.lb4j.api.Listener;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.PoolSettings;
import io.lb4j.api.Protocol;
import io.lb4j.api.discovery.BackendSource;
import io.lb4j.api.discovery.DiscoveryPolicy;
import io.lb4j.api.discovery.SubsetPolicy;
import io.lb4j.api.health.HealthCheckPolicy;
import io.lb4j.api.health.OutlierDetectionPolicy;
import io.lb4j.api.load.LoadAwarePolicy;
import io.lb4j.api.persistence.SessionPersistence;
import io.lb4j.api.scheduler.Scheduler;
import io.lb4j.api.scheduler.SchedulingAlgorithm;
import io.lb4j.impl.pool.Addresses;
import io.lb4j.impl.pool.DefaultLoadBalancer;
import io.lb4j.impl.pool.PoolParameters;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;

/**
 * The entry point to lb4j's {@link LoadBalancer}: builds a pool of backends, either behind a
 * {@link Listener} (a gateway) or for a client that calls its backends directly.
 *
 * <pre>{@code
 * // client side: no listener to invent
 * try (LoadBalancer lb = LoadBalancers.builder().name("orders").backends(backends)
 *     .healthCheck(HealthCheckPolicy.http()).build().start()) {
 *   try (Selection s = lb.select(RequestContext.EMPTY)) {
 *     if (!s.hasBackend()) { ... fail fast with s.reason() ... }
 *     ... connect to s.address(), then lb.report(s, outcome) ...
 *   }
 * }
 * // gateway: the listener carries the settings
 * LoadBalancer gateway = LoadBalancers.builder(listener).backends(backends).build().start();
 * }</pre>
 *
 * <p>Thread-safe: a builder is not, the load balancer it builds is.
 */
public final class LoadBalancers {

  /** The name of a client-side pool that was given none. */
  public static final String DEFAULT_CLIENT_POOL_NAME = "client";
  /** How often host names are resolved again by default. */
  public static final Duration DEFAULT_ADDRESS_REFRESH_INTERVAL = Duration.ofSeconds(30);

  private static final Duration MIN_ADDRESS_REFRESH = Duration.ofMillis(10);
  private static final Duration MAX_ADDRESS_REFRESH = Duration.ofHours(1);

  private LoadBalancers() {}

  /**
   * The probe counters and probe-start lateness of a pool's active health checking, for monitoring and
   * load harnesses.
   *
   * @param lb a load balancer built by this class
   * @return a snapshot of its checker's metrics
   * @throws IllegalArgumentException when {@code lb} was not built here
   * @since 0.1.0
   */
  public static HealthCheckMetrics healthCheckMetrics(LoadBalancer lb) {
    return new HealthCheckMetrics(built(lb).probeMetrics());
  }

  /**
   * The load-aware weights of a pool: each backend's load weight, last report and malformed reports, and what
   * the last weight update found. Applies what is already queued for the pool first, like
   * {@link LoadBalancer#view()}.
   *
   * @param lb a load balancer built by this class
   * @return the metrics, or empty when the pool's weights do not follow load ({@code PoolSettings.loadAware})
   * @throws IllegalArgumentException when {@code lb} was not built here
   * @since 0.1.0
   */
  public static Optional<LoadAwareMetrics> loadAwareMetrics(LoadBalancer lb) {
    return built(lb).loadAwareMetrics();
  }

  /**
   * A subsetting pool's subset against the whole membership it was given: its view (and its health checks)
   * covers {@link SubsetStatus#subset()} backends of {@link SubsetStatus#membership()}. Applies what is
   * already queued for the pool first, like {@link LoadBalancer#view()}.
   *
   * @param lb a load balancer built by this class
   * @return the status, or empty when the pool does not subset ({@code PoolSettings.subset})
   * @throws IllegalArgumentException when {@code lb} was not built here
   * @since 0.1.0
   */
  public static Optional<SubsetStatus> subsetStatus(LoadBalancer lb) {
    return built(lb).subsetStatus();
  }

  private static DefaultLoadBalancer built(LoadBalancer lb) {
    if (!(lb instanceof DefaultLoadBalancer)) {
      throw new IllegalArgumentException("lb must be built by LoadBalancers, was " + lb);
    }
    return (DefaultLoadBalancer) lb;
  }

  /**
   * A builder for a load balancer serving {@code listener}: the listener supplies the scheduling
   * algorithm, health checking, persistence, draining and slow start, and its backend port (when set)
   * is the port of traffic and of health checks.
   *
   * @param listener the listener
   * @return a new builder
   */
  public static Builder builder(Listener listener) {
    return new Builder(Objects.requireNonNull(listener, "listener"));
  }

  /**
   * A builder for the pool of one server group of a listener: named {@code <listener>/<group>} in logs,
   * events and metrics, and running under {@code listener}'s pool settings (give it the listener with the
   * group's settings applied, {@code listener.toBuilder().poolSettings(group.settings())}). A
   * {@code ListenerServer} builds one for each group its routing sends traffic to.
   *
   * @param listener the listener, with the group's pool settings
   * @param group the group's name (1-80 characters of A-Z a-z 0-9 '-' '_' '.')
   * @return a new builder
   * @since 0.1.0
   */
  public static Builder builder(Listener listener, String group) {
    Builder b = new Builder(Objects.requireNonNull(listener, "listener"));
    b.name = listener.name() + "/" + checkCharset("serverGroup.name", group, 1, 80, "A-Z a-z 0-9 '-' '_' '.'",
        c -> (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_'
            || c == '.');
    return b;
  }

  /**
   * A builder for a client-side pool: no listener, the settings are given to the builder (defaults:
   * weighted round robin, TCP health checks, no persistence, no draining, no slow start).
   *
   * @return a new builder
   * @since 0.1.0
   */
  public static Builder builder() {
    return new Builder(null);
  }

  /**
   * Builds a {@link LoadBalancer}. Each setter validates its value at once; {@link #build()} checks the
   * settings together. Not thread-safe.
   */
  public static final class Builder {
    private final Listener listener;
    /** The settings of a client-side pool (a listener's pool takes the listener's); null for a listener's. */
    private PoolSettings.Builder clientSettings;
    private String name;
    private final List<Backend> backends = new ArrayList<>();
    private Scheduler customScheduler;
    private CookieKeyRing cookieKeys;
    private TimeSource time = TimeSource.system();
    private long seed = ThreadLocalRandom.current().nextLong();
    private int maxProbesInFlight = 256;
    private Duration addressRefreshInterval = DEFAULT_ADDRESS_REFRESH_INTERVAL;
    private BackendSource source;
    private DiscoveryPolicy discoveryPolicy = DiscoveryPolicy.defaults();
    /** A listener's pool's load-aware policy and subset (a client-side pool keeps them in its settings). */
    private LoadAwarePolicy listenerLoadAware;
    private SubsetPolicy listenerSubset;
    /** Host name to address (null: unknown); blocking. Tests replace it to move a name elsewhere. */
    private Function<String, InetAddress> resolver = Addresses::lookup;

    private Builder(Listener listener) {
      this.listener = listener;
      if (listener == null) {
        this.clientSettings = PoolSettings.builder();
        this.name = DEFAULT_CLIENT_POOL_NAME;
      } else {
        this.clientSettings = null;
        this.name = listener.name();
      }
    }

    /**
     * Adds backends; ids must be unique.
     *
     * @param backends the backends
     * @return this builder
     */
    public Builder backends(Collection<Backend> backends) {
      Objects.requireNonNull(backends, "backends");
      for (Backend b : backends) {
        backend(b);
      }
      return this;
    }

    /**
     * Adds one backend; its id must be unique.
     *
     * @param backend the backend
     * @return this builder
     */
    public Builder backend(Backend backend) {
      backends.add(Objects.requireNonNull(backend, "backend"));
      return this;
    }

    /**
     * The name of a client-side pool, for logs, thread names and metrics (default
     * {@value #DEFAULT_CLIENT_POOL_NAME}): 1-80 characters of A-Z a-z 0-9 '-' '_' '.'.
     *
     * @param name the name
     * @return this builder
     * @throws IllegalStateException for a listener's pool, which takes the listener's name
     * @since 0.1.0
     */
    public Builder name(String name) {
      requireClient("name");
      this.name = checkCharset("pool.name", name, 1, 80, "A-Z a-z 0-9 '-' '_' '.'",
          c -> (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_'
              || c == '.');
      return this;
    }

    /**
     * The scheduling algorithm of a client-side pool (default weighted round robin).
     *
     * @param algorithm the algorithm
     * @return this builder
     * @throws IllegalStateException for a listener's pool, whose listener names the algorithm
     * @since 0.1.0
     */
    public Builder scheduler(SchedulingAlgorithm algorithm) {
      return client("scheduler", () -> clientSettings.scheduler(algorithm));
    }

    /**
     * A scheduler of the caller's own, used instead of the algorithm's: the pool gives it health,
     * persistence, draining and slow start, and calls {@link Scheduler#update} from its control path and
     * {@link Scheduler#pick} from every selecting thread, as {@link Scheduler} describes. The pool owns
     * it from then on: give each pool its own instance. Slow start does not ramp a scheduler whose
     * {@link Scheduler#algorithm()} is a hash algorithm.
     *
     * @param scheduler the scheduler
     * @return this builder
     * @since 0.1.0
     */
    public Builder scheduler(Scheduler scheduler) {
      this.customScheduler = Objects.requireNonNull(scheduler, "scheduler");
      return this;
    }

    /**
     * The health-check policy of a client-side pool (default {@link HealthCheckPolicy#defaults()}, a TCP
     * handshake every 2 s).
     *
     * @param policy the policy
     * @return this builder
     * @throws IllegalStateException for a listener's pool
     * @since 0.1.0
     */
    public Builder healthCheck(HealthCheckPolicy policy) {
      return client("healthCheck", () -> clientSettings.healthCheck(policy));
    }

    /**
     * The outlier-detection policy of a client-side pool (default off).
     *
     * @param policy the policy
     * @return this builder
     * @throws IllegalStateException for a listener's pool
     * @since 0.1.0
     */
    public Builder outlierDetection(OutlierDetectionPolicy policy) {
      return client("outlierDetection", () -> clientSettings.outlierDetection(policy));
    }

    /**
     * The session persistence of a client-side pool (default none).
     *
     * @param persistence the persistence mode
     * @return this builder
     * @throws IllegalStateException for a listener's pool
     * @since 0.1.0
     */
    public Builder sessionPersistence(SessionPersistence persistence) {
      return client("sessionPersistence", () -> clientSettings.sessionPersistence(persistence));
    }

    /**
     * The drain timeout of a client-side pool, as {@link PoolSettings.Builder#drainTimeout} (default 0: a
     * removed backend leaves at once).
     *
     * @param timeout the drain timeout
     * @return this builder
     * @throws IllegalStateException for a listener's pool
     * @since 0.1.0
     */
    public Builder drainTimeout(Duration timeout) {
      return client("drainTimeout", () -> clientSettings.drainTimeout(timeout));
    }

    /**
     * The slow-start window of a client-side pool, as {@link PoolSettings.Builder#slowStartWindow} (default
     * 0: none).
     *
     * @param window the window
     * @return this builder
     * @throws IllegalStateException for a listener's pool
     * @since 0.1.0
     */
    public Builder slowStartWindow(Duration window) {
      return client("slowStartWindow", () -> clientSettings.slowStartWindow(window));
    }

    /**
     * Every setting of a client-side pool at once (replacing what the other setters set before).
     *
     * @param settings the settings
     * @return this builder
     * @throws IllegalStateException for a listener's pool, which takes the listener's settings
     * @since 0.1.0
     */
    public Builder settings(PoolSettings settings) {
      Objects.requireNonNull(settings, "settings");
      requireClient("settings");
      this.clientSettings = settings.toBuilder();
      return this;
    }

    /**
     * Turns on load-aware weights, for a listener's pool or a client-side one: each backend's weight follows
     * the load it reports in {@code endpoint-load-metrics} (or, with
     * {@link LoadAwarePolicy.Signal#OBSERVED_LATENCY}, the latency the pool observes), updated every
     * {@link LoadAwarePolicy#weightUpdatePeriod()}. As {@link PoolSettings.Builder#loadAware}: the scheduler
     * must be wrr, wlc or p2c.
     *
     * @param policy the policy
     * @return this builder
     * @since 0.1.0
     */
    public Builder loadAware(LoadAwarePolicy policy) {
      Objects.requireNonNull(policy, "pool.loadAware");
      if (listener == null) {
        clientSettings.loadAware(policy);
      } else {
        listenerLoadAware = policy;
      }
      return this;
    }

    /**
     * Turns on deterministic subsetting, for a listener's pool or a client-side one: of the backends it is
     * given (fixed, {@code setBackends}, or from its source), the pool uses and health-checks only this
     * client's subset. As {@link PoolSettings.Builder#subset}.
     *
     * @param policy who this client is and how many backends it uses
     * @return this builder
     * @since 0.1.0
     */
    public Builder subset(SubsetPolicy policy) {
      Objects.requireNonNull(policy, "pool.subset");
      if (listener == null) {
        clientSettings.subset(policy);
      } else {
        listenerSubset = policy;
      }
      return this;
    }

    /**
     * The keys that sign inserted session cookies. Give every balancer of a fleet the same keys so they
     * honour each other's cookies. Default: a random key, valid for this instance only.
     *
     * @param keys the key ring
     * @return this builder
     */
    public Builder cookieKeys(CookieKeyRing keys) {
      this.cookieKeys = Objects.requireNonNull(keys, "cookieKeys");
      return this;
    }

    /**
     * The one time source of the pool (default {@link TimeSource#system()}): nanoseconds for slow start,
     * draining and session tables, the wall clock for event times, health history, cookie expiry and
     * ejections. Tests pass a {@link ManualTimeSource} and move it; its {@code advance} shows the effects
     * at once.
     *
     * @param time the time source
     * @return this builder
     * @since 0.1.0
     */
    public Builder timeSource(TimeSource time) {
      this.time = Objects.requireNonNull(time, "timeSource");
      return this;
    }

    /**
     * Seeds the scheduler's random starting point and choices (default: random per instance, so a
     * fleet started together does not send its first picks to the same backend).
     *
     * @param seed the seed
     * @return this builder
     */
    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    /**
     * The cap on health-check probes in flight at once, 1-65536 (default 256).
     *
     * @param max the cap
     * @return this builder
     */
    public Builder maxProbesInFlight(int max) {
      this.maxProbesInFlight = checkRange("maxProbesInFlight", max, 1, 65536);
      return this;
    }

    /**
     * How often backend host names are resolved again, 10ms-1h (default 30 s), so a backend whose
     * address changes gets traffic and checks at its new address. IP literals are never looked up.
     * Lookups run on the pool's own thread, never on a selecting thread.
     *
     * @param interval the refresh interval
     * @return this builder
     * @since 0.1.0
     */
    public Builder addressRefreshInterval(Duration interval) {
      this.addressRefreshInterval = checkRange("addressRefreshInterval", interval, MIN_ADDRESS_REFRESH,
          MAX_ADDRESS_REFRESH);
      return this;
    }

    /**
     * Feeds the pool from a source of backends (a file, DNS, ZooKeeper) instead of fixed backends. The
     * pool starts the source when it starts and closes it when it closes; it applies each list the source
     * delivers, keeps the last good list while the source fails, and reports the source's state in
     * {@link LoadBalancer#sourceState()} and {@code SourceStateChanged} events. Until the first list
     * arrives the pool has no backend and {@link LoadBalancer#whenReady()} waits.
     *
     * @param source the source; it belongs to this pool from now on
     * @return this builder
     * @since 0.1.0
     */
    public Builder backendSource(BackendSource source) {
      this.source = Objects.requireNonNull(source, "backendSource");
      return this;
    }

    /**
     * How the pool treats its {@link #backendSource(BackendSource) source}: first-list timeout, retry
     * backoff, empty lists (default {@link DiscoveryPolicy#defaults()}).
     *
     * @param policy the policy
     * @return this builder
     * @since 0.1.0
     */
    public Builder discoveryPolicy(DiscoveryPolicy policy) {
      this.discoveryPolicy = Objects.requireNonNull(policy, "discoveryPolicy");
      return this;
    }

    /** Replaces the host-name lookup (tests: a name that moves from one loopback address to another). */
    Builder resolver(Function<String, InetAddress> resolver) {
      this.resolver = Objects.requireNonNull(resolver, "resolver");
      return this;
    }

    /** Sets a client-side pool's setting; {@link PoolSettings.Builder} validates it, naming {@code pool.<field>}. */
    private Builder client(String field, Runnable set) {
      requireClient(field);
      set.run();
      return this;
    }

    private void requireClient(String field) {
      checkState(listener == null, field + " of a listener's pool is set on the listener, not the pool builder");
    }

    /** The settings the pool runs under: the listener's (with the pool's own options), or the client-side pool's. */
    private PoolSettings poolSettings() {
      if (listener == null) {
        return clientSettings.build();
      }
      if (listenerLoadAware == null && listenerSubset == null) {
        return listener.poolSettings();
      }
      PoolSettings.Builder b = listener.poolSettings().toBuilder();
      if (listenerLoadAware != null) {
        b.loadAware(listenerLoadAware);
      }
      if (listenerSubset != null) {
        b.subset(listenerSubset);
      }
      return b.build();
    }

    /** Whether inserted session cookies are marked {@code Secure}: the pool serves an HTTPS listener. */
    private boolean secureCookies() {
      return listener != null && listener.frontendProtocol() == Protocol.HTTPS;
    }

    /**
     * Builds the load balancer. It selects and applies runtime changes at once; call
     * {@link LoadBalancer#start()} to start health checking (and the backend source, if any).
     *
     * @return the load balancer
     * @throws IllegalArgumentException when two backends share an id
     * @throws IllegalStateException when both fixed backends and a backend source are given
     */
    public LoadBalancer build() {
      if (source != null && !backends.isEmpty()) {
        throw new IllegalStateException("backends and backendSource are exclusive: a source owns the pool's"
            + " membership, was " + backends.size() + " backends and " + source.description());
      }
      Set<String> ids = new HashSet<>();
      for (Backend b : backends) {
        if (!ids.add(b.id())) {
          throw new IllegalArgumentException("backends must have unique ids, was '" + b.id() + "' twice");
        }
      }
      return new DefaultLoadBalancer(new PoolParameters(name, listener, poolSettings(), secureCookies(),
          customScheduler, cookieKeys == null ? null : cookieKeys.ring(), time.asClock(), time::nanoTime, time::onAdvance, time::removeOnAdvance, seed,
          maxProbesInFlight, addressRefreshInterval, source, discoveryPolicy, resolver, List.copyOf(backends)));
    }
  }
}
