package io.lb4j.api.scheduler;

/**
 * Why a pick found no backend. A Layer-7 listener answers 502 for each of these (503 for {@link #CLOSED},
 * a gateway shutting down); a client fails fast.
 *
 * @since 0.1.0
 */
public enum NoBackendReason {
  /** The pool has no backends at all. */
  NO_BACKENDS("no backends configured"),
  /** Every backend that could take traffic (weight above 0, enabled) failed its health check. */
  ALL_UNHEALTHY("all backends are unhealthy"),
  /** No healthy backend has a weight above 0 and is enabled: all are drained or disabled. */
  ALL_DRAINED("all healthy backends are drained (weight 0) or disabled"),
  /** A hash scheduler got a request with neither a client address nor a hash key to hash. */
  NO_HASH_KEY("the request has no client address or hash key for a hash scheduler"),
  /**
   * The load balancer was closed: it selects nothing any more.
   *
   * @since 0.1.0
   */
  CLOSED("the load balancer is closed"),
  /**
   * A retry found every eligible backend already tried for its request
   * ({@link io.lb4j.api.LoadBalancer#select(io.lb4j.api.RequestContext, java.util.Collection)}).
   *
   * @since 0.1.0
   */
  ALL_TRIED("every eligible backend was already tried for this request"),
  /**
   * The load balancer was not started yet, so nothing has been checked: a select before
   * {@link io.lb4j.api.LoadBalancer#start()} that finds no eligible backend (backends trusted without a
   * check, or with checks disabled, are served before start).
   *
   * @since 0.1.0
   */
  NOT_STARTED("the load balancer is not started: no health check has run yet");

  private final String description;

  NoBackendReason(String description) {
    this.description = description;
  }

  /** A short human-readable explanation, for logs and error pages. */
  public String description() {
    return description;
  }
}
