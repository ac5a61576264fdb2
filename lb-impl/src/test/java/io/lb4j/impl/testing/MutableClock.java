package io.lb4j.impl.testing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A clock tests move by hand, so expiry, ejection and cookie times are tested without sleeping: wall time
 * through {@link Clock}, and a nanosecond ticker through {@link #nanoTime()} for time sources that take a
 * {@code LongSupplier}. Thread-safe.
 */
public final class MutableClock extends Clock {
  private final AtomicLong nanos;

  /** A clock at an arbitrary fixed instant in 2023. */
  public MutableClock() {
    this(Instant.ofEpochSecond(1_700_000_000L));
  }

  /** A clock at {@code start}. */
  public MutableClock(Instant start) {
    this.nanos = new AtomicLong(start.getEpochSecond() * 1_000_000_000L + start.getNano());
  }

  /** Moves the clock forward. */
  public void advance(Duration d) {
    nanos.addAndGet(d.toNanos());
  }

  /** The clock as nanoseconds, for {@code nanoTime}-style time sources. */
  public long nanoTime() {
    return nanos.get();
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    throw new UnsupportedOperationException("tests use UTC");
  }

  @Override
  public long millis() {
    return Math.floorDiv(nanos.get(), 1_000_000L);
  }

  @Override
  public Instant instant() {
    return Instant.ofEpochSecond(0, nanos.get());
  }
}
