package io.lb4j.api.scheduler;

import io.lb4j.api.Backend;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;

/**
 * The outcome of one {@link Scheduler#pick}: a backend, or the reason there is none.
 *
 * <p>"No backend" is a value, not an exception, because it is an expected state on the hot path (every
 * backend down during an incident) and must be cheap to return and test. The no-backend results are
 * shared constants; schedulers create one backend result per backend when they build a picker, so a
 * pick allocates nothing.
 *
 * <p>A result carries the picked candidate's {@link ActiveRequests}: the caller counts the request it
 * starts there and ends it there, on the count of the very membership it was picked from (gRPC attaches a
 * per-call handle to its pick results the same way).
 *
 * <p>Immutable and thread-safe.
 *
 * @since 0.1.0
 */
public final class PickResult {

  private static final Map<NoBackendReason, PickResult> NO_BACKEND = new EnumMap<>(NoBackendReason.class);

  static {
    for (NoBackendReason reason : NoBackendReason.values()) {
      NO_BACKEND.put(reason, new PickResult(null, reason));
    }
  }

  private final Backend backend;
  private final NoBackendReason reason;
  private final ActiveRequests activeRequests;

  private PickResult(Backend backend, NoBackendReason reason, ActiveRequests activeRequests) {
    this.backend = backend;
    this.reason = reason;
    this.activeRequests = activeRequests;
  }

  private PickResult(Backend backend, NoBackendReason reason) {
    this(backend, reason, ActiveRequests.untracked());
  }

  /**
   * A result carrying {@code candidate}'s backend and its count of requests in flight. Schedulers create
   * these once per picker, not per pick.
   *
   * @param candidate the candidate
   * @return the result
   * @since 0.1.0
   */
  public static PickResult of(Candidate candidate) {
    Objects.requireNonNull(candidate, "candidate");
    return new PickResult(candidate.backend(), null, candidate.activeRequests());
  }

  /**
   * A result carrying {@code backend}, whose requests nobody counts ({@link ActiveRequests#untracked()}).
   * A load balancer still counts the request on its own member. Prefer {@link #of(Candidate)}.
   *
   * @param backend the backend
   * @return the result
   */
  public static PickResult of(Backend backend) {
    return new PickResult(Objects.requireNonNull(backend, "backend"), null);
  }

  /** The shared result for "no backend, because {@code reason}". */
  public static PickResult noBackend(NoBackendReason reason) {
    return NO_BACKEND.get(Objects.requireNonNull(reason, "reason"));
  }

  /** True when a backend was picked. */
  public boolean hasBackend() {
    return backend != null;
  }

  /** The picked backend, or {@code null} when {@link #hasBackend()} is false. */
  public Backend backend() {
    return backend;
  }

  /** Why there is no backend, or {@code null} when one was picked. */
  public NoBackendReason reason() {
    return reason;
  }

  /**
   * The picked backend's requests in flight, to count the request this pick starts;
   * {@link ActiveRequests#untracked()} when there is no backend or nobody counts.
   *
   * @return the count
   * @since 0.1.0
   */
  public ActiveRequests activeRequests() {
    return activeRequests;
  }

  @Override
  public String toString() {
    return backend != null ? "PickResult{" + backend.id() + "}" : "PickResult{none: " + reason.description() + "}";
  }
}
