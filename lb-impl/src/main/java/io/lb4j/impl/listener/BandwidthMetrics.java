package io.lb4j.impl.listener;

import io.lb4j.api.PeakBandwidth;
import java.time.Duration;

/**
 * What a listener's {@link PeakBandwidth} caps did since it started, per direction: read with
 * {@link ListenerServer#bandwidthMetrics()}. Upstream is client to backend, downstream backend to client.
 *
 * <ul>
 *   <li>{@link #bytesThrottled}: bytes a TCP or HTTP(S) connection read only after waiting for the budget, or in
 *       a read the budget cut short (they arrived later than they would have without a cap); for a UDP listener,
 *       the bytes of the datagrams dropped over the budget.
 *   <li>{@link #timeThrottled}: the time connections spent not reading because the budget was spent, summed
 *       over connections (64 connections throttled for one second count 64 s).
 *   <li>{@link #pauses}: how many times a connection stopped reading for the budget.
 *   <li>{@link #datagramsDropped}: UDP datagrams dropped over the budget.
 * </ul>
 *
 * <p>Immutable and thread-safe. Counters are read one after the other while traffic flows.
 *
 * @since 0.1.0
 */
public final class BandwidthMetrics {

  /** A direction of traffic. */
  public enum Direction {
    /** Client to backend. */
    UPSTREAM,
    /** Backend to client. */
    DOWNSTREAM
  }

  private static final int BYTES = 0;
  private static final int NANOS = 1;
  private static final int PAUSES = 2;
  private static final int DATAGRAMS = 3;
  private static final int DROPPED_BYTES = 4;

  private final PeakBandwidth caps;
  private final long[] upstream;
  private final long[] downstream;

  BandwidthMetrics(PeakBandwidth caps, long[] upstream, long[] downstream) {
    this.caps = caps;
    this.upstream = upstream;
    this.downstream = downstream;
  }

  /** The caps in force when the snapshot was taken. */
  public PeakBandwidth caps() {
    return caps;
  }

  private long[] of(Direction d) {
    return d == Direction.UPSTREAM ? upstream : downstream;
  }

  /** Bytes delayed (TCP, HTTP) or dropped (UDP) by the caps in direction {@code d}. */
  public long bytesThrottled(Direction d) {
    return of(d)[BYTES] + of(d)[DROPPED_BYTES];
  }

  /** Time connections spent not reading for the budget in direction {@code d}, summed over connections. */
  public Duration timeThrottled(Direction d) {
    return Duration.ofNanos(of(d)[NANOS]);
  }

  /** Times a connection stopped reading for the budget in direction {@code d}. */
  public long pauses(Direction d) {
    return of(d)[PAUSES];
  }

  /** UDP datagrams dropped over the budget in direction {@code d}. */
  public long datagramsDropped(Direction d) {
    return of(d)[DATAGRAMS];
  }

  @Override
  public String toString() {
    return "BandwidthMetrics{caps=" + caps + " up: throttled=" + bytesThrottled(Direction.UPSTREAM) + "B/"
        + timeThrottled(Direction.UPSTREAM).toMillis() + "ms pauses=" + pauses(Direction.UPSTREAM) + " dropped="
        + datagramsDropped(Direction.UPSTREAM) + "; down: throttled=" + bytesThrottled(Direction.DOWNSTREAM) + "B/"
        + timeThrottled(Direction.DOWNSTREAM).toMillis() + "ms pauses=" + pauses(Direction.DOWNSTREAM) + " dropped="
        + datagramsDropped(Direction.DOWNSTREAM) + "}";
  }
}
