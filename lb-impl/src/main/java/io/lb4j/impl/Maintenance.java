package io.lb4j.impl;

import java.net.InetAddress;
import java.time.Duration;
import java.util.Map;
import java.util.function.Function;
import java.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The timed work of one pool: the periodic maintenance round (drain deadlines, slow-start ramps,
 * ejections that ran out, first checks) on the pool's {@link PoolThread}, at a period the pool derives
 * from its settings; and the periodic resolution of backend host names on a thread of its own
 * ({@code lb4j-dns-<pool>}, started with the first host name), so a slow DNS server delays neither selects nor the
 * publication of health changes. {@link #reschedule} is called under the pool's control lock.
 */
final class Maintenance {

  private static final Logger log = LoggerFactory.getLogger(Maintenance.class);

  private final DefaultLoadBalancer pool;
  private final PoolThread thread;
  private final long addressRefreshNanos;
  private final Function<String, InetAddress> resolver;
  private final PoolThread lookups;
  private ScheduledFuture<?> round;
  private boolean refreshScheduled;
  private long roundPeriodNanos;

  Maintenance(DefaultLoadBalancer pool, PoolThread thread, Duration addressRefreshInterval,
      Function<String, InetAddress> resolver) {
    this.pool = pool;
    this.resolver = resolver;
    this.thread = thread;
    this.addressRefreshNanos = addressRefreshInterval.toNanos();
    this.lookups = new PoolThread("lb4j-dns-" + pool.name());
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

  /**
   * Resolves host names on the lookup thread, soon; the first call also starts their periodic refresh
   * (a pool of IP literals never starts the lookup thread).
   */
  synchronized void resolveSoon() {
    if (!refreshScheduled) {
      refreshScheduled = true;
      lookups.every(addressRefreshNanos, this::refreshAddresses);
    }
    lookups.execute(this::refreshAddresses);
  }

  /** Stops the lookup thread (the pool thread is stopped by its owner). */
  void shutdown(Logger poolLog) {
    lookups.shutdown(poolLog, pool.name());
  }

  private void refreshAddresses() {
    try {
      for (Map.Entry<String, String> e : pool.hostNames().entrySet()) {
        InetAddress resolved = resolver.apply(e.getValue());
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
