package io.lb4j.impl.diagnostics;

import static io.lb4j.api.internal.Checks.checkArgument;
import static io.lb4j.api.internal.Checks.checkRange;
import static io.lb4j.api.internal.Checks.format;

import io.lb4j.api.Listener;
import io.lb4j.api.Protocol;
import io.lb4j.impl.listener.BandwidthMetrics;
import io.lb4j.impl.listener.FailureCause;
import io.lb4j.impl.listener.ListenerMetrics;
import io.lb4j.impl.listener.ListenerServer;
import io.lb4j.impl.listener.ListenerState;
import io.lb4j.impl.listener.RoutingMetrics;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What {@link Diagnostics} reads from one running (or stopped) listener: its identity and settings and
 * the counters of the answers it gave clients.
 *
 * <p>This value decouples diagnostics from the listener implementation: {@link #of(ListenerServer)} reads
 * it from an lb4j listener; a gateway with its own listeners fills it in with {@link #builder}. Counts are since the
 * listener started, unless the adapter passes counts over a recent window, which makes findings clear once
 * the cause is gone.
 *
 * <p>Immutable and thread-safe; build with {@link #builder(Listener, String, int)}.
 *
 * @since 0.1.0
 */
public final class ListenerSnapshot {

  private final String name;
  private final Protocol protocol;
  private final String bindAddress;
  private final int port;
  private final boolean running;
  private final int acceptBacklog;
  private final Duration requestTimeout;
  private final int maxRequestHeaderSize;
  private final long badRequests;
  private final long headersTooLarge;
  private final Map<String, Long> badGatewayByCause;
  private final long gatewayTimeouts;
  private final long loopsDetected;
  private final Duration responseTimeP99;
  private final RoutingMetrics routing;
  private final BandwidthMetrics bandwidth;
  private final long bytesIn;
  private final long bytesOut;

  private ListenerSnapshot(Builder b) {
    this.name = b.name;
    this.protocol = b.protocol;
    this.bindAddress = b.bindAddress;
    this.port = b.port;
    this.running = b.running;
    this.acceptBacklog = b.acceptBacklog;
    this.requestTimeout = b.requestTimeout;
    this.maxRequestHeaderSize = b.maxRequestHeaderSize;
    this.badRequests = b.badRequests;
    this.headersTooLarge = b.headersTooLarge;
    this.badGatewayByCause = Collections.unmodifiableMap(new LinkedHashMap<>(b.badGatewayByCause));
    this.gatewayTimeouts = b.gatewayTimeouts;
    this.loopsDetected = b.loopsDetected;
    this.responseTimeP99 = b.responseTimeP99;
    this.routing = b.routing;
    this.bandwidth = b.bandwidth;
    this.bytesIn = b.bytesIn;
    this.bytesOut = b.bytesOut;
  }

  /**
   * A builder taking the name, protocol, accept backlog, request timeout and header limit from
   * {@code listener}'s configuration; running, with every count 0 and the response-time p99 unknown.
   *
   * @param listener the listener's configuration
   * @param bindAddress the address it listens on, an IP literal ({@code 0.0.0.0} or {@code ::} for every
   *     interface)
   * @param port the port it listens on (the one the operating system chose when configured as 0), 0-65535
   */
  public static Builder builder(Listener listener, String bindAddress, int port) {
    return new Builder(listener, bindAddress, port);
  }

  /**
   * What a running (or stopped) lb4j listener shows: its address, state and the counters of its
   * {@link ListenerMetrics}: 400s, 431s, 502s by cause, 504s, 508s and the response-time p99 (an upper
   * bound from the histogram, at most twice the true value).
   *
   * @param server the listener
   * @return its snapshot
   */
  public static ListenerSnapshot of(ListenerServer server) {
    Objects.requireNonNull(server, "server");
    InetSocketAddress bound = server.localAddress();
    ListenerMetrics m = server.metrics();
    Builder b = builder(server.listener(), bound == null ? "0.0.0.0" : bound.getAddress().getHostAddress(),
        bound == null ? server.listener().frontendPort() : bound.getPort())
        .running(server.state() == ListenerState.RUNNING)
        .badRequests(m.failures(FailureCause.BAD_REQUEST))
        .headersTooLarge(m.failures(FailureCause.HEADER_TOO_LARGE))
        .gatewayTimeouts(m.gatewayTimeouts())
        .loopsDetected(m.failures(FailureCause.LOOP))
        .responseTimeP99(m.responseTimeQuantile(0.99))
        .routing(server.routingMetrics())
        .bandwidth(server.bandwidthMetrics(), m.bytesIn(), m.bytesOut());
    for (FailureCause cause : FailureCause.values()) {
      if (cause.status() == 502) {
        b.badGateway(cause.label(), m.failures(cause));
      }
    }
    return b.build();
  }

  /** The listener's name. */
  public String name() {
    return name;
  }

  /** The protocol clients speak to it. */
  public Protocol protocol() {
    return protocol;
  }

  /** The address it listens on. */
  public String bindAddress() {
    return bindAddress;
  }

  /** The port it listens on. */
  public int port() {
    return port;
  }

  /** Whether it accepts connections now. */
  public boolean running() {
    return running;
  }

  /** The accept backlog it asked the operating system for. */
  public int acceptBacklog() {
    return acceptBacklog;
  }

  /** Layer 7: how long a backend may take to answer before the client gets 504. */
  public Duration requestTimeout() {
    return requestTimeout;
  }

  /** Layer 7: the largest request header block accepted, in bytes. */
  public int maxRequestHeaderSize() {
    return maxRequestHeaderSize;
  }

  /** Requests answered 400 because they were malformed. */
  public long badRequests() {
    return badRequests;
  }

  /** Requests answered 431 because their headers exceeded {@link #maxRequestHeaderSize()}. */
  public long headersTooLarge() {
    return headersTooLarge;
  }

  /** Requests answered 502, by cause (for example {@code no backend}, {@code reset}); unmodifiable. */
  public Map<String, Long> badGatewayByCause() {
    return badGatewayByCause;
  }

  /** Requests answered 504 because the backend did not answer within {@link #requestTimeout()}. */
  public long gatewayTimeouts() {
    return gatewayTimeouts;
  }

  /** Requests answered 508 because they looped back through this listener. */
  public long loopsDetected() {
    return loopsDetected;
  }

  /** The 99th percentile of backend response times, or {@link Duration#ZERO} when unknown. */
  public Duration responseTimeP99() {
    return responseTimeP99;
  }

  /**
   * What the listener's routing decided and its server groups' state, or null when unknown.
   *
   * @since 0.1.0
   */
  public RoutingMetrics routing() {
    return routing;
  }

  /**
   * What the peak bandwidth held back, with the caps in force, or null when unknown.
   *
   * @since 0.1.0
   */
  public BandwidthMetrics bandwidth() {
    return bandwidth;
  }

  /**
   * Bytes read from clients since the listener started.
   *
   * @since 0.1.0
   */
  public long bytesIn() {
    return bytesIn;
  }

  /**
   * Bytes written to clients since the listener started.
   *
   * @since 0.1.0
   */
  public long bytesOut() {
    return bytesOut;
  }

  @Override
  public String toString() {
    return "ListenerSnapshot{" + name + " " + protocol + " " + bindAddress + ":" + port
        + (running ? " running" : " stopped") + "}";
  }

  /**
   * Builds a {@link ListenerSnapshot}; each setter validates its value and throws
   * {@link IllegalArgumentException} naming the field, the value and the allowed range. Not thread-safe.
   */
  public static final class Builder {
    private final String name;
    private final Protocol protocol;
    private final String bindAddress;
    private final int port;
    private boolean running = true;
    private int acceptBacklog;
    private Duration requestTimeout;
    private int maxRequestHeaderSize;
    private long badRequests;
    private long headersTooLarge;
    private final Map<String, Long> badGatewayByCause = new LinkedHashMap<>();
    private long gatewayTimeouts;
    private long loopsDetected;
    private Duration responseTimeP99 = Duration.ZERO;
    private RoutingMetrics routing;
    private BandwidthMetrics bandwidth;
    private long bytesIn;
    private long bytesOut;

    private Builder(Listener listener, String bindAddress, int port) {
      Objects.requireNonNull(listener, "listener");
      this.name = listener.name();
      this.protocol = listener.frontendProtocol();
      Objects.requireNonNull(bindAddress, "listenerSnapshot.bindAddress");
      checkArgument(isIpLiteral(bindAddress), "listenerSnapshot.bindAddress", "an IPv4 or IPv6 literal",
          "'" + bindAddress + "'");
      this.bindAddress = bindAddress;
      this.port = checkRange("listenerSnapshot.port", port, 0, 65535);
      this.acceptBacklog = listener.acceptBacklog();
      this.requestTimeout = listener.requestTimeout();
      this.maxRequestHeaderSize = listener.maxRequestHeaderSize();
    }

    /**
     * Dotted IPv4 with octets up to 255, or hex digits, colons and dots with at least one colon (IPv6): a
     * string {@link java.net.InetAddress#getByName} parses without a name lookup.
     */
    private static boolean isIpLiteral(String s) {
      if (s.indexOf(':') >= 0) {
        return s.length() <= 45 && s.chars().allMatch(c -> Character.digit(c, 16) >= 0 || c == ':' || c == '.');
      }
      String[] octets = s.split("\\.", -1);
      if (octets.length != 4) {
        return false;
      }
      for (String o : octets) {
        if (o.isEmpty() || o.length() > 3 || !o.chars().allMatch(c -> c >= '0' && c <= '9')
            || Integer.parseInt(o) > 255) {
          return false;
        }
      }
      return true;
    }

    /** Whether the listener accepts connections now (default true). */
    public Builder running(boolean running) {
      this.running = running;
      return this;
    }

    /** The backlog actually requested, 1-65535 (default: the listener configuration's). */
    public Builder acceptBacklog(int backlog) {
      this.acceptBacklog = checkRange("listenerSnapshot.acceptBacklog", backlog, 1, 65535);
      return this;
    }

    /** Requests answered 400, 0 or more. */
    public Builder badRequests(long count) {
      this.badRequests = count("listenerSnapshot.badRequests", count);
      return this;
    }

    /** Requests answered 431, 0 or more. */
    public Builder headersTooLarge(long count) {
      this.headersTooLarge = count("listenerSnapshot.headersTooLarge", count);
      return this;
    }

    /** Requests answered 502 for {@code cause} (a short phrase), 0 or more; replaces an earlier count. */
    public Builder badGateway(String cause, long count) {
      Objects.requireNonNull(cause, "listenerSnapshot.badGateway cause");
      badGatewayByCause.put(cause, count("listenerSnapshot.badGateway", count));
      return this;
    }

    /** Requests answered 504, 0 or more. */
    public Builder gatewayTimeouts(long count) {
      this.gatewayTimeouts = count("listenerSnapshot.gatewayTimeouts", count);
      return this;
    }

    /** Requests answered 508 (loop detected), 0 or more. */
    public Builder loopsDetected(long count) {
      this.loopsDetected = count("listenerSnapshot.loopsDetected", count);
      return this;
    }

    /** The 99th percentile of backend response times, 0 (unknown, the default) or more. */
    public Builder responseTimeP99(Duration p99) {
      Objects.requireNonNull(p99, "listenerSnapshot.responseTimeP99");
      checkArgument(!p99.isNegative(), "listenerSnapshot.responseTimeP99", "0 or more", format(p99));
      this.responseTimeP99 = p99;
      return this;
    }

    /**
     * What the listener's routing decided and its groups' state ({@code ListenerServer.routingMetrics()}).
     *
     * @since 0.1.0
     */
    public Builder routing(RoutingMetrics metrics) {
      this.routing = Objects.requireNonNull(metrics, "listenerSnapshot.routing");
      return this;
    }

    /**
     * What the peak bandwidth held back ({@code ListenerServer.bandwidthMetrics()}, with its caps) and the bytes
     * read from and written to clients, 0 or more.
     *
     * @since 0.1.0
     */
    public Builder bandwidth(BandwidthMetrics metrics, long bytesFromClients, long bytesToClients) {
      this.bandwidth = Objects.requireNonNull(metrics, "listenerSnapshot.bandwidth");
      this.bytesIn = count("listenerSnapshot.bytesIn", bytesFromClients);
      this.bytesOut = count("listenerSnapshot.bytesOut", bytesToClients);
      return this;
    }

    private static long count(String field, long count) {
      checkArgument(count >= 0, field, "0 or more", count);
      return count;
    }

    /** Builds the snapshot. */
    public ListenerSnapshot build() {
      return new ListenerSnapshot(this);
    }
  }
}
