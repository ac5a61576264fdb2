package io.lb4j.impl.listener;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A token bucket of bytes shared by every connection of one listener and every event loop: one token per
 * byte, refilled at the cap's rate up to a burst, taken before a read and refunded for what the read did not
 * use. Lock-free: the level and the refill clock are two {@link AtomicLong}s changed by compare-and-set only.
 *
 * <p><b>Refill.</b> Lazy, by whichever loop asks: each call first adds the tokens earned since the last
 * refill (at most the burst), so the bucket is refilled at each loop turn that reads, with no timer thread.
 * The refill clock advances by the time worth of the whole tokens added, never by the time elapsed, so the
 * fractions of a token are carried to the next refill and the long-run rate is exact.
 *
 * <p><b>Burst.</b> {@link #BURST_NANOS} of the rate, at least {@link #MIN_BURST_BYTES}: large enough that a
 * loop waking a few milliseconds late loses no tokens, small enough that a new bucket (it starts full) adds
 * at most 0.5% over ten seconds at rates of a few Mbit/s and up.
 *
 * <p>The rate is swapped at once by {@link #setRate} (a running listener's cap changes without touching its
 * connections); 0 is no cap. Time comes from an injected {@code System.nanoTime()}-scale clock, so tests move
 * it by hand.
 */
final class TokenBucket {
  /** The burst, as time at the cap's rate. */
  static final long BURST_NANOS = 50_000_000L;
  /** The smallest burst: one pooled buffer's worth at the default size. */
  static final long MIN_BURST_BYTES = 16 * 1024;
  /** Refills longer apart than this count as a full bucket (and keep {@code elapsed x rate} from overflowing). */
  private static final long MAX_REFILL_NANOS = 1_000_000_000L;

  /** An immutable rate: bytes per second and the burst it allows. */
  private static final class Rate {
    final long bytesPerSecond;
    final long burst;

    Rate(long bytesPerSecond) {
      this.bytesPerSecond = bytesPerSecond;
      this.burst = Math.max(MIN_BURST_BYTES, bytesPerSecond * BURST_NANOS / 1_000_000_000L);
    }
  }

  private final AtomicLong tokens = new AtomicLong();
  private final AtomicLong refilledUpTo;
  private volatile Rate rate;

  /** A bucket with no cap, reading time from {@code nowNanos} (its current value starts the refill clock). */
  TokenBucket(long nowNanos) {
    this.refilledUpTo = new AtomicLong(nowNanos);
  }

  /** Sets the cap ({@code 0}: none). A new cap starts with a full bucket; a changed one keeps its level. */
  void setRate(long bytesPerSecond, long nowNanos) {
    Rate old = rate;
    if (bytesPerSecond <= 0) {
      rate = null;
      return;
    }
    if (old != null && old.bytesPerSecond == bytesPerSecond) {
      return;
    }
    Rate r = new Rate(bytesPerSecond);
    if (old == null) {
      tokens.set(r.burst);
      refilledUpTo.set(nowNanos);
    }
    rate = r;
  }

  /** True while no cap is set. */
  boolean unlimited() {
    return rate == null;
  }

  /** The cap in bytes per second, or 0. */
  long bytesPerSecond() {
    Rate r = rate;
    return r == null ? 0 : r.bytesPerSecond;
  }

  /** The burst in bytes, or 0 without a cap. */
  long burst() {
    Rate r = rate;
    return r == null ? 0 : r.burst;
  }

  /** The tokens now, refilled first (negative: a debt). */
  long available(long nowNanos) {
    Rate r = rate;
    if (r == null) {
      return Long.MAX_VALUE;
    }
    refill(r, nowNanos);
    return tokens.get();
  }

  /**
   * Takes up to {@code max} tokens if at least {@code min} are available (refilled first), and returns how
   * many it took: 0 when fewer than {@code min} were there. No cap: {@code max}.
   */
  long acquire(long min, long max, long nowNanos) {
    Rate r = rate;
    if (r == null) {
      return max;
    }
    refill(r, nowNanos);
    while (true) {
      long t = tokens.get();
      if (t < min) {
        return 0;
      }
      long take = Math.min(t, max);
      if (tokens.compareAndSet(t, t - take)) {
        return take;
      }
    }
  }

  /**
   * Takes exactly {@code n} tokens if that many are there, or a full bucket's worth when {@code n} is larger
   * than the burst (a datagram bigger than the burst passes when the bucket is full, and leaves a debt the
   * refill pays back); false, taking nothing, otherwise. No cap: true.
   */
  boolean acquireExactly(long n, long nowNanos) {
    Rate r = rate;
    if (r == null) {
      return true;
    }
    refill(r, nowNanos);
    long needed = Math.min(n, r.burst);
    while (true) {
      long t = tokens.get();
      if (t < needed) {
        return false;
      }
      if (tokens.compareAndSet(t, t - n)) {
        return true;
      }
    }
  }

  /** Gives back tokens taken and not used (a read that brought fewer bytes than it was allowed). */
  void refund(long n) {
    if (n > 0 && rate != null) {
      long burst = burst();
      while (true) {
        long t = tokens.get();
        long next = Math.min(t + n, Math.max(t, burst));
        if (next == t || tokens.compareAndSet(t, next)) {
          return;
        }
      }
    }
  }

  /**
   * How long until {@code wanted} tokens are there, at the current rate ({@code System.nanoTime()} scale
   * duration, at least 1 ms: the loop's timers have millisecond resolution); 0 without a cap.
   */
  long nanosUntil(long wanted, long nowNanos) {
    Rate r = rate;
    if (r == null) {
      return 0;
    }
    long missing = Math.min(wanted, r.burst) - available(nowNanos);
    if (missing <= 0) {
      return 0;
    }
    long nanos = (long) Math.ceil(missing * 1e9 / r.bytesPerSecond);
    return Math.max(1_000_000L, nanos);
  }

  /**
   * Adds the tokens earned since the refill clock, capped at the burst. Whoever moves the clock by
   * compare-and-set adds them, so concurrent callers never add the same time twice; the clock moves by the
   * time the whole tokens are worth, keeping the remainder for the next refill.
   */
  private void refill(Rate r, long nowNanos) {
    long last = refilledUpTo.get();
    long elapsed = nowNanos - last;
    if (elapsed <= 0) {
      return;
    }
    long earned;
    long advanced;
    if (elapsed >= MAX_REFILL_NANOS) {
      earned = r.burst;
      advanced = nowNanos;
    } else {
      earned = elapsed * r.bytesPerSecond / 1_000_000_000L;
      if (earned == 0) {
        return;
      }
      advanced = last + earned * 1_000_000_000L / r.bytesPerSecond;
    }
    if (!refilledUpTo.compareAndSet(last, advanced)) {
      return; // another loop refilled this time span
    }
    while (true) {
      long t = tokens.get();
      long next = Math.min(t + earned, Math.max(t, r.burst));
      if (next == t || tokens.compareAndSet(t, next)) {
        return;
      }
    }
  }
}
