package io.lb4j.impl.listener;

import java.time.Duration;
import java.util.Objects;

/**
 * A snapshot of one listener's counters since it started, read with {@link ListenerServer#metrics()}
 * without any metrics library (bind them to Micrometer or another registry by polling, see the examples).
 * Counters are read one after the other while traffic flows, so two of them may be a few events apart.
 *
 * <p>Layer 4 counts connections: a connection that could not be forwarded counts its
 * {@link FailureCause} ({@code NO_BACKEND} or {@code CONNECT_FAILED}) and no status class. Layer 7
 * counts one response per request, by status class, and each failure by cause; {@link #badGateway()},
 * {@link #gatewayTimeouts()} and friends sum the causes that share a status.
 *
 * <p>Immutable and thread-safe.
 *
 * @since 0.1.0
 */
public final class ListenerMetrics {
  private final long connectionsActive;
  private final long connectionsTotal;
  private final long[] responsesByClass;
  private final long[] failuresByCause;
  private final long retries;
  private final long bytesIn;
  private final long bytesOut;
  private final long[] responseTimeBuckets;
  private final long bufferMemoryBytes;
  private final long acceptPauses;
  private final long backendConnectionsOpened;
  private final long admissionPauses;
  private final Http2 http2;

  ListenerMetrics(long connectionsActive, long connectionsTotal, long[] responsesByClass,
      long[] failuresByCause, long retries, long bytesIn, long bytesOut, long[] responseTimeBuckets,
      long bufferMemoryBytes, long acceptPauses, long backendConnectionsOpened, long admissionPauses, Http2 http2) {
    this.connectionsActive = connectionsActive;
    this.connectionsTotal = connectionsTotal;
    this.responsesByClass = responsesByClass;
    this.failuresByCause = failuresByCause;
    this.retries = retries;
    this.bytesIn = bytesIn;
    this.bytesOut = bytesOut;
    this.responseTimeBuckets = responseTimeBuckets;
    this.bufferMemoryBytes = bufferMemoryBytes;
    this.acceptPauses = acceptPauses;
    this.backendConnectionsOpened = backendConnectionsOpened;
    this.admissionPauses = admissionPauses;
    this.http2 = http2;
  }

  /**
   * The HTTP/2 counters of a listener's client connections since start. Each stream is a request: it is
   * also counted in {@link ListenerMetrics#responses(int)} and by failure cause like an HTTP/1.1 request.
   * Immutable.
   *
   * @since 0.1.0
   */
  public static final class Http2 {
    private final long connections;
    private final long streams;
    private final long streamResets;
    private final long goAways;
    private final long floodRefusals;

    Http2(long connections, long streams, long streamResets, long goAways, long floodRefusals) {
      this.connections = connections;
      this.streams = streams;
      this.streamResets = streamResets;
      this.goAways = goAways;
      this.floodRefusals = floodRefusals;
    }

    /** Client connections that spoke HTTP/2 (h2 chosen by ALPN, or h2c with prior knowledge). */
    public long connections() {
      return connections;
    }

    /** Streams (requests) clients opened, refused ones included. */
    public long streams() {
      return streams;
    }

    /**
     * Streams that ended with RST_STREAM: reset by the client, or by the listener (refused, malformed, a
     * response cut off, a client that did not read).
     */
    public long streamResets() {
      return streamResets;
    }

    /** GOAWAY frames sent to clients: graceful (idle, draining) and on errors. */
    public long goAways() {
      return goAways;
    }

    /**
     * Defences that refused a client: connections ended with ENHANCE_YOUR_CALM (SETTINGS, PING, PRIORITY,
     * WINDOW_UPDATE or empty-DATA floods, rapid reset, control frames it does not read, CONTINUATION
     * floods) and streams refused over SETTINGS_MAX_CONCURRENT_STREAMS.
     */
    public long floodRefusals() {
      return floodRefusals;
    }

    @Override
    public String toString() {
      return "h2{connections=" + connections + " streams=" + streams + " resets=" + streamResets + " goAways="
          + goAways + " floodRefusals=" + floodRefusals + "}";
    }
  }

  /**
   * The HTTP/2 counters (all zero for a listener whose clients speak HTTP/1.1 only).
   *
   * @since 0.1.0
   */
  public Http2 http2() {
    return http2;
  }

  /** Client connections open now. */
  public long connectionsActive() {
    return connectionsActive;
  }

  /** Client connections accepted since start. */
  public long connectionsTotal() {
    return connectionsTotal;
  }

