package io.lb4j.impl.client;

import java.io.IOException;
import java.util.List;
import java.util.Objects;

/**
 * A request that {@link BalancedHttpClient} gave up on: every attempt failed and no further one could be
 * made, or ({@link NoBackendException}, the one subclass) no backend was eligible for the first one. It is
 * the only exception the client throws for the pool's doing; what the caller's own code throws (a body
 * handler, an interrupt) passes through unchanged.
 *
 * <p>The message says everything in one line: the request, the pool, each attempt's backend and what
 * happened to it in order, and why the client stopped, for example
 * <pre>
 * GET /orders/42 to pool 'web' failed after 3 attempts: b1 127.0.0.1:9001 connection refused;
 * b2 127.0.0.1:9002 HTTP 503; b3 127.0.0.1:9003 reset after the request was sent; stopped: attempts used
 * up (3 of 3)
 * </pre>
 * The same facts are in {@link #attempts()} and {@link #stopReason()}. The last attempt's exception (the
 * JDK's {@code ConnectException}, {@code HttpTimeoutException}, ...) is the {@linkplain #getCause() cause};
 * the exceptions of earlier attempts are {@linkplain #getSuppressed() suppressed}. A caller that used to
 * catch {@code HttpTimeoutException} checks {@code getCause() instanceof HttpTimeoutException} or the last
 * attempt's {@link FailedAttempt#kind()}. Like gRPC's {@code StatusRuntimeException}, one type carries
 * every way a call can fail, so callers handle one.
 *
 * <p>Immutable once thrown; the attempts list is unmodifiable.
 *
 * @since 0.1.0
 */
public class RequestFailedException extends IOException {
  private static final long serialVersionUID = 1L;

  /** Why the client made no further attempt. */
  public enum StopReason {
    /** No backend was eligible for the first attempt: nothing was sent ({@link NoBackendException}). */
    NO_BACKEND("no eligible backend"),
    /** The request made the policy's most attempts ({@link RetryPolicy#maxAttempts()}). */
    ATTEMPTS_USED_UP("attempts used up"),
    /** The retry budget had no token for a retry after an answer or failure a backend may have seen. */
    RETRY_BUDGET_EXHAUSTED("retry budget exhausted"),
    /** The requeue budget had no token for a requeue after a refused or failed connection. */
    REQUEUE_BUDGET_EXHAUSTED("requeue budget exhausted"),
    /** The deadline ({@link BalancedHttpClient.Builder#deadline}) left no time for another attempt. */
    DEADLINE("deadline reached"),
    /** Every backend eligible for the request was tried already, or none is eligible any more. */
    NO_OTHER_BACKEND("no other eligible backend"),
    /** The request is not idempotent and may have reached the server, so it is never sent twice. */
    NOT_RETRYABLE("not retried: not idempotent and may have reached the server"),
    /**
     * The response had started (its headers were handed to the body handler) when its body failed: it is
     * the caller's, so it is not sent again.
     */
    RESPONSE_STARTED("the response had started when its body failed");

    private final String description;

    StopReason(String description) {
      this.description = description;
    }

    /** A short explanation, as the message shows it. */
    public String description() {
      return description;
    }
  }

  private final String pool;
  private final List<FailedAttempt> attempts;
  private final StopReason stopReason;

  RequestFailedException(String message, String pool, List<FailedAttempt> attempts, StopReason stopReason) {
    super(message);
    this.pool = Objects.requireNonNull(pool, "pool");
    this.attempts = List.copyOf(attempts);
    this.stopReason = Objects.requireNonNull(stopReason, "stopReason");
  }

  /** The name of the pool the request was sent to. */
  public String pool() {
    return pool;
  }

  /** Every attempt in the order made, each with its backend and what happened; empty when none was made. */
  public List<FailedAttempt> attempts() {
    return attempts;
  }

  /** Why the client made no further attempt. */
  public StopReason stopReason() {
    return stopReason;
  }
}
