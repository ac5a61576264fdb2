package io.lb4j.impl.diagnostics;

/**
 * The stable codes of the findings {@link Diagnostics} reports. Each code's documentation says how long its
 * condition must hold before it is reported: a setting or a state seen at one examination, a count that grew
 * since the last examination, or (for the findings that compare a health check with traffic) a condition that
 * persisted over several examinations. A code never changes meaning once
 * released, so tooling may match on {@link #id()}; the summary, evidence and fix texts may change.
 *
 * @since 0.1.0
 */
public enum FindingCode {
  /** No listener serves the pool: clients cannot connect. Seen at one examination. */
  NO_LISTENER("no-listener"),
  /** A listener of the pool is not running: clients cannot connect to it. Seen at one examination. */
  LISTENER_NOT_RUNNING("listener-not-running"),
  /** A backend's address is the listener's own: requests would loop back into the listener. A setting: one examination. */
  BACKEND_IS_LISTENER("backend-is-listener"),
  /** The listener detected requests that looped through it: 508s counted since the last examination (the first: since the listener started). */
  LOOP_DETECTED("loop-detected"),
  /** Reverse-path filtering is on for a Layer-4 pool: replies may be dropped although checks pass. A host setting: one examination. */
  RP_FILTER("rp-filter"),
  /**
   * No backend can take new traffic: every request gets "no backend" (a gateway's 502). Seen at one examination;
   * each backend was called down by its own {@code unhealthyThreshold} failed probes first.
   */
  NO_ELIGIBLE_BACKEND("no-eligible-backend"),
  /** The pool's backend source (DNS, ZooKeeper, a file) fails or has not delivered a list yet: its state at one examination. */
  SOURCE_FAILING("source-failing"),
  /** The listener answered 502 (counted by cause) since the last examination (the first: since it started). */
  BAD_GATEWAY("bad-gateway"),
  /**
   * A backend passes its active check while real traffic to it fails: the check is too shallow. Needs two
   * ejections within the flapping window (10 minutes by default) and no failed active check in it; one
   * ejection, as a restart causes, is not enough.
   */
  SHALLOW_HEALTH_CHECK("shallow-health-check"),
  /** Backend response times approach the request timeout (the p99 at the examination), or requests timed out (504s since the last examination). */
  SLOW_BACKEND("slow-backend"),
  /** Requests were refused for oversized headers: 431s since the last examination. */
  HEADERS_TOO_LARGE("headers-too-large"),
  /** Requests were refused as malformed: 400s since the last examination. */
  MALFORMED_REQUESTS("malformed-requests"),
  /** Health checks and outlier detection are both off: a dead backend keeps its share of traffic. A setting: one examination. */
  CHECKS_DISABLED("checks-disabled"),
  /**
   * A backend is unhealthy (its check failed {@code unhealthyThreshold} times in a row) and gets no traffic;
   * seen at one examination. Its evidence says whether its traffic port accepts connections, and a
   * {@code confirming} note while a check-versus-traffic mismatch has not lasted long enough for
   * {@link #CHECK_FAILS_PORT_OPEN}.
   */
  BACKEND_UNHEALTHY("backend-unhealthy"),
  /**
   * A backend is unhealthy while its traffic port accepts connections: the check is likely misconfigured. The
   * condition must persist: the same failed result (a 4xx, an answer that is not HTTP, or the check's own port
   * refused), no health change of the backend, and the traffic port accepting, at two examinations or more
   * spanning at least {@code unhealthyThreshold x interval}. A restart, a flapping or a slow-starting backend
   * never gets it.
   */
  CHECK_FAILS_PORT_OPEN("check-fails-port-open"),
  /** The health check's response timeout is not shorter than its interval. A setting: one examination. */
  CHECK_TIMEOUT_NOT_BELOW_INTERVAL("check-timeout-not-below-interval"),
  /** The HTTP check path looks dynamic (a script or a query string) rather than a static page. A setting: one examination. */
  DYNAMIC_CHECK_PATH("dynamic-check-path"),
  /** A backend changed health more than 6 times (by default) within the flapping window (10 minutes by default). */
  FLAPPING("flapping"),
  /** Active checks put many requests, and log lines, on the backends. A setting: one examination. */
  PROBE_VOLUME("probe-volume"),
  /** The kernel's accept queues overflowed: ListenOverflows or ListenDrops grew between two examinations. */
  ACCEPT_QUEUE_OVERFLOW("accept-queue-overflow"),
  /** A listener asks for a larger accept backlog than net.core.somaxconn allows. A setting: one examination. */
  BACKLOG_ABOVE_SOMAXCONN("backlog-above-somaxconn"),
  /** Many local sockets towards one backend sit in TIME_WAIT: client ports may run out. Counted at one examination. */
  TIME_WAIT_PILE_UP("time-wait-pile-up"),
  /**
   * A {@code BalancedHttpClient}'s retry or requeue budget refused retries since the last examination:
   * callers got a failure or a 5xx answer that a retry might have replaced (Envoy's
   * {@code upstream_rq_retry_overflow}).
   */
  RETRY_BUDGET_EXHAUSTED("retry-budget-exhausted"),
  /**
   * Backends of a pool whose weights follow load reports sent reports that could not be read (malformed, or
   * the header twice in one response), counted since the last examination (the first: since they joined):
   * each keeps the weight of its last good report, or the mean.
   */
  LOAD_REPORT_MALFORMED("load-report-malformed"),
  /**
   * Backends of a pool whose weights follow load reports took traffic but sent no report at all: they get the
   * mean weight, so the pool cannot weigh them by their load. Seen at one examination.
   */
  LOAD_REPORT_MISSING("load-report-missing"),
  /** Session persistence is on and one backend takes far more than its weighted share, judged once the pool made 100 picks (by default). */
  PERSISTENCE_SKEW("persistence-skew"),
  /** A source of evidence (for example /proc) could not be read, so some findings could not be looked for. At one examination. */
  SOURCE_UNAVAILABLE("source-unavailable"),
  /**
   * A forwarding rule matched no request while the listener routed others: for at least the rule-idle time (10
   * minutes by default) and at least the rule-idle count of other requests (1,000 by default), both counted
   * from the examination that first saw the rule, or that last saw it match. A rule that another always wins
   * over (same host and prefix) cannot be built at all; this is the rule that could match but does not (a host
   * or prefix nobody sends).
   *
   * @since 0.1.0
   */
  RULE_NEVER_MATCHES("rule-never-matches"),
  /**
   * A server group has no eligible backend (its standby's included) while its rules still send it requests:
   * each such request gets 502. Seen at one examination, with requests routed to the group since the last
   * examination (the first: since the listener started).
   *
   * @since 0.1.0
   */
  GROUP_NO_ELIGIBLE_BACKEND("group-no-eligible-backend"),
  /**
   * A server group's standby has its traffic: none of the group's own backends is eligible. Seen at one
   * examination; it clears at the first examination where the group's own backends serve again.
   *
   * @since 0.1.0
   */
  STANDBY_IN_USE("standby-in-use"),
  /**
   * The listener's peak bandwidth held traffic back: time throttled grew since the last examination (the
   * first: since the listener started). Information, with the caps and the rate achieved between the two
   * examinations.
   *
   * @since 0.1.0
   */
  BANDWIDTH_CAP_REACHED("bandwidth-cap-reached");

  private final String id;

  FindingCode(String id) {
    this.id = id;
  }

  /** The code as reports print it, for example {@code no-eligible-backend}. */
  public String id() {
    return id;
  }
}
