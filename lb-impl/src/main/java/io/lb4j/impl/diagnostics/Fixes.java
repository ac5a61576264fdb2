package io.lb4j.impl.diagnostics;

import io.lb4j.api.Backend;
import io.lb4j.api.health.HealthCheckPolicy;

/**
 * The fix texts that name a setting or an action, in the {@link FixStyle} the examination was built with.
 * Stateless and thread-safe.
 */
final class Fixes {

  private final FixStyle style;

  Fixes(FixStyle style) {
    this.style = style;
  }

  /** {@code java} for the Java API, {@code yaml} for the gateway's file. */
  String say(String java, String yaml) {
    return style == FixStyle.JAVA_API ? java : yaml;
  }

  String backendDown(Backend b, int trafficPort) {
    return "Start the application on " + b.host() + ":" + trafficPort + " or remove the backend"
        + say(" (LoadBalancer.removeBackend)", " from the listener's backends in the file (or its source)")
        + "; if it runs, look for a firewall rule or an overload that stops it from accepting.";
  }

  String notReady(Backend b, int trafficPort) {
    return "Wait for the application on " + b.host() + ":" + trafficPort + " to finish starting; if it stays"
        + " unhealthy, read its own logs for why it answers the check that way" + say(" (or remove the backend:"
        + " LoadBalancer.removeBackend).", " (or remove it from the listener's backends in the file).");
  }

  String checksDisabled() {
    return say("Enable a health check (HealthCheckPolicy.defaults() or http()), or outlier detection"
        + " (OutlierDetectionPolicy.builder()) if checks must stay off, as for a stress test.",
        "Set healthCheck.enabled: true in the listener's section (or remove enabled: false), or configure"
            + " outlierDetection if checks must stay off, as for a stress test.");
  }

  /** Which setting the probe's result points at. */
  String checkFailsPortOpen(HealthCheckPolicy check, int checkPort, int trafficPort, String lastCheck) {
    if (checkPort != trafficPort) {
      return "The check probes port " + checkPort + " while traffic goes to port " + trafficPort + ": set "
          + say("HealthCheckPolicy.port", "healthCheck.port") + " to the port the application serves its check"
          + " on, or remove it to check the traffic port.";
    }
    if (lastCheck.startsWith("HTTP ")) {
      return "The application answers the check with a status outside the normal classes: point "
          + say("HealthCheckPolicy.path", "healthCheck.path") + " at a page that exists and answers 2xx (a 404"
          + " means a wrong path, a 400 or 421 a wrong domain: " + say("HealthCheckPolicy.domain", "healthCheck.domain")
          + "), or add that status class to " + say("normalStatuses", "healthCheck.normalStatuses") + ".";
    }
    if (lastCheck.contains("before HTTP status") || lastCheck.contains("invalid HTTP response")) {
      return "Port " + checkPort + " accepts connections but does not answer HTTP: another service listens there,"
          + " or one that expects TLS; check the backend's port, or use a TCP check ("
          + say("HealthCheckPolicy.type TCP", "healthCheck.type: tcp") + ") if it is not an HTTP service.";
    }
    return "The check fails with '" + lastCheck + "' while a plain connect succeeds: compare the check's type,"
        + " path and domain (" + say("HealthCheckPolicy", "the listener's healthCheck section") + ") with what the"
        + " application serves, and look for a firewall rule against the checker.";
  }
}
