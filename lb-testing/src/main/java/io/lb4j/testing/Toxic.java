package io.lb4j.testing;

import static io.lb4j.api.internal.Checks.checkRange;

import io.lb4j.api.internal.Checks;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * A fault a {@link FaultProxy} applies to the bytes of its connections in one direction, on Toxiproxy's model: each
 * toxic has a type, a direction, a name unique within its proxy (by default {@code <type>_<direction>}, as
 * Toxiproxy names them) and a toxicity, the probability (drawn once per connection) that it applies to a
 * connection.
 *
 * <p>Immutable and thread-safe.
 *
 * @since 0.1.0
 */
public final class Toxic {

  /** Which way the bytes flow. */
  public enum Direction {
    /** From the client to the upstream server. */
    UPSTREAM,
    /** From the upstream server back to the client. */
    DOWNSTREAM
  }

  /** The kinds of toxic, named as in Toxiproxy. */
  public enum Type {
    /** Delays each chunk by {@link Toxic#delay()} plus or minus up to {@link Toxic#jitter()}. */
    LATENCY,
    /** Limits the rate to {@link Toxic#bytes()} bytes per second. */
    BANDWIDTH,
    /** Delays the close (FIN) that follows the end of the stream by {@link Toxic#delay()}. */
    SLOW_CLOSE,
    /**
     * Drops all data; closes the connection after {@link Toxic#delay()}, or never (data is dropped until the toxic
     * is removed) when the delay is 0.
     */
    TIMEOUT,
    /**
     * Resets both sides (RST) {@link Toxic#delay()} after the toxic applies to a connection (when it is added or
     * the connection opens); 0 resets at once.
     */
    RESET_PEER,
    /**
     * Cuts each chunk into slices of about {@link Toxic#bytes()} bytes (plus or minus {@link Toxic#variation()})
     * sent {@link Toxic#delay()} apart.
     */
    SLICER,
    /** Closes the connection once {@link Toxic#bytes()} bytes went through in its direction. */
    LIMIT_DATA
  }

  /** The longest delay, latency or jitter. */
  public static final Duration MAX_DELAY = Duration.ofMinutes(5);
  /** The largest byte count or rate: 1 GiB. */
  public static final long MAX_BYTES = 1L << 30;

  private final String name;
  private final Type type;
  private final Direction direction;
  private final double toxicity;
  private final Duration delay;
  private final Duration jitter;
  private final long bytes;
  private final long variation;

  private Toxic(String name, Type type, Direction direction, double toxicity, Duration delay, Duration jitter,
      long bytes, long variation) {
    this.name = name;
    this.type = type;
    this.direction = Objects.requireNonNull(direction, "toxic.direction");
    this.toxicity = toxicity;
    this.delay = delay;
    this.jitter = jitter;
    this.bytes = bytes;
    this.variation = variation;
  }

  private static Toxic of(Type type, Direction direction, Duration delay, Duration jitter, long bytes,
      long variation) {
    Objects.requireNonNull(direction, "toxic.direction");
    String name = type.name().toLowerCase(Locale.ROOT) + "_" + direction.name().toLowerCase(Locale.ROOT);
    return new Toxic(name, type, direction, 1.0, delay, jitter, bytes, variation);
  }

  /**
   * Delays each chunk by {@code latency}, plus or minus a uniform random amount up to {@code jitter}.
   *
   * @param direction the direction
   * @param latency 0 to {@link #MAX_DELAY}
   * @param jitter 0 to {@link #MAX_DELAY}
   * @return the toxic
   */
  public static Toxic latency(Direction direction, Duration latency, Duration jitter) {
    return of(Type.LATENCY, direction, checkRange("toxic.latency", latency, Duration.ZERO, MAX_DELAY),
        checkRange("toxic.jitter", jitter, Duration.ZERO, MAX_DELAY), 0, 0);
  }

  /**
   * Limits the rate.
   *
   * @param direction the direction
   * @param bytesPerSecond 1 to {@link #MAX_BYTES}
   * @return the toxic
   */
  public static Toxic bandwidth(Direction direction, long bytesPerSecond) {
    return of(Type.BANDWIDTH, direction, Duration.ZERO, Duration.ZERO,
        checkRange("toxic.bytesPerSecond", bytesPerSecond, 1, MAX_BYTES), 0);
  }

  /**
   * Delays the close after the end of the stream.
   *
   * @param direction the direction
   * @param delay 0 to {@link #MAX_DELAY}
   * @return the toxic
   */
  public static Toxic slowClose(Direction direction, Duration delay) {
    return of(Type.SLOW_CLOSE, direction, checkRange("toxic.delay", delay, Duration.ZERO, MAX_DELAY),
        Duration.ZERO, 0, 0);
  }

