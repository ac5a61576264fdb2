package io.lb4j.impl.health;

import io.lb4j.api.Outcome;
import io.lb4j.api.health.HealthCheckType;
import java.util.EnumSet;
import java.util.Set;

/**
 * The kinds of failures behind an ejection, as a set of bits (one per {@link Outcome.Kind}, so an
 * {@link OutlierDetector} keeps them in one int per backend without allocating), and which active check can
 * see them end: the rule that an ejection lasts until something that can see its cause ends it.
 */
final class EjectionCauses {

  private static final int CONNECT = bit(Outcome.Kind.CONNECT_FAILURE);
  /** What a TCP check sees: only whether a connection can be made. */
  private static final int TCP_VISIBLE = CONNECT;
  /**
   * What a UDP check sees: whether the port answers, the failure UDP traffic reports as a connect failure (an
   * ICMP port unreachable); not whether the service answers its real requests in time, nor 5xx or resets.
   */
  private static final int UDP_VISIBLE = CONNECT;
  /** What an HTTP check sees besides: whether a request gets a normal answer, without a reset. */
  private static final int HTTP_VISIBLE = CONNECT | bit(Outcome.Kind.SERVER_ERROR) | bit(Outcome.Kind.RESET);

  private EjectionCauses() {}

  /** The bit of {@code kind}. */
  static int bit(Outcome.Kind kind) {
    return 1 << kind.ordinal();
  }

  /**
   * Whether a passing check of {@code type} shows that failures of {@code kinds} are over: a TCP check (a
   * handshake) only connect failures, a UDP check (an answer from the port) only connect failures (port
   * unreachable), an HTTP check also 5xx answers and resets, no check timeouts (a health path that answers at
   * once says nothing about a slow application path).
   */
  static boolean visibleTo(HealthCheckType type, int kinds) {
    int visible;
    switch (type) {
      case HTTP:
        visible = HTTP_VISIBLE;
        break;
      case UDP:
        visible = UDP_VISIBLE;
        break;
      default:
        visible = TCP_VISIBLE;
    }
    return (kinds & ~visible) == 0;
  }

  /** The kinds in {@code kinds}, for logs and tests. */
  static Set<Outcome.Kind> of(int kinds) {
    Set<Outcome.Kind> set = EnumSet.noneOf(Outcome.Kind.class);
    for (Outcome.Kind k : Outcome.Kind.values()) {
      if ((kinds & bit(k)) != 0) {
        set.add(k);
      }
    }
    return set;
  }
}
