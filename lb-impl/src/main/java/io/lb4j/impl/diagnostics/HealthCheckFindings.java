package io.lb4j.impl.diagnostics;

import io.lb4j.api.Backend;
import io.lb4j.api.BackendView;
import io.lb4j.api.Protocol;
import io.lb4j.api.health.HealthCheckMethod;
import io.lb4j.api.health.HealthCheckPolicy;
import io.lb4j.api.health.HealthCheckType;
import io.lb4j.api.health.HealthStatus;
import io.lb4j.api.internal.Checks;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The findings about active health checking: checks off altogether, an unhealthy backend and whether its
 * traffic port accepts connections (found by connecting to it for real: then the check is likely wrong), a
 * response timeout not shorter than the interval, a dynamic-looking check path, and the probe volume.
 * Stateless.
 */
final class HealthCheckFindings {

  private static final String[] DYNAMIC_SUFFIXES = {".php", ".jsp", ".asp", ".aspx", ".cgi", ".pl", ".py", ".do",
      ".action"};

  private final Diagnostics settings;

  HealthCheckFindings(Diagnostics settings) {
    this.settings = settings;
  }

  void examine(Examined e, List<Finding> out) {
    if (!e.check().enabled()) {
      checksDisabled(e, out);
      return;
    }
    unhealthyBackends(e, out);
    timeoutNotBelowInterval(e, out);
    dynamicPath(e, out);
    probeVolume(e, out);
  }

  /**
   * Each checked, unhealthy backend: its traffic port is probed with a real connect. Accepted means the
   * check, not the application, is likely wrong; refused or silent means the backend is down.
   */
  private void unhealthyBackends(Examined e, List<Finding> out) {
    HealthCheckPolicy check = e.check();
    int probes = 0;
    for (BackendView v : e.backends()) {
      if (v.health() != HealthStatus.UNHEALTHY || !failed(v.lastCheck())) {
        continue; // healthy, never checked, or recovering (its last probe succeeded)
      }
      Backend b = v.backend();
      int trafficPort = e.trafficPort(b);
      int checkPort = e.checkPort(b);
      Map<String, String> evidence = new LinkedHashMap<>();
      evidence.put("lastCheck", v.lastCheck());
      evidence.put("check", PoolFindings.describeCheck(check) + " on port " + checkPort);
      // A UDP listener's traffic port takes no TCP connection: a connect would say nothing about it.
      boolean udp = e.settings() != null && e.settings().frontendProtocol() == Protocol.UDP;
      Boolean accepts = !udp && probes++ < settings.maxPortProbes ? accepts(b.host(), trafficPort) : null;
      if (Boolean.TRUE.equals(accepts)) {
        evidence.put("trafficPort", b.host() + ":" + trafficPort + " accepts connections");
        if (check.type() == HealthCheckType.HTTP) {
          evidence.put("hostHeader",
              check.domain() != null ? check.domain() : b.authority() + " (the backend's address)");
        }
        out.add(new Finding(FindingCode.CHECK_FAILS_PORT_OPEN, Severity.ERROR, Diagnostics.subject(b),
            "the backend is unhealthy but its traffic port accepts connections: the health check is likely wrong",
            evidence, likelyFix(check, checkPort, trafficPort, v.lastCheck())));
        continue;
      }
      evidence.put("trafficPort", b.host() + ":" + trafficPort + (udp ? " (UDP: not probed)" : accepts == null
          ? " not probed (diagnostics.maxPortProbes reached)" : " does not accept connections"));
      out.add(new Finding(FindingCode.BACKEND_UNHEALTHY, Severity.WARNING, Diagnostics.subject(b),
          "the backend is unhealthy (" + v.lastCheck() + ") and gets no new traffic", evidence,
          "Start the application on " + b.host() + ":" + trafficPort + " or remove the backend"
              + " (LoadBalancer.removeBackend); if it runs, look for a firewall rule or an overload that stops it"
              + " from accepting."));
    }
  }

