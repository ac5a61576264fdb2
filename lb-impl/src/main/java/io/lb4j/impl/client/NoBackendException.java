package io.lb4j.impl.client;

import io.lb4j.api.scheduler.NoBackendReason;
import java.util.List;
import java.util.Objects;

/**
 * Thrown by {@link BalancedHttpClient} (or the exception its future completes with) when the pool had
 * no eligible backend for a request's first attempt. No connection was made; the request was not sent.
 * A gateway answers 502 with {@link #reason()}, a client fails fast or tries later. Its
 * {@link #stopReason()} is {@link RequestFailedException.StopReason#NO_BACKEND} and it has no attempts.
 *
 * @since 0.1.0
 */
public final class NoBackendException extends RequestFailedException {
  private static final long serialVersionUID = 1L;

  /** Why no backend was eligible. */
  private final NoBackendReason reason;

  /**
   * A new exception for pool {@code pool}.
   *
   * @param pool the listener name of the pool
   * @param reason why no backend was eligible
   */
  public NoBackendException(String pool, NoBackendReason reason) {
    super("no backend in pool '" + pool + "': " + Objects.requireNonNull(reason, "reason").description(), pool,
        List.of(), StopReason.NO_BACKEND);
    this.reason = reason;
  }

  /** Why no backend was eligible. */
  public NoBackendReason reason() {
    return reason;
  }
}
