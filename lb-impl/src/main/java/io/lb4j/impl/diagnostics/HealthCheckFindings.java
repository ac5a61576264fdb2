package io.lb4j.impl.diagnostics;

import io.lb4j.api.Backend;
import io.lb4j.api.BackendView;
import io.lb4j.api.Protocol;
import io.lb4j.api.health.HealthCheckMethod;
import io.lb4j.api.health.HealthCheckPolicy;
import io.lb4j.api.health.HealthCheckType;
import io.lb4j.api.health.HealthStatus;
import io.lb4j.api.internal.Checks;
import io.lb4j.impl.SubsetStatus;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Set;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The findings about active health checking: checks off altogether, an unhealthy backend and whether its
 * traffic port accepts connections (found by connecting to it for real: then the check is likely wrong), a
 * response timeout not shorter than the interval, a dynamic-looking check path, and the probe volume.
 *
 * <p>{@link FindingCode#CHECK_FAILS_PORT_OPEN} compares the check with the traffic port, so it is reported
 * only when the comparison holds over time (issue 26: it fired at every backend restart, racing the first
 * probe after the port came back): the backend stays unhealthy with no health change, its check fails with
 * the same result, and its traffic port accepts connections, at two examinations or more spanning at least
 * {@code unhealthyThreshold x interval} (the time the check itself needs to call a backend down). Until then
 * the backend is {@link FindingCode#BACKEND_UNHEALTHY} with a {@code confirming} note. Only results that point
 * at the check itself count: a 4xx status (a wrong path, domain or credentials), an answer that is not HTTP
 * (another service, or TLS), or the check's own port refused while the traffic port accepts. A 5xx or a
 * timeout is the application saying it is not ready (a slow start, an overload): a warning, never this error.
 *
 * <p>Thread-safe: the confirmations in progress are kept per backend under this object's lock.
 */
final class HealthCheckFindings {

  /** The evidence key of a finding whose condition has not yet held long enough (see {@link Report#confirming()}). */
  static final String CONFIRMING = "confirming";

  /** A check-versus-traffic mismatch seen, not yet held long enough. */
  private record Suspect(Instant firstSeen, String lastCheck, int examinations) {}

  private final Map<String, Suspect> suspects = new HashMap<>();

  private static final String[] DYNAMIC_SUFFIXES = {".php", ".jsp", ".asp", ".aspx", ".cgi", ".pl", ".py", ".do",
      ".action"};

  private final Diagnostics settings;

  HealthCheckFindings(Diagnostics settings) {
    this.settings = settings;
  }

  void examine(Examined e, List<Finding> out) {
    if (!e.check().enabled()) {
      checksDisabled(e, out, settings.fixes);
      return;
    }
    unhealthyBackends(e, out);
    timeoutNotBelowInterval(e, out, settings.fixes);
    dynamicPath(e, out);
    probeVolume(e, out);
  }

  /**
   * Each checked, unhealthy backend: its traffic port is probed with a real connect. Accepted means the
   * check, not the application, is likely wrong; refused or silent means the backend is down.
   */
  private synchronized void unhealthyBackends(Examined e, List<Finding> out) {
    HealthCheckPolicy check = e.check();
    Duration needed = check.interval().multipliedBy(check.unhealthyThreshold());
    Set<String> stillSuspected = new HashSet<>();
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
      boolean udp = e.listener() != null && e.listener().frontendProtocol() == Protocol.UDP;
      Boolean accepts = !udp && probes++ < settings.maxPortProbes ? accepts(b.host(), trafficPort) : null;
      if (Boolean.TRUE.equals(accepts)) {
        evidence.put("trafficPort", b.host() + ":" + trafficPort + " accepts connections");
        if (check.type() == HealthCheckType.HTTP) {
          evidence.put("hostHeader",
              check.domain() != null ? check.domain() : b.authority() + " (the backend's address)");
        }
        String key = Diagnostics.subject(b);
        if (!pointsAtTheCheck(v.lastCheck(), checkPort != trafficPort)) {
          out.add(new Finding(FindingCode.BACKEND_UNHEALTHY, Severity.WARNING, key,
              "the backend is unhealthy (" + v.lastCheck() + ") while its traffic port accepts connections: the"
                  + " application is starting, overloaded or failing",
              evidence, settings.fixes.notReady(b, trafficPort)));
          continue;
        }
        Suspect suspect = confirm(e, v, key);
        stillSuspected.add(key);
        Duration held = Duration.between(suspect.firstSeen(), e.now());
        if (suspect.examinations() >= 2 && held.compareTo(needed) >= 0) {
          evidence.put("persisted", seconds(held) + " over " + suspect.examinations()
              + " examinations (needed: " + Checks.format(needed) + ", unhealthyThreshold x interval)");
          out.add(new Finding(FindingCode.CHECK_FAILS_PORT_OPEN, Severity.ERROR, key,
              "the backend is unhealthy but its traffic port accepts connections: the health check is likely wrong",
              evidence, settings.fixes.checkFailsPortOpen(check, checkPort, trafficPort, v.lastCheck())));
        } else {
          evidence.put(CONFIRMING, "the check fails and the traffic port accepts since " + seconds(held)
              + " (" + suspect.examinations() + " examination" + (suspect.examinations() == 1 ? "" : "s")
              + "); check-fails-port-open is reported once this lasts " + Checks.format(needed));
          out.add(new Finding(FindingCode.BACKEND_UNHEALTHY, Severity.WARNING, key,
              "the backend is unhealthy (" + v.lastCheck() + ") while its traffic port accepts connections:"
                  + " starting again, or a wrong check (confirming)",
              evidence, settings.fixes.notReady(b, trafficPort)));
        }
        continue;
      }
      evidence.put("trafficPort", b.host() + ":" + trafficPort + (udp ? " (UDP: not probed)" : accepts == null
          ? " not probed (diagnostics.maxPortProbes reached)" : " does not accept connections"));
      out.add(new Finding(FindingCode.BACKEND_UNHEALTHY, Severity.WARNING, Diagnostics.subject(b),
          "the backend is unhealthy (" + v.lastCheck() + ") and gets no new traffic", evidence,
          settings.fixes.backendDown(b, trafficPort)));
    }
    suspects.keySet().retainAll(stillSuspected);
  }

  /**
   * Records one more examination of a mismatch: a new suspect, or one that held since the last examination
   * (same failed result, no health change of the backend since it was first seen); anything else starts over.
   */
  private Suspect confirm(Examined e, BackendView v, String key) {
    Suspect before = suspects.get(key);
    boolean held = before != null && before.lastCheck().equals(v.lastCheck())
        && e.pool().healthHistory(v.backend().id(), before.firstSeen(), e.now().plusNanos(1)).isEmpty();
    Suspect now = held ? new Suspect(before.firstSeen(), before.lastCheck(), before.examinations() + 1)
        : new Suspect(e.now(), v.lastCheck(), 1);
    suspects.put(key, now);
    return now;
  }

  /** {@code 4.0s}: a measured duration, to a tenth of a second. */
  private static String seconds(Duration d) {
    return String.format(Locale.ROOT, "%.1fs", d.toMillis() / 1000.0);
  }

  /**
   * Whether a failed result, with the traffic port accepting, points at the check rather than the
   * application: a 4xx, an answer that is not HTTP, or the check's own port refused (when it differs).
   */
  static boolean pointsAtTheCheck(String lastCheck, boolean ownCheckPort) {
    if (lastCheck.startsWith("HTTP 4")) {
      return true;
    }
    if (lastCheck.contains("before HTTP status") || lastCheck.contains("invalid HTTP response")) {
      return true;
    }
    return ownCheckPort && (lastCheck.startsWith("connect") || lastCheck.contains("refused"));
  }

  /** Nothing watches the backends: neither active checks nor outlier detection. */
  private static void checksDisabled(Examined e, List<Finding> out, Fixes fixes) {
    if (e.settings().outlierDetection().enabled() || e.backends().isEmpty()) {
      return;
    }
    Map<String, String> evidence = new LinkedHashMap<>();
    evidence.put("healthCheck", e.check().toString());
    evidence.put("outlierDetection", e.settings().outlierDetection().toString());
    out.add(new Finding(FindingCode.CHECKS_DISABLED, Severity.WARNING, "pool " + e.name(),
        "health checks and outlier detection are off: every backend counts as healthy, and a dead one keeps its"
            + " share of traffic (clients see 502s)",
        evidence, fixes.checksDisabled()));
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

  /** A timeout at or above the interval: probes overlap and detection takes timeout x threshold. */
  private static void timeoutNotBelowInterval(Examined e, List<Finding> out, Fixes fixes) {
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
        evidence, "Set " + fixes.say("HealthCheckPolicy.responseTimeout", "healthCheck.timeout") + " below the"
            + " interval (for example 1s against 2s) so a"
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
    SubsetStatus subset = e.subset();
    String fleet = "";
    if (subset != null) {
      evidence.put("subset", subset.subset() + " of " + subset.membership() + " backends, " + subset.policy());
      double clients = subset.clientsPerBackend();
      if (clients >= 0) {
        // Each instance checks its own subset only: a backend is probed by about N x k / M instances, not N.
        evidence.put("fleetProbesPerMinutePerBackend", format(perBackend * clients) + " (about "
            + format(clients) + " of " + subset.policy().clientCount() + " clients check each backend)");
      }
    }
    evidence.put("check", PoolFindings.describeCheck(check) + " every " + Checks.format(check.interval()));
    evidence.put("skipWhenTrafficSucceeds", String.valueOf(check.skipWhenTrafficSucceeds()));
    StringBuilder fix = new StringBuilder("To cut backend log lines: ");
    if (check.method() == HealthCheckMethod.HEAD) {
      fix.append("filter HEAD requests (the checker's User-Agent is lb4j-health-check) out of the access log; ");
    } else {
      fix.append("use method HEAD and filter it out of the access log; ");
    }
    if (!check.skipWhenTrafficSucceeds()) {
      fix.append(settings.fixes.say("skipWhenTrafficSucceeds(true)", "healthCheck.skipWhenTrafficSucceeds: true"))
          .append(" skips probes of busy backends; ");
    }
    if (subset == null) {
      fix.append("when many instances of this pool share these backends, each backend gets this from every"
          + " instance: " + settings.fixes.say("deterministic subsetting (PoolSettings.subset)", "subset (the"
          + " listener's subset section)") + " has each instance check only its subset, so a backend is probed by"
          + " about instances x subsetSize / backends of them; ");
    }
    fix.append("a longer interval detects failures later; a TCP check writes no log line but cannot see HTTP errors;"
        + " a separate check site (" + settings.fixes.say("HealthCheckPolicy.domain", "healthCheck.domain")
        + ") with logging off misses failures of the real site;"
        + " disabling checks leaves a dead backend its share of traffic.");
    String scope = subset == null ? "each backend" : "each backend of this instance's subset (" + backendCount
        + " of " + subset.membership() + ")";
    out.add(new Finding(FindingCode.PROBE_VOLUME, Severity.INFO, "pool " + e.name(),
        "active checks send " + format(perBackend) + " HTTP requests per minute to " + scope + ", "
            + format(perBackend * backendCount) + " in total, each a line in the backend's access log",
        evidence, fix.toString()));
  }

  private static String format(double perMinute) {
    return perMinute == Math.rint(perMinute) ? String.valueOf((long) perMinute)
        : String.format(Locale.ROOT, "%.1f", perMinute);
  }
}
