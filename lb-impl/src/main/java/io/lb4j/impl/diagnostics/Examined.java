package io.lb4j.impl.diagnostics;

import io.lb4j.api.Backend;
import io.lb4j.api.BackendView;
import io.lb4j.api.Listener;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.PoolSettings;
import io.lb4j.api.health.HealthCheckPolicy;
import io.lb4j.impl.LoadAwareMetrics;
import io.lb4j.impl.SubsetStatus;
import java.net.InetAddress;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What one examination reads from the pool, once, and hands to every group of findings.
 *
 * @param pool the pool, for its health history
 * @param name the pool's name
 * @param settings the settings the pool runs under
 * @param listener the listener it was built for, or null for a client-side pool
 * @param check the health-check policy in force
 * @param backends the pool's view, taken once
 * @param addresses the backends' resolved addresses (a backend whose host does not resolve is missing)
 * @param now when the examination runs
 * @param subset the pool's subset against its whole membership, or null when it does not subset (or is not a
 *     pool {@code LoadBalancers} built)
 * @param load the pool's load-aware weights, or null when its weights do not follow load (or it is not a pool
 *     {@code LoadBalancers} built)
 */
record Examined(LoadBalancer pool, String name, PoolSettings settings, Listener listener, HealthCheckPolicy check,
    List<BackendView> backends, Map<Backend, InetAddress> addresses, Instant now, SubsetStatus subset,
    LoadAwareMetrics load) {

  /** Whether the pool serves a listener (false for a client-side pool). */
  boolean servesListener() {
    return listener != null;
  }

  /** The port traffic for {@code b} goes to: the listener's backend port when set, else the backend's. */
  int trafficPort(Backend b) {
    return settings.backendPortFor(b);
  }

  /** The port health checks probe {@code b} on: the check's own port when set, else the traffic port. */
  int checkPort(Backend b) {
    return check.port() != 0 ? check.port() : trafficPort(b);
  }
}
