package io.lb4j.impl.listener;

import java.nio.ByteBuffer;

/**
 * The peak-bandwidth gate of one connection's reads in one direction: before each read the connection asks
 * for an {@link #allowance} (tokens taken from the listener's shared buckets, up to the room it has), reads at
 * most that, and reports what it read ({@link #consumed}, which gives back the tokens it did not use). When
 * the budget is spent the allowance is 0: the connection stops reading from that sender (its read interest
 * goes off, so the kernel's buffers fill and TCP flow control slows the sender down; no buffer of the
 * listener grows) and this throttle arms its own {@link LoopTimer} for the time the tokens need; when it
 * fires, the connection is told to read again ({@code resume}).
 *
 * <p>A read takes at least {@link #MIN_READ} bytes' worth of tokens (or its whole room, when smaller), so a
 * throttled connection makes a few large reads rather than many tiny ones.
 *
 * <p>Owned by one connection and confined to its loop's thread. Without a cap, {@link #allowance} returns the
 * room and costs one volatile read per bucket.
 */
final class Throttle extends LoopTimer {
  /** The fewest tokens a read waits for (unless its room is smaller). */
  static final int MIN_READ = 4096;
  /** A throttled reader sleeps until this many tokens (or its room, or the burst) are there. */
  static final int WAKE_TOKENS = 16 * 1024;

  private final BandwidthLimiter.Direction direction;
  private final EventLoop loop;
  private final Runnable resume;
  private boolean paused;
  private long pausedAt;
  private boolean resumedOnce;
  private long resumedAt;
  /** Tokens taken for the read in progress (0: none taken, no cap). */
  private long granted;
  /** The read in progress follows a pause or was cut short: its bytes count as throttled. */
  private boolean delayed;
  private boolean afterPause;

  Throttle(BandwidthLimiter.Direction direction, EventLoop loop, Runnable resume) {
    this.direction = direction;
    this.loop = loop;
    this.resume = resume;
  }

  /**
   * How many bytes the next read may take, at most {@code room}; 0 when the budget is spent, and the
   * connection must not read (and keep its read interest off) until {@code resume} runs.
   */
  int allowance(int room) {
    if (paused) {
      return 0;
    }
    if (room <= 0 || direction.unlimited()) {
      granted = 0;
      delayed = afterPause; // the first read after a pause counts, even once the cap is lifted
      return room;
    }
    long now = direction.now();
    long got = direction.acquire(Math.min(room, MIN_READ), room, now);
    if (got == 0) {
      pause(direction.nanosUntil(Math.min(room, WAKE_TOKENS), now));
      return 0;
    }
    granted = got;
    delayed = afterPause || got < room;
    return (int) got;
  }

  /**
   * Readies {@code in} (in read mode, its unread bytes kept) for a read of at most the {@link #allowance}: it
   * is compacted and limited to what the read may take. Returns false, with {@code in} back in read mode, when
   * the budget is spent and the connection must not read; else the caller reads into {@code in} and then calls
   * {@link #endRead} whatever happened (in a {@code finally}).
   */
  boolean beginRead(ByteBuffer in) {
    in.compact();
    int room = in.remaining();
    int allowed = allowance(room);
    if (allowed == 0 && room > 0) {
      in.flip(); // over the budget: resume runs when the tokens are there
      return false;
    }
    in.limit(in.position() + allowed);
    return true;
  }

  /** After a read {@link #beginRead} allowed: {@code in} back in read mode, and {@code n} bytes consumed. */
  void endRead(ByteBuffer in, int n) {
    in.flip();
    consumed(n);
  }

  /** After the read an {@link #allowance} allowed: {@code n} bytes read (0 or -1: none). */
  void consumed(int n) {
    long used = Math.max(n, 0);
    if (used < granted) {
      direction.refund(granted - used);
    }
    if (used > 0) {
      if (delayed) {
        direction.bytesThrottled.add(used);
      }
      afterPause = false;
    }
    granted = 0;
    delayed = false;
  }

  /** True while reading waits for the budget. */
  boolean paused() {
    return paused;
  }

  /**
   * The time a timeout should count the sender's silence from, given {@code lastActivity}: now while paused
   * (the sender is not silent, the listener does not read), else the end of the last pause if later. A
   * throttled connection is never closed, and nobody blamed, for the time the cap held it.
   */
  long activeSince(long lastActivity) {
    if (paused) {
      return System.nanoTime();
    }
    return resumedOnce && resumedAt - lastActivity > 0 ? resumedAt : lastActivity;
  }

  private void pause(long waitNanos) {
    paused = true;
    pausedAt = System.nanoTime();
    direction.pauses.increment();
    loop.schedule(this, pausedAt + Math.max(waitNanos, 1_000_000L));
  }

  /** The budget has had time to refill: read again. */
  @Override
  void checkTimeouts(long nowNanos) {
    if (!paused) {
      return;
    }
    paused = false;
    direction.throttledNanos.add(nowNanos - pausedAt);
    resumedOnce = true;
    resumedAt = nowNanos;
    afterPause = true;
    resume.run();
  }

  /** The connection closes: no timer left behind. */
  void close() {
    if (isArmed()) {
      loop.cancel(this);
    }
    if (paused) {
      paused = false;
      direction.throttledNanos.add(System.nanoTime() - pausedAt);
    }
  }
}
