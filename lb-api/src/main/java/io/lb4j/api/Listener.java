package io.lb4j.api;

import static io.lb4j.api.internal.Checks.checkCharset;
import static io.lb4j.api.internal.Checks.checkRange;
import static io.lb4j.api.internal.Checks.checkState;
import static io.lb4j.api.internal.Checks.checkZeroOrRange;
import static io.lb4j.api.internal.Checks.format;

import io.lb4j.api.health.HealthCheckPolicy;
import io.lb4j.api.health.OutlierDetectionPolicy;
import io.lb4j.api.persistence.SessionPersistence;
import io.lb4j.api.scheduler.SchedulingAlgorithm;
import java.time.Duration;
import java.util.Objects;

/**
 * A listener: a frontend protocol and port that forwards to backends over a backend protocol, with a
 * scheduling algorithm, health checking, session persistence and timeouts. It is the configuration a
 * load balancer, a gateway or a client-side pool is built from.
 *
 * <p>Defaults follow the reference cloud balancer: weighted round robin; a TCP health check for TCP
 * listeners and {@code HEAD /} for HTTP(S) listeners (UDP listeners: checks off, because a UDP backend
 * need not accept TCP); no persistence; Layer-7 request timeout 60 s (a slower backend gets a 504);
 * Layer-4 idle timeout 900 s; accept backlog 1024. The request timeout ranges over 1-180 s and the idle
 * timeout over 10-900 s, as on the reference balancer; the drain timeout and the slow-start window accept
 * values down to 10 ms so that tests need not wait.
 *
 * <p>Layer-7 timeouts blame the side that owes bytes, as nginx's {@code client_body_timeout},
 * {@code proxy_read_timeout} and {@code send_timeout} do: the {@linkplain #requestTimeout() request timeout}
 * bounds a backend's silence while it owes the answer (504, reported to the pool as a timeout) and a
 * client's silence while it owes its request head or body (408, nothing reported against the backend);
 * the {@linkplain #writeTimeout() write timeout} bounds a client that leaves the response unread (its
 * connection is closed, nothing reported against the backend).
 *
 * <p>Layer-7 protocol choices follow nginx's defaults: request fields whose name contains {@code _} are
 * dropped ({@link #underscoresInHeaders()}), an {@code Upgrade: h2c} is stripped
 * ({@link #allowH2cUpgrade()}), and the lingering close after a refusal lasts at most
 * {@link #lingeringTime()}. Clients may speak HTTP/2 ({@link #http2()}, on by default: {@code h2} chosen by
 * ALPN over TLS, {@code h2c} with prior knowledge in clear); backends get HTTP/1.1 unless
 * {@link #backendHttpVersion()} says {@link HttpVersion#HTTP_2} (h2c, for gRPC).
 *
 * <p>{@link #peakBandwidth()} caps the bytes per second the listener forwards (off by default), the
 * reference's "Peak Bandwidth" column.
 *
 * <p>The accept backlog is a request to the operating system, which caps it at
 * {@code net.core.somaxconn} (often 128 or 4096 on Linux). When the backlog is full the kernel stops
 * answering SYNs and clients time out; raise {@code somaxconn} as well as this value.
 *
 * <p>Immutable and thread-safe; build with {@link #builder(String, Protocol, int)}.
 *
 * @since 0.1.0
 */
public final class Listener {

  /** The default Layer-7 request (read) timeout. */
  public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(60);
  /** The default Layer-7 write timeout: how long a client may leave the response unread (nginx's send_timeout). */
  public static final Duration DEFAULT_WRITE_TIMEOUT = Duration.ofSeconds(60);
  /** The default cap on a Layer-7 lingering close after a refusal (nginx's lingering_time). */
  public static final Duration DEFAULT_LINGERING_TIME = Duration.ofSeconds(30);
  /** The default Layer-4 idle timeout. */
  public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(900);
  /** The default cap on the size of a request's header block, in bytes (Layer 7). */
  public static final int DEFAULT_MAX_REQUEST_HEADER_SIZE = 32 * 1024;
  /** The default accept backlog (the OS caps it at net.core.somaxconn). */
  public static final int DEFAULT_ACCEPT_BACKLOG = 1024;
  /** The default floor of slow start, as a percentage of the full weight. */
  public static final int DEFAULT_SLOW_START_FLOOR_PERCENT = 10;

