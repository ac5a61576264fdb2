package io.lb4j.api;

/**
 * A backend's membership state in a pool.
 *
 * @since 0.1.0
 */
public enum BackendState {
  /** A member: receives new traffic when healthy and its weight is above 0. */
  ACTIVE,
  /**
   * Removed (or set to weight 0) with a drain timeout: receives no new picks and no new sessions, but
   * its open connections and existing sessions keep working until they end or the timeout passes.
   */
  DRAINING
}
