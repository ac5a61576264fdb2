package io.lb4j.impl.listener;

import io.lb4j.api.Backend;
import io.lb4j.api.Listener;
import io.lb4j.api.LoadBalancer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.concurrent.ConcurrentHashMap;

/** What every connection of one running listener shares: configuration, pool, metrics. Immutable. */
final class ProxyContext {
  final Listener listener;
  final LoadBalancer pool;
  final MetricsRecorder metrics;
  final long connectTimeoutNanos;
  final int maxConnectAttempts;
  final long idleTimeoutNanos;
  final ProxyProtocol proxyProtocol;
  private final ConcurrentHashMap<String, InetAddress> resolved = new ConcurrentHashMap<>();

  ProxyContext(Listener listener, LoadBalancer pool, MetricsRecorder metrics, long connectTimeoutNanos,
      int maxConnectAttempts, ProxyProtocol proxyProtocol) {
    this.listener = listener;
    this.pool = pool;
    this.metrics = metrics;
    this.connectTimeoutNanos = connectTimeoutNanos;
    this.maxConnectAttempts = maxConnectAttempts;
    this.idleTimeoutNanos = listener.idleTimeout().toNanos();
    this.proxyProtocol = proxyProtocol;
  }

  /**
   * The address traffic for {@code backend} goes to. A host name is resolved once and remembered (IP
   * literals, the common case, never touch DNS), so a loop thread blocks on DNS at most once per host.
   */
  InetSocketAddress addressOf(Backend backend) throws UnknownHostException {
    InetAddress a = resolved.get(backend.host());
    if (a == null) {
      a = InetAddress.getByName(backend.host());
      resolved.put(backend.host(), a);
    }
    return new InetSocketAddress(a, listener.backendPortFor(backend));
  }
}
