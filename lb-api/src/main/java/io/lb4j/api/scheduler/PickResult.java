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
 * shared constants; schedulers create one backend result per backend when they build a snapshot, so a
 * pick allocates nothing.
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

  private PickResult(Backend backend, NoBackendReason reason) {
    this.backend = backend;
    this.reason = reason;
  }

  /** A result carrying {@code backend}. Schedulers create these once per snapshot, not per pick. */
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

  @Override
  public String toString() {
    return backend != null ? "PickResult{" + backend.id() + "}" : "PickResult{none: " + reason.description() + "}";
  }
}
