package io.lb4j.examples.gateway;

import io.lb4j.examples.gateway.config.Durations;
import io.lb4j.impl.listener.BandwidthMetrics;
import io.lb4j.impl.listener.ListenerMetrics;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The listeners' side of the status: per listener, client connections open and accepted, requests
 * answered, backend connections opened (total, and per second since the previous refresh: a keep-alive
 * load that reuses its backend connections shows about 0/s; churn shows as thousands), and accept pauses
 * (out of file descriptors); and each listener's peak bandwidth, with how long it held each direction back.
 * Keeps the previous refresh's counters to compute the rates: one instance per
 * status printer, used by one thread at a time.
 */
final class ListenerStatus {

  private static final String[] HEADER = {"listener", "active", "accepted", "requests", "backend opened",
      "opened/s", "accept pauses"};

  private record Sample(long nanos, long backendOpened) {}

  private final Map<String, Sample> previous = new HashMap<>();

  private static final String[] BANDWIDTH_HEADER = {"listener", "peak bandwidth", "throttled up", "throttled down"};

  /** The peak bandwidth of the listeners that have one: the caps and how long each direction was held back. */
  static String bandwidthTable(Map<String, BandwidthMetrics> bandwidth) {
    List<String[]> rows = new ArrayList<>();
    rows.add(BANDWIDTH_HEADER);
    rows.addAll(bandwidthCells(bandwidth));
    return rows.size() == 1 ? "" : TextTable.render(rows);
  }

  /** One {@code key=value} line per listener with a peak bandwidth, for logs. */
  static List<String> bandwidthLines(Map<String, BandwidthMetrics> bandwidth) {
    List<String> lines = new ArrayList<>();
    for (String[] c : bandwidthCells(bandwidth)) {
      lines.add("status listener=" + c[0] + " peakBandwidth=\"" + c[1] + "\" throttledUp=" + c[2]
          + " throttledDown=" + c[3]);
    }
    return lines;
  }

  private static List<String[]> bandwidthCells(Map<String, BandwidthMetrics> bandwidth) {
    List<String[]> rows = new ArrayList<>();
    bandwidth.forEach((name, b) -> {
      if (!b.caps().isUnlimited()) {
        rows.add(new String[] {name, b.caps().toString(),
            Durations.format(b.timeThrottled(BandwidthMetrics.Direction.UPSTREAM)),
            Durations.format(b.timeThrottled(BandwidthMetrics.Direction.DOWNSTREAM))});
      }
    });
    return rows;
  }

  /** The table for a terminal. */
  String table(Map<String, ListenerMetrics> metrics, long nowNanos) {
    List<String[]> rows = new ArrayList<>();
    rows.add(HEADER);
    rows.addAll(cells(metrics, nowNanos));
    return TextTable.render(rows);
  }

  /** One {@code key=value} line per listener, for logs. */
  List<String> lines(Map<String, ListenerMetrics> metrics, long nowNanos) {
    List<String> lines = new ArrayList<>();
    for (String[] c : cells(metrics, nowNanos)) {
      lines.add("status listener=" + c[0] + " active=" + c[1] + " accepted=" + c[2] + " requests=" + c[3]
          + " backendOpened=" + c[4] + " backendOpenedPerSecond=" + c[5] + " acceptPauses=" + c[6]);
    }
    return lines;
  }

  private List<String[]> cells(Map<String, ListenerMetrics> metrics, long nowNanos) {
    List<String[]> rows = new ArrayList<>();
    metrics.forEach((name, m) -> {
      long requests = 0;
      for (int c = 1; c <= 5; c++) {
        requests += m.responses(c);
      }
      Sample before = previous.put(name, new Sample(nowNanos, m.backendConnectionsOpened()));
      String rate = "-";
      if (before != null && nowNanos - before.nanos() > 0) {
        double perSecond = (m.backendConnectionsOpened() - before.backendOpened()) * 1e9 / (nowNanos - before.nanos());
        rate = String.format(Locale.ROOT, "%.1f", perSecond);
      }
      rows.add(new String[] {name, String.valueOf(m.connectionsActive()), String.valueOf(m.connectionsTotal()),
          String.valueOf(requests), String.valueOf(m.backendConnectionsOpened()), rate,
          String.valueOf(m.acceptPauses())});
    });
    return rows;
  }
}
