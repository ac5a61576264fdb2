package io.lb4j.impl;

import io.lb4j.api.load.LoadAwarePolicy;
import io.lb4j.api.load.LoadReport;
import java.util.List;
import java.util.Objects;

/**
 * What a pool with load-aware weights knows about its backends' load, as {@link LoadBalancers#loadAwareMetrics}
 * returns it: the policy, how many weight updates ran and what the last one found, and per backend its load
 * weight, its last report and how many reports it sent, well-formed and malformed.
 *
 * <p>Immutable snapshot; thread-safe. Counters count since the backend joined the pool.
 *
 * @param policy the pool's load-aware policy
 * @param updates how many weight updates ran since the pool started
 * @param usable how many backends had a weight of their own at the last update
 * @param notYetUsable how many had none yet (no report or sample, or in the blackout period), and got the mean
 * @param stale how many had one that expired, and got the mean
 * @param backends one entry per member, in member order
 * @since 0.1.0
 */
public record LoadAwareMetrics(LoadAwarePolicy policy, long updates, int usable, int notYetUsable, int stale,
    List<BackendLoad> backends) {

  /** Validates and copies. */
  public LoadAwareMetrics {
    Objects.requireNonNull(policy, "policy");
    backends = List.copyOf(backends);
  }

  /**
   * One backend's load.
   *
   * @param backendId the backend's id
   * @param loadWeight the weight its load gives it, 1-100 (before slow start; 0 before the first update)
   * @param lastReport the last report an update used (reports), or null before the first or with observed
   *     latency
   * @param reports load reports received
   * @param malformedReports load reports refused as malformed (the backend kept its weight)
   * @param lastMalformedReason why the last malformed report was refused, or an empty string
   * @since 0.1.0
   */
  public record BackendLoad(String backendId, int loadWeight, LoadReport lastReport, long reports,
      long malformedReports, String lastMalformedReason) {

    /** Validates. */
    public BackendLoad {
      Objects.requireNonNull(backendId, "backendId");
      Objects.requireNonNull(lastMalformedReason, "lastMalformedReason");
    }
  }

  /**
   * The entry of one backend.
   *
   * @param backendId the backend's id
   * @return its entry, or null when it is not a member
   */
  public BackendLoad backend(String backendId) {
    for (BackendLoad b : backends) {
      if (b.backendId().equals(backendId)) {
        return b;
      }
    }
    return null;
  }
}
