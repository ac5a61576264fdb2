package io.lb4j.impl.diagnostics;

import io.lb4j.api.BackendState;
import io.lb4j.api.BackendView;
import io.lb4j.api.discovery.SourceState;
import io.lb4j.api.health.HealthCheckPolicy;
import io.lb4j.api.health.HealthCheckType;
import io.lb4j.api.health.HealthStatus;
import io.lb4j.api.health.HealthTransition;
import io.lb4j.api.internal.Checks;
import io.lb4j.api.scheduler.NoBackendReason;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The findings that need only the pool: no eligible backend, active checks passing while traffic fails,
 * flapping, and persistence concentrating load. Reads the pool's view and health history; stateless.
 */
final class PoolFindings {

  private final Diagnostics settings;

  PoolFindings(Diagnostics settings) {
    this.settings = settings;
  }

  void examine(Examined e, List<Finding> out) {
    noEligibleBackend(e, out);
    sourceFailing(e, out);
    shallowCheck(e, out);
    flapping(e, out);
    persistenceSkew(e, out);
  }

  /** True when the backend can take new picks now: active, enabled, weight above 0, healthy, not ejected. */
  static boolean eligible(BackendView v) {
    return v.state() == BackendState.ACTIVE && v.backend().enabled() && v.effectiveWeight() > 0
        && v.health() == HealthStatus.HEALTHY && !v.ejected();
  }

  private void noEligibleBackend(Examined e, List<Finding> out) {
    List<BackendView> backends = e.backends();
    if (backends.stream().anyMatch(PoolFindings::eligible)) {
      return;
    }
    NoBackendReason reason;
    if (backends.isEmpty()) {
      reason = NoBackendReason.NO_BACKENDS;
    } else if (backends.stream().anyMatch(v -> v.health() == HealthStatus.HEALTHY && !v.ejected())) {
      reason = NoBackendReason.ALL_DRAINED;
    } else {
      reason = NoBackendReason.ALL_UNHEALTHY;
    }
    Map<String, String> evidence = new LinkedHashMap<>();
    evidence.put("reason", reason.name());
    for (BackendView v : backends) {
      evidence.put(Diagnostics.subject(v.backend()), describe(v));
    }
    String fix;
    switch (reason) {
      case NO_BACKENDS:
        fix = settings.fixes.say("Add backends (LoadBalancer.addBackend).",
            "Add backends to the listener's backends in the file, or fix its source.");
        break;
      case ALL_DRAINED:
        fix = settings.fixes.say("Give a healthy backend a weight above 0 (LoadBalancer.setWeight) and enable it"
            + " (setEnabled), or add backends.", "Give a healthy backend a weight above 0 and enabled: true in the"
            + " listener's backends, or add backends.");
        break;
      default:
        fix = "Bring the backends back (each one's last check result says why it failed), or fix the health check"
            + " if they serve traffic (see check-fails-port-open); "
            + settings.fixes.say("HealthCheckPolicy.panicThresholdPercent", "healthCheck.panicThresholdPercent") + " sends"
            + " traffic to all of them when too few are healthy.";
    }
    int panicPercent = e.check().enabled() ? e.check().panicThresholdPercent() : 0;
    // Fail-open picks every checked backend that is active, enabled and weighted, healthy or not.
    boolean failOpen = reason == NoBackendReason.ALL_UNHEALTHY && panicPercent > 0 && backends.stream()
        .anyMatch(v -> !v.lastCheck().isEmpty() && v.effectiveWeight() > 0 && v.backend().enabled());
    if (failOpen) {
      evidence.put("failOpen", "panicThresholdPercent " + panicPercent + ": picks go to unhealthy backends");
    }
    out.add(new Finding(FindingCode.NO_ELIGIBLE_BACKEND, Severity.ERROR, "pool " + e.name(),
        failOpen ? "no healthy backend: " + reason.description() + "; fail-open sends traffic to them anyway"
            : "no backend can take traffic: " + reason.description()
                + " (every request gets no backend: a gateway's 502)",
        evidence, fix));
  }

