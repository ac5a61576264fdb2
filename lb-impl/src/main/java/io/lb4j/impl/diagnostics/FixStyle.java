package io.lb4j.impl.diagnostics;

/**
 * How a finding's fix names what to change: the Java API's calls for a program that builds its pools in code,
 * or the keys of the gateway's YAML file for an operator of {@code lb-gateway.jar} (the same names as the
 * builders' fields: {@code healthCheck.path}, {@code backends}, {@code requestTimeout}).
 *
 * @since 0.1.0
 */
public enum FixStyle {
  /** {@code HealthCheckPolicy.path}, {@code LoadBalancer.removeBackend}: the default. */
  JAVA_API,
  /** {@code healthCheck.path} in the listener's section, "remove it from the listener's backends". */
  GATEWAY_YAML
}
