package io.lb4j.impl;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/** A monotonic time source that tests move by hand. Starts negative, as System.nanoTime may. */
final class FakeNanoTime implements LongSupplier {
  private final AtomicLong now = new AtomicLong(-5_000_000_000L);

  void advance(Duration d) {
    now.addAndGet(d.toNanos());
  }

  @Override
  public long getAsLong() {
    return now.get();
  }
}
