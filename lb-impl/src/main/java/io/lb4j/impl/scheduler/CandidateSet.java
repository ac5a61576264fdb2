package io.lb4j.impl.scheduler;

import static io.lb4j.api.internal.Checks.checkArgument;

import io.lb4j.api.scheduler.Candidate;
import io.lb4j.api.scheduler.NoBackendReason;
import io.lb4j.api.scheduler.PickResult;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A validated copy of the candidates given to {@code update}: all of them in the caller's order, the
 * eligible ones, and the shared "no backend" result to return when none is eligible. Immutable.
 */
final class CandidateSet {

  final List<Candidate> all;
  final List<Candidate> eligible;
  /** The result a pick returns when {@link #eligible} is empty; null otherwise. */
  final PickResult none;

  private CandidateSet(List<Candidate> all, List<Candidate> eligible, PickResult none) {
    this.all = all;
    this.eligible = eligible;
    this.none = none;
  }

  /**
   * Copies and checks {@code candidates}.
   *
   * @throws IllegalArgumentException when two candidates share a backend id
   */
  static CandidateSet of(Collection<Candidate> candidates) {
    Objects.requireNonNull(candidates, "candidates");
    List<Candidate> all = new ArrayList<>(candidates.size());
    List<Candidate> eligible = new ArrayList<>(candidates.size());
    Set<String> ids = new HashSet<>();
    for (Candidate c : candidates) {
      Objects.requireNonNull(c, "candidate");
      String id = c.backend().id();
      checkArgument(ids.add(id), "candidate.backend.id", "unique within one update", id);
      all.add(c);
      if (c.eligible()) {
        eligible.add(c);
      }
    }
    PickResult none = eligible.isEmpty() ? PickResult.noBackend(reasonNoneEligible(all)) : null;
    return new CandidateSet(List.copyOf(all), List.copyOf(eligible), none);
  }

  /**
   * Why no candidate of {@code all} is eligible: no candidates at all; every candidate that could take
   * traffic (weight above 0 and enabled) is unhealthy; or none could take traffic (drained/disabled).
   */
  static NoBackendReason reasonNoneEligible(List<Candidate> all) {
    if (all.isEmpty()) {
      return NoBackendReason.NO_BACKENDS;
    }
    for (Candidate c : all) {
      if (c.weight() > 0 && c.backend().enabled()) {
        // Some candidate could take traffic but none is eligible, so all such candidates are unhealthy.
        return NoBackendReason.ALL_UNHEALTHY;
      }
    }
    return NoBackendReason.ALL_DRAINED;
  }
}
