package io.lb4j.impl.listener.http2;

import io.lb4j.impl.listener.Http2Limits;

/**
 * A token bucket on a caller-supplied clock: at most {@code burst} events at once, refilled at
 * {@code perSecond}, and refillable by work the connection did for the peer ({@link #earn}).
 *
 * <p>Tokens are counted in billionths so that a refill of {@code perSecond} tokens per second is an
 * integer number of units per nanosecond: no division and no rounding drift. With bursts and rates up
 * to a million, the count stays below 10^15 and never overflows a long. Not thread-safe.
 */
final class RateLimiter {

  private static final long UNIT = 1_000_000_000L;

  private final long capacity;
  private final long perSecond;
  private long tokens;
  private long last;

  RateLimiter(Http2Limits.Rate rate, long nowNanos) {
    this.capacity = rate.burst() * UNIT;
    this.perSecond = rate.perSecond();
    this.tokens = capacity;
    this.last = nowNanos;
  }

  /** Takes one token if there is one. */
  boolean tryAcquire(long nowNanos) {
    long elapsed = nowNanos - last;
    if (elapsed > 0) {
      last = nowNanos;
      // Only the time it takes to fill the bucket counts; this also keeps elapsed * perSecond small.
      long useful = Math.min(elapsed, (capacity - tokens) / perSecond + 1);
      tokens = Math.min(capacity, tokens + useful * perSecond);
    }
    if (tokens < UNIT) {
      return false;
    }
    tokens -= UNIT;
    return true;
  }

  /** Gives back {@code n} tokens, up to the burst. */
  void earn(int n) {
    tokens = Math.min(capacity, tokens + n * UNIT);
  }
}
