package io.lb4j.api.scheduler;

import java.util.Locale;

/**
 * The scheduling algorithms a {@link Scheduler} can implement, with the short codes cloud balancers use.
 *
 * @since 0.1.0
 */
public enum SchedulingAlgorithm {
  /** Smooth weighted round robin: each backend gets its weight's share, interleaved. */
  WEIGHTED_ROUND_ROBIN("wrr"),
  /** Round robin: weights are ignored except 0, which drains the backend. */
  ROUND_ROBIN("rr"),
  /** Weighted least connections: the fewest active connections per unit of weight wins. */
  WEIGHTED_LEAST_CONNECTIONS("wlc"),
  /** Power of two random choices: of two random backends, the one with fewer requests in flight per weight. */
  LEAST_REQUEST_P2C("p2c"),
  /** Source-IP hash: one client address maps to one backend while the healthy set is unchanged. */
  SOURCE_IP_HASH("sch"),
  /**
   * Consistent hash on a key the caller supplies ({@link io.lb4j.api.RequestContext#hashKey()}): a
   * four-tuple, a QUIC connection id, a user id. Removing one of N backends moves about 1/N of the keys.
   */
  CONSISTENT_HASH("tch");

  private final String code;

  SchedulingAlgorithm(String code) {
    this.code = code;
  }

  /** The short code: {@code wrr}, {@code rr}, {@code wlc}, {@code p2c}, {@code sch} or {@code tch}. */
  public String code() {
    return code;
  }

  /**
   * The algorithm for a short code, case-insensitive; {@code qch} is accepted as an alias of
   * {@link #CONSISTENT_HASH}.
   *
   * @throws IllegalArgumentException naming the allowed codes when {@code code} is none of them
   */
  public static SchedulingAlgorithm fromCode(String code) {
    String c = code == null ? "null" : code.toLowerCase(Locale.ROOT);
    if (c.equals("qch")) {
      return CONSISTENT_HASH;
    }
    for (SchedulingAlgorithm a : values()) {
      if (a.code.equals(c)) {
        return a;
      }
    }
    throw new IllegalArgumentException(
        "listener.scheduler must be one of wrr, rr, wlc, p2c, sch, tch, qch, was " + code);
  }
}
