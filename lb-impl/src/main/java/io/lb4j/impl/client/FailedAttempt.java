package io.lb4j.impl.client;

import io.lb4j.api.Outcome;
import java.util.Objects;

/**
 * One attempt of a request that {@link RequestFailedException} reports: the backend it went to and what
 * happened there.
 *
 * @param backendId the backend's id
 * @param address the address the attempt was sent to, {@code host:port}
 * @param kind the outcome reported to the load balancer: a connect failure, a timeout, a reset or a 5xx
 *     answer
 * @param status the HTTP status of an answer, 0 when none arrived
 * @param description what happened, in a few words that never depend on the JDK's messages:
 *     {@code connection refused}, {@code connect timed out after 2s}, {@code no response within 500ms},
 *     {@code reset after the request was sent}, {@code closed after the request was sent},
 *     {@code HTTP 503}...
 * @since 0.1.0
 */
public record FailedAttempt(String backendId, String address, Outcome.Kind kind, int status, String description) {

  /** Validates the fields. */
  public FailedAttempt {
    Objects.requireNonNull(backendId, "backendId");
    Objects.requireNonNull(address, "address");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(description, "description");
  }

  /** {@code b1 127.0.0.1:9001 connection refused}: how the exception's message shows the attempt. */
  @Override
  public String toString() {
    return backendId + " " + address + " " + description;
  }
}
