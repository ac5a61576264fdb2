package io.lb4j.impl;

import io.lb4j.api.discovery.SubsetPolicy;
import java.util.Objects;

/**
 * A subsetting pool's subset against the whole membership it was given, as {@link LoadBalancers#subsetStatus}
 * returns it: the pool's view and health checks cover {@code subset} backends of {@code membership}.
 *
 * <p>Immutable; thread-safe.
 *
 * @param policy the pool's subset policy
 * @param membership how many backends the pool was given (fixed, set, added, or from its source)
 * @param subset how many of them this client uses
 * @since 0.1.0
 */
public record SubsetStatus(SubsetPolicy policy, int membership, int subset) {

  /** Validates. */
  public SubsetStatus {
    Objects.requireNonNull(policy, "policy");
  }

  /**
   * How many clients of the fleet use each backend, on average: {@code clientCount x subset / membership}
   * for a policy by index ({@link SubsetPolicy#byIndex}); a fleet known by client ids has no count, so it is -1 then,
   * as it is for an empty membership.
   *
   * @return the expected clients per backend, or -1 when unknown
   */
  public double clientsPerBackend() {
    if (!policy.byIndex() || membership == 0) {
      return -1;
    }
    return (double) policy.clientCount() * subset / membership;
  }
}
