package io.lb4j.impl.client;

import io.lb4j.api.Outcome;
import io.lb4j.impl.client.RequestFailedException.StopReason;
import java.net.http.HttpRequest;
import java.util.ArrayList;
import java.util.List;

/**
 * What happened to one request's failed attempts, in order, and why it stopped: what a
 * {@link RequestFailedException} is made of. A {@link Call} creates it at its first failure only, so a
 * request that succeeds at once allocates none of this. Confined to the call's thread of the moment, as
 * the call's other fields are.
 */
final class AttemptHistory {
  private final List<FailedAttempt> attempts;
  /** The exceptions of {@link #attempts}, null for statuses; they become the thrown exception's suppressed. */
  private final List<Throwable> causes;
  /** Why no further attempt was made; null while one may be. */
  private StopReason stop;
  private String stopDetail = "";

  AttemptHistory(int maxAttempts) {
    this.attempts = new ArrayList<>(maxAttempts);
    this.causes = new ArrayList<>(maxAttempts);
  }

  void record(Attempt<?> attempt, Outcome.Kind kind, String description, Throwable cause) {
    attempts.add(new FailedAttempt(attempt.backendId(), attempt.address(), kind, attempt.status(), description));
    causes.add(cause);
  }

  /** The request stops for {@code reason}; {@code detail} follows its description in the message. */
  void stop(StopReason reason, String detail) {
    this.stop = reason;
    this.stopDetail = detail;
  }

  /** Forgets a stop: the caller gave up, or the failure is the caller's own and reaches it unchanged. */
  void clearStop() {
    this.stop = null;
  }

  boolean stopped() {
    return stop != null;
  }

  /**
   * The exception for the stopped request: {@code last} (the last attempt's exception, or null for a status)
   * as its cause, the earlier attempts' exceptions suppressed.
   */
  RequestFailedException exception(HttpRequest request, String pool, int made, Throwable last) {
    String path = request.uri().getRawPath();
    StringBuilder m = new StringBuilder(160).append(request.method()).append(' ')
        .append(path == null || path.isEmpty() ? "/" : path).append(" to pool '").append(pool)
        .append("' failed after ").append(made).append(made == 1 ? " attempt: " : " attempts: ");
    for (int i = 0; i < attempts.size(); i++) {
      m.append(i == 0 ? "" : "; ").append(attempts.get(i));
    }
    m.append("; stopped: ").append(stop.description()).append(stopDetail);
    RequestFailedException e = new RequestFailedException(m.toString(), pool, attempts, stop);
    if (last != null) {
      e.initCause(last);
    }
    for (int i = 0; i < causes.size() - 1; i++) {
      if (causes.get(i) != null) {
        e.addSuppressed(causes.get(i));
      }
    }
    return e;
  }
}