  private static final Duration MIN_TIMEOUT = Duration.ofMillis(10);
  private static final Duration MIN_REQUEST_TIMEOUT = Duration.ofSeconds(1);
  private static final Duration MAX_REQUEST_TIMEOUT = Duration.ofSeconds(180);
  private static final Duration MAX_WRITE_TIMEOUT = Duration.ofSeconds(900);
  private static final Duration MIN_IDLE_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration MAX_IDLE_TIMEOUT = Duration.ofSeconds(900);
  private static final Duration MAX_DRAIN_TIMEOUT = Duration.ofSeconds(900);
  private static final Duration MAX_SLOW_START = Duration.ofSeconds(900);

  private final String name;
  private final Protocol frontendProtocol;
  private final int frontendPort;
  private final Protocol backendProtocol;
  private final int backendPort;
  private final SchedulingAlgorithm scheduler;
  private final HealthCheckPolicy healthCheck;
  private final OutlierDetectionPolicy outlierDetection;
  private final SessionPersistence sessionPersistence;
  private final Duration requestTimeout;
  private final Duration writeTimeout;
  private final Duration lingeringTime;
  private final boolean underscoresInHeaders;
  private final boolean allowH2cUpgrade;
  private final boolean http2;
  private final HttpVersion backendHttpVersion;
  private final Duration idleTimeout;
  private final int maxRequestHeaderSize;
  private final int acceptBacklog;
  private final Duration drainTimeout;
  private final Duration slowStartWindow;
  private final int slowStartFloorPercent;
  private final PeakBandwidth peakBandwidth;

  private Listener(Builder b) {
    this.name = b.name;
    this.frontendProtocol = b.frontendProtocol;
    this.frontendPort = b.frontendPort;
    this.backendProtocol = b.backendProtocol != null ? b.backendProtocol : defaultBackendProtocol(b.frontendProtocol);
    this.backendPort = b.backendPort;
    this.scheduler = b.scheduler;
    this.healthCheck = b.healthCheck != null ? b.healthCheck
        : defaultHealthCheck(b.frontendProtocol, b.backendHttpVersion);
    this.outlierDetection = b.outlierDetection;
    this.sessionPersistence = b.sessionPersistence;
    this.requestTimeout = b.requestTimeout;
    this.writeTimeout = b.writeTimeout;
    this.lingeringTime = b.lingeringTime;
    this.underscoresInHeaders = b.underscoresInHeaders;
    this.allowH2cUpgrade = b.allowH2cUpgrade;
    this.http2 = b.http2;
    this.backendHttpVersion = b.backendHttpVersion;
    this.idleTimeout = b.idleTimeout;
    this.maxRequestHeaderSize = b.maxRequestHeaderSize;
    this.acceptBacklog = b.acceptBacklog;
    this.drainTimeout = b.drainTimeout;
    this.slowStartWindow = b.slowStartWindow;
    this.slowStartFloorPercent = b.slowStartFloorPercent;
    this.peakBandwidth = b.peakBandwidth;
  }

  /**
   * A builder for a listener.
   *
   * @param name 1-80 characters of A-Z a-z 0-9 '-' '_' '.'
   * @param frontendProtocol the protocol clients speak
   * @param frontendPort the port clients connect to, 1-65535, or 0 to let the operating system choose
   *     one when the listener is started (and for client-side pools, which bind nothing)
   */
  public static Builder builder(String name, Protocol frontendProtocol, int frontendPort) {
    return new Builder(name, frontendProtocol, frontendPort);
  }

