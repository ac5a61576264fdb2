package io.lb4j.api;

import io.lb4j.api.health.HealthStatus;
import java.util.Objects;

/**
 * A read-only snapshot of one backend in a load balancer, for operators and metrics.
 *
 * @param backend the backend, with its configured weight
 * @param state active or draining
 * @param health the health state (active checks)
 * @param ejected whether passive health checking has ejected it
 * @param effectiveWeight the weight schedulers use now (lowered during slow start, 0 while draining)
 * @param lastCheck the last health check's result, or an empty string before the first
 * @param activeConnections requests or connections selected and not yet released
 * @param picks how many times it was selected since it joined
 * @since 0.1.0
 */
public record BackendView(Backend backend, BackendState state, HealthStatus health, boolean ejected,
    int effectiveWeight, String lastCheck, int activeConnections, long picks) {

  /** Validates the fields. */
  public BackendView {
    Objects.requireNonNull(backend, "backend");
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(health, "health");
    Objects.requireNonNull(lastCheck, "lastCheck");
  }
}
