package io.lb4j.api;

import static io.lb4j.api.internal.Checks.checkRange;
import static io.lb4j.api.internal.Checks.checkState;
import static io.lb4j.api.internal.Checks.checkZeroOrRange;
import static io.lb4j.api.internal.Checks.format;

import io.lb4j.api.discovery.SubsetPolicy;
import io.lb4j.api.health.HealthCheckPolicy;
import io.lb4j.api.health.OutlierDetectionPolicy;
import io.lb4j.api.load.LoadAwarePolicy;
import io.lb4j.api.persistence.SessionPersistence;
import io.lb4j.api.scheduler.SchedulingAlgorithm;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * What a pool of backends runs under, whoever serves it: the scheduling algorithm, active and passive health
 * checking, session persistence, draining, slow start and the port of traffic. A {@link Listener} adds what
 * a frontend needs (protocol, port, timeouts, backlog) and gives its pool these settings
 * ({@link Listener#poolSettings()}); a client-side pool is built from them alone.
 *
 * <p>Defaults: weighted round robin, a TCP health check every 2 s ({@link HealthCheckPolicy#defaults()}), no
 * outlier detection, no persistence, no draining, no slow start (from 10% when on), each backend's own port,
 * static weights (no load-aware weights) and no subsetting.
 *
 * <p>Immutable and thread-safe; build with {@link #builder()}. Each setter validates its value at once,
 * naming the field {@code pool.<field>}.
 *
 * @since 0.1.0
 */
public final class PoolSettings {

  /** The default floor of slow start, as a percentage of the full weight. */
  public static final int DEFAULT_SLOW_START_FLOOR_PERCENT = 10;

  private static final Duration MIN_TIMEOUT = Duration.ofMillis(10);
  private static final Duration MAX_DRAIN_TIMEOUT = Duration.ofSeconds(900);
  private static final Duration MAX_SLOW_START = Duration.ofSeconds(900);
  private static final PoolSettings DEFAULTS = builder().build();

  private final SchedulingAlgorithm scheduler;
  private final HealthCheckPolicy healthCheck;
  private final OutlierDetectionPolicy outlierDetection;
  private final SessionPersistence sessionPersistence;
  private final Duration drainTimeout;
  private final Duration slowStartWindow;
  private final int slowStartFloorPercent;
  private final int backendPort;
  private final LoadAwarePolicy loadAware;
  private final SubsetPolicy subset;

  private PoolSettings(Builder b) {
    this.scheduler = b.scheduler;
    this.healthCheck = b.healthCheck;
    this.outlierDetection = b.outlierDetection;
    this.sessionPersistence = b.sessionPersistence;
    this.drainTimeout = b.drainTimeout;
    this.slowStartWindow = b.slowStartWindow;
    this.slowStartFloorPercent = b.slowStartFloorPercent;
    this.backendPort = b.backendPort;
    this.loadAware = b.loadAware;
    this.subset = b.subset;
  }

  /**
   * The defaults (see the class javadoc).
   *
   * @return the default settings
   */
  public static PoolSettings defaults() {
    return DEFAULTS;
  }

  /**
   * A builder holding the defaults.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * A builder holding these settings.
   *
   * @return a new builder
   */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.scheduler = scheduler;
    b.healthCheck = healthCheck;
    b.outlierDetection = outlierDetection;
    b.sessionPersistence = sessionPersistence;
    b.drainTimeout = drainTimeout;
    b.slowStartWindow = slowStartWindow;
    b.slowStartFloorPercent = slowStartFloorPercent;
    b.backendPort = backendPort;
    b.loadAware = loadAware;
    b.subset = subset;
    return b;
  }

  /**
   * The scheduling algorithm.
   *
   * @return the algorithm
   */
  public SchedulingAlgorithm scheduler() {
    return scheduler;
  }

  /**
   * Active health checking, as built (a pool's current policy is {@link LoadBalancer#healthCheck()}).
   *
   * @return the policy
   */
  public HealthCheckPolicy healthCheck() {
    return healthCheck;
  }

  /**
   * Passive health checking.
   *
   * @return the policy
   */
  public OutlierDetectionPolicy outlierDetection() {
    return outlierDetection;
  }

  /**
   * Session persistence.
   *
   * @return the persistence mode
   */
  public SessionPersistence sessionPersistence() {
    return sessionPersistence;
  }

  /**
   * How long a removed or drained backend keeps serving its existing connections and sessions;
   * {@link Duration#ZERO} drops a removed backend at once.
   *
   * @return the drain timeout
   */
  public Duration drainTimeout() {
    return drainTimeout;
  }

  /**
   * How long a new or recovered backend ramps up to its full weight; {@link Duration#ZERO} is off.
   *
   * @return the slow-start window
   */
  public Duration slowStartWindow() {
    return slowStartWindow;
  }

  /**
   * The share of its weight a backend starts slow start with, in percent.
   *
   * @return the floor, 1-100
   */
  public int slowStartFloorPercent() {
    return slowStartFloorPercent;
  }

  /**
   * The port traffic (and, unless the health check names its own, health checks) goes to, or 0 for each
   * backend's own port.
   *
   * @return the port, or 0
   */
  public int backendPort() {
    return backendPort;
  }

  /**
   * The port traffic for {@code backend} goes to.
   *
   * @param backend the backend
   * @return {@link #backendPort()} when set, else the backend's own port
   */
  public int backendPortFor(Backend backend) {
    return backendPort == 0 ? backend.port() : backendPort;
  }

  /**
   * Load-aware weights: when present, each backend's weight follows its load (the reports it sends, or the
   * latency the pool observes), rebuilt every {@link LoadAwarePolicy#weightUpdatePeriod()}, and the
   * configured weights count only as 0 (drained) or not. Empty (the default): the configured weights.
   *
   * @return the policy, or empty when off
   */
  public Optional<LoadAwarePolicy> loadAware() {
    return Optional.ofNullable(loadAware);
  }

  /**
   * Deterministic subsetting: when present, the pool uses (balances over and health-checks) only its subset
   * of the backends it is given. Empty (the default): every backend.
   *
   * @return the policy, or empty when off
   */
  public Optional<SubsetPolicy> subset() {
    return Optional.ofNullable(subset);
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof PoolSettings)) {
      return false;
    }
    PoolSettings p = (PoolSettings) o;
    return scheduler == p.scheduler && healthCheck.equals(p.healthCheck) && outlierDetection.equals(p.outlierDetection)
        && sessionPersistence.equals(p.sessionPersistence) && drainTimeout.equals(p.drainTimeout)
        && slowStartWindow.equals(p.slowStartWindow) && slowStartFloorPercent == p.slowStartFloorPercent
        && backendPort == p.backendPort && Objects.equals(loadAware, p.loadAware) && Objects.equals(subset, p.subset);
  }

  @Override
  public int hashCode() {
    return Objects.hash(scheduler, healthCheck, outlierDetection, sessionPersistence, drainTimeout, slowStartWindow,
        slowStartFloorPercent, backendPort, loadAware, subset);
  }

  @Override
  public String toString() {
    StringBuilder s = new StringBuilder("PoolSettings{scheduler=").append(scheduler.code())
        .append(" healthCheck=").append(healthCheck)
        .append(" persistence=").append(sessionPersistence);
    if (outlierDetection.enabled()) {
      s.append(" outlierDetection=").append(outlierDetection);
    }
    if (backendPort != 0) {
      s.append(" backendPort=").append(backendPort);
    }
    if (!drainTimeout.isZero()) {
      s.append(" drainTimeout=").append(format(drainTimeout));
    }
    if (!slowStartWindow.isZero()) {
      s.append(" slowStart=").append(format(slowStartWindow)).append(" from ").append(slowStartFloorPercent).append('%');
    }
    if (loadAware != null) {
      s.append(" loadAware=").append(loadAware);
    }
    if (subset != null) {
      s.append(" subset=").append(subset);
    }
    return s.append('}').toString();
  }

  /**
   * Builds {@link PoolSettings}. Each setter validates its value ({@link IllegalArgumentException} naming
   * the field {@code pool.<field>}, the value and the allowed range). Not thread-safe.
   *
   * @since 0.1.0
   */
  public static final class Builder {
    private SchedulingAlgorithm scheduler = SchedulingAlgorithm.WEIGHTED_ROUND_ROBIN;
    private HealthCheckPolicy healthCheck = HealthCheckPolicy.defaults();
    private OutlierDetectionPolicy outlierDetection = OutlierDetectionPolicy.disabled();
    private SessionPersistence sessionPersistence = SessionPersistence.none();
    private Duration drainTimeout = Duration.ZERO;
    private Duration slowStartWindow = Duration.ZERO;
    private int slowStartFloorPercent = DEFAULT_SLOW_START_FLOOR_PERCENT;
    private int backendPort;
    private LoadAwarePolicy loadAware;
    private SubsetPolicy subset;

    private Builder() {}

    /**
     * The scheduling algorithm (default weighted round robin).
     *
     * @param algorithm the algorithm
     * @return this builder
     */
    public Builder scheduler(SchedulingAlgorithm algorithm) {
      this.scheduler = Objects.requireNonNull(algorithm, "pool.scheduler");
      return this;
    }

    /**
     * Active health checking (default {@link HealthCheckPolicy#defaults()}, a TCP handshake every 2 s).
     *
     * @param policy the policy
     * @return this builder
     */
    public Builder healthCheck(HealthCheckPolicy policy) {
      this.healthCheck = Objects.requireNonNull(policy, "pool.healthCheck");
      return this;
    }

    /**
     * Passive health checking (default off).
     *
     * @param policy the policy
     * @return this builder
     */
    public Builder outlierDetection(OutlierDetectionPolicy policy) {
      this.outlierDetection = Objects.requireNonNull(policy, "pool.outlierDetection");
      return this;
    }

    /**
     * Session persistence (default none).
     *
     * @param persistence the persistence mode
     * @return this builder
     */
    public Builder sessionPersistence(SessionPersistence persistence) {
      this.sessionPersistence = Objects.requireNonNull(persistence, "pool.sessionPersistence");
      return this;
    }

    /**
     * Connection draining: 0 (off, the default) or 10ms-900s.
     *
     * @param timeout the drain timeout
     * @return this builder
     */
    public Builder drainTimeout(Duration timeout) {
      this.drainTimeout = checkZeroOrRange("pool.drainTimeout", timeout, MIN_TIMEOUT, MAX_DRAIN_TIMEOUT);
      return this;
    }

    /**
     * Slow start: 0 (off, the default) or 10ms-900s.
     *
     * @param window the window
     * @return this builder
     */
    public Builder slowStartWindow(Duration window) {
      this.slowStartWindow = checkZeroOrRange("pool.slowStartWindow", window, MIN_TIMEOUT, MAX_SLOW_START);
      return this;
    }

    /**
     * The weight a backend starts slow start with, 1-100 percent of its weight (default 10).
     *
     * @param percent the floor
     * @return this builder
     */
    public Builder slowStartFloorPercent(int percent) {
      this.slowStartFloorPercent = checkRange("pool.slowStartFloorPercent", percent, 1, 100);
      return this;
    }

    /**
     * The port of traffic for every backend, 1-65535 (default: each backend's own port).
     *
     * @param port the port
     * @return this builder
     */
    public Builder backendPort(int port) {
      this.backendPort = checkRange("pool.backendPort", port, 1, 65535);
      return this;
    }

    /**
     * Turns on load-aware weights (default off): weights follow each backend's load, see
     * {@link LoadAwarePolicy}. Needs a scheduler that uses weights and keeps no key on a backend (wrr, wlc,
     * p2c), checked at {@link #build()}.
     *
     * @param policy the policy
     * @return this builder
     */
    public Builder loadAware(LoadAwarePolicy policy) {
      this.loadAware = Objects.requireNonNull(policy, "pool.loadAware");
      return this;
    }

    /**
     * Turns on deterministic subsetting (default off): the pool uses only its subset of the backends.
     *
     * @param policy who this client is and how many backends it uses
     * @return this builder
     */
    public Builder subset(SubsetPolicy policy) {
      this.subset = Objects.requireNonNull(policy, "pool.subset");
      return this;
    }

    /**
     * Builds the settings.
     *
     * @return the settings
     * @throws IllegalStateException when load-aware weights are on with a scheduler that ignores weights
     *     ({@code rr}) or maps keys to backends ({@code sch}, {@code tch}: moving weights would move keys)
     */
    public PoolSettings build() {
      checkState(loadAware == null || scheduler == SchedulingAlgorithm.WEIGHTED_ROUND_ROBIN
          || scheduler == SchedulingAlgorithm.WEIGHTED_LEAST_CONNECTIONS
          || scheduler == SchedulingAlgorithm.LEAST_REQUEST_P2C,
          "pool.loadAware needs a scheduler that uses weights and keeps no key on a backend (wrr, wlc or p2c), was "
              + scheduler.code());
      return new PoolSettings(this);
    }
  }
}