  /**
   * Drops the data; closes the connection after {@code timeout}, never if it is 0.
   *
   * @param direction the direction
   * @param timeout 0 (never close) to {@link #MAX_DELAY}
   * @return the toxic
   */
  public static Toxic timeout(Direction direction, Duration timeout) {
    return of(Type.TIMEOUT, direction, checkRange("toxic.timeout", timeout, Duration.ZERO, MAX_DELAY),
        Duration.ZERO, 0, 0);
  }

  /**
   * Resets both sides of each connection {@code timeout} after the toxic is added or the connection opens.
   *
   * @param direction the direction it is listed under (a reset ends both)
   * @param timeout 0 (at once) to {@link #MAX_DELAY}
   * @return the toxic
   */
  public static Toxic resetPeer(Direction direction, Duration timeout) {
    return of(Type.RESET_PEER, direction, checkRange("toxic.timeout", timeout, Duration.ZERO, MAX_DELAY),
        Duration.ZERO, 0, 0);
  }

  /**
   * Cuts chunks into small slices sent apart.
   *
   * @param direction the direction
   * @param averageBytes 1 to {@link #MAX_BYTES}
   * @param variationBytes 0 to {@code averageBytes - 1}
   * @param delay the pause between slices, 0 to {@link #MAX_DELAY}
   * @return the toxic
   */
  public static Toxic slicer(Direction direction, long averageBytes, long variationBytes, Duration delay) {
    long average = checkRange("toxic.averageBytes", averageBytes, 1, MAX_BYTES);
    return of(Type.SLICER, direction, checkRange("toxic.delay", delay, Duration.ZERO, MAX_DELAY), Duration.ZERO,
        average, checkRange("toxic.variationBytes", variationBytes, 0, average - 1));
  }

  /**
   * Closes the connection once this many bytes went through.
   *
   * @param direction the direction
   * @param bytes 0 to {@link #MAX_BYTES}
   * @return the toxic
   */
  public static Toxic limitData(Direction direction, long bytes) {
    return of(Type.LIMIT_DATA, direction, Duration.ZERO, Duration.ZERO,
        checkRange("toxic.bytes", bytes, 0, MAX_BYTES), 0);
  }

  /**
   * This toxic under another name.
   *
   * @param name 1-64 characters of a-z A-Z 0-9 '-' '_' '.'
   * @return a copy with the name
   */
  public Toxic named(String name) {
    Objects.requireNonNull(name, "toxic.name");
    if (!name.matches("[A-Za-z0-9._-]{1,64}")) {
      throw new IllegalArgumentException(
          "toxic.name must be 1-64 characters of a-z A-Z 0-9 '-' '_' '.', was '" + name + "'");
    }
    return new Toxic(name, type, direction, toxicity, delay, jitter, bytes, variation);
  }

  /**
   * This toxic applied to only a share of connections.
   *
   * @param toxicity the probability, 0 to 1, that a connection gets the toxic
   * @return a copy with the toxicity
   */
  public Toxic withToxicity(double toxicity) {
    double checked = checkRange("toxic.toxicity", toxicity, 0.0, 1.0);
    return new Toxic(name, type, direction, checked, delay, jitter, bytes, variation);
  }

  /**
   * The name, unique within a proxy.
   *
   * @return the name
   */
  public String name() {
    return name;
  }

  /**
   * The type.
   *
   * @return the type
   */
  public Type type() {
    return type;
  }

  /**
   * The direction.
   *
   * @return the direction
   */
  public Direction direction() {
    return direction;
  }

  /**
   * The probability that a connection gets this toxic.
   *
   * @return 0 to 1
   */
  public double toxicity() {
    return toxicity;
  }

  /**
   * The latency, close delay, timeout or slice pause, depending on {@link #type()}.
   *
   * @return the delay
   */
  public Duration delay() {
    return delay;
  }

  /**
   * The latency jitter.
   *
   * @return the jitter
   */
  public Duration jitter() {
    return jitter;
  }

  /**
   * The rate, slice size or data limit, depending on {@link #type()}.
   *
   * @return the byte parameter
   */
  public long bytes() {
    return bytes;
  }

  /**
   * The slice size variation.
   *
   * @return the variation in bytes
   */
  public long variation() {
    return variation;
  }

  @Override
  public String toString() {
    return name + "{" + type + " " + direction + ", toxicity " + toxicity + ", delay " + Checks.format(delay)
        + ", jitter " + Checks.format(jitter) + ", bytes " + bytes + "}";
  }
}
