package io.lb4j.impl.health;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Counters and a lateness histogram of the probe loop. Written by the loop thread only; read by
 * anyone through {@link HealthChecker#metrics()}. The atomic array makes each counter's value visible
 * to readers without locks; writes are uncontended so they cost a few nanoseconds.
 */
final class ProbeStats {

  /** Lateness bucket width: 100 microseconds. */
  static final long BUCKET_NANOS = 100_000L;
  /** Buckets 0..1023 cover 0 to 102.4 ms; the last one also counts everything later. */
  static final int BUCKETS = 1024;

  static final int STARTED = 0;
  static final int SKIPPED = 1;
  static final int DEFERRED = 2;
  static final int SUCCEEDED = 3;
  static final int FAILED = 4;
  static final int MAX_LATENESS = 5;
  static final int COUNTERS = 6;

  final AtomicLongArray counters = new AtomicLongArray(COUNTERS);
  final AtomicLongArray lateness = new AtomicLongArray(BUCKETS);

  void started(long latenessNanos) {
    counters.getAndIncrement(STARTED);
    long late = Math.max(0, latenessNanos);
    lateness.getAndIncrement((int) Math.min(BUCKETS - 1, late / BUCKET_NANOS));
    if (late > counters.get(MAX_LATENESS)) {
      counters.set(MAX_LATENESS, late);
    }
  }

  void count(int counter) {
    counters.getAndIncrement(counter);
  }
}
