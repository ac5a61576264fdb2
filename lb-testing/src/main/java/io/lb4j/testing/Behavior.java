package io.lb4j.testing;

import static io.lb4j.api.internal.Checks.checkRange;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * How an {@link HttpTestBackend} answers: status, headers, body, latency (fixed plus uniform jitter), CPU time
 * spent on one of the backend's cores, a share of requests that fail with another status, and a {@link Fault}.
 *
 * <p>Immutable and thread-safe; a backend swaps whole behaviours, so a request never sees half of a change.
 *
 * @since 0.1.0
 */
public final class Behavior {

  /** The status a behaviour answers with when none is set. */
  public static final int DEFAULT_STATUS = 200;
  /** The status of the failing share when none is set. */
  public static final int DEFAULT_FAILURE_STATUS = 503;
  /** The longest latency or jitter. */
  public static final Duration MAX_LATENCY = Duration.ofMinutes(5);
  /** The most CPU time one request may burn. */
  public static final Duration MAX_CPU = Duration.ofSeconds(10);

  private static final Behavior OK = builder().build();

  private final int status;
  private final byte[] body;
  private final Map<String, String> headers;
  private final Duration latency;
  private final Duration jitter;
  private final Duration cpu;
  private final double failureShare;
  private final int failureStatus;
  private final Fault fault;

  private Behavior(Builder b) {
    this.status = b.status;
    this.body = b.body;
    this.headers = Collections.unmodifiableMap(new LinkedHashMap<>(b.headers));
    this.latency = b.latency;
    this.jitter = b.jitter;
    this.cpu = b.cpu;
    this.failureShare = b.failureShare;
    this.failureStatus = b.failureStatus;
    this.fault = b.fault;
  }

  /**
   * Answers 200 with the backend's default body ({@code hello from <name>}), at once.
   *
   * @return the default behaviour
   */
  public static Behavior ok() {
    return OK;
  }

  /**
   * Answers with a status and the backend's default body.
   *
   * @param status 100 to 599
   * @return the behaviour
   */
  public static Behavior status(int status) {
    return builder().status(status).build();
  }

  /**
   * Answers normally but with a fault.
   *
   * @param fault the fault
   * @return the behaviour
   */
  public static Behavior fault(Fault fault) {
    return builder().fault(fault).build();
  }

