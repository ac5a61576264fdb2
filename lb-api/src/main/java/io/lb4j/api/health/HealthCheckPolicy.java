package io.lb4j.api.health;

import static io.lb4j.api.internal.Checks.checkArgument;
import static io.lb4j.api.internal.Checks.checkCharset;
import static io.lb4j.api.internal.Checks.checkRange;
import static io.lb4j.api.internal.Checks.checkState;
import static io.lb4j.api.internal.Checks.checkZeroOrRange;
import static io.lb4j.api.internal.Checks.format;
import static io.lb4j.api.internal.Checks.isAsciiAlnum;
import static io.lb4j.api.internal.Checks.isHexDigit;
import static io.lb4j.api.internal.Checks.isLowerAlnum;
import static io.lb4j.api.internal.Checks.printable;

import io.lb4j.api.Backend;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * How a listener checks its backends: the probe (TCP handshake, HTTP request or UDP request), its timing and
 * the thresholds that turn probe results into a health state.
 *
 * <p>Defaults are the cloud balancer's: TCP, the backend's own port, response timeout 5 s, interval
 * 2 s, unhealthy and healthy thresholds 3; for HTTP: {@code HEAD /}, normal statuses 2xx and 3xx. The
 * lower bounds of the timeout and interval go down to 10 ms (cloud balancers stop at 1 s) so that
 * embedded users and tests can check fast.
 *
 * <p><b>Detection latency.</b> After a backend breaks, its next probe starts within one interval (plus
 * jitter, up to {@code jitterPercent} of an interval per probe), and it turns unhealthy after
 * {@code unhealthyThreshold} consecutive failures. A backend that refuses connections fails each probe at
 * once: it is unhealthy between {@code interval x (unhealthyThreshold - 1)} and
 * {@code interval x unhealthyThreshold} after it broke (4-6 s with the defaults). One that stops answering
 * makes each probe wait for the timeout; when the timeout exceeds the interval (the defaults: 5 s against
 * 2 s) the failing probes take {@code responseTimeout x unhealthyThreshold + interval x (unhealthyThreshold
 * - 1)}: 19 s with the defaults, at most 21 s after the backend broke. When {@code responseTimeout <=
 * interval}, it is unhealthy within {@code unhealthyThreshold x interval + responseTimeout}.
 *
 * <p><b>UDP checks</b> ({@link HealthCheckType#UDP}) send {@link #udpRequest()} to the check port and pass
 * when a datagram containing {@link #udpExpectedResponse()} (or, when none is set, any datagram) comes back
 * within the response timeout; an ICMP port unreachable fails at once. The reference balancer's UDP check has
 * a mode that passes on silence (no ICMP error within the timeout); lb4j has none, because ICMP errors are
 * rate-limited by the backend's kernel and dropped by firewalls, so silence cannot tell a working service
 * from a dead one. A UDP service that never answers can be checked with a TCP or HTTP check on another port
 * ({@link Builder#port(int)}).
 *
 * <p><b>Disabled checks.</b> With checks disabled every backend counts as healthy: a failed backend
 * keeps receiving its share of traffic and clients see errors (the 502s the reference describes) until
 * an operator removes it. Disable checks only when something else (passive outlier detection, a trusted
 * registry) takes their place.
 *
 * <p>Immutable and thread-safe; build with {@link #builder()}.
 *
 * @since 0.1.0
 */
public final class HealthCheckPolicy {

  /** The default check type. */
  public static final HealthCheckType DEFAULT_TYPE = HealthCheckType.TCP;
  /** The default HTTP path. */
  public static final String DEFAULT_PATH = "/";
  /** The default HTTP method. */
  public static final HealthCheckMethod DEFAULT_METHOD = HealthCheckMethod.HEAD;
  /** The default normal status classes: 2xx and 3xx. */
  public static final Set<StatusClass> DEFAULT_NORMAL_STATUSES =
      Collections.unmodifiableSet(EnumSet.of(StatusClass.HTTP_2XX, StatusClass.HTTP_3XX));
  /** The default response timeout. */
  public static final Duration DEFAULT_RESPONSE_TIMEOUT = Duration.ofSeconds(5);
  /** The default interval between probes of one backend. */
  public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(2);
  /** The default number of consecutive failures that make a healthy backend unhealthy. */
  public static final int DEFAULT_UNHEALTHY_THRESHOLD = 3;
  /** The default number of consecutive successes that make an unhealthy backend healthy. */
  public static final int DEFAULT_HEALTHY_THRESHOLD = 3;
  /** The default jitter: each probe is delayed by up to this percentage of the interval. */
  public static final int DEFAULT_JITTER_PERCENT = 10;

  /** The smallest response timeout and interval. */
  public static final Duration MIN_DURATION = Duration.ofMillis(10);
  /** The largest response timeout. */
  public static final Duration MAX_RESPONSE_TIMEOUT = Duration.ofSeconds(300);
  /** The largest interval. */
  public static final Duration MAX_INTERVAL = Duration.ofSeconds(50);
  /** The smallest threshold. */
  public static final int MIN_THRESHOLD = 1;
  /** The largest threshold. */
  public static final int MAX_THRESHOLD = 10;
  /**
   * The longest HTTP path, query included. Far above any health endpoint, far below the request-line
   * limits of common servers (8 KiB and up), so a check is never refused for its length.
   *
   * @since 0.1.0
   */
  public static final int MAX_PATH_LENGTH = 1024;
  /**
   * The longest UDP request or expected response, in bytes once escapes are decoded (the reference balancer
   * allows 500 characters).
   *
   * @since 0.1.0
   */
  public static final int MAX_UDP_PAYLOAD = 512;

  private static final String DOMAIN_CHARSET = "a-z 0-9 '-' '.'";
  /** RFC 9110 origin-form: pchar (unreserved, sub-delims, ':', '@', pct-encoded), '/' and '?'. */
  private static final String PATH_CHARSET =
      "ASCII letters, digits, '%' escapes and - . _ ~ ! $ & ' ( ) * + , ; = : @ / ?";
  private static final String PATH_SPECIALS = "-._~!$&'()*+,;=:@/?%";
  private static final String UDP_CHARSET = "printable ASCII with \\\\, \\n, \\r, \\t, \\0 and \\xHH escapes";

  private static final HealthCheckPolicy DEFAULTS = builder().build();
  private static final HealthCheckPolicy DISABLED = builder().enabled(false).build();

  private final boolean enabled;
  private final HealthCheckType type;
  private final int port;
  private final String domain;
  private final String path;
  private final HealthCheckMethod method;
  private final Set<StatusClass> normalStatuses;
  private final Duration responseTimeout;
  private final Duration interval;
  private final int unhealthyThreshold;
  private final int healthyThreshold;
  private final int jitterPercent;
  private final Duration edgeInterval;
  private final boolean startHealthy;
  private final boolean skipWhenTrafficSucceeds;
  private final int panicThresholdPercent;
  private final String udpRequest;
  private final String udpExpectedResponse;

  private HealthCheckPolicy(Builder b) {
    this.enabled = b.enabled;
    this.type = b.type;
    this.port = b.port;
    this.domain = b.domain;
    this.path = b.path;
    this.method = b.method;
    this.normalStatuses = Collections.unmodifiableSet(EnumSet.copyOf(b.normalStatuses));
    this.responseTimeout = b.responseTimeout;
    this.interval = b.interval;
    this.unhealthyThreshold = b.unhealthyThreshold;
    this.healthyThreshold = b.healthyThreshold;
    this.jitterPercent = b.jitterPercent;
    this.edgeInterval = b.edgeInterval;
    this.startHealthy = b.startHealthy;
    this.skipWhenTrafficSucceeds = b.skipWhenTrafficSucceeds;
    this.panicThresholdPercent = b.panicThresholdPercent;
    this.udpRequest = b.udpRequest;
    this.udpExpectedResponse = b.udpExpectedResponse;
  }

  /** A TCP check with every default. */
  public static HealthCheckPolicy defaults() {
    return DEFAULTS;
  }

  /** An HTTP check ({@code HEAD /}, 2xx and 3xx normal) with every other default. */
  public static HealthCheckPolicy http() {
    return builder().type(HealthCheckType.HTTP).build();
  }

  /** Checks disabled: every backend counts as healthy (see the class documentation for the risk). */
  public static HealthCheckPolicy disabled() {
    return DISABLED;
  }

  /** A builder with every default. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding this policy's values. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.enabled = enabled;
    b.type = type;
    b.port = port;
    b.domain = domain;
    b.path = path;
    b.method = method;
    b.normalStatuses = EnumSet.copyOf(normalStatuses);
    b.responseTimeout = responseTimeout;
    b.interval = interval;
    b.unhealthyThreshold = unhealthyThreshold;
    b.healthyThreshold = healthyThreshold;
    b.jitterPercent = jitterPercent;
    b.edgeInterval = edgeInterval;
    b.startHealthy = startHealthy;
    b.skipWhenTrafficSucceeds = skipWhenTrafficSucceeds;
    b.panicThresholdPercent = panicThresholdPercent;
    b.udpRequest = udpRequest;
    b.udpExpectedResponse = udpExpectedResponse;
    return b;
  }

  /** Whether backends are checked at all. */
  public boolean enabled() {
    return enabled;
  }

  /** TCP handshake, HTTP request or UDP request. */
  public HealthCheckType type() {
    return type;
  }

  /** The check port, 1-65535, or 0 for "the backend's own port". */
  public int port() {
    return port;
  }

  /** The port to probe {@code backend} on. */
  public int portFor(Backend backend) {
    return port == 0 ? backend.port() : port;
  }

  /** The HTTP {@code Host} header, or null to send the backend's address. */
  public String domain() {
    return domain;
  }

  /**
   * The HTTP request target in origin form (RFC 9110): an absolute path starting with {@code /},
   * optionally followed by {@code ?} and a query, for example {@code /actuator/health?probe=Liveness}.
   */
  public String path() {
    return path;
  }

  /** HEAD or GET. */
  public HealthCheckMethod method() {
    return method;
  }

  /** The status classes that count as healthy; never empty. */
  public Set<StatusClass> normalStatuses() {
    return normalStatuses;
  }

  /** True when {@code status} belongs to a normal class. */
  public boolean isNormalStatus(int status) {
    StatusClass c = StatusClass.of(status);
    return c != null && normalStatuses.contains(c);
  }

  /** How long a probe may take before it counts as failed. */
  public Duration responseTimeout() {
    return responseTimeout;
  }

  /** The time between the starts of two probes of one backend. */
  public Duration interval() {
    return interval;
  }

  /** Consecutive failures that turn a healthy backend unhealthy. */
  public int unhealthyThreshold() {
    return unhealthyThreshold;
  }

  /** Consecutive successes that turn an unhealthy backend healthy. */
  public int healthyThreshold() {
    return healthyThreshold;
  }

  /** Each probe is delayed by a random 0 to this percentage of the interval, so probes do not align. */
  public int jitterPercent() {
    return jitterPercent;
  }

  /**
   * The interval used while a backend is between states (a failure streak under the threshold, or a
   * success streak while unhealthy), so a change is confirmed sooner; {@link Duration#ZERO} when off.
   */
  public Duration edgeInterval() {
    return edgeInterval;
  }

  /**
   * Whether new backends start healthy. By default they start unhealthy and get no traffic until one
   * check succeeds: nobody has seen them work yet, and one success is enough, so no time is wasted.
   */
  public boolean startHealthy() {
    return startHealthy;
  }

  /**
   * Whether an active probe is skipped when real traffic to the backend succeeded within the last
   * interval: cuts probe volume (and backend log lines) on busy backends; idle ones are still probed.
   */
  public boolean skipWhenTrafficSucceeds() {
    return skipWhenTrafficSucceeds;
  }

  /**
   * Fail-open (Envoy's "panic" mode): when fewer than this percentage of backends are healthy, picks
   * ignore health and use every backend whose health is known. 0 (the default) is off, which keeps the
   * reference behaviour: no healthy backend, 502.
   *
   * <p>The share is computed over the backends that have been checked at least once (or started healthy)
   * and take new traffic: enabled, weight above 0, not draining. Healthy means healthy and not ejected by
   * outlier detection. In fail-open every such backend may be picked, unhealthy and ejected ones included;
   * a backend nobody has checked yet is neither counted nor picked, so a pool that has just started sends
   * nothing to backends never seen working. The threshold applies only while checks are enabled.
   */
  public int panicThresholdPercent() {
    return panicThresholdPercent;
  }

  /**
   * UDP only: the request datagram, as configured (printable ASCII with {@code \\}, {@code \n}, {@code \r},
   * {@code \t}, {@code \0} and {@code \xHH} escapes); null for other check types.
   *
   * @since 0.1.0
   */
  public String udpRequest() {
    return udpRequest;
  }

  /**
   * UDP only: what a response datagram must contain to pass, as configured (same escapes as
   * {@link #udpRequest()}); null when any response passes.
   *
   * @since 0.1.0
   */
  public String udpExpectedResponse() {
    return udpExpectedResponse;
  }

  /**
   * UDP only: the bytes {@link #udpRequest()} stands for, escapes decoded; null for other check types.
   *
   * @return a new array, or null
   * @since 0.1.0
   */
  public byte[] udpRequestBytes() {
    return udpRequest == null ? null : decodeUdp("healthCheck.udpRequest", udpRequest);
  }

  /**
   * UDP only: the bytes {@link #udpExpectedResponse()} stands for, escapes decoded; null when any response
   * passes.
   *
   * @return a new array, or null
   * @since 0.1.0
   */
  public byte[] udpExpectedResponseBytes() {
    return udpExpectedResponse == null ? null : decodeUdp("healthCheck.udpExpectedResponse", udpExpectedResponse);
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof HealthCheckPolicy)) {
      return false;
    }
    HealthCheckPolicy p = (HealthCheckPolicy) o;
    return enabled == p.enabled && type == p.type && port == p.port && Objects.equals(domain, p.domain)
        && path.equals(p.path) && method == p.method && normalStatuses.equals(p.normalStatuses)
        && responseTimeout.equals(p.responseTimeout) && interval.equals(p.interval)
        && unhealthyThreshold == p.unhealthyThreshold && healthyThreshold == p.healthyThreshold
        && jitterPercent == p.jitterPercent && edgeInterval.equals(p.edgeInterval)
        && startHealthy == p.startHealthy && skipWhenTrafficSucceeds == p.skipWhenTrafficSucceeds
        && panicThresholdPercent == p.panicThresholdPercent && Objects.equals(udpRequest, p.udpRequest)
        && Objects.equals(udpExpectedResponse, p.udpExpectedResponse);
  }

  @Override
  public int hashCode() {
    return Objects.hash(enabled, type, port, domain, path, method, normalStatuses, responseTimeout,
        interval, unhealthyThreshold, healthyThreshold, jitterPercent, edgeInterval, startHealthy,
        skipWhenTrafficSucceeds, panicThresholdPercent, udpRequest, udpExpectedResponse);
  }

  @Override
  public String toString() {
    if (!enabled) {
      return "HealthCheckPolicy{disabled}";
    }
    StringBuilder s = new StringBuilder("HealthCheckPolicy{").append(type);
    s.append(" port=").append(port == 0 ? "backend" : String.valueOf(port));
    if (type == HealthCheckType.HTTP) {
      s.append(' ').append(method).append(' ').append(path);
      if (domain != null) {
        s.append(" host=").append(domain);
      }
      s.append(" normal=").append(labels(normalStatuses));
    } else if (type == HealthCheckType.UDP) {
      s.append(" request='").append(udpRequest).append('\'')
          .append(udpExpectedResponse == null ? " expect=any" : " expect='" + udpExpectedResponse + "'");
    }
    s.append(" timeout=").append(format(responseTimeout)).append(" interval=").append(format(interval))
        .append(" unhealthy=").append(unhealthyThreshold).append(" healthy=").append(healthyThreshold);
    if (!edgeInterval.isZero()) {
      s.append(" edgeInterval=").append(format(edgeInterval));
    }
    return s.append('}').toString();
  }

  /** {@code [2xx, 3xx]}: how status classes appear in messages and probe causes. */
  public static String labels(Set<StatusClass> classes) {
    StringBuilder s = new StringBuilder("[");
    for (StatusClass c : EnumSet.copyOf(classes)) {
      if (s.length() > 1) {
        s.append(", ");
      }
      s.append(c.label());
    }
    return s.append(']').toString();
  }

  /**
   * Builds a {@link HealthCheckPolicy}. Each setter validates its value and throws
   * {@link IllegalArgumentException} naming the field, the value and the allowed range or characters;
   * {@link #build()} checks the rules that span fields. Not thread-safe.
   */
  public static final class Builder {
    private boolean enabled = true;
    private HealthCheckType type = DEFAULT_TYPE;
    private int port;
    private String domain;
    private String path = DEFAULT_PATH;
    private HealthCheckMethod method = DEFAULT_METHOD;
    private EnumSet<StatusClass> normalStatuses = EnumSet.copyOf(DEFAULT_NORMAL_STATUSES);
    private Duration responseTimeout = DEFAULT_RESPONSE_TIMEOUT;
    private Duration interval = DEFAULT_INTERVAL;
    private int unhealthyThreshold = DEFAULT_UNHEALTHY_THRESHOLD;
    private int healthyThreshold = DEFAULT_HEALTHY_THRESHOLD;
    private int jitterPercent = DEFAULT_JITTER_PERCENT;
    private Duration edgeInterval = Duration.ZERO;
    private boolean startHealthy;
    private boolean skipWhenTrafficSucceeds;
    private int panicThresholdPercent;
    private boolean httpFieldSet;
    private String udpRequest;
    private String udpExpectedResponse;

    private Builder() {}

    /** Whether checks run (default true). */
    public Builder enabled(boolean enabled) {
      this.enabled = enabled;
      return this;
    }

    /** TCP (default), HTTP or UDP. */
    public Builder type(HealthCheckType type) {
      this.type = Objects.requireNonNull(type, "healthCheck.type");
      return this;
    }

    /** The check port, 1-65535; without it the backend's own port is checked. */
    public Builder port(int port) {
      this.port = checkRange("healthCheck.port", port, 1, 65535);
      return this;
    }

    /** The port to check is the backend's own (the default). */
    public Builder backendPort() {
      this.port = 0;
      return this;
    }

    /** HTTP only: the {@code Host} header, 1-80 characters of a-z 0-9 '-' '.'. */
    public Builder domain(String domain) {
      this.domain = checkCharset("healthCheck.domain", domain, 1, 80, DOMAIN_CHARSET,
          c -> isLowerAlnum(c) || c == '-' || c == '.');
      httpFieldSet = true;
      return this;
    }

    /**
     * HTTP only: the request target in origin form (RFC 9110 {@code absolute-path [ "?" query ]}), 1 to
     * {@value HealthCheckPolicy#MAX_PATH_LENGTH} characters starting with {@code /}: ASCII letters and
     * digits, {@code - . _ ~ ! $ & ' ( ) * + , ; = : @ / ?} and {@code %} followed by two hex digits. Spaces,
     * control characters, non-ASCII characters (percent-encode their UTF-8 bytes), {@code #} (a fragment
     * is never sent) and other characters are refused.
     */
    public Builder path(String path) {
      checkCharset("healthCheck.path", path, 1, MAX_PATH_LENGTH, PATH_CHARSET,
          c -> isAsciiAlnum(c) || PATH_SPECIALS.indexOf(c) >= 0);
      checkArgument(path.charAt(0) == '/', "healthCheck.path", "a path starting with '/'", "'" + path + "'");
      for (int i = path.indexOf('%'); i >= 0; i = path.indexOf('%', i + 1)) {
        checkArgument(i + 2 < path.length() && isHexDigit(path.charAt(i + 1)) && isHexDigit(path.charAt(i + 2)),
            "healthCheck.path", "a path whose '%' are followed by two hex digits",
            "'" + path + "' ('%' at index " + i + ")");
      }
      this.path = path;
      httpFieldSet = true;
      return this;
    }

    /** HTTP only: HEAD (default) or GET. */
    public Builder method(HealthCheckMethod method) {
      this.method = Objects.requireNonNull(method, "healthCheck.method");
      httpFieldSet = true;
      return this;
    }

    /** HTTP only: the status classes that count as healthy, a non-empty subset of 2xx 3xx 4xx 5xx. */
    public Builder normalStatuses(Set<StatusClass> classes) {
      Objects.requireNonNull(classes, "healthCheck.normalStatuses");
      // Iterate rather than contains(null): immutable sets (Set.of) throw on a null query.
      checkArgument(!classes.isEmpty() && classes.stream().allMatch(Objects::nonNull),
          "healthCheck.normalStatuses", "a non-empty subset of [2xx, 3xx, 4xx, 5xx]", classes);
      this.normalStatuses = EnumSet.copyOf(classes);
      httpFieldSet = true;
      return this;
    }

    /** HTTP only: the status classes that count as healthy. */
    public Builder normalStatuses(StatusClass first, StatusClass... rest) {
      return normalStatuses(EnumSet.of(first, rest));
    }

    /** How long a probe may take, 10ms-300s (default 5s). */
    public Builder responseTimeout(Duration timeout) {
      this.responseTimeout = checkRange("healthCheck.responseTimeout", timeout, MIN_DURATION,
          MAX_RESPONSE_TIMEOUT);
      return this;
    }

    /** The time between the starts of two probes of a backend, 10ms-50s (default 2s). */
    public Builder interval(Duration interval) {
      this.interval = checkRange("healthCheck.interval", interval, MIN_DURATION, MAX_INTERVAL);
      return this;
    }

    /** Consecutive failures that make a healthy backend unhealthy, 1-10 (default 3). */
    public Builder unhealthyThreshold(int threshold) {
      this.unhealthyThreshold = checkRange("healthCheck.unhealthyThreshold", threshold, MIN_THRESHOLD,
          MAX_THRESHOLD);
      return this;
    }

    /** Consecutive successes that make an unhealthy backend healthy, 1-10 (default 3). */
    public Builder healthyThreshold(int threshold) {
      this.healthyThreshold = checkRange("healthCheck.healthyThreshold", threshold, MIN_THRESHOLD,
          MAX_THRESHOLD);
      return this;
    }

    /** Random delay per probe as a percentage of the interval, 0-50 (default 10). */
    public Builder jitterPercent(int percent) {
      this.jitterPercent = checkRange("healthCheck.jitterPercent", percent, 0, 50);
      return this;
    }

    /**
     * The interval while a backend is between states, 10ms-50s and not above {@link #interval}; 0 (the
     * default) turns it off.
     */
    public Builder edgeInterval(Duration edgeInterval) {
      this.edgeInterval = checkZeroOrRange("healthCheck.edgeInterval", edgeInterval, MIN_DURATION,
          MAX_INTERVAL);
      return this;
    }

    /** Whether new backends start healthy (default false: unhealthy until one check succeeds). */
    public Builder startHealthy(boolean startHealthy) {
      this.startHealthy = startHealthy;
      return this;
    }

    /** Whether a probe is skipped when real traffic to the backend succeeded within the last interval. */
    public Builder skipWhenTrafficSucceeds(boolean skip) {
      this.skipWhenTrafficSucceeds = skip;
      return this;
    }

    /**
     * Fail-open below this percentage of healthy backends, 0-100; 0 (default) is off. See
     * {@link HealthCheckPolicy#panicThresholdPercent()} for which backends count and which are picked.
     */
    public Builder panicThresholdPercent(int percent) {
      this.panicThresholdPercent = checkRange("healthCheck.panicThresholdPercent", percent, 0, 100);
      return this;
    }

    /**
     * UDP only (required for a UDP check): the request datagram, 1 to {@value HealthCheckPolicy#MAX_UDP_PAYLOAD}
     * bytes written as printable ASCII with the escapes {@code \\} (a backslash), {@code \n}, {@code \r},
     * {@code \t}, {@code \0} and {@code \xHH} (any byte: binary protocols such as DNS need them). Control and
     * non-ASCII characters must be escaped.
     *
     * @since 0.1.0
     */
    public Builder udpRequest(String request) {
      decodeUdp("healthCheck.udpRequest", request);
      this.udpRequest = request;
      return this;
    }

    /**
     * UDP only: what a response datagram must contain to pass, in the form of {@link #udpRequest(String)};
     * without it (the default) any response passes.
     *
     * @since 0.1.0
     */
    public Builder udpExpectedResponse(String expected) {
      decodeUdp("healthCheck.udpExpectedResponse", expected);
      this.udpExpectedResponse = expected;
      return this;
    }

    /** UDP only: any response datagram passes (the default; clears {@link #udpExpectedResponse(String)}). */
    public Builder udpAnyResponse() {
      this.udpExpectedResponse = null;
      return this;
    }

    /**
     * Builds the policy.
     *
     * @throws IllegalStateException when an HTTP-only setting was given for a TCP or UDP check, a UDP setting
     *     for a TCP or HTTP check, a UDP check has no request, or the edge interval exceeds the interval
     */
    public HealthCheckPolicy build() {
      checkState(!(httpFieldSet && type != HealthCheckType.HTTP),
          "healthCheck.domain, path, method and normalStatuses apply to HTTP checks only, but healthCheck.type is "
              + type);
      checkState(type == HealthCheckType.UDP || (udpRequest == null && udpExpectedResponse == null),
          "healthCheck.udpRequest and udpExpectedResponse apply to UDP checks only, but healthCheck.type is " + type);
      checkState(type != HealthCheckType.UDP || udpRequest != null,
          "healthCheck.udpRequest is required when healthCheck.type is UDP (the datagram the check sends)");
      checkState(edgeInterval.compareTo(interval) <= 0, "healthCheck.edgeInterval must not exceed healthCheck.interval ("
          + format(interval) + "), was " + format(edgeInterval));
      return new HealthCheckPolicy(this);
    }
  }

  /**
   * Decodes a UDP request or expected response ({@link Builder#udpRequest(String)}), checking it as it goes:
   * the message names {@code field}, the allowed form and where the value breaks it.
   */
  private static byte[] decodeUdp(String field, String value) {
    Objects.requireNonNull(value, field);
    byte[] out = new byte[value.length()];
    int n = 0;
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c < 0x20 || c > 0x7e) {
        throw udpError(field, value, "character '" + printable(String.valueOf(c)) + "' at index " + i
            + " must be escaped");
      }
      if (c != '\\') {
        out[n++] = (byte) c;
        continue;
      }
      char e = i + 1 < value.length() ? value.charAt(i + 1) : 0;
      switch (e) {
        case '\\':
          out[n++] = '\\';
          break;
        case 'n':
          out[n++] = '\n';
          break;
        case 'r':
          out[n++] = '\r';
          break;
        case 't':
          out[n++] = '\t';
          break;
        case '0':
          out[n++] = 0;
          break;
        case 'x':
          if (i + 3 >= value.length() || !isHexDigit(value.charAt(i + 2)) || !isHexDigit(value.charAt(i + 3))) {
            throw udpError(field, value, "'\\x' at index " + i + " needs two hex digits");
          }
          out[n++] = (byte) Integer.parseInt(value.substring(i + 2, i + 4), 16);
          i += 2;
          break;
        default:
          throw udpError(field, value, "unknown escape at index " + i);
      }
      i++;
    }
    if (n < 1 || n > MAX_UDP_PAYLOAD) {
      throw new IllegalArgumentException(field + " must be 1-" + MAX_UDP_PAYLOAD + " bytes of " + UDP_CHARSET
          + ", was '" + printable(value) + "' (" + n + " bytes)");
    }
    return Arrays.copyOf(out, n);
  }

  private static IllegalArgumentException udpError(String field, String value, String why) {
    return new IllegalArgumentException(field + " must be 1-" + MAX_UDP_PAYLOAD + " bytes of " + UDP_CHARSET
        + ", was '" + printable(value) + "' (" + why + ")");
  }
}