  /** A builder holding this listener's values. */
  public Builder toBuilder() {
    Builder b = new Builder(name, frontendProtocol, frontendPort);
    b.backendProtocol = backendProtocol;
    b.backendPort = backendPort;
    b.scheduler = scheduler;
    b.healthCheck = healthCheck;
    b.outlierDetection = outlierDetection;
    b.sessionPersistence = sessionPersistence;
    b.requestTimeout = requestTimeout;
    b.writeTimeout = writeTimeout;
    b.lingeringTime = lingeringTime;
    b.underscoresInHeaders = underscoresInHeaders;
    b.allowH2cUpgrade = allowH2cUpgrade;
    b.http2 = http2;
    b.backendHttpVersion = backendHttpVersion;
    b.idleTimeout = idleTimeout;
    b.maxRequestHeaderSize = maxRequestHeaderSize;
    b.acceptBacklog = acceptBacklog;
    b.drainTimeout = drainTimeout;
    b.slowStartWindow = slowStartWindow;
    b.slowStartFloorPercent = slowStartFloorPercent;
    b.peakBandwidth = peakBandwidth;
    return b;
  }

  private static Protocol defaultBackendProtocol(Protocol frontend) {
    return frontend == Protocol.HTTPS ? Protocol.HTTP : frontend;
  }

  private static HealthCheckPolicy defaultHealthCheck(Protocol frontend, HttpVersion backendVersion) {
    switch (frontend) {
      case HTTP:
      case HTTPS:
        // An h2c backend (a gRPC server) need not understand an HTTP/1.1 HEAD: probe its port instead.
        return backendVersion == HttpVersion.HTTP_2 ? HealthCheckPolicy.defaults() : HealthCheckPolicy.http();
      case UDP:
        return HealthCheckPolicy.disabled();
      default:
        return HealthCheckPolicy.defaults();
    }
  }

  /** The listener's name. */
  public String name() {
    return name;
  }

  /** The protocol clients speak. */
  public Protocol frontendProtocol() {
    return frontendProtocol;
  }

  /** The port clients connect to; 0 when the operating system chooses it. */
  public int frontendPort() {
    return frontendPort;
  }

  /** The protocol spoken to backends. */
  public Protocol backendProtocol() {
    return backendProtocol;
  }

  /** The port traffic is forwarded to, or 0 for each backend's own port. */
  public int backendPort() {
    return backendPort;
  }

  /** The port traffic for {@code backend} is forwarded to. */
  public int backendPortFor(Backend backend) {
    return backendPort == 0 ? backend.port() : backendPort;
  }

  /** The scheduling algorithm. */
  public SchedulingAlgorithm scheduler() {
    return scheduler;
  }

  /** Active health checking. */
  public HealthCheckPolicy healthCheck() {
    return healthCheck;
  }

  /** Passive health checking (off by default). */
  public OutlierDetectionPolicy outlierDetection() {
    return outlierDetection;
  }

  /** Session persistence. */
  public SessionPersistence sessionPersistence() {
    return sessionPersistence;
  }

  /**
   * Layer 7: how long the side that owes bytes may stay silent. A backend owing its answer (or owing to
   * read the request) that sends nothing for this long is reported as a timeout and the client gets 504; a
   * client owing its request body gets 408 and nothing is reported against the backend; a request head
   * must arrive whole within it, or the connection is closed.
   */
  public Duration requestTimeout() {
    return requestTimeout;
  }

  /**
   * Layer 7: how long a client may leave the response unread (not one byte taken) before its connection is
   * closed; nothing is reported against the backend, which is not timed meanwhile.
   *
   * @since 0.1.0
   */
  public Duration writeTimeout() {
    return writeTimeout;
  }

