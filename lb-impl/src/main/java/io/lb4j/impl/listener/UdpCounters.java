package io.lb4j.impl.listener;

import java.util.concurrent.atomic.LongAdder;

/**
 * The counters behind {@link UdpMetrics}, written by every event loop of a UDP listener ({@link LongAdder}s:
 * loops never wait on each other, and after the first contention an increment allocates nothing).
 */
final class UdpCounters {
  final LongAdder datagramsIn = new LongAdder();
  final LongAdder datagramsOut = new LongAdder();
  final LongAdder flowsExpired = new LongAdder();
  final LongAdder flowsMoved = new LongAdder();
  final LongAdder flowsFailed = new LongAdder();
  final LongAdder portUnreachable = new LongAdder();
  /** The share of {@link UdpMetrics.DropCause#EMPTY} that came from backends (the rest came from clients). */
  final LongAdder emptyFromBackends = new LongAdder();
  private final LongAdder[] drops = new LongAdder[UdpMetrics.DropCause.values().length];

  UdpCounters() {
    for (int i = 0; i < drops.length; i++) {
      drops[i] = new LongAdder();
    }
  }

  void dropped(UdpMetrics.DropCause cause) {
    drops[cause.ordinal()].increment();
  }

  UdpMetrics snapshot(long flowsActive, long flowsTotal, long kernelDrops) {
    long[] d = new long[drops.length];
    for (int i = 0; i < d.length; i++) {
      d[i] = drops[i].sum();
    }
    return new UdpMetrics(datagramsIn.sum(), datagramsOut.sum(), d, flowsActive, flowsTotal, flowsExpired.sum(),
        flowsMoved.sum(), flowsFailed.sum(), portUnreachable.sum(), kernelDrops,
        emptyFromBackends.sum());
  }
}
