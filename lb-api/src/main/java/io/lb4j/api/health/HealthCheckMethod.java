package io.lb4j.api.health;

/**
 * The HTTP method of an HTTP health check.
 *
 * @since 0.1.0
 */
public enum HealthCheckMethod {
  /** HEAD (the default): no body is transferred; backends can filter HEAD requests out of their logs. */
  HEAD,
  /** GET: for backends that answer HEAD differently from GET. */
  GET
}
