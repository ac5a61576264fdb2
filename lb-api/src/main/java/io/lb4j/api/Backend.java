package io.lb4j.api;

import static io.lb4j.api.internal.Checks.checkArgument;
import static io.lb4j.api.internal.Checks.checkCharset;
import static io.lb4j.api.internal.Checks.checkRange;

import java.net.InetSocketAddress;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A backend server that a balancer forwards traffic to: an id unique within its pool, an address, a
 * weight, a priority and optional metadata.
 *
 * <p>The weight is a relative share from 0 to 100 (default {@value #DEFAULT_WEIGHT}). A weight of 0
 * means "receives no new traffic", the way a cloud balancer drains a server: existing connections and
 * sessions keep working, new picks go elsewhere. A backend can also be administratively disabled
 * ({@link Builder#enabled(boolean)}), which takes it out of rotation whatever its weight.
 *
 * <p>The priority orders a pool's backends into tiers, Envoy's priority levels and HAProxy's {@code backup}
 * servers: 0 (the default) is the primary tier, and a tier takes new traffic only while every tier of a
 * lower priority value has no eligible backend. A standby server group joins its group's pool as the tier
 * after the primary's; DNS SRV records give theirs directly (their priorities have the same range, 0-65535,
 * and the same order: lower is preferred). Values need not be contiguous: tiers are the distinct values in
 * ascending order.
 *
 * <p>Identity: two backends are equal when their id, host and port are equal. Weight, priority, enabled flag
 * and metadata are attributes of the same backend, so changing them (through {@link #withWeight(int)},
 * {@link #withPriority(int)} or {@link #toBuilder()}) yields an equal backend with different attributes.
 *
 * <p>Instances are immutable and thread-safe.
 *
 * @since 0.1.0
 */
public final class Backend {

  /** The weight a backend gets when none is set. */
  public static final int DEFAULT_WEIGHT = 100;
  /** The smallest weight: the backend receives no new traffic. */
  public static final int MIN_WEIGHT = 0;
  /** The largest weight. */
  public static final int MAX_WEIGHT = 100;
  /**
   * The priority a backend gets when none is set: the primary tier.
   *
   * @since 0.1.0
   */
  public static final int DEFAULT_PRIORITY = 0;
  /**
   * The largest priority value, the least preferred tier (the range of a DNS SRV record's priority).
   *
   * @since 0.1.0
   */
  public static final int MAX_PRIORITY = 65_535;

  private static final int MAX_ID_LENGTH = 128;
  private static final int MAX_HOST_LENGTH = 253;

  private final String id;
  private final String host;
  private final int port;
  private final int weight;
  private final int priority;
  private final boolean enabled;
  private final Map<String, String> metadata;

  private Backend(Builder b) {
    this.id = b.id;
    this.host = b.host;
    this.port = b.port;
    this.weight = b.weight;
    this.priority = b.priority;
    this.enabled = b.enabled;
    this.metadata = Collections.unmodifiableMap(new LinkedHashMap<>(b.metadata));
  }

  /** A backend with the default weight and no metadata. */
  public static Backend of(String id, String host, int port) {
    return builder(id, host, port).build();
  }

  /** A backend with the given weight and no metadata. */
  public static Backend of(String id, String host, int port, int weight) {
    return builder(id, host, port).weight(weight).build();
  }

  /** A builder for a backend with the given identity; the rest takes defaults. */
  public static Builder builder(String id, String host, int port) {
    return new Builder(id, host, port);
  }

  /** A builder holding this backend's values, to derive a changed copy. */
  public Builder toBuilder() {
    Builder b = new Builder(id, host, port).weight(weight).priority(priority).enabled(enabled);
    b.metadata.putAll(metadata);
    return b;
  }

  /** This backend with another weight (0-100). */
  public Backend withWeight(int newWeight) {
    return newWeight == weight ? this : toBuilder().weight(newWeight).build();
  }

  /**
   * This backend with another priority (0-65535).
   *
   * @param newPriority the priority, 0 (primary) to {@value #MAX_PRIORITY}
   * @return a backend equal to this one with that priority
   * @throws IllegalArgumentException when {@code newPriority} is out of range
   * @since 0.1.0
   */
  public Backend withPriority(int newPriority) {
    return newPriority == priority ? this : toBuilder().priority(newPriority).build();
  }

  /** The id, unique within a pool: 1-128 printable ASCII characters without spaces. */
  public String id() {
    return id;
  }

  /** The host name or IP literal. */
  public String host() {
    return host;
  }

  /** The traffic port, 1-65535. */
  public int port() {
    return port;
  }

  /** The configured weight, 0-100; 0 receives no new traffic. */
  public int weight() {
    return weight;
  }

  /**
   * The tier, 0 (primary, the default) to {@value #MAX_PRIORITY}: the pool sends new traffic to the lowest
   * value that has an eligible backend.
   *
   * @return the priority
   * @since 0.1.0
   */
  public int priority() {
    return priority;
  }

  /** False when an operator took the backend out of rotation; a disabled backend gets no new picks. */
  public boolean enabled() {
    return enabled;
  }

  /** Free-form metadata (zone, version, ...), unmodifiable, in insertion order. */
  public Map<String, String> metadata() {
    return metadata;
  }

  /**
   * A new socket address for the backend's traffic port. The host is resolved by this call (an IP
   * literal resolves without a lookup).
   */
  public InetSocketAddress socketAddress() {
    return new InetSocketAddress(host, port);
  }

  /** {@code host:port}, with IPv6 literals bracketed. */
  public String authority() {
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof Backend)) {
      return false;
    }
    Backend other = (Backend) o;
    return port == other.port && id.equals(other.id) && host.equals(other.host);
  }

  @Override
  public int hashCode() {
    return Objects.hash(id, host, port);
  }

  @Override
  public String toString() {
    return "Backend{" + id + " " + authority() + " weight=" + weight
        + (priority == DEFAULT_PRIORITY ? "" : " priority=" + priority) + (enabled ? "" : " disabled")
        + (metadata.isEmpty() ? "" : " " + metadata) + "}";
  }

  /** Builds a {@link Backend}; validates each value as it is set and again at {@link #build()}. */
  public static final class Builder {
    private final String id;
    private final String host;
    private final int port;
    private int weight = DEFAULT_WEIGHT;
    private int priority = DEFAULT_PRIORITY;
    private boolean enabled = true;
    private final Map<String, String> metadata = new LinkedHashMap<>();

    private Builder(String id, String host, int port) {
      this.id = checkCharset("backend.id", id, 1, MAX_ID_LENGTH,
          "printable ASCII without spaces", c -> c > ' ' && c < 127);
      this.host = checkCharset("backend.host", host, 1, MAX_HOST_LENGTH,
          "printable ASCII without spaces", c -> c > ' ' && c < 127);
      this.port = checkRange("backend.port", port, 1, 65535);
    }

    /** Relative weight 0-100 (default 100); 0 drains the backend. */
    public Builder weight(int weight) {
      this.weight = checkRange("backend.weight", weight, MIN_WEIGHT, MAX_WEIGHT);
      return this;
    }

    /**
     * The tier, 0-65535 (default 0, the primary tier); a higher value takes traffic only while every lower
     * one has no eligible backend.
     *
     * @param priority the priority
     * @return this builder
     * @throws IllegalArgumentException when out of range: {@code backend.priority must be between 0 and
     *     65535, was 70000}
     * @since 0.1.0
     */
    public Builder priority(int priority) {
      this.priority = checkRange("backend.priority", priority, DEFAULT_PRIORITY, MAX_PRIORITY);
      return this;
    }

    /** False takes the backend out of rotation (default true). */
    public Builder enabled(boolean enabled) {
      this.enabled = enabled;
      return this;
    }

    /** Adds one metadata entry; both key and value must be non-null, the key non-empty. */
    public Builder metadata(String key, String value) {
      Objects.requireNonNull(key, "backend.metadata key");
      Objects.requireNonNull(value, "backend.metadata value");
      checkArgument(!key.isEmpty(), "backend.metadata key", "non-empty", "''");
      metadata.put(key, value);
      return this;
    }

    /** Builds the backend. */
    public Backend build() {
      return new Backend(this);
    }
  }
}
