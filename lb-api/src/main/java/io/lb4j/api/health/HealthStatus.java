package io.lb4j.api.health;

/**
 * The health of one backend as the health layer reports it.
 *
 * @since 0.1.0
 */
public enum HealthStatus {
  /** Receives new traffic (subject to its weight). */
  HEALTHY,
  /** Receives no new traffic until enough consecutive checks succeed. */
  UNHEALTHY
}
