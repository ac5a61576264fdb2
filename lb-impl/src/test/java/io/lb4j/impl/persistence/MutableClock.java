package io.lb4j.impl.persistence;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;

/** A clock tests move by hand: wall time for cookies and a nanosecond ticker for tables. */
public final class MutableClock extends Clock {
  private final AtomicLong nanos = new AtomicLong(1_700_000_000_000_000_000L);

  public void advance(Duration d) {
    nanos.addAndGet(d.toNanos());
  }

  public long nanoTime() {
    return nanos.get();
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    return this;
  }

  @Override
  public Instant instant() {
    return Instant.ofEpochSecond(0, nanos.get());
  }
}