  /**
   * Layer 7: the longest a lingering close lasts. After a refusal (400, 408, 502...) the listener writes its
   * answer, shuts its output and reads, dropping them, the bytes the client still sends, so that closing does
   * not reset the connection before the client read the answer; it closes when the client ends, stays
   * silent for 5 s (or the request timeout, if shorter), or this cap passes since the refusal, whichever is
   * first (nginx's {@code lingering_time}).
   *
   * @since 0.1.0
   */
  public Duration lingeringTime() {
    return lingeringTime;
  }

  /**
   * Layer 7: whether request fields whose name contains {@code _} are forwarded. False (the default, as
   * nginx's {@code underscores_in_headers off}): they are dropped, because some servers read {@code _} as
   * {@code -}, so that {@code Transfer_Encoding} would smuggle a framing past the listener.
   *
   * @since 0.1.0
   */
  public boolean underscoresInHeaders() {
    return underscoresInHeaders;
  }

  /**
   * Layer 7: whether a request's {@code Upgrade: h2c} (HTTP/2 over cleartext) is forwarded, and the connection
   * tunnelled to the backend after its 101, where the client's HTTP/2 is no longer checked by the listener.
   * False (the default): the upgrade is stripped and the request served as a plain HTTP/1.1 request.
   *
   * @since 0.1.0
   */
  public boolean allowH2cUpgrade() {
    return allowH2cUpgrade;
  }

  /**
   * Layer 7: whether clients may speak HTTP/2. True (the default): an HTTPS listener offers {@code h2} and
   * {@code http/1.1} by ALPN (RFC 7301) and serves HTTP/2 to clients that choose {@code h2}; an HTTP listener
   * serves HTTP/2 to clients that open with the HTTP/2 connection preface (h2c with prior knowledge, RFC 9113
   * section 3.3) and HTTP/1.1 to the others. False: HTTP/1.1 only (ALPN offers {@code http/1.1} alone).
   * {@code Upgrade: h2c} is never how a client gets HTTP/2 (RFC 9113 deprecates it; see
   * {@link #allowH2cUpgrade()}).
   *
   * @since 0.1.0
   */
  public boolean http2() {
    return http2;
  }

  /**
   * Layer 7: the HTTP version spoken to backends: {@link HttpVersion#HTTP_1_1} (the default) or
   * {@link HttpVersion#HTTP_2} (h2c: needed by gRPC backends; only HTTP/2 clients are then served, and the
   * default health check is a TCP connect).
   *
   * @since 0.1.0
   */
  public HttpVersion backendHttpVersion() {
    return backendHttpVersion;
  }

  /** Layer 4: how long a connection may stay idle before it is closed. */
  public Duration idleTimeout() {
    return idleTimeout;
  }

  /** Layer 7: the largest request header block accepted, in bytes. */
  public int maxRequestHeaderSize() {
    return maxRequestHeaderSize;
  }

  /** The accept backlog requested from the OS (capped by net.core.somaxconn). */
  public int acceptBacklog() {
    return acceptBacklog;
  }

  /**
   * How long a removed or drained backend keeps serving its existing connections and sessions before
   * it is dropped; {@link Duration#ZERO} (the default) drops a removed backend at once.
   */
  public Duration drainTimeout() {
    return drainTimeout;
  }

  /**
   * How long a new or recovered backend ramps up to its full weight, from {@link #slowStartFloorPercent()};
   * {@link Duration#ZERO} is off. Applies to wrr, rr (a ramping backend gets that fraction of a share), wlc
   * and p2c; hash schedulers keep full weights so that keys do not move during the ramp.
   */
  public Duration slowStartWindow() {
    return slowStartWindow;
  }

  /** The share of its weight a backend starts slow start with, in percent. */
  public int slowStartFloorPercent() {
    return slowStartFloorPercent;
  }

