package io.lb4j.impl.diagnostics;

import io.lb4j.api.PeakBandwidth;
import io.lb4j.api.internal.Checks;
import io.lb4j.api.routing.ForwardingRule;
import io.lb4j.impl.listener.BandwidthMetrics;
import io.lb4j.impl.listener.BandwidthMetrics.Direction;
import io.lb4j.impl.listener.RoutingMetrics;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The findings of a listener's routing and peak bandwidth, read from its {@link ListenerSnapshot}: a rule that
 * never matches while others do, a group without an eligible backend that still gets requests, a standby in
 * use, a bandwidth cap reached. A group's findings go in the report of the group's own pool; the listener's
 * (rules, bandwidth) in the report of its first routed group, so a gateway that examines every group's pool
 * reports each once. Keeps what it saw per listener to judge growth and idle time; thread-safe.
 */
final class RoutingFindings {

  private final Diagnostics settings;
  /** Per listener (name and address): what the previous examination saw; guarded by itself. */
  private final Map<String, Seen> seen = new HashMap<>();

  /** What one listener showed. */
  private static final class Seen {
    /** Per rule: when it last matched (or was first seen), its count and the others' routed count then. */
    final Map<ForwardingRule, long[]> rules = new HashMap<>();
    final Map<ForwardingRule, Instant> ruleSince = new HashMap<>();
    /** Requests routed to each group, by group name. */
    final Map<String, Long> groupRequests = new HashMap<>();
    long[] throttledNanos;
    long bytesIn = -1;
    long bytesOut;
    Instant at;
  }

  RoutingFindings(Diagnostics settings) {
    this.settings = settings;
  }

  void examine(Examined e, List<ListenerSnapshot> listeners, List<Finding> out) {
    for (ListenerSnapshot l : listeners) {
      if (!l.running()) {
        continue;
      }
      Seen s;
      synchronized (seen) {
        s = seen.computeIfAbsent(l.name() + " " + l.bindAddress() + ":" + l.port(), k -> new Seen());
      }
      synchronized (s) {
        examine(e, l, s, out);
      }
    }
  }

  private void examine(Examined e, ListenerSnapshot l, Seen s, List<Finding> out) {
    RoutingMetrics m = l.routing();
    boolean first = m == null || m.groups().isEmpty() || m.groups().get(0).pool().equals(e.name());
    if (m != null) {
      for (RoutingMetrics.GroupState g : m.groups()) {
        if (g.pool().equals(e.name())) {
          group(l, m, g, s, out);
        }
      }
      if (first) {
        rules(l, m, s, e.now(), out);
      }
    }
    if (first && l.bandwidth() != null) {
      bandwidth(l, s, e.now(), out);
    }
  }

  private static String listener(ListenerSnapshot l) {
    return "listener " + l.name() + " (" + l.bindAddress() + ":" + l.port() + ")";
  }

  /** Requests routed to {@code group}: by the rules naming it, and as the default. */
  private static long requestsTo(RoutingMetrics m, String group) {
    long n = group.equals(m.defaultGroup()) ? m.defaultRequests() : 0;
    for (RoutingMetrics.RuleCount r : m.rules()) {
      if (r.rule().group().equals(group)) {
        n += r.requests();
      }
    }
    return n;
  }

  private void group(ListenerSnapshot l, RoutingMetrics m, RoutingMetrics.GroupState g, Seen s, List<Finding> out) {
    long requests = requestsTo(m, g.name());
    Long before = s.groupRequests.put(g.name(), requests);
    long grown = before == null || requests < before ? requests : requests - before;
    String subject = "group " + g.name() + " of " + listener(l);
    if (g.eligible() == 0 && grown > 0) {
      Map<String, String> evidence = new LinkedHashMap<>();
      evidence.put("requests", grown + (before == null ? " since the listener started" : " since the last examination"));
      evidence.put("backends", String.valueOf(g.backends()));
      evidence.put("activePriority", String.valueOf(g.activePriority()));
      evidence.put("standby", g.standby() == null ? "none" : g.standby());
      out.add(new Finding(FindingCode.GROUP_NO_ELIGIBLE_BACKEND, Severity.ERROR, subject,
          "the group has no eligible backend" + (g.standby() == null ? "" : ", its standby's included")
              + " while its rules still send it requests: each gets 502",
          evidence, "Bring a backend of the group back (see its backends' findings), give it a standby group ("
              + settings.fixes.say("ServerGroup.Builder.standby", "the group's standby key") + "), or route its"
              + " rules elsewhere."));
    }
    if (g.standbyActive()) {
      Map<String, String> evidence = new LinkedHashMap<>();
      evidence.put("standby", g.standby() == null ? "unknown" : g.standby());
      evidence.put("activePriority", String.valueOf(g.activePriority()));
      evidence.put("eligibleOnStandby", String.valueOf(g.eligible()));
      out.add(new Finding(FindingCode.STANDBY_IN_USE, Severity.WARNING, subject,
          "the standby group " + evidence.get("standby") + " has the group's traffic: none of the group's own"
              + " backends is eligible", evidence,
          "Bring the group's own backends back (see their findings); the traffic returns to them as soon as one is"
              + " eligible, and sticky clients move back with a new cookie."));
    }
  }

