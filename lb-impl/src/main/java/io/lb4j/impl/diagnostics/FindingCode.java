package io.lb4j.impl.diagnostics;

/**
 * The stable codes of the findings {@link Diagnostics} reports. A code never changes meaning once
 * released, so tooling may match on {@link #id()}; the summary, evidence and fix texts may change.
 *
 * @since 0.1.0
 */
public enum FindingCode {
  /** No listener serves the pool: clients cannot connect. */
  NO_LISTENER("no-listener"),
  /** A listener of the pool is not running: clients cannot connect to it. */
  LISTENER_NOT_RUNNING("listener-not-running"),
  /** A backend's address is the listener's own: requests would loop back into the listener. */
  BACKEND_IS_LISTENER("backend-is-listener"),
  /** The listener detected requests that looped through it (508 answers counted). */
  LOOP_DETECTED("loop-detected"),
  /** Reverse-path filtering is on for a Layer-4 pool: replies may be dropped although checks pass. */
  RP_FILTER("rp-filter"),
  /** No backend can take new traffic: every request gets "no backend" (a gateway's 502). */
  NO_ELIGIBLE_BACKEND("no-eligible-backend"),
  /** The pool's backend source (DNS, ZooKeeper, a file) fails or has not delivered a list yet. */
  SOURCE_FAILING("source-failing"),
  /** The listener answered 502 (counted by cause). */
  BAD_GATEWAY("bad-gateway"),
  /** A backend passes its active check while real traffic to it fails: the check is too shallow. */
  SHALLOW_HEALTH_CHECK("shallow-health-check"),
  /** Backend response times approach the request timeout, or requests timed out (504 answers). */
  SLOW_BACKEND("slow-backend"),
  /** Requests were refused for oversized headers (431 answers). */
  HEADERS_TOO_LARGE("headers-too-large"),
  /** Requests were refused as malformed (400 answers). */
  MALFORMED_REQUESTS("malformed-requests"),
  /** Health checks and outlier detection are both off: a dead backend keeps its share of traffic. */
  CHECKS_DISABLED("checks-disabled"),
  /** A backend failed its active checks and its traffic port does not accept connections: it is down. */
  BACKEND_UNHEALTHY("backend-unhealthy"),
  /** A backend is unhealthy while its traffic port accepts connections: the check is likely misconfigured. */
  CHECK_FAILS_PORT_OPEN("check-fails-port-open"),
  /** The health check's response timeout is not shorter than its interval. */
  CHECK_TIMEOUT_NOT_BELOW_INTERVAL("check-timeout-not-below-interval"),
  /** The HTTP check path looks dynamic (a script or a query string) rather than a static page. */
  DYNAMIC_CHECK_PATH("dynamic-check-path"),
  /** A backend changed health more often than allowed within the flapping window. */
  FLAPPING("flapping"),
  /** Active checks put many requests, and log lines, on the backends. */
  PROBE_VOLUME("probe-volume"),
  /** The kernel's accept queues overflowed since the last examination (ListenOverflows, ListenDrops grew). */
  ACCEPT_QUEUE_OVERFLOW("accept-queue-overflow"),
  /** A listener asks for a larger accept backlog than net.core.somaxconn allows. */
  BACKLOG_ABOVE_SOMAXCONN("backlog-above-somaxconn"),
  /** Many local sockets towards one backend sit in TIME_WAIT: client ports may run out. */
  TIME_WAIT_PILE_UP("time-wait-pile-up"),
  /** Session persistence is on and one backend takes far more than its weighted share. */
  PERSISTENCE_SKEW("persistence-skew"),
  /** A source of evidence (for example /proc) could not be read, so some findings could not be looked for. */
  SOURCE_UNAVAILABLE("source-unavailable");

  private final String id;

  FindingCode(String id) {
    this.id = id;
  }

  /** The code as reports print it, for example {@code no-eligible-backend}. */
  public String id() {
    return id;
  }
}
