package io.lb4j.impl.diagnostics;

import io.lb4j.api.Backend;
import io.lb4j.api.Listener;
import io.lb4j.api.internal.Checks;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The findings read from the pool's listeners ({@link ListenerSnapshot}): none configured or running,
 * a backend that is the listener itself, loops, 502s, slow backends and 504s, oversized headers (431)
 * and malformed requests (400). Keeps each listener's previous counts, to judge their growth; thread-safe.
 */
final class ListenerFindings {

  private final Diagnostics settings;
  /** Each listener's counts at the previous examination, by name and address; guarded by itself. */
  private final Map<String, Counts> previous = new HashMap<>();

  ListenerFindings(Diagnostics settings) {
    this.settings = settings;
  }

  void examine(Examined e, List<ListenerSnapshot> listeners, List<Finding> out) {
    Listener config = e.listener();
    if (listeners.isEmpty()) {
      Map<String, String> evidence = new LinkedHashMap<>();
      evidence.put("pool", config != null ? config.toString() : e.settings().toString());
      out.add(new Finding(FindingCode.NO_LISTENER, Severity.ERROR, "pool " + e.name(),
          "no listener serves the pool: clients cannot connect", evidence,
          "Start a listener for the pool" + (config != null ? " (a listener with frontend port "
              + config.frontendPort() + ")" : "") + "; a client-side pool needs none: examine it with "
              + "Diagnostics.examine(pool)."));
      return;
    }
    for (ListenerSnapshot l : listeners) {
      String subject = "listener " + l.name() + " (" + l.bindAddress() + ":" + l.port() + ")";
      if (!l.running()) {
        Map<String, String> evidence = new LinkedHashMap<>();
        evidence.put("address", l.bindAddress() + ":" + l.port());
        evidence.put("protocol", l.protocol().toString());
        out.add(new Finding(FindingCode.LISTENER_NOT_RUNNING, Severity.ERROR, subject,
            "the listener is not running: clients connecting to " + l.bindAddress() + ":" + l.port() + " fail",
            evidence, "Start the listener; if it stopped on its own, its log names the bind address and cause"
                + " (a port in use, a missing permission)."));
        continue;
      }
      selfAsBackend(l, e, out);
      counted(l, subject, out);
    }
  }

  /** A backend whose address and port are the listener's own: each request would come back to it. */
  private static void selfAsBackend(ListenerSnapshot l, Examined examined, List<Finding> out) {
    InetAddress bind;
    try {
      bind = InetAddress.getByName(l.bindAddress());
    } catch (UnknownHostException e) {
      return;
    }
    for (Map.Entry<Backend, InetAddress> e : examined.addresses().entrySet()) {
      Backend b = e.getKey();
      int port = examined.trafficPort(b);
      if (port != l.port() || !(bind.equals(e.getValue()) || (bind.isAnyLocalAddress() && isLocal(e.getValue())))) {
        continue;
      }
      Map<String, String> evidence = new LinkedHashMap<>();
      evidence.put("listener", l.bindAddress() + ":" + l.port());
      evidence.put("backend", e.getValue().getHostAddress() + ":" + port);
      out.add(new Finding(FindingCode.BACKEND_IS_LISTENER, Severity.ERROR, Diagnostics.subject(b),
          "the backend's address is the listener's own: requests sent to it come back to the listener (a loop)",
          evidence, "Remove the backend or correct its address and port: a backend must be the application, never"
              + " the balancer in front of it."));
    }
  }

  private static boolean isLocal(InetAddress address) {
    if (address.isLoopbackAddress() || address.isAnyLocalAddress()) {
      return true;
    }
    try {
      return NetworkInterface.getByInetAddress(address) != null;
    } catch (SocketException e) {
      return false;
    }
  }

  /**
   * A listener's answer counts: totals as the snapshot gives them, or their growth since the previous
   * examination of the same listener.
   */
  private record Counts(long badRequests, long headersTooLarge, Map<String, Long> badGateway, long gatewayTimeouts,
      long loopsDetected) {

    static Counts of(ListenerSnapshot l) {
      return new Counts(l.badRequests(), l.headersTooLarge(), l.badGatewayByCause(), l.gatewayTimeouts(),
          l.loopsDetected());
    }

    /** The growth from {@code before}; a count that fell (the listener restarted) counts from 0. */
    Counts since(Counts before) {
      Map<String, Long> grown = new LinkedHashMap<>();
      badGateway.forEach((cause, n) -> grown.put(cause, grownBy(n, before.badGateway.getOrDefault(cause, 0L))));
      return new Counts(grownBy(badRequests, before.badRequests), grownBy(headersTooLarge, before.headersTooLarge),
          grown, grownBy(gatewayTimeouts, before.gatewayTimeouts), grownBy(loopsDetected, before.loopsDetected));
    }

    private static long grownBy(long now, long before) {
      return now >= before ? now - before : now;
    }
  }

