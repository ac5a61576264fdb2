package io.lb4j.testing;

import java.util.Locale;

/**
 * What an {@link HttpTestBackend} reports about its own load in ORCA's {@code endpoint-load-metrics} header:
 * CPU utilization (the busy time of its simulated cores over their capacity), requests per second and 5xx
 * answers per second, all three over the same sliding window.
 *
 * <p><b>One window for all three.</b> A weight is {@code qps / utilization}; a backend that measured them over
 * different windows (CPU from an OS meter that smooths over 10 s, qps over the last second) would report a
 * weight that lags or leads its traffic, and a load-aware balancer would over- or undershoot. Here the window
 * is cut into {@value #SLOTS} slots and only complete slots count, so every figure covers the same
 * {@code window}, ending at most one slot ago.
 *
 * <p>Thread-safe: the connections of one backend record and read it concurrently (a monitor: this is a test
 * kit, and a backend's requests are counted one at a time).
 */
final class LoadMeter {

  /** Slots per window. */
  static final int SLOTS = 10;
  /** The ring holds the window's complete slots and the current one. */
  private static final int RING = SLOTS + 1;

  private final long slotNanos;
  private final int cores;
  private final long startNanos;
  private final long[] stamp = new long[RING];
  private final long[] busyNanos = new long[RING];
  private final long[] requests = new long[RING];
  private final long[] errors = new long[RING];

  LoadMeter(long windowNanos, int cores, long startNanos) {
    this.slotNanos = Math.max(1, windowNanos / SLOTS);
    this.cores = cores;
    this.startNanos = startNanos;
    java.util.Arrays.fill(stamp, -1);
  }

  /** One answered request, at {@code now}: it kept a core busy for {@code busy} nanoseconds. */
  synchronized void record(long now, long busy, boolean error) {
    long slot = (now - startNanos) / slotNanos;
    int i = (int) (slot % RING);
    if (stamp[i] != slot) {
      stamp[i] = slot;
      busyNanos[i] = 0;
      requests[i] = 0;
      errors[i] = 0;
    }
    busyNanos[i] += busy;
    requests[i]++;
    if (error) {
      errors[i]++;
    }
  }

  /**
   * The header value at {@code now}: {@code TEXT cpu_utilization=<u>, rps_fractional=<q>, eps=<e>} over the
   * last complete slots (up to {@value #SLOTS}; fewer just after the start, over which the rates are then
   * taken).
   */
  synchronized String header(long now) {
    long current = (now - startNanos) / slotNanos;
    long busy = 0;
    long served = 0;
    long failed = 0;
    int complete = 0;
    for (long slot = current - 1; slot >= Math.max(0, current - SLOTS); slot--) {
      complete++;
      int i = (int) (slot % RING);
      if (stamp[i] == slot) {
        busy += busyNanos[i];
        served += requests[i];
        failed += errors[i];
      }
    }
    double seconds = complete * slotNanos / 1e9;
    double utilization = complete == 0 ? 0 : busy / (complete * (double) slotNanos * cores);
    seconds = complete == 0 ? 1 : seconds; // nothing complete yet: zeros
    return String.format(Locale.ROOT, "TEXT cpu_utilization=%.6f, rps_fractional=%.3f, eps=%.3f", utilization,
        served / seconds, failed / seconds);
  }
}
