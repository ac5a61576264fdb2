package io.lb4j.impl.listener;

import io.lb4j.api.PeakBandwidth;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * One listener's {@link PeakBandwidth}: a {@link TokenBucket} per capped direction and one for both together,
 * shared by every connection and event loop of the listener, and the counters of what the caps did. Each
 * direction ({@link #upstream}, {@link #downstream}) takes from its own bucket and the total one.
 *
 * <p>{@link #set} changes the caps of a running listener at once: connections keep their sockets and buffers,
 * their next read sees the new rate. Thread-safe; the read path is lock-free (see {@link TokenBucket}).
 */
final class BandwidthLimiter {

  /** A direction of traffic and its buckets; what a connection's {@link Throttle} asks. */
  static final class Direction {
    final String name;
    private final TokenBucket own;
    private final TokenBucket total;
    private final LongSupplier clock;
    final LongAdder bytesThrottled = new LongAdder();
    final LongAdder throttledNanos = new LongAdder();
    final LongAdder pauses = new LongAdder();
    final LongAdder datagramsDropped = new LongAdder();
    final LongAdder bytesDropped = new LongAdder();

    Direction(String name, TokenBucket own, TokenBucket total, LongSupplier clock) {
      this.name = name;
      this.own = own;
      this.total = total;
      this.clock = clock;
    }

    /** The clock the buckets use ({@code System.nanoTime()} scale). */
    long now() {
      return clock.getAsLong();
    }

    /** True while neither this direction nor the total is capped: reads take no tokens. */
    boolean unlimited() {
      return own.unlimited() && total.unlimited();
    }

    /**
     * Takes up to {@code max} tokens from both buckets when each has at least {@code min}; returns what it took,
     * 0 when either had too few (then nothing is taken).
     */
    long acquire(long min, long max, long nowNanos) {
      long a = own.acquire(min, max, nowNanos);
      if (a == 0) {
        return 0;
      }
      long b = total.acquire(Math.min(min, a), a, nowNanos);
      if (b == 0) {
        own.refund(a);
        return 0;
      }
      own.refund(a - b);
      return b;
    }

    /** The tokens both buckets have now (the fewer of the two; {@code Long.MAX_VALUE} without a cap). */
    long available(long nowNanos) {
      return Math.min(own.available(nowNanos), total.available(nowNanos));
    }

    /** Gives back tokens an {@link #acquire} took and a read did not use. */
    void refund(long n) {
      own.refund(n);
      total.refund(n);
    }

    /** UDP: takes {@code n} tokens from both buckets, or nothing (see {@link TokenBucket#acquireExactly}). */
    boolean acquireExactly(long n, long nowNanos) {
      if (!own.acquireExactly(n, nowNanos)) {
        return false;
      }
      if (!total.acquireExactly(n, nowNanos)) {
        own.refund(n);
        return false;
      }
      return true;
    }

    /** How long until {@code wanted} tokens are in both buckets (at least 1 ms when any is missing). */
    long nanosUntil(long wanted, long nowNanos) {
      return Math.max(own.nanosUntil(wanted, nowNanos), total.nanosUntil(wanted, nowNanos));
    }

    /** A datagram of {@code bytes} dropped over the budget. */
    void dropped(int bytes) {
      datagramsDropped.increment();
      bytesDropped.add(bytes);
    }
  }

  private final LongSupplier clock;
  private final TokenBucket up;
  private final TokenBucket down;
  private final TokenBucket total;
  final Direction upstream;
  final Direction downstream;
  private volatile PeakBandwidth current = PeakBandwidth.unlimited();

  /** A limiter with the caps of {@code initial}, timed by {@code clock} ({@code System.nanoTime()} scale). */
  BandwidthLimiter(PeakBandwidth initial, LongSupplier clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
    long now = clock.getAsLong();
    this.up = new TokenBucket(now);
    this.down = new TokenBucket(now);
    this.total = new TokenBucket(now);
    this.upstream = new Direction("upstream", up, total, clock);
    this.downstream = new Direction("downstream", down, total, clock);
    set(initial);
  }

  /** Applies new caps to every connection at once; serialised so two callers cannot interleave their buckets. */
  synchronized void set(PeakBandwidth caps) {
    Objects.requireNonNull(caps, "peakBandwidth");
    long now = clock.getAsLong();
    up.setRate(PeakBandwidth.bytesPerSecond(caps.upstreamMbps()), now);
    down.setRate(PeakBandwidth.bytesPerSecond(caps.downstreamMbps()), now);
    total.setRate(PeakBandwidth.bytesPerSecond(caps.totalMbps()), now);
    current = caps;
  }

  /** The caps in force. */
  PeakBandwidth current() {
    return current;
  }

  /** A snapshot of the counters and the caps. */
  BandwidthMetrics snapshot() {
    return new BandwidthMetrics(current, counts(upstream), counts(downstream));
  }

  private static long[] counts(Direction d) {
    return new long[] {d.bytesThrottled.sum(), d.throttledNanos.sum(), d.pauses.sum(), d.datagramsDropped.sum(),
        d.bytesDropped.sum()};
  }
}
