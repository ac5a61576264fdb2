package io.lb4j.api.health;

import io.lb4j.api.Backend;
import java.time.Instant;
import java.util.Objects;

/**
 * One change of a backend's health, with the result of the check that caused it.
 *
 * @param backend the backend
 * @param from the status before
 * @param to the status after
 * @param cause the last check's result, for example {@code connect refused},
 *     {@code timeout after 5s} or {@code HTTP 503 not in [2xx, 3xx]}
 * @param at when the transition happened
 * @since 0.1.0
 */
public record HealthTransition(Backend backend, HealthStatus from, HealthStatus to, String cause, Instant at) {

  /** Validates the fields. */
  public HealthTransition {
    Objects.requireNonNull(backend, "backend");
    Objects.requireNonNull(from, "from");
    Objects.requireNonNull(to, "to");
    Objects.requireNonNull(cause, "cause");
    Objects.requireNonNull(at, "at");
  }

  @Override
  public String toString() {
    return backend.id() + " " + from + " -> " + to + " (" + cause + ") at " + at;
  }
}