  /**
   * Responses sent to clients whose status is in {@code statusClass} (1 for 1xx, ... 5 for 5xx),
   * including the listener's own error answers.
   *
   * @throws IllegalArgumentException when {@code statusClass} is not 1-5
   */
  public long responses(int statusClass) {
    if (statusClass < 1 || statusClass > 5) {
      throw new IllegalArgumentException("statusClass must be between 1 and 5, was " + statusClass);
    }
    return responsesByClass[statusClass - 1];
  }

  /** Requests or connections that failed with {@code cause}. */
  public long failures(FailureCause cause) {
    return failuresByCause[Objects.requireNonNull(cause, "cause").ordinal()];
  }

  /** Failures answered (Layer 7) or that would be answered with {@code status}, summed over causes. */
  public long failuresWithStatus(int status) {
    long sum = 0;
    for (FailureCause c : FailureCause.values()) {
      if (c.status() == status) {
        sum += failuresByCause[c.ordinal()];
      }
    }
    return sum;
  }

  /** 502s (no backend, connect failed, backend closed, bad response). */
  public long badGateway() {
    return failuresWithStatus(502);
  }

  /** 504s: backends slower than the request timeout. */
  public long gatewayTimeouts() {
    return failuresWithStatus(504);
  }

  /** Connect attempts retried on another backend (and stale pooled connections retried). */
  public long retries() {
    return retries;
  }

  /** Bytes received from clients. */
  public long bytesIn() {
    return bytesIn;
  }

  /** Bytes sent to clients. */
  public long bytesOut() {
    return bytesOut;
  }

  /**
   * The response-time histogram: element {@code i} counts responses that took between 2^i and 2^(i+1)
   * microseconds (the first also holds faster ones, the last slower ones). A copy.
   */
  public long[] responseTimeHistogram() {
    return responseTimeBuckets.clone();
  }

  /**
   * An upper bound of the response-time quantile {@code q} (for example 0.99), from the histogram: the
   * top of the bucket it falls in, so at most twice the true value. {@link Duration#ZERO} with no
   * response yet.
   *
   * @throws IllegalArgumentException when {@code q} is not in (0, 1]
   */
  public Duration responseTimeQuantile(double q) {
    if (!(q > 0 && q <= 1)) {
      throw new IllegalArgumentException("q must be between 0 (exclusive) and 1, was " + q);
    }
    long total = 0;
    for (long c : responseTimeBuckets) {
      total += c;
    }
    if (total == 0) {
      return Duration.ZERO;
    }
    long rank = (long) Math.ceil(q * total);
    long seen = 0;
    for (int i = 0; i < responseTimeBuckets.length; i++) {
      seen += responseTimeBuckets[i];
      if (seen >= rank) {
        return Duration.ofNanos((1L << (i + 1)) * 1000);
      }
    }
    return Duration.ofNanos((1L << responseTimeBuckets.length) * 1000);
  }

  /**
   * Times accepting paused for a second because {@code accept} failed (the process or the system out of
   * file descriptors, {@code EMFILE} or {@code ENFILE}); each pause also writes one WARN line.
   *
   * @since 0.1.0
   */
  public long acceptPauses() {
    return acceptPauses;
  }

  /**
   * Connections opened to backends since start: one per client connection at Layer 4; at Layer 7 only
   * when no idle pooled connection to the selected backend was available (a keep-alive load that reuses
   * its connections opens about as many as requests are in flight at once). Health checks not included.
   *
   * @since 0.1.0
   */
  public long backendConnectionsOpened() {
    return backendConnectionsOpened;
  }

  /**
   * Times accepting paused because the listener's {@code maxConnections} or its process budget
   * ({@link ConnectionBudget}) was reached; the connections meanwhile wait in the kernel's backlog.
   *
   * @since 0.1.0
   */
  public long admissionPauses() {
    return admissionPauses;
  }

  /** Direct memory held by the listener's I/O buffers (pooled and in use), in bytes. */
  public long bufferMemoryBytes() {
    return bufferMemoryBytes;
  }

  @Override
  public String toString() {
    StringBuilder s = new StringBuilder("ListenerMetrics{active=").append(connectionsActive)
        .append(" total=").append(connectionsTotal);
    for (int i = 1; i <= 5; i++) {
      s.append(' ').append(i).append("xx=").append(responsesByClass[i - 1]);
    }
    for (FailureCause c : FailureCause.values()) {
      if (failuresByCause[c.ordinal()] > 0) {
        s.append(" '").append(c.label()).append("'=").append(failuresByCause[c.ordinal()]);
      }
    }
    return s.append(" retries=").append(retries).append(" backendOpened=").append(backendConnectionsOpened)
        .append(" in=").append(bytesIn).append(" out=").append(bytesOut)
        .append(" p99<=").append(responseTimeQuantile(0.99).toMillis()).append("ms")
        .append(http2.connections > 0 ? " " + http2 : "").append('}').toString();
  }
}