  /**
   * A builder with the defaults: 200, default body, no latency, no failures, no fault.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * A builder holding this behaviour's values.
   *
   * @return a new builder
   */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.status = status;
    b.body = body;
    b.headers.putAll(headers);
    b.latency = latency;
    b.jitter = jitter;
    b.cpu = cpu;
    b.failureShare = failureShare;
    b.failureStatus = failureStatus;
    b.fault = fault;
    return b;
  }

  /**
   * The status of a normal answer.
   *
   * @return the status
   */
  public int status() {
    return status;
  }

  /**
   * The body, or null for the backend's default body.
   *
   * @return a copy of the body, or null
   */
  public byte[] body() {
    return body == null ? null : body.clone();
  }

  byte[] bodyUnsafe() {
    return body;
  }

  /**
   * Extra response headers.
   *
   * @return an unmodifiable map
   */
  public Map<String, String> headers() {
    return headers;
  }

  /**
   * The fixed delay before answering.
   *
   * @return the latency
   */
  public Duration latency() {
    return latency;
  }

  /**
   * The largest random delay added to {@link #latency()} (uniform from 0).
   *
   * @return the jitter
   */
  public Duration jitter() {
    return jitter;
  }

  /**
   * The CPU time each request burns on one of the backend's cores ({@link HttpTestBackend#cores()}), after its
   * latency: zero for none.
   *
   * @return the CPU time per request
   */
  public Duration cpu() {
    return cpu;
  }

  /**
   * The share of requests, 0 to 1, answered with {@link #failureStatus()} instead of {@link #status()}.
   *
   * @return the failure share
   */
  public double failureShare() {
    return failureShare;
  }

  /**
   * The status of the failing share.
   *
   * @return the failure status
   */
  public int failureStatus() {
    return failureStatus;
  }

  /**
   * The fault applied to every request.
   *
   * @return the fault
   */
  public Fault fault() {
    return fault;
  }

  @Override
  public String toString() {
    return "Behavior{status=" + status + ", latency=" + latency + "+" + jitter + (cpu.isZero() ? "" : ", cpu=" + cpu)
        + ", failureShare=" + failureShare
        + " -> " + failureStatus + ", fault=" + fault + "}";
  }

  /**
   * Builds a {@link Behavior}; each setter validates its value. Not thread-safe.
   *
   * @since 0.1.0
   */
  public static final class Builder {
    private int status = DEFAULT_STATUS;
    private byte[] body;
    private final Map<String, String> headers = new LinkedHashMap<>();
    private Duration latency = Duration.ZERO;
    private Duration jitter = Duration.ZERO;
    private Duration cpu = Duration.ZERO;
    private double failureShare;
    private int failureStatus = DEFAULT_FAILURE_STATUS;
    private Fault fault = Fault.none();

    private Builder() {}

    /**
     * Sets the status.
     *
     * @param status 100 to 599
     * @return this builder
     */
    public Builder status(int status) {
      this.status = checkRange("behavior.status", status, 100, 599);
      return this;
    }

    /**
     * Sets the body, UTF-8 encoded.
     *
     * @param body the body text
     * @return this builder
     */
    public Builder body(String body) {
      this.body = Objects.requireNonNull(body, "behavior.body").getBytes(StandardCharsets.UTF_8);
      return this;
    }

    /**
     * Sets the body.
     *
     * @param body the body bytes
     * @return this builder
     */
    public Builder body(byte[] body) {
      this.body = Objects.requireNonNull(body, "behavior.body").clone();
      return this;
    }

    /**
     * Adds a response header (replacing one of the same name set before).
     *
     * @param name the header name, a token without spaces or colons
     * @param value the value, without CR or LF
     * @return this builder
     */
    public Builder header(String name, String value) {
      Objects.requireNonNull(name, "behavior.header name");
      Objects.requireNonNull(value, "behavior.header value");
      if (name.isEmpty() || !name.chars().allMatch(c -> c > 32 && c < 127 && c != ':')) {
        throw new IllegalArgumentException(
            "behavior.header name must be a token of visible ASCII without ':', was '" + name + "'");
      }
      if (value.indexOf('\r') >= 0 || value.indexOf('\n') >= 0) {
        throw new IllegalArgumentException("behavior.header value must not contain CR or LF, was '"
            + value.replace("\r", "\\r").replace("\n", "\\n") + "'");
      }
      headers.put(name, value);
      return this;
    }

    /**
     * Sets a fixed delay before answering.
     *
     * @param latency 0 to {@link #MAX_LATENCY}
     * @return this builder
     */
    public Builder latency(Duration latency) {
      this.latency = checkRange("behavior.latency", latency, Duration.ZERO, MAX_LATENCY);
      return this;
    }

    /**
     * Sets a fixed delay plus a random one, uniform between 0 and {@code jitter}.
     *
     * @param latency 0 to {@link #MAX_LATENCY}
     * @param jitter 0 to {@link #MAX_LATENCY}
     * @return this builder
     */
    public Builder latency(Duration latency, Duration jitter) {
      Duration checkedJitter = checkRange("behavior.jitter", jitter, Duration.ZERO, MAX_LATENCY);
      latency(latency);
      this.jitter = checkedJitter;
      return this;
    }

    /**
     * Makes each request cost CPU: it waits for a free core of the backend ({@link HttpTestBackend#cores()}),
     * then keeps that core busy for {@code cpu}, spinning a real thread (it burns real CPU), measured in wall
     * time so that a request holds its core for exactly {@code cpu} however loaded the machine is. Requests
     * beyond the cores queue for them, so a backend whose requests cost more saturates at a lower rate and
     * answers later, as a real one does. With {@link HttpTestBackend.Builder#loadReports} the busy time is the
     * CPU utilization the backend reports.
     *
     * @param cpu 0 (none, the default) to {@link #MAX_CPU}
     * @return this builder
     */
    public Builder cpu(Duration cpu) {
      this.cpu = checkRange("behavior.cpu", cpu, Duration.ZERO, MAX_CPU);
      return this;
    }

    /**
     * Makes a share of requests (drawn at random per request) fail with a status.
     *
     * @param share 0 to 1
     * @param status 100 to 599
     * @return this builder
     */
    public Builder failing(double share, int status) {
      checkRange("behavior.failureShare", share, 0.0, 1.0);
      this.failureStatus = checkRange("behavior.failureStatus", status, 100, 599);
      this.failureShare = share;
      return this;
    }

    /**
     * Sets the fault.
     *
     * @param fault the fault; {@link Fault#none()} for none
     * @return this builder
     */
    public Builder fault(Fault fault) {
      this.fault = Objects.requireNonNull(fault, "behavior.fault");
      return this;
    }

    /**
     * Builds the behaviour.
     *
     * @return the behaviour
     */
    public Behavior build() {
      return new Behavior(this);
    }
  }
}