  private void rules(ListenerSnapshot l, RoutingMetrics m, Seen s, Instant now, List<Finding> out) {
    long routed = m.routed();
    List<RoutingMetrics.RuleCount> rules = m.rules();
    s.rules.keySet().retainAll(rules.stream().map(RoutingMetrics.RuleCount::rule).toList());
    s.ruleSince.keySet().retainAll(s.rules.keySet());
    for (int i = 0; i < rules.size(); i++) {
      RoutingMetrics.RuleCount r = rules.get(i);
      long others = routed - r.requests();
      long[] base = s.rules.get(r.rule());
      if (base == null || r.requests() != base[0]) {
        s.rules.put(r.rule(), new long[] {r.requests(), others});
        s.ruleSince.put(r.rule(), now);
        continue; // first seen, or it matched since: the idle clock starts again
      }
      Duration idle = Duration.between(s.ruleSince.get(r.rule()), now);
      long othersSince = others - base[1];
      if (idle.compareTo(settings.ruleIdleTime) >= 0 && othersSince >= settings.ruleIdleRequests) {
        Map<String, String> evidence = new LinkedHashMap<>();
        evidence.put("rule", "#" + (i + 1) + " " + r.rule());
        evidence.put("idleFor", Checks.format(idle));
        evidence.put("otherRequests", String.valueOf(othersSince));
        evidence.put("requestsEver", String.valueOf(r.requests()));
        out.add(new Finding(FindingCode.RULE_NEVER_MATCHES, Severity.WARNING, "rule #" + (i + 1) + " (" + r.rule()
            + ") of " + listener(l), "the rule matched no request for " + Checks.format(idle) + " while the listener"
            + " routed " + othersSince + " others", evidence,
            "Check the rule's host and path prefix against what clients send (the access log shows both; hosts"
                + " compare without case and port, prefixes by whole segments of the normalized path, with case),"
                + " or remove the rule."));
      }
    }
  }

  private void bandwidth(ListenerSnapshot l, Seen s, Instant now, List<Finding> out) {
    BandwidthMetrics b = l.bandwidth();
    PeakBandwidth caps = b.caps();
    long[] throttled = {b.timeThrottled(Direction.UPSTREAM).toNanos(), b.timeThrottled(Direction.DOWNSTREAM).toNanos()};
    long[] before = s.throttledNanos;
    Instant then = s.at;
    long inBefore = s.bytesIn;
    long outBefore = s.bytesOut;
    s.throttledNanos = throttled;
    s.at = now;
    s.bytesIn = l.bytesIn();
    s.bytesOut = l.bytesOut();
    if (caps.isUnlimited()) {
      return;
    }
    long up = before == null ? throttled[0] : Math.max(0, throttled[0] - before[0]);
    long down = before == null ? throttled[1] : Math.max(0, throttled[1] - before[1]);
    if (up + down == 0) {
      return;
    }
    Map<String, String> evidence = new LinkedHashMap<>();
    evidence.put("caps", caps.toString());
    evidence.put("counted", before == null ? "since the listener started" : "since the last examination");
    evidence.put("throttledUpstream", Checks.format(Duration.ofNanos(up)));
    evidence.put("throttledDownstream", Checks.format(Duration.ofNanos(down)));
    String rate = "";
    if (then != null && inBefore >= 0 && now.isAfter(then)) {
      double seconds = Duration.between(then, now).toNanos() / 1e9;
      String upRate = mbps((l.bytesIn() - inBefore) / seconds);
      String downRate = mbps((l.bytesOut() - outBefore) / seconds);
      evidence.put("rateUpstream", upRate);
      evidence.put("rateDownstream", downRate);
      rate = " (" + upRate + " up, " + downRate + " down since the last examination)";
    }
    out.add(new Finding(FindingCode.BANDWIDTH_CAP_REACHED, Severity.INFO, listener(l),
        "the peak bandwidth (" + caps + ") held traffic back" + rate, evidence,
        "Nothing to fix if the cap is meant to hold; raise " + settings.fixes.say("Listener.peakBandwidth",
            "the listener's peakBandwidth") + " (applied on reload without dropping connections) if clients need more."));
  }

  /** Bytes per second as megabits per second, for example {@code 49.8Mbit/s}. */
  private static String mbps(double bytesPerSecond) {
    return String.format(Locale.ROOT, "%.1fMbit/s", Math.max(0, bytesPerSecond) * 8 / 1_000_000);
  }
}
