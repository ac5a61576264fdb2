package io.lb4j.impl.listener.http2;

import java.time.Duration;
import java.util.function.LongSupplier;

/** Test helper: a clock in nanoseconds that moves only when told. */
final class FakeClock implements LongSupplier {
  private long nanos = 1_000_000_000L;

  @Override
  public long getAsLong() {
    return nanos;
  }

  void advance(Duration d) {
    nanos += d.toNanos();
  }
}
