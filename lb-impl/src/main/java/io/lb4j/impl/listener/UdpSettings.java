package io.lb4j.impl.listener;

import static io.lb4j.api.internal.Checks.checkRange;
import static io.lb4j.api.internal.Checks.format;

import java.time.Duration;
import java.util.Objects;

/**
 * The limits of a UDP listener ({@link ListenerServer.Builder#udp(UdpSettings)}): how long an idle flow lives,
 * the largest datagram forwarded, and how many flows the listener holds.
 *
 * <p>A <b>flow</b> is one client address and port. Its first datagram selects a backend through the pool
 * (the listener's scheduler and source-IP persistence) and opens a socket connected to it; every datagram of
 * the flow goes to that backend through that socket, and every datagram the backend sends on it goes back to
 * the client from the listener's address. A flow ends after {@link #flowIdleTimeout()} without a datagram
 * either way.
 *
 * <p><b>Why a 60 s idle timeout by default.</b> Each flow holds a socket (a file descriptor) and the pool's
 * accounting of its backend; UDP has no close, so idleness is the only end. nginx's {@code proxy_timeout}
 * defaults to 10 minutes for TCP and UDP alike, which keeps a descriptor per DNS-style client for ten minutes
 * after its one request (nginx's documentation suggests {@code proxy_responses 1} for DNS to end those early).
 * Envoy's UDP proxy defaults to 60 s. lb4j takes 60 s: longer than the keep-alive intervals of protocols that
 * hold state over UDP (QUIC's 30 s idle default, WireGuard's 25 s keep-alive, NAT mappings of 30 s and more),
 * short enough that request-reply traffic does not pile up flows. Raise it for protocols that stay silent for
 * longer; a flow that expires is simply opened again by the client's next datagram (possibly on another
 * backend, unless persistence keeps the client's address on one).
 *
 * <p>Immutable and thread-safe.
 *
 * @since 0.1.0
 */
public final class UdpSettings {
  /** The default idle timeout of a flow. */
  public static final Duration DEFAULT_FLOW_IDLE_TIMEOUT = Duration.ofSeconds(60);
  /** The largest payload of an IPv4 UDP datagram (65,535 - 8 - 20), and the default largest datagram forwarded. */
  public static final int MAX_DATAGRAM_SIZE = 65_507;
  /** The default cap on flows per listener. */
  public static final int DEFAULT_MAX_FLOWS = 10_000;

  private static final Duration MIN_IDLE = Duration.ofMillis(100);
  private static final Duration MAX_IDLE = Duration.ofSeconds(3600);
  private static final UdpSettings DEFAULTS = builder().build();

  private final Duration flowIdleTimeout;
  private final int maxDatagramSize;
  private final int maxFlows;

  private UdpSettings(Builder b) {
    this.flowIdleTimeout = b.flowIdleTimeout;
    this.maxDatagramSize = b.maxDatagramSize;
    this.maxFlows = b.maxFlows;
  }

  /** Every default: flows idle for 60 s end, datagrams up to 65,507 bytes, 10,000 flows. */
  public static UdpSettings defaults() {
    return DEFAULTS;
  }

  /** A builder with every default. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding these values. */
  public Builder toBuilder() {
    return new Builder().flowIdleTimeout(flowIdleTimeout).maxDatagramSize(maxDatagramSize).maxFlows(maxFlows);
  }

  /** How long a flow lives without a datagram either way. */
  public Duration flowIdleTimeout() {
    return flowIdleTimeout;
  }

  /**
   * The largest datagram forwarded, either way, in payload bytes; a larger one is dropped and counted
   * ({@link UdpMetrics.DropCause#CLIENT_TOO_LARGE}, {@link UdpMetrics.DropCause#BACKEND_TOO_LARGE}), never cut.
   */
  public int maxDatagramSize() {
    return maxDatagramSize;
  }

  /**
   * The most flows the listener holds at once (one socket each); the first datagram of a new flow over the cap
   * is dropped and counted ({@link UdpMetrics.DropCause#FLOW_LIMIT}), existing flows are not affected. Keep
   * it below the process's file-descriptor limit ({@code ulimit -n}).
   */
  public int maxFlows() {
    return maxFlows;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof UdpSettings)) {
      return false;
    }
    UdpSettings u = (UdpSettings) o;
    return flowIdleTimeout.equals(u.flowIdleTimeout) && maxDatagramSize == u.maxDatagramSize && maxFlows == u.maxFlows;
  }

  @Override
  public int hashCode() {
    return Objects.hash(flowIdleTimeout, maxDatagramSize, maxFlows);
  }

  @Override
  public String toString() {
    return "UdpSettings{flowIdleTimeout=" + format(flowIdleTimeout) + " maxDatagramSize=" + maxDatagramSize
        + " maxFlows=" + maxFlows + "}";
  }

  /** Builds {@link UdpSettings}; each setter validates its value. Not thread-safe. */
  public static final class Builder {
    private Duration flowIdleTimeout = DEFAULT_FLOW_IDLE_TIMEOUT;
    private int maxDatagramSize = MAX_DATAGRAM_SIZE;
    private int maxFlows = DEFAULT_MAX_FLOWS;

    private Builder() {}

    /** How long a flow lives without a datagram, 100ms-3600s (default 60s). */
    public Builder flowIdleTimeout(Duration timeout) {
      this.flowIdleTimeout = checkRange("udp.flowIdleTimeout", timeout, MIN_IDLE, MAX_IDLE);
      return this;
    }

    /** The largest datagram forwarded, 512-65507 bytes (default 65507: every IPv4 datagram). */
    public Builder maxDatagramSize(int bytes) {
      this.maxDatagramSize = checkRange("udp.maxDatagramSize", bytes, 512, MAX_DATAGRAM_SIZE);
      return this;
    }

    /** The most flows at once, 1-1000000 (default 10000). */
    public Builder maxFlows(int flows) {
      this.maxFlows = checkRange("udp.maxFlows", flows, 1, 1_000_000);
      return this;
    }

    /** Builds the settings. */
    public UdpSettings build() {
      return new UdpSettings(this);
    }
  }
}
