package io.lb4j.impl;

import java.net.InetAddress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The timed work of one pool, on its {@link PoolThread}: the periodic maintenance round (drain deadlines,
 * slow-start ramps, ejections that ran out, first checks) at a period the pool derives from its settings,
 * and the periodic resolution of backend host names. Not thread-safe on its own: {@link #reschedule} is
 * called under the pool's control lock.
 */
final class Maintenance {

  private static final Logger log = LoggerFactory.getLogger(Maintenance.class);

  private final DefaultLoadBalancer pool;
  private final PoolThread thread;
  private final long addressRefreshNanos;
  private ScheduledFuture<?> round;
  private long roundPeriodNanos;

  Maintenance(DefaultLoadBalancer pool, PoolThread thread, Duration addressRefreshInterval) {
    this.pool = pool;
    this.thread = thread;
    this.addressRefreshNanos = addressRefreshInterval.toNanos();
  }

  /** Runs the round every {@code periodNanos} from now on (0: never). Under the pool's lock. */
  void reschedule(long periodNanos) {
    if (periodNanos == roundPeriodNanos) {
      return;
    }
    if (round != null) {
      round.cancel(false);
      round = null;
    }
    roundPeriodNanos = periodNanos;
    if (periodNanos > 0) {
      round = thread.every(periodNanos, this::runOnce);
    }
  }

  /** One maintenance round; a failure is logged and the schedule goes on. */
  void runOnce() {
    try {
      pool.maintain();
    } catch (RuntimeException e) {
      log.warn("load balancer '{}': maintenance failed", pool.name(), e);
    }
  }

  void scheduleAddressRefresh() {
    thread.every(addressRefreshNanos, this::refreshAddresses);
  }

  /** Resolves new host names on the pool thread, soon. */
  void resolveSoon() {
    thread.execute(this::refreshAddresses);
  }

  private void refreshAddresses() {
    try {
      for (Map.Entry<String, String> e : pool.hostNames().entrySet()) {
        InetAddress resolved = Addresses.lookup(e.getValue());
        if (resolved == null) {
          log.warn("load balancer '{}': cannot resolve {} of backend {}", pool.name(), e.getValue(), e.getKey());
        }
        pool.addressResolved(e.getKey(), e.getValue(), resolved);
      }
    } catch (RuntimeException e) {
      log.warn("load balancer '{}': address refresh failed", pool.name(), e);
    }
  }
}
