package io.lb4j.impl.diagnostics;

import io.lb4j.api.BackendView;
import io.lb4j.api.load.LoadAwarePolicy;
import io.lb4j.impl.LoadAwareMetrics;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The findings about load reports, for a pool whose weights follow them: reports that could not be read
 * (judged by growth: each backend's malformed count is kept from one examination to the next, by pool and
 * backend, so the finding clears once the backend sends good reports again), and backends that took traffic
 * but never reported. Thread-safe.
 */
final class LoadFindings {

  /** Each backend's malformed-report count at the previous examination, by pool then backend; guarded by itself. */
  private final Map<String, Map<String, Long>> previous = new HashMap<>();

  void examine(Examined e, List<Finding> out) {
    LoadAwareMetrics load = e.load();
    if (load == null || load.policy().signal() != LoadAwarePolicy.Signal.BACKEND_REPORTS) {
      return;
    }
    malformed(e, load, out);
    missing(e, load, out);
  }

  private void malformed(Examined e, LoadAwareMetrics load, List<Finding> out) {
    Map<String, Long> now = new HashMap<>();
    Map<String, Long> before;
    for (LoadAwareMetrics.BackendLoad b : load.backends()) {
      now.put(b.backendId(), b.malformedReports());
    }
    synchronized (previous) {
      before = previous.put(e.name(), now);
    }
    Map<String, String> evidence = new LinkedHashMap<>();
    List<String> who = new ArrayList<>();
    for (LoadAwareMetrics.BackendLoad b : load.backends()) {
      long earlier = before == null ? 0 : before.getOrDefault(b.backendId(), 0L);
      long grown = b.malformedReports() - Math.min(earlier, b.malformedReports());
      if (grown > 0) {
        who.add(b.backendId());
        evidence.put(b.backendId(), grown + " malformed of " + b.reports() + " well-formed since it joined; last: "
            + b.lastMalformedReason());
      }
    }
    if (who.isEmpty()) {
      return;
    }
    out.add(new Finding(FindingCode.LOAD_REPORT_MALFORMED, Severity.WARNING, "pool " + e.name(),
        String.join(", ", who) + " sent load reports that could not be read"
            + (before == null ? "" : " since the last examination") + ": each keeps the weight of its last good"
            + " report, or the mean",
        evidence, "Make the backends send endpoint-load-metrics once per response, in ORCA's text format"
            + " (TEXT cpu_utilization=0.42, rps_fractional=120, eps=0.5): finite numbers, 0 or above, known keys;"
            + " the evidence quotes what was refused."));
  }

  private static void missing(Examined e, LoadAwareMetrics load, List<Finding> out) {
    Map<String, String> evidence = new LinkedHashMap<>();
    for (BackendView v : e.backends()) {
      LoadAwareMetrics.BackendLoad b = load.backend(v.backend().id());
      if (b != null && v.picks() > 0 && b.reports() == 0 && b.malformedReports() == 0) {
        evidence.put(v.backend().id(), v.picks() + " picks, no report");
      }
    }
    if (evidence.isEmpty()) {
      return;
    }
    out.add(new Finding(FindingCode.LOAD_REPORT_MISSING, Severity.INFO, "pool " + e.name(),
        String.join(", ", evidence.keySet()) + " took traffic but sent no endpoint-load-metrics: the pool gives"
            + " them the mean weight and cannot weigh them by their load",
        evidence, "Have the backends report their load (utilization and queries per second over the same window)"
            + " in endpoint-load-metrics, or weigh by the latency the pool observes instead"
            + " (LoadAwarePolicy.Signal.OBSERVED_LATENCY)."));
  }
}
