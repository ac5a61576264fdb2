package io.lb4j.api.health;

/**
 * How a backend is probed.
 *
 * @since 0.1.0
 */
public enum HealthCheckType {
  /**
   * A TCP handshake to the check port: healthy when the connection completes. Cheap and leaves no line
   * in the application's access log, but cannot see an application that accepts connections and fails
   * requests.
   */
  TCP,
  /** An HTTP request to the check port and path: healthy when the status is in the normal classes. */
  HTTP
}