  /**
   * The pool's backend source fails (it keeps its last known good list) or has delivered nothing yet
   * (the pool is not ready). Silent for a source that is healthy or closed, and for a pool without one.
   */
  private static void sourceFailing(Examined e, List<Finding> out) {
    SourceState state = e.pool().sourceState().orElse(null);
    if (state == null || (state.phase() != SourceState.Phase.FAILING && state.phase() != SourceState.Phase.PENDING)) {
      return;
    }
    boolean pending = state.phase() == SourceState.Phase.PENDING;
    Map<String, String> evidence = new LinkedHashMap<>();
    evidence.put("source", state.source());
    evidence.put("phase", state.phase() + " since " + state.since());
    evidence.put("backendsKept", String.valueOf(state.backends()));
    evidence.put("lastError", state.lastError().isEmpty() ? "none" : state.lastError());
    evidence.put("retries", String.valueOf(state.retries()));
    out.add(new Finding(FindingCode.SOURCE_FAILING, pending ? Severity.ERROR : Severity.WARNING, "pool " + e.name(),
        pending ? "the backend source has not delivered a list yet: the pool has no backends from it"
            : "the backend source fails: the pool keeps its last known good list of " + state.backends()
                + " backends, which may be stale",
        evidence, "Fix what the last error names (the registry's address, the DNS name, the file), or check that"
            + " the registry is reachable from this host; the pool retries with backoff on its own."));
  }

  private static String describe(BackendView v) {
    StringBuilder s = new StringBuilder().append(v.health());
    if (v.ejected()) {
      s.append(", ejected");
    }
    if (v.state() == BackendState.DRAINING) {
      s.append(", draining");
    }
    if (!v.backend().enabled()) {
      s.append(", disabled");
    }
    s.append(", weight ").append(v.backend().weight());
    s.append(", last check: ").append(v.lastCheck().isEmpty() ? "none yet" : v.lastCheck());
    return s.toString();
  }

  /**
   * Real traffic ejected a backend that the active check keeps calling healthy: at least twice within the
   * flapping window (10 minutes by default), with no failed active check in it. One ejection is not enough,
   * even while it lasts: a backend that restarts is ejected by refused connects before its next probe fails,
   * which is no sign of a shallow check (issue 26). With {@code activeCheckEndsEjection} (the default) a
   * passing probe that can see the ejection's cause ends it, so the pattern shows in the history, not in the
   * state. Typically a static check page while the application's dynamic path is broken.
   */
  private void shallowCheck(Examined e, List<Finding> out) {
    HealthCheckPolicy check = e.check();
    if (!check.enabled() || !e.settings().outlierDetection().enabled()) {
      return;
    }
    for (BackendView v : e.backends()) {
      if (v.health() != HealthStatus.HEALTHY) {
        continue;
      }
      List<HealthTransition> history = e.pool().healthHistory(v.backend().id(),
          e.now().minus(settings.flappingWindow), e.now().plusNanos(1));
      long ejections = 0;
      long activeFailures = 0;
      HealthTransition lastEjection = null;
      for (HealthTransition t : history) {
        if (t.to() != HealthStatus.UNHEALTHY) {
          continue;
        }
        if (isEjection(t)) {
          ejections++;
          lastEjection = t;
        } else {
          activeFailures++;
        }
      }
      if (activeFailures > 0 || ejections < 2) {
        continue;
      }
      Map<String, String> evidence = new LinkedHashMap<>();
      evidence.put("activeCheck", describeCheck(check) + ": " + v.lastCheck());
      evidence.put("ejectedNow", String.valueOf(v.ejected()));
      evidence.put("ejectionsInWindow", ejections + " in the last " + Checks.format(settings.flappingWindow)
          + ", with no failed active check");
      if (lastEjection != null) {
        evidence.put("lastEjection", lastEjection.cause() + " at " + lastEjection.at());
      }
      out.add(new Finding(FindingCode.SHALLOW_HEALTH_CHECK, Severity.WARNING, Diagnostics.subject(v.backend()),
          "real traffic fails (the backend was ejected) while the active check passes: the check is too shallow",
          evidence, "Point the HTTP check at a path that exercises what requests need ("
              + settings.fixes.say("HealthCheckPolicy.path", "healthCheck.path") + ", a"
              + " cheap page served by the same application and dependencies), and fix the failing application."));
    }
  }

  /** Whether a transition is an ejection by outlier detection (its causes start with "ejected"). */
  private static boolean isEjection(HealthTransition t) {
    return t.cause().startsWith("ejected");
  }

