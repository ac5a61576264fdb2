package io.lb4j.impl.diagnostics;

import io.lb4j.api.Backend;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The findings read from the host's {@code /proc} (Linux): reverse-path filtering, accept-queue
 * overflows, the accept backlog against {@code net.core.somaxconn}, and TIME_WAIT sockets towards
 * backends. A file that cannot be read yields a {@link FindingCode#SOURCE_UNAVAILABLE} finding, never an
 * exception.
 *
 * <p>Keeps the last accept-queue counters to report growth between examinations; thread-safe.
 */
final class HostFindings {

  private static final String ESTABLISHED = "01";
  private static final String TIME_WAIT = "06";

  private final ProcFs proc;
  private final int timeWaitThreshold;
  /** ListenOverflows and ListenDrops as the previous examination read them; guarded by {@code this}. */
  private long[] lastListenCounters;

  HostFindings(ProcFs proc, int timeWaitThreshold) {
    this.proc = proc;
    this.timeWaitThreshold = timeWaitThreshold;
  }

  void examine(Examined e, List<ListenerSnapshot> listeners, List<Finding> out) {
    if (!proc.present()) {
      out.add(unavailable(proc.root().toString(), "host checks (rp_filter, accept queues, somaxconn, TIME_WAIT)"
          + " skipped: " + proc.root() + " does not exist"));
      return;
    }
    if (e.servesListener() && !e.listener().frontendProtocol().isLayer7()) {
      rpFilter(e.addresses(), out);
    }
    acceptQueues(out);
    backlogs(listeners, out);
    timeWait(e, out);
  }

  /** Layer 4: rp_filter must be 0 on all, default and each interface that reaches a backend. */
  private void rpFilter(Map<Backend, InetAddress> addresses, List<Finding> out) {
    Set<String> interfaces = new TreeSet<>();
    interfaces.add("all");
    interfaces.add("default");
    List<String> routes = proc.lines("net/route");
    for (InetAddress address : addresses.values()) {
      String iface = interfaceFor(address, routes);
      if (iface != null) {
        interfaces.add(iface);
      }
    }
    Map<String, String> evidence = new LinkedHashMap<>();
    StringBuilder lines = new StringBuilder();
    for (String iface : interfaces) {
      String file = "sys/net/ipv4/conf/" + iface + "/rp_filter";
      long[] value = proc.longs(file);
      if (value == null) {
        out.add(unavailable(proc.path(file).toString(), "rp_filter of interface " + iface + " could not be read"));
      } else if (value[0] != 0) {
        evidence.put("net.ipv4.conf." + iface + ".rp_filter", String.valueOf(value[0]));
        lines.append(lines.length() == 0 ? "" : "; ").append("net.ipv4.conf.").append(iface).append(".rp_filter = 0");
      }
    }
    if (!evidence.isEmpty()) {
      evidence.put("checked", "this host's interfaces all, default and those routing to the backends " + interfaces);
      out.add(new Finding(FindingCode.RP_FILTER, Severity.WARNING, "host",
          "reverse-path filtering is on for a Layer-4 pool: connections may fail although health checks pass",
          evidence, "Add to /etc/sysctl.conf and run 'sysctl -p': " + lines
              + ". Backends on other machines need the same setting."));
    }
  }

  /**
   * The interface that routes to {@code address}: {@code lo} for loopback, else the longest-prefix match
   * of {@code net/route}; null for IPv6 or when unknown.
   */
  static String interfaceFor(InetAddress address, List<String> routes) {
    if (!(address instanceof Inet4Address)) {
      return null;
    }
    if (address.isLoopbackAddress()) {
      return "lo";
    }
    if (routes == null) {
      return null;
    }
    byte[] b = address.getAddress();
    int ip = ((b[0] & 0xff) << 24) | ((b[1] & 0xff) << 16) | ((b[2] & 0xff) << 8) | (b[3] & 0xff);
    String best = null;
    int bestLength = -1;
    for (String line : routes) {
      String[] f = line.trim().split("\\s+");
      if (f.length < 8 || f[0].equals("Iface")) {
        continue;
      }
      InetAddress destination = ProcFs.decodeAddress(f[1]);
      InetAddress mask = ProcFs.decodeAddress(f[7]);
      if (destination == null || mask == null) {
        continue;
      }
      int d = toInt(destination);
      int m = toInt(mask);
      int length = Integer.bitCount(m);
      if ((ip & m) == d && length > bestLength) {
        best = f[0];
        bestLength = length;
      }
    }
    return best;
  }

  private static int toInt(InetAddress a) {
    byte[] b = a.getAddress();
    return ((b[0] & 0xff) << 24) | ((b[1] & 0xff) << 16) | ((b[2] & 0xff) << 8) | (b[3] & 0xff);
  }

  /** ListenOverflows and ListenDrops grew since the previous examination: accept queues were full. */
  private void acceptQueues(List<Finding> out) {
    Map<String, Long> counters = proc.tcpExt();
    if (counters == null || !counters.containsKey("ListenOverflows") || !counters.containsKey("ListenDrops")) {
      out.add(unavailable(proc.path("net/netstat").toString(), "accept-queue counters could not be read"));
      return;
    }
    long[] now = {counters.get("ListenOverflows"), counters.get("ListenDrops")};
    long[] before;
    synchronized (this) {
      before = lastListenCounters;
      lastListenCounters = now;
    }
    if (before == null || (now[0] <= before[0] && now[1] <= before[1])) {
      return; // the first look is the baseline: only growth says queues overflow now
    }
    Map<String, String> evidence = new LinkedHashMap<>();
    evidence.put("ListenOverflows", before[0] + " -> " + now[0]);
    evidence.put("ListenDrops", before[1] + " -> " + now[1]);
    long[] somaxconn = proc.longs("sys/net/core/somaxconn");
    if (somaxconn != null) {
      evidence.put("net.core.somaxconn", String.valueOf(somaxconn[0]));
    }
    out.add(new Finding(FindingCode.ACCEPT_QUEUE_OVERFLOW, Severity.WARNING, "host",
        "accept queues overflowed since the last examination: the kernel dropped connection attempts and clients"
            + " time out on connect",
        evidence, "Raise net.core.somaxconn (sysctl -w net.core.somaxconn=4096) and the listener's acceptBacklog,"
            + " then restart the listener; if the application accepts too slowly, add backends."));
  }

  /** A listener's backlog above net.core.somaxconn is silently capped by the kernel. */
  private void backlogs(List<ListenerSnapshot> listeners, List<Finding> out) {
    if (listeners.isEmpty()) {
      return;
    }
    long[] somaxconn = proc.longs("sys/net/core/somaxconn");
    if (somaxconn == null) {
      out.add(unavailable(proc.path("sys/net/core/somaxconn").toString(), "net.core.somaxconn could not be read"));
      return;
    }
    for (ListenerSnapshot l : listeners) {
      if (l.acceptBacklog() > somaxconn[0]) {
        Map<String, String> evidence = new LinkedHashMap<>();
        evidence.put("acceptBacklog", String.valueOf(l.acceptBacklog()));
        evidence.put("net.core.somaxconn", String.valueOf(somaxconn[0]));
        out.add(new Finding(FindingCode.BACKLOG_ABOVE_SOMAXCONN, Severity.WARNING, "listener " + l.name(),
            "the accept backlog " + l.acceptBacklog() + " is capped by net.core.somaxconn at " + somaxconn[0],
            evidence, "Run 'sysctl -w net.core.somaxconn=" + l.acceptBacklog() + "' (and persist it in"
                + " /etc/sysctl.conf), then restart the listener; or lower listener.acceptBacklog."));
      }
    }
  }

  /** Local sockets in TIME_WAIT towards each backend's traffic port, from net/tcp and net/tcp6. */
  private void timeWait(Examined examined, List<Finding> out) {
    List<String> v4 = proc.lines("net/tcp");
    List<String> v6 = proc.lines("net/tcp6");
    if (v4 == null && v6 == null) {
      out.add(unavailable(proc.path("net/tcp").toString(), "TCP socket tables (net/tcp, net/tcp6) could not be read"));
      return;
    }
    Map<String, Integer> timeWait = new HashMap<>();
    Map<String, Integer> established = new HashMap<>();
    count(v4, TIME_WAIT, timeWait);
    count(v6, TIME_WAIT, timeWait);
    count(v4, ESTABLISHED, established);
    count(v6, ESTABLISHED, established);
    long[] range = proc.longs("sys/net/ipv4/ip_local_port_range");
    long[] reuse = proc.longs("sys/net/ipv4/tcp_tw_reuse");
    for (Map.Entry<Backend, InetAddress> e : examined.addresses().entrySet()) {
      Backend b = e.getKey();
      int port = examined.trafficPort(b);
      String key = e.getValue().getHostAddress() + " " + port;
      int n = timeWait.getOrDefault(key, 0);
      if (n < timeWaitThreshold) {
        continue;
      }
      Map<String, String> evidence = new LinkedHashMap<>();
      evidence.put("timeWaitSockets", String.valueOf(n));
      evidence.put("threshold", String.valueOf(timeWaitThreshold));
      evidence.put("backend", e.getValue().getHostAddress() + ":" + port);
      int open = established.getOrDefault(key, 0);
      // A pool keeps a few connections open for long; one connection per request leaves closed ones behind.
      evidence.put("establishedSockets", open + (open * 10 < n ? " (connections look unpooled: " + n
          + " closed recently for " + open + " open)" : ""));
      if (range != null && range.length == 2) {
        evidence.put("net.ipv4.ip_local_port_range", range[0] + " " + range[1] + " ("
            + (range[1] - range[0] + 1) + " ports)");
      }
      if (reuse != null) {
        evidence.put("net.ipv4.tcp_tw_reuse", String.valueOf(reuse[0]));
      }
      out.add(new Finding(FindingCode.TIME_WAIT_PILE_UP, Severity.WARNING, Diagnostics.subject(b),
          n + " local sockets towards the backend are in TIME_WAIT: client ports may run out and connects fail",
          evidence, "Reuse backend connections instead of opening one per request (keep-alive; a Layer-7"
              + " listener pools them), or close with SO_LINGER 0 so no TIME_WAIT is left; widen"
              + " net.ipv4.ip_local_port_range."));
    }
  }

  /**
   * Adds the sockets in {@code state} of one table to {@code counts}, keyed by remote address and port. The
   * table can be long in the very pile-up it looks for, so its lines are scanned by hand and counted by their
   * raw remote field first; each distinct field is decoded once. (A regex split of every line into its 17
   * fields, and an address decoded per line, were 2.3% of a gateway's CPU with 30,000 TIME_WAIT sockets.)
   */
  private static void count(List<String> table, String state, Map<String, Integer> counts) {
    if (table == null) {
      return;
    }
    Map<String, Integer> byField = new HashMap<>();
    for (String line : table) {
      // Fields: sl, local_address, rem_address, st, ...
      int remote = fieldStart(line, 0, 2);
      int remoteEnd = fieldEnd(line, remote);
      int st = fieldStart(line, remoteEnd, 0);
      if (st < 0 || fieldEnd(line, st) - st != state.length() || !line.startsWith(state, st)) {
        continue;
      }
      byField.merge(line.substring(remote, remoteEnd), 1, Integer::sum);
    }
    byField.forEach((field, n) -> {
      int colon = field.indexOf(':');
      InetAddress address = colon < 0 ? null : ProcFs.decodeAddress(field.substring(0, colon));
      if (address == null) {
        return;
      }
      try {
        counts.merge(address.getHostAddress() + " " + Integer.parseInt(field.substring(colon + 1), 16), n,
            Integer::sum);
      } catch (NumberFormatException ignored) {
        // not a socket line
      }
    });
  }

  /**
   * The start of a whitespace-separated field: whitespace from {@code from} is skipped, then {@code skip} whole
   * fields (from 0: field {@code skip}; from a field's end: the field {@code skip} after the next). -1 when the
   * line has no such field or {@code from} is -1.
   */
  static int fieldStart(String line, int from, int skip) {
    if (from < 0) {
      return -1;
    }
    int i = from;
    int n = line.length();
    while (i < n && line.charAt(i) <= ' ') {
      i++;
    }
    for (int f = 0; f < skip; f++) {
      while (i < n && line.charAt(i) > ' ') {
        i++;
      }
      while (i < n && line.charAt(i) <= ' ') {
        i++;
      }
    }
    return i < n ? i : -1;
  }

  /** The end (exclusive) of the field starting at {@code start}; -1 for -1. */
  static int fieldEnd(String line, int start) {
    if (start < 0) {
      return -1;
    }
    int i = start;
    while (i < line.length() && line.charAt(i) > ' ') {
      i++;
    }
    return i;
  }

  /** The finding that says a source could not be read; its subject is the source, so each is its own problem. */
  static Finding unavailable(String source, String summary) {
    Map<String, String> evidence = new LinkedHashMap<>();
    evidence.put("source", source);
    evidence.put("os.name", System.getProperty("os.name", "unknown"));
    return new Finding(FindingCode.SOURCE_UNAVAILABLE, Severity.INFO, "host " + source, summary, evidence,
        "Nothing to fix in lb4j: run the examination on Linux with /proc readable to look for these causes.");
  }
}
