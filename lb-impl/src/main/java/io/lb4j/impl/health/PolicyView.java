package io.lb4j.impl.health;

import io.lb4j.api.health.HealthCheckMethod;
import io.lb4j.api.health.HealthCheckPolicy;
import io.lb4j.api.health.HealthCheckType;
import io.lb4j.api.internal.Checks;

/**
 * A {@link HealthCheckPolicy} with everything the probe loop needs per probe precomputed (durations
 * in nanoseconds, cause strings), so that a probe result allocates no string. Immutable; a new view
 * is published when the policy changes.
 */
final class PolicyView {

  final HealthCheckPolicy policy;
  final boolean enabled;
  final boolean http;
  /** A UDP check: send {@link #udpRequest}, expect {@link #udpExpected} (null: any datagram). */
  final boolean udp;
  final byte[] udpRequest;
  final byte[] udpExpected;
  final long timeoutNanos;
  final long intervalNanos;
  final long edgeIntervalNanos;
  final int jitterPercent;
  final int healthyThreshold;
  final int unhealthyThreshold;
  final boolean skipWhenTrafficSucceeds;
  final String timeoutCause;
  final String requestLineAndFixedHeaders;
  private final boolean[] normalClass = new boolean[6];
  private final String normalLabels;
  // Filled lazily on the probe loop thread only; a benign race would at worst build a string twice.
  private final String[] statusCauses = new String[600];

  PolicyView(HealthCheckPolicy p) {
    this.policy = p;
    this.enabled = p.enabled();
    this.http = p.type() == HealthCheckType.HTTP;
    this.udp = p.type() == HealthCheckType.UDP;
    this.udpRequest = p.udpRequestBytes();
    this.udpExpected = p.udpExpectedResponseBytes();
    this.timeoutNanos = p.responseTimeout().toNanos();
    this.intervalNanos = p.interval().toNanos();
    this.edgeIntervalNanos = p.edgeInterval().toNanos();
    this.jitterPercent = p.jitterPercent();
    this.healthyThreshold = p.healthyThreshold();
    this.unhealthyThreshold = p.unhealthyThreshold();
    this.skipWhenTrafficSucceeds = p.skipWhenTrafficSucceeds();
    this.timeoutCause = (udp ? "no UDP response within " : "timeout after ") + Checks.format(p.responseTimeout());
    this.requestLineAndFixedHeaders = (p.method() == HealthCheckMethod.GET ? "GET " : "HEAD ") + p.path()
        + " HTTP/1.1\r\n";
    for (int c = 2; c <= 5; c++) {
      normalClass[c] = p.isNormalStatus(c * 100);
    }
    this.normalLabels = HealthCheckPolicy.labels(p.normalStatuses());
  }

  /** The interval to wait before the next probe of a backend in {@code state}. */
  long intervalFor(HealthStateMachine state) {
    return edgeIntervalNanos > 0 && state.betweenStates() ? edgeIntervalNanos : intervalNanos;
  }

  boolean isNormal(int status) {
    return status >= 200 && status <= 599 && normalClass[status / 100];
  }

  /** {@code HTTP 200} for a normal status, {@code HTTP 503 not in [2xx, 3xx]} for another. */
  String statusCause(int status) {
    if (status < 0 || status >= statusCauses.length) {
      return "HTTP " + status + " not in " + normalLabels;
    }
    String s = statusCauses[status];
    if (s == null) {
      s = isNormal(status) ? "HTTP " + status : "HTTP " + status + " not in " + normalLabels;
      statusCauses[status] = s;
    }
    return s;
  }
}