  /**
   * What this listener's pool runs under: its scheduler, health checking, persistence, draining, slow start
   * and backend port, without what only the frontend needs.
   *
   * @return the pool's settings
   * @since 0.1.0
   */
  public PoolSettings poolSettings() {
    PoolSettings.Builder b = PoolSettings.builder().scheduler(scheduler).healthCheck(healthCheck)
        .outlierDetection(outlierDetection).sessionPersistence(sessionPersistence).drainTimeout(drainTimeout)
        .slowStartWindow(slowStartWindow).slowStartFloorPercent(slowStartFloorPercent);
    if (backendPort != 0) {
      b.backendPort(backendPort);
    }
    return b.build();
  }

  /**
   * The caps on the bytes per second this listener forwards ({@link PeakBandwidth#unlimited()} by default):
   * enforced by back-pressure on TCP and HTTP(S) listeners, by dropping datagrams over the budget on UDP ones.
   *
   * @since 0.1.0
   */
  public PeakBandwidth peakBandwidth() {
    return peakBandwidth;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof Listener)) {
      return false;
    }
    Listener l = (Listener) o;
    return name.equals(l.name) && frontendProtocol == l.frontendProtocol && frontendPort == l.frontendPort
        && backendProtocol == l.backendProtocol && backendPort == l.backendPort && scheduler == l.scheduler
        && healthCheck.equals(l.healthCheck) && outlierDetection.equals(l.outlierDetection)
        && sessionPersistence.equals(l.sessionPersistence) && requestTimeout.equals(l.requestTimeout)
        && writeTimeout.equals(l.writeTimeout) && lingeringTime.equals(l.lingeringTime)
        && underscoresInHeaders == l.underscoresInHeaders && allowH2cUpgrade == l.allowH2cUpgrade
        && http2 == l.http2 && backendHttpVersion == l.backendHttpVersion
        && idleTimeout.equals(l.idleTimeout) && maxRequestHeaderSize == l.maxRequestHeaderSize
        && acceptBacklog == l.acceptBacklog && drainTimeout.equals(l.drainTimeout)
        && slowStartWindow.equals(l.slowStartWindow) && slowStartFloorPercent == l.slowStartFloorPercent
        && peakBandwidth.equals(l.peakBandwidth);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, frontendProtocol, frontendPort, backendProtocol, backendPort, scheduler,
        healthCheck, outlierDetection, sessionPersistence, requestTimeout, writeTimeout, lingeringTime,
        underscoresInHeaders, allowH2cUpgrade, http2, backendHttpVersion, idleTimeout,
        maxRequestHeaderSize, acceptBacklog, drainTimeout, slowStartWindow, slowStartFloorPercent, peakBandwidth);
  }

  @Override
  public String toString() {
    StringBuilder s = new StringBuilder("Listener{").append(name).append(' ')
        .append(frontendProtocol).append(':').append(frontendPort == 0 ? "auto" : String.valueOf(frontendPort))
        .append(" -> ").append(backendProtocol).append(':')
        .append(backendPort == 0 ? "backend" : String.valueOf(backendPort))
        .append(" scheduler=").append(scheduler.code())
        .append(" healthCheck=").append(healthCheck)
        .append(" persistence=").append(sessionPersistence);
    if (outlierDetection.enabled()) {
      s.append(" outlierDetection=").append(outlierDetection);
    }
    if (frontendProtocol.isLayer7()) {
      s.append(" requestTimeout=").append(format(requestTimeout))
          .append(" writeTimeout=").append(format(writeTimeout))
          .append(" lingeringTime=").append(format(lingeringTime))
          .append(" maxRequestHeaderSize=").append(maxRequestHeaderSize);
      if (underscoresInHeaders) {
        s.append(" underscoresInHeaders");
      }
      if (allowH2cUpgrade) {
        s.append(" h2cUpgrade");
      }
      if (!http2) {
        s.append(" http1Only");
      }
      if (backendHttpVersion != HttpVersion.HTTP_1_1) {
        s.append(" backendHttpVersion=").append(backendHttpVersion.code());
      }
    } else {
      s.append(" idleTimeout=").append(format(idleTimeout));
    }
    s.append(" backlog=").append(acceptBacklog);
    if (!drainTimeout.isZero()) {
      s.append(" drainTimeout=").append(format(drainTimeout));
    }
    if (!slowStartWindow.isZero()) {
      s.append(" slowStart=").append(format(slowStartWindow)).append(" from ").append(slowStartFloorPercent).append('%');
    }
    if (!peakBandwidth.isUnlimited()) {
      s.append(" peakBandwidth=").append(peakBandwidth);
    }
    return s.append('}').toString();
  }

  /**
   * Builds a {@link Listener}. Each setter validates its value ({@link IllegalArgumentException} naming
   * the field, value and allowed range); {@link #build()} checks rules that span fields
   * ({@link IllegalStateException}). Not thread-safe.
   */
  public static final class Builder {
    private final String name;
    private final Protocol frontendProtocol;
    private final int frontendPort;
    private Protocol backendProtocol;
    private int backendPort;
    private SchedulingAlgorithm scheduler = SchedulingAlgorithm.WEIGHTED_ROUND_ROBIN;
    private HealthCheckPolicy healthCheck;
    private OutlierDetectionPolicy outlierDetection = OutlierDetectionPolicy.disabled();
    private SessionPersistence sessionPersistence = SessionPersistence.none();
    private Duration requestTimeout = DEFAULT_REQUEST_TIMEOUT;
    private Duration writeTimeout = DEFAULT_WRITE_TIMEOUT;
    private Duration lingeringTime = DEFAULT_LINGERING_TIME;
    private boolean underscoresInHeaders;
    private boolean allowH2cUpgrade;
    private boolean http2 = true;
    private HttpVersion backendHttpVersion = HttpVersion.HTTP_1_1;
    private Duration idleTimeout = DEFAULT_IDLE_TIMEOUT;
    private int maxRequestHeaderSize = DEFAULT_MAX_REQUEST_HEADER_SIZE;
    private int acceptBacklog = DEFAULT_ACCEPT_BACKLOG;
    private Duration drainTimeout = Duration.ZERO;
    private Duration slowStartWindow = Duration.ZERO;
    private int slowStartFloorPercent = DEFAULT_SLOW_START_FLOOR_PERCENT;
    private PeakBandwidth peakBandwidth = PeakBandwidth.unlimited();

    private Builder(String name, Protocol frontendProtocol, int frontendPort) {
      this.name = checkCharset("listener.name", name, 1, 80, "A-Z a-z 0-9 '-' '_' '.'",
          c -> (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
              || c == '-' || c == '_' || c == '.');
      this.frontendProtocol = Objects.requireNonNull(frontendProtocol, "listener.frontendProtocol");
      this.frontendPort = checkRange("listener.frontendPort", frontendPort, 0, 65535);
    }

    /** The protocol spoken to backends (default: HTTP for HTTP and HTTPS, else the frontend's). */
    public Builder backendProtocol(Protocol protocol) {
      this.backendProtocol = Objects.requireNonNull(protocol, "listener.backendProtocol");
      return this;
    }

    /** The port traffic is forwarded to, 1-65535 (default: each backend's own port). */
    public Builder backendPort(int port) {
      this.backendPort = checkRange("listener.backendPort", port, 1, 65535);
      return this;
    }

    /** The scheduling algorithm (default weighted round robin). */
    public Builder scheduler(SchedulingAlgorithm algorithm) {
      this.scheduler = Objects.requireNonNull(algorithm, "listener.scheduler");
      return this;
    }

    /** Active health checking (default: TCP for TCP, HTTP HEAD / for HTTP(S), off for UDP). */
    public Builder healthCheck(HealthCheckPolicy policy) {
      this.healthCheck = Objects.requireNonNull(policy, "listener.healthCheck");
      return this;
    }

    /** Passive health checking (default off). */
    public Builder outlierDetection(OutlierDetectionPolicy policy) {
      this.outlierDetection = Objects.requireNonNull(policy, "listener.outlierDetection");
      return this;
    }

    /** Session persistence (default none); the cookie modes need an HTTP or HTTPS frontend. */
    public Builder sessionPersistence(SessionPersistence persistence) {
      this.sessionPersistence = Objects.requireNonNull(persistence, "listener.sessionPersistence");
      return this;
    }

    /**
     * Layer 7: how long the side that owes bytes may stay silent, 1s-180s (default 60s): a silent backend
     * gets a 504, a client stalling its request body a 408 (see {@link Listener#requestTimeout()}).
     */
    public Builder requestTimeout(Duration timeout) {
      this.requestTimeout = checkRange("listener.requestTimeout", timeout, MIN_REQUEST_TIMEOUT, MAX_REQUEST_TIMEOUT);
      return this;
    }

    /**
     * Layer 7: how long a client may leave the response unread, 1s-900s (default 60s); then its connection
     * is closed (see {@link Listener#writeTimeout()}).
     *
     * @since 0.1.0
     */
    public Builder writeTimeout(Duration timeout) {
      this.writeTimeout = checkRange("listener.writeTimeout", timeout, MIN_REQUEST_TIMEOUT, MAX_WRITE_TIMEOUT);
      return this;
    }

    /**
     * Layer 7: the longest lingering close after a refusal, 1s-900s (default 30s; see
     * {@link Listener#lingeringTime()}).
     *
     * @since 0.1.0
     */
    public Builder lingeringTime(Duration time) {
      this.lingeringTime = checkRange("listener.lingeringTime", time, MIN_REQUEST_TIMEOUT, MAX_WRITE_TIMEOUT);
      return this;
    }

    /**
     * Layer 7: forward request fields whose name contains {@code _} (default false: dropped; see
     * {@link Listener#underscoresInHeaders()}).
     *
     * @since 0.1.0
     */
    public Builder underscoresInHeaders(boolean forwarded) {
      this.underscoresInHeaders = forwarded;
      return this;
    }

    /**
     * Layer 7: forward {@code Upgrade: h2c} and tunnel after its 101 (default false: stripped; see
     * {@link Listener#allowH2cUpgrade()}).
     *
     * @since 0.1.0
     */
    public Builder allowH2cUpgrade(boolean allowed) {
      this.allowH2cUpgrade = allowed;
      return this;
    }

    /**
     * Layer 7: serve HTTP/2 to clients that ask for it (default true: {@code h2} by ALPN over TLS, {@code h2c}
     * with prior knowledge in clear; see {@link Listener#http2()}).
     *
     * @since 0.1.0
     */
    public Builder http2(boolean enabled) {
      this.http2 = enabled;
      return this;
    }

    /**
     * Layer 7: the HTTP version spoken to backends (default {@link HttpVersion#HTTP_1_1}; see
     * {@link Listener#backendHttpVersion()}).
     *
     * @since 0.1.0
     */
    public Builder backendHttpVersion(HttpVersion version) {
      this.backendHttpVersion = Objects.requireNonNull(version, "listener.backendHttpVersion");
      return this;
    }

    /** Layer 4: how long a connection may stay idle, 10s-900s (default 900s). */
    public Builder idleTimeout(Duration timeout) {
      this.idleTimeout = checkRange("listener.idleTimeout", timeout, MIN_IDLE_TIMEOUT, MAX_IDLE_TIMEOUT);
      return this;
    }

    /** Layer 7: the largest request header block in bytes, 1024-1048576 (default 32768). */
    public Builder maxRequestHeaderSize(int bytes) {
      this.maxRequestHeaderSize = checkRange("listener.maxRequestHeaderSize", bytes, 1024, 1024 * 1024);
      return this;
    }

    /** The accept backlog, 1-65535 (default 1024); the OS caps it at net.core.somaxconn. */
    public Builder acceptBacklog(int backlog) {
      this.acceptBacklog = checkRange("listener.acceptBacklog", backlog, 1, 65535);
      return this;
    }

    /** Connection draining: 0 (off, the default) or 10ms-900s. */
    public Builder drainTimeout(Duration timeout) {
      this.drainTimeout = checkZeroOrRange("listener.drainTimeout", timeout, MIN_TIMEOUT, MAX_DRAIN_TIMEOUT);
      return this;
    }

    /** Slow start: 0 (off, the default) or 10ms-900s (cloud balancers allow 30-900s). */
    public Builder slowStartWindow(Duration window) {
      this.slowStartWindow = checkZeroOrRange("listener.slowStartWindow", window, MIN_TIMEOUT, MAX_SLOW_START);
      return this;
    }

    /** The weight a backend starts slow start with, 1-100 percent of its weight (default 10). */
    public Builder slowStartFloorPercent(int percent) {
      this.slowStartFloorPercent = checkRange("listener.slowStartFloorPercent", percent, 1, 100);
      return this;
    }

    /**
     * Every pool setting at once (scheduler, health check, outlier detection, session persistence, drain
     * timeout, slow start and backend port), replacing what the other setters set: the listener as one of its
     * server groups runs it ({@link io.lb4j.api.routing.ServerGroup#settings()}).
     *
     * @param settings the settings
     * @return this builder
     * @since 0.1.0
     */
    public Builder poolSettings(PoolSettings settings) {
      Objects.requireNonNull(settings, "listener.poolSettings");
      this.scheduler = settings.scheduler();
      this.healthCheck = settings.healthCheck();
      this.outlierDetection = settings.outlierDetection();
      this.sessionPersistence = settings.sessionPersistence();
      this.drainTimeout = settings.drainTimeout();
      this.slowStartWindow = settings.slowStartWindow();
      this.slowStartFloorPercent = settings.slowStartFloorPercent();
      this.backendPort = settings.backendPort();
      return this;
    }

    /**
     * The caps on the bytes per second the listener forwards (default {@link PeakBandwidth#unlimited()}); see
     * {@link PeakBandwidth} for how each protocol enforces them.
     *
     * @since 0.1.0
     */
    public Builder peakBandwidth(PeakBandwidth bandwidth) {
      this.peakBandwidth = Objects.requireNonNull(bandwidth, "listener.peakBandwidth");
      return this;
    }

    /**
     * Builds the listener.
     *
     * @throws IllegalStateException when the backend protocol does not fit the frontend protocol, cookie
     *     persistence is set on a Layer-4 listener, HTTP/2 to backends is asked of a Layer-4 listener, or of
     *     a listener whose backend protocol is HTTPS (lb4j has no TLS towards backends: h2c only)
     */
    public Listener build() {
      Protocol backend = backendProtocol != null ? backendProtocol : defaultBackendProtocol(frontendProtocol);
      boolean compatible = frontendProtocol.isLayer7() ? backend.isLayer7() : backend == frontendProtocol;
      checkState(compatible, "listener.backendProtocol " + backend + " cannot serve listener.frontendProtocol "
          + frontendProtocol + " (expected: " + (frontendProtocol.isLayer7() ? "HTTP or HTTPS" : frontendProtocol) + ")");
      if (backendHttpVersion == HttpVersion.HTTP_2) {
        checkState(frontendProtocol.isLayer7(), "listener.backendHttpVersion HTTP_2 needs an HTTP or HTTPS listener,"
            + " but listener.frontendProtocol is " + frontendProtocol);
        checkState(backend == Protocol.HTTP, "listener.backendHttpVersion HTTP_2 is h2c: it needs"
            + " listener.backendProtocol HTTP (lb4j has no TLS towards backends), but it is " + backend);
      }
      checkState(!sessionPersistence.mode().isCookie() || frontendProtocol.isLayer7(),
          "listener.sessionPersistence " + sessionPersistence.mode()
              + " needs an HTTP or HTTPS listener, but listener.frontendProtocol is " + frontendProtocol);
      return new Listener(this);
    }
  }
}
