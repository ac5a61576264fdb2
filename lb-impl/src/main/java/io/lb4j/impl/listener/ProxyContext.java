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
  /** The listener's connection cap and process budget: a closing connection gives its slot back. */
  final Admission admission;
  /** The listener's peak-bandwidth buckets, shared by every connection and loop; caps change in place. */
  final BandwidthLimiter bandwidth;

  ProxyContext(Listener listener, LoadBalancer pool, MetricsRecorder metrics, long connectTimeoutNanos,
      int maxConnectAttempts, ProxyProtocol proxyProtocol, Admission admission, BandwidthLimiter bandwidth) {
    this.listener = listener;
    this.pool = pool;
    this.metrics = metrics;
    this.connectTimeoutNanos = connectTimeoutNanos;
    this.maxConnectAttempts = maxConnectAttempts;
    this.idleTimeoutNanos = listener.idleTimeout().toNanos();
    this.proxyProtocol = proxyProtocol;
    this.admission = admission;
    this.bandwidth = bandwidth;
  }

  /** A client connection closed: counted, and its admission slot given back (may resume accepting). */
  void connectionClosed() {
    metrics.connectionClosed();
    admission.release();
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
