package io.lb4j.api;

import java.time.Duration;
import java.util.Objects;

/**
 * What happened to a request or connection sent to a selected backend, as reported to
 * {@link LoadBalancer#report}. Feeds passive health checking (outlier detection) and traffic-aware
 * active checking.
 *
 * <p>Immutable and thread-safe.
 *
 * @since 0.1.0
 */
public final class Outcome {

  /** The kind of result. */
  public enum Kind {
    /** The backend answered and the answer is not a server error. */
    SUCCESS,
    /** The connection to the backend could not be established (refused, unreachable). */
    CONNECT_FAILURE,
    /** The backend did not answer within the timeout (a Layer-7 listener answers 504). */
    TIMEOUT,
    /** The backend reset or closed the connection before answering (a Layer-7 listener answers 502). */
    RESET,
    /** The backend answered with a 5xx status. */
    SERVER_ERROR;

    /** True for every kind but {@link #SUCCESS}. */
    public boolean isFailure() {
      return this != SUCCESS;
    }
  }

  private static final Outcome SUCCESS = new Outcome(Kind.SUCCESS, 0, Duration.ZERO);

  private final Kind kind;
  private final int statusCode;
  private final Duration latency;

  private Outcome(Kind kind, int statusCode, Duration latency) {
    this.kind = kind;
    this.statusCode = statusCode;
    this.latency = latency;
  }

  /** A success of unknown latency (shared instance). */
  public static Outcome success() {
    return SUCCESS;
  }

  /** A success that took {@code latency}. */
  public static Outcome success(Duration latency) {
    return new Outcome(Kind.SUCCESS, 0, Objects.requireNonNull(latency, "latency"));
  }

  /** A failure of the given kind; use {@link #httpStatus} for answers with a status. */
  public static Outcome failure(Kind kind, Duration latency) {
    Objects.requireNonNull(kind, "kind");
    if (kind == Kind.SUCCESS) {
      throw new IllegalArgumentException("outcome.kind must be a failure kind, was SUCCESS");
    }
    return new Outcome(kind, 0, Objects.requireNonNull(latency, "latency"));
  }

  /** The backend answered with {@code status}: 5xx is a {@link Kind#SERVER_ERROR}, anything else a success. */
  public static Outcome httpStatus(int status, Duration latency) {
    if (status < 100 || status > 599) {
      throw new IllegalArgumentException("outcome.statusCode must be between 100 and 599, was " + status);
    }
    return new Outcome(status >= 500 ? Kind.SERVER_ERROR : Kind.SUCCESS, status,
        Objects.requireNonNull(latency, "latency"));
  }

  /** The kind of result. */
  public Kind kind() {
    return kind;
  }

  /** True when the kind is a failure. */
  public boolean isFailure() {
    return kind.isFailure();
  }

  /** The HTTP status, or 0 when there was none. */
  public int statusCode() {
    return statusCode;
  }

  /** How long the request took; {@link Duration#ZERO} when unknown. */
  public Duration latency() {
    return latency;
  }

  @Override
  public String toString() {
    return "Outcome{" + kind + (statusCode != 0 ? " " + statusCode : "") + " " + latency.toMillis() + "ms}";
  }
}
