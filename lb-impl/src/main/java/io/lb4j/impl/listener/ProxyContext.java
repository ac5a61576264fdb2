package io.lb4j.impl.listener;

import io.lb4j.api.Listener;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.Selection;
import io.lb4j.api.load.LoadAwarePolicy;
import io.lb4j.api.load.LoadReport;
import io.lb4j.impl.listener.http.ResponseHead;
import io.lb4j.impl.load.MalformedLoadReportException;
import io.lb4j.impl.load.OrcaLoadReportParser;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Optional;

/**
 * What every connection of one running listener shares: configuration, server groups, metrics. Immutable, but
 * for the server groups, whose current generation each request or connection reads once ({@link #routes()}).
 */
final class ProxyContext {
  final Listener listener;
  /** The listener's server groups; {@link ServerGroups#current()} is the generation in force. */
  final ServerGroups groups;
  final MetricsRecorder metrics;
  final long connectTimeoutNanos;
  final int maxConnectAttempts;
  final long idleTimeoutNanos;
  final ProxyProtocol proxyProtocol;
  /** The listener's connection cap and process budget: a closing connection gives its slot back. */
  final Admission admission;
  /** The listener's peak-bandwidth buckets, shared by every connection and loop; caps change in place. */
  final BandwidthLimiter bandwidth;
  /** Reads backend load reports for the groups whose pool's weights follow them. */
  private final OrcaLoadReportParser loadReports = OrcaLoadReportParser.strict();

  ProxyContext(Listener listener, ServerGroups groups, MetricsRecorder metrics, long connectTimeoutNanos,
      int maxConnectAttempts, ProxyProtocol proxyProtocol, Admission admission, BandwidthLimiter bandwidth) {
    this.listener = listener;
    this.groups = groups;
    this.metrics = metrics;
    this.connectTimeoutNanos = connectTimeoutNanos;
    this.maxConnectAttempts = maxConnectAttempts;
    this.idleTimeoutNanos = listener.idleTimeout().toNanos();
    this.proxyProtocol = proxyProtocol;
    this.admission = admission;
    this.bandwidth = bandwidth;
  }

  /**
   * Hands the load report of a final response head to {@code pool} (the request's group's), when the pool
   * uses reports: parsed on the loop thread from the head's bytes (allocation: the report), and a malformed one
   * counted against its backend. A response without the field, or to a pool without reports, changes nothing.
   */
  void readLoadReport(LoadBalancer pool, Selection selection, ResponseHead head) {
    Optional<LoadAwarePolicy> loadAware = pool.settings().loadAware();
    if (loadAware.isEmpty() || loadAware.get().signal() != LoadAwarePolicy.Signal.BACKEND_REPORTS) {
      return;
    }
    LoadReport report;
    try {
      report = head.loadReport(loadReports);
    } catch (MalformedLoadReportException e) {
      pool.reportMalformedLoad(selection, e.getMessage());
      return;
    }
    if (report != null) {
      pool.reportLoad(selection, report);
    }
  }

  /** The routing generation in force: one volatile read, made once per request or connection. */
  Routes routes() {
    return groups.current();
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
