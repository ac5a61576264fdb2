package io.lb4j.impl.listener;

import io.lb4j.api.Listener;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.Selection;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/** What every connection of one running listener shares: configuration, pool, metrics. Immutable. */
final class ProxyContext {
  final Listener listener;
  final LoadBalancer pool;
  final MetricsRecorder metrics;
  final long connectTimeoutNanos;
  final int maxConnectAttempts;
  final long idleTimeoutNanos;
  final ProxyProtocol proxyProtocol;
  /** The listener's peak-bandwidth buckets, shared by every connection and loop; caps change in place. */
  final BandwidthLimiter bandwidth;

  ProxyContext(Listener listener, LoadBalancer pool, MetricsRecorder metrics, long connectTimeoutNanos,
      int maxConnectAttempts, ProxyProtocol proxyProtocol, BandwidthLimiter bandwidth) {
    this.listener = listener;
    this.pool = pool;
    this.metrics = metrics;
    this.connectTimeoutNanos = connectTimeoutNanos;
    this.maxConnectAttempts = maxConnectAttempts;
    this.idleTimeoutNanos = listener.idleTimeout().toNanos();
    this.proxyProtocol = proxyProtocol;
    this.bandwidth = bandwidth;
  }

  /**
   * The address to connect to for {@code selection}: resolved by the pool off the request path, so an
   * event loop never blocks on DNS. A host name whose first resolution is pending or failed is a connect
   * failure, reported and retried on another backend like a refused connection.
   */
  static InetSocketAddress addressOf(Selection selection) throws UnknownHostException {
    InetSocketAddress a = selection.address();
    if (a.isUnresolved()) {
      throw new UnknownHostException(selection.backend().host() + " is not resolved (yet)");
    }
    return a;
  }
}
