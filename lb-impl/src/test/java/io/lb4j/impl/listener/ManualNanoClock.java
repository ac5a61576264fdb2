package io.lb4j.impl.listener;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/** A {@code System.nanoTime()}-scale clock that moves only when a test says so. Thread-safe. */
final class ManualNanoClock implements LongSupplier {
  private final AtomicLong now = new AtomicLong(System.nanoTime());

  @Override
  public long getAsLong() {
    return now.get();
  }

  void advance(Duration d) {
    now.addAndGet(d.toNanos());
  }

  void advanceNanos(long nanos) {
    now.addAndGet(nanos);
  }
}
