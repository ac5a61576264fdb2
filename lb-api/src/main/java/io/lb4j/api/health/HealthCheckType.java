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
  HTTP,
  /**
   * A UDP datagram to the check port, the reference balancer's UDP check: the policy's
   * {@linkplain HealthCheckPolicy#udpRequest() request} is sent, and the backend is healthy when a datagram
   * comes back within the response timeout that contains the {@linkplain HealthCheckPolicy#udpExpectedResponse()
   * expected response} (any datagram when none is set). No answer within the timeout fails, and so does an
   * ICMP port unreachable (the port is closed). UDP has no handshake: a check that passes shows the service
   * answers, not only that a port is open.
   *
   * @since 0.1.0
   */
  UDP
}