  /** {@code HTTP HEAD /health expecting [2xx, 3xx]} or {@code TCP connect}: how findings show a check. */
  static String describeCheck(HealthCheckPolicy check) {
    if (check.type() == HealthCheckType.TCP) {
      return "TCP connect";
    }
    if (check.type() == HealthCheckType.UDP) {
      return "UDP request '" + check.udpRequest() + "' expecting "
          + (check.udpExpectedResponse() == null ? "any response" : "'" + check.udpExpectedResponse() + "'");
    }
    return "HTTP " + check.method() + " " + check.path() + (check.domain() == null ? "" : " Host: " + check.domain())
        + " expecting " + HealthCheckPolicy.labels(check.normalStatuses());
  }

  /** More than the allowed number of health transitions of one backend within the window. */
  private void flapping(Examined e, List<Finding> out) {
    Instant from = e.now().minus(settings.flappingWindow);
    for (BackendView v : e.backends()) {
      List<HealthTransition> history = e.pool().healthHistory(v.backend().id(), from, e.now().plusNanos(1));
      if (history.size() <= settings.flappingTransitions) {
        continue;
      }
      Map<String, String> evidence = new LinkedHashMap<>();
      evidence.put("transitions", history.size() + " in the last " + Checks.format(settings.flappingWindow));
      evidence.put("allowed", String.valueOf(settings.flappingTransitions));
      int shown = Math.min(4, history.size());
      for (int i = history.size() - shown; i < history.size(); i++) {
        HealthTransition t = history.get(i);
        evidence.put("transition " + (i + 1), t.from() + " -> " + t.to() + " (" + t.cause() + ") at " + t.at());
      }
      out.add(new Finding(FindingCode.FLAPPING, Severity.WARNING, Diagnostics.subject(v.backend()),
          "the backend's health changed " + history.size() + " times in " + Checks.format(settings.flappingWindow)
              + ": each change moves traffic and sessions, which lowers throughput",
          evidence, "Find why the backend fails intermittently (load, a dependency); meanwhile raise"
              + " " + settings.fixes.say("HealthCheckPolicy.healthyThreshold and unhealthyThreshold",
                  "healthCheck.healthyThreshold and unhealthyThreshold") + " so a single result does not flip it."));
    }
  }

  /**
   * Persistence on, and one backend's share of picks far above its weighted share. Picks count from when
   * each backend joined, so only backends eligible now are compared (a backend that was down took fewer).
   */
  private void persistenceSkew(Examined e, List<Finding> out) {
    if (!e.settings().sessionPersistence().enabled()) {
      return;
    }
    List<BackendView> backends = e.backends();
    long totalPicks = 0;
    long totalWeight = 0;
    for (BackendView v : backends) {
      if (eligible(v)) {
        totalPicks += v.picks();
        totalWeight += v.backend().weight();
      }
    }
    if (totalPicks < settings.persistenceMinPicks || totalWeight == 0) {
      return;
    }
    for (BackendView v : backends) {
      if (!eligible(v)) {
        continue;
      }
      double share = (double) v.picks() / totalPicks;
      double weighted = (double) v.backend().weight() / totalWeight;
      if (share * 100 <= weighted * settings.persistenceSkewPercent) {
        continue;
      }
      Map<String, String> evidence = new LinkedHashMap<>();
      evidence.put("picks", v.picks() + " of " + totalPicks + " (" + percent(share) + ", since it joined)");
      evidence.put("weightedShare",
          percent(weighted) + " (weight " + v.backend().weight() + " of " + totalWeight + ")");
      evidence.put("allowed", settings.persistenceSkewPercent + "% of the weighted share");
      evidence.put("persistence", e.settings().sessionPersistence().toString());
      out.add(new Finding(FindingCode.PERSISTENCE_SKEW, Severity.WARNING, Diagnostics.subject(v.backend()),
          "session persistence concentrates load: the backend took " + percent(share) + " of picks for a weighted"
              + " share of " + percent(weighted),
          evidence, "A few heavy clients stay on one backend. Turn persistence off where the application does not"
              + " need it (and always for stress tests), or shorten " + settings.fixes.say("SessionPersistence's timeout", "sessionPersistence.timeout") + "."));
    }
  }

  private static String percent(double fraction) {
    return Math.round(fraction * 1000) / 10.0 + "%";
  }
}
