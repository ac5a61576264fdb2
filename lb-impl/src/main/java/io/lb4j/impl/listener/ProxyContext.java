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
  /** Reads backend load reports when the pool's weights follow them; null otherwise (nothing is parsed). */
  private final OrcaLoadReportParser loadReports;

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
    boolean reports = pool.settings().loadAware().map(LoadAwarePolicy::signal)
        .filter(s -> s == LoadAwarePolicy.Signal.BACKEND_REPORTS).isPresent();
    this.loadReports = reports ? OrcaLoadReportParser.strict() : null;
  }

  /**
   * Hands the load report of a final response head to the pool, when the pool uses reports: parsed on the
   * loop thread from the head's bytes (allocation: the report), and a malformed one counted against its
   * backend. A response without the field changes nothing.
   */
  void readLoadReport(Selection selection, ResponseHead head) {
    if (loadReports == null) {
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