  /** Nothing watches the backends: neither active checks nor outlier detection. */
  private static void checksDisabled(Examined e, List<Finding> out) {
    if (e.settings().outlierDetection().enabled() || e.backends().isEmpty()) {
      return;
    }
    Map<String, String> evidence = new LinkedHashMap<>();
    evidence.put("healthCheck", e.check().toString());
    evidence.put("outlierDetection", e.settings().outlierDetection().toString());
    out.add(new Finding(FindingCode.CHECKS_DISABLED, Severity.WARNING, "pool " + e.name(),
        "health checks and outlier detection are off: every backend counts as healthy, and a dead one keeps its"
            + " share of traffic (clients see 502s)",
        evidence, "Enable a health check (HealthCheckPolicy.defaults() or http()), or outlier detection"
            + " (OutlierDetectionPolicy.builder()) if checks must stay off, as for a stress test."));
  }

  /** Whether a probe result is a failure: not empty (never probed), not {@code ok...}, not a normal status. */
  static boolean failed(String lastCheck) {
    return !lastCheck.isEmpty() && !lastCheck.startsWith("ok")
        && !(lastCheck.startsWith("HTTP ") && !lastCheck.contains(" not in "));
  }

  private boolean accepts(String host, int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(host, port), (int) settings.portProbeTimeout.toMillis());
      return true;
    } catch (IOException | IllegalArgumentException e) {
      return false;
    }
  }

  /** Which setting the probe's result points at. */
  private static String likelyFix(HealthCheckPolicy check, int checkPort, int trafficPort, String lastCheck) {
    if (checkPort != trafficPort) {
      return "The check probes port " + checkPort + " while traffic goes to port " + trafficPort
          + ": set HealthCheckPolicy.port to the port the application serves its check on, or remove it"
          + " (backendPort()) to check the traffic port.";
    }
    if (lastCheck.startsWith("HTTP ")) {
      return "The application answers the check with a status outside the normal classes: point"
          + " HealthCheckPolicy.path at a page that exists and answers 2xx (a 404 means a wrong path, a 400 or"
          + " 421 a wrong domain), or add that status class to normalStatuses.";
    }
    if (lastCheck.contains("before HTTP status") || lastCheck.contains("invalid HTTP response")) {
      return "Port " + checkPort + " accepts connections but does not answer HTTP: another service listens there,"
          + " or one that expects TLS; check the backend's port, or use a TCP check if it is not an HTTP service.";
    }
    if (lastCheck.startsWith("timeout")) {
      return "The port accepts connections but the check times out: the check page is slow or the application"
          + " overloaded; use a static page and a responseTimeout the page can meet.";
    }
    return "The check fails with '" + lastCheck + "' while a plain connect succeeds now: compare the check's type,"
        + " path and domain with what the application serves, and look for a firewall rule against the checker.";
  }

  /** A timeout at or above the interval: probes overlap and detection takes timeout x threshold. */
  private static void timeoutNotBelowInterval(Examined e, List<Finding> out) {
    HealthCheckPolicy check = e.check();
    if (check.responseTimeout().compareTo(check.interval()) < 0) {
      return;
    }
    long detectionMillis = check.responseTimeout().toMillis() * check.unhealthyThreshold()
        + check.interval().toMillis() * (check.unhealthyThreshold() - 1);
    Map<String, String> evidence = new LinkedHashMap<>();
    evidence.put("responseTimeout", Checks.format(check.responseTimeout()));
    evidence.put("interval", Checks.format(check.interval()));
    evidence.put("unhealthyThreshold", String.valueOf(check.unhealthyThreshold()));
    evidence.put("hungBackendDetectedAfter", Checks.format(Duration.ofMillis(detectionMillis)));
    out.add(new Finding(FindingCode.CHECK_TIMEOUT_NOT_BELOW_INTERVAL, Severity.INFO,
        "pool " + e.name(),
        "the health check's response timeout is not shorter than its interval: a hung backend is detected only"
            + " after " + Checks.format(Duration.ofMillis(detectionMillis)),
        evidence, "Set HealthCheckPolicy.responseTimeout below the interval (for example 1s against 2s) so a"
            + " backend that stops answering is taken out sooner."));
  }

  /** A check path that runs code (a script suffix or a query string) rather than serving a static page. */
  private static void dynamicPath(Examined e, List<Finding> out) {
    HealthCheckPolicy check = e.check();
    if (check.type() != HealthCheckType.HTTP) {
      return;
    }
    String path = check.path();
    String why = dynamicReason(path);
    if (why == null) {
      return;
    }
    Map<String, String> evidence = new LinkedHashMap<>();
    evidence.put("path", path);
    evidence.put("looksDynamic", why);
    out.add(new Finding(FindingCode.DYNAMIC_CHECK_PATH, Severity.WARNING, "pool " + e.name(),
        "the health check path " + path + " looks dynamic: checks then depend on the script runtime and load it",
        evidence, "Check a simple static page (for example /health.html); to also catch a broken dynamic path,"
            + " turn on outlier detection, which watches real traffic."));
  }

  /** Why {@code path} looks dynamic, or null. */
  static String dynamicReason(String path) {
    int query = path.indexOf('?');
    if (query >= 0) {
      return "query string '" + path.substring(query) + "'";
    }
    int fragment = path.indexOf('#');
    String file = (fragment >= 0 ? path.substring(0, fragment) : path).toLowerCase(Locale.ROOT);
    for (String suffix : DYNAMIC_SUFFIXES) {
      if (file.endsWith(suffix) || file.contains(suffix + "/")) {
        return "script suffix '" + suffix + "'";
      }
    }
    return null;
  }

  /** Probes per minute per backend at or above the threshold, with HTTP checks that write access-log lines. */
  private void probeVolume(Examined e, List<Finding> out) {
    HealthCheckPolicy check = e.check();
    int backendCount = e.backends().size();
    double perBackend = 60_000.0 / check.interval().toMillis();
    if (check.type() != HealthCheckType.HTTP || backendCount == 0 || perBackend < settings.probeVolumeThreshold) {
      return;
    }
    Map<String, String> evidence = new LinkedHashMap<>();
    evidence.put("probesPerMinutePerBackend", format(perBackend));
    evidence.put("probesPerMinuteTotal", format(perBackend * backendCount) + " (" + backendCount + " backends)");
    evidence.put("check", PoolFindings.describeCheck(check) + " every " + Checks.format(check.interval()));
    evidence.put("skipWhenTrafficSucceeds", String.valueOf(check.skipWhenTrafficSucceeds()));
    StringBuilder fix = new StringBuilder("To cut backend log lines: ");
    if (check.method() == HealthCheckMethod.HEAD) {
      fix.append("filter HEAD requests (the checker's User-Agent is lb4j-health-check) out of the access log; ");
    } else {
      fix.append("use method HEAD and filter it out of the access log; ");
    }
    if (!check.skipWhenTrafficSucceeds()) {
      fix.append("skipWhenTrafficSucceeds(true) skips probes of busy backends; ");
    }
    fix.append("a longer interval detects failures later; a TCP check writes no log line but cannot see HTTP errors;"
        + " a separate check site (HealthCheckPolicy.domain) with logging off misses failures of the real site;"
        + " disabling checks leaves a dead backend its share of traffic.");
    out.add(new Finding(FindingCode.PROBE_VOLUME, Severity.INFO, "pool " + e.name(),
        "active checks send " + format(perBackend) + " HTTP requests per minute to each backend, "
            + format(perBackend * backendCount) + " in total, each a line in the backend's access log",
        evidence, fix.toString()));
  }

  private static String format(double perMinute) {
    return perMinute == Math.rint(perMinute) ? String.valueOf((long) perMinute)
        : String.format(Locale.ROOT, "%.1f", perMinute);
  }
}