  /**
   * The counts to judge: the totals at the first examination of a listener, then the growth since the
   * previous one, so that a periodic check sees a cause clear once its count stops growing.
   */
  private Counts countsToJudge(ListenerSnapshot l, Map<String, String> window) {
    Counts now = Counts.of(l);
    Counts before;
    synchronized (previous) {
      before = previous.put(l.name() + " " + l.bindAddress() + ":" + l.port(), now);
    }
    window.put("counted", before == null ? "since the listener started" : "since the last examination");
    return before == null ? now : now.since(before);
  }

  /** The findings of the listener's counters. */
  private void counted(ListenerSnapshot l, String subject, List<Finding> out) {
    Map<String, String> window = new LinkedHashMap<>();
    Counts c = countsToJudge(l, window);
    if (c.loopsDetected() > 0) {
      Map<String, String> evidence = new LinkedHashMap<>(window);
      evidence.put("answered508", String.valueOf(c.loopsDetected()));
      out.add(new Finding(FindingCode.LOOP_DETECTED, Severity.ERROR, subject,
          c.loopsDetected() + " requests came back through this listener and were answered 508 (loop detected)",
          evidence, "A backend sends requests to the balancer's own address (for example through its public name):"
              + " make backends call each other directly, never through the listener that fronts them."));
    }
    long badGateway = c.badGateway().values().stream().mapToLong(Long::longValue).sum();
    if (badGateway > 0) {
      Map<String, String> evidence = new LinkedHashMap<>(window);
      c.badGateway().forEach((cause, n) -> evidence.put("502 " + cause, String.valueOf(n)));
      out.add(new Finding(FindingCode.BAD_GATEWAY, Severity.WARNING, subject,
          badGateway + " requests were answered 502", evidence,
          "Follow the causes: 'no backend' goes with no-eligible-backend; connect failures and resets mean the"
              + " backend application is down, overloaded or closing connections; see the other findings."));
    }
    if (!l.protocol().isLayer7()) {
      return; // the rest are HTTP answers
    }
    Duration timeout = l.requestTimeout();
    long slowNanos = timeout.toNanos() / 100 * settings.slowResponsePercent;
    boolean slow = l.responseTimeP99().toNanos() > slowNanos;
    if (slow || c.gatewayTimeouts() > 0) {
      Map<String, String> evidence = new LinkedHashMap<>(window);
      evidence.put("responseTimeP99", l.responseTimeP99().isZero() ? "unknown" : Checks.format(l.responseTimeP99()));
      evidence.put("requestTimeout", Checks.format(timeout));
      evidence.put("threshold", settings.slowResponsePercent + "% of the request timeout");
      evidence.put("answered504", String.valueOf(c.gatewayTimeouts()));
      out.add(new Finding(FindingCode.SLOW_BACKEND, c.gatewayTimeouts() > 0 ? Severity.ERROR : Severity.WARNING,
          subject, (slow ? "backend response times approach the request timeout (p99 "
              + Checks.format(l.responseTimeP99()) + " of " + Checks.format(timeout) + ")" : "backends answer late")
              + (c.gatewayTimeouts() > 0 ? "; " + c.gatewayTimeouts() + " requests timed out (504)" : ""),
          evidence, "Find what makes the backends slow (a saturated worker pool, a slow dependency) and add"
              + " backends if they are at capacity; raise " + settings.fixes.say("listener.requestTimeout", "the listener's requestTimeout") + " (up to 180s) only for requests"
              + " that are slow by design."));
    }
    if (c.headersTooLarge() > 0) {
      Map<String, String> evidence = new LinkedHashMap<>(window);
      evidence.put("answered431", String.valueOf(c.headersTooLarge()));
      evidence.put("maxRequestHeaderSize", l.maxRequestHeaderSize() + " bytes");
      out.add(new Finding(FindingCode.HEADERS_TOO_LARGE, Severity.WARNING, subject,
          c.headersTooLarge() + " requests were refused because their headers exceeded " + l.maxRequestHeaderSize()
              + " bytes (431)",
          evidence, "Send less in headers (large or many cookies are the usual cause), raise"
              + " " + settings.fixes.say("listener.maxRequestHeaderSize", "the listener's maxRequestHeaderSize")
              + " (up to 1048576), or use a Layer-4 listener, which reads no headers."));
    }
    if (c.badRequests() > 0) {
      Map<String, String> evidence = new LinkedHashMap<>(window);
      evidence.put("answered400", String.valueOf(c.badRequests()));
      out.add(new Finding(FindingCode.MALFORMED_REQUESTS, Severity.WARNING, subject,
          c.badRequests() + " requests were refused as malformed (400) and their connections closed",
          evidence, "The access log (logger io.lb4j.access) names each client and the flaw; fix the client, or"
              + " look for request-smuggling attempts when the clients are not yours."));
    }
  }
}
