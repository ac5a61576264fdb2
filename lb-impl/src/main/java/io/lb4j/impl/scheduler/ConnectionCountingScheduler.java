package io.lb4j.impl.scheduler;

import io.lb4j.api.RequestContext;
import io.lb4j.api.scheduler.ActiveRequests;
import io.lb4j.api.scheduler.Candidate;
import io.lb4j.api.scheduler.PickResult;
import io.lb4j.api.scheduler.Picker;
import io.lb4j.api.scheduler.Scheduler;
import java.util.Collection;
import java.util.List;

/**
 * The shared part of the schedulers that choose by requests in flight ({@code wlc}, {@code p2c}): a picker
 * over the eligible candidates' weights and their {@link ActiveRequests}, and the striped sequence that
 * spreads their choices. Thread-safe; picks are lock-free and allocation-free.
 *
 * <p><b>Counts.</b> The scheduler keeps none: it reads the counts the candidates carry, which the caller
 * (a load balancer) raises when it sends a request and lowers when the request ends, on the counter of the
 * very membership the request was sent to. So a backend's count lives exactly as long as the caller's
 * counter (a backend removed and added again starts at zero), and a draining backend's requests stay
 * counted while it is a candidate. Two picks that race may see the same counts and choose the same
 * backend; the counts themselves are never lost.
 */
abstract class ConnectionCountingScheduler implements Scheduler {

  /**
   * Immutable after construction. The eligible backends are kept as parallel arrays rather than an array
   * of entry objects, so a scan reads weights and count references sequentially and only dereferences the
   * counts: one cache miss per backend instead of two.
   */
  abstract static class CountingPicker implements Picker {
    final PickResult[] results;
    final int[] weights;
    /** cumulativeWeights[i] = weights[0] + ... + weights[i]; at most 100 x 1,048,575, so an int. */
    final int[] cumulativeWeights;
    final ActiveRequests[] active;
    final StripedSequence sequence;
    /** Returned when there is no eligible backend. */
    final PickResult none;

    CountingPicker(CandidateSet set, StripedSequence sequence) {
      int n = set.eligible.size();
      this.results = new PickResult[n];
      this.weights = new int[n];
      this.active = new ActiveRequests[n];
      this.cumulativeWeights = new int[n];
      int sum = 0;
      for (int i = 0; i < n; i++) {
        Candidate c = set.eligible.get(i);
        results[i] = PickResult.of(c);
        weights[i] = c.weight();
        active[i] = c.activeRequests();
        sum += weights[i];
        cumulativeWeights[i] = sum;
      }
      this.sequence = sequence;
      this.none = set.none;
    }
  }

  final StripedSequence sequence;
  private volatile CountingPicker picker;

  ConnectionCountingScheduler(long seed) {
    this.sequence = new StripedSequence(seed);
    this.picker = newPicker(CandidateSet.of(List.of()));
  }

  /** The algorithm's picker over {@code set}. */
  abstract CountingPicker newPicker(CandidateSet set);

  @Override
  public PickResult pick(RequestContext context) {
    return picker.pick(context);
  }

  @Override
  public synchronized Picker update(Collection<Candidate> candidates) {
    CountingPicker next = newPicker(CandidateSet.of(candidates));
    picker = next;
    return next;
  }

  /** Eligible backends in the current picker; for toString. */
  int eligible() {
    return picker.results.length;
  }

  /**
   * The index that owns the point {@code u} (a 64-bit value read as a fraction of 1) on the line of
   * cumulative weights: index i with probability weights[i] / total when u is uniform. Allocation-free,
   * O(log n). Multiply-shift maps u's top 32 bits onto [0, total) without division.
   */
  static int weightedIndex(int[] cumulativeWeights, long u) {
    int total = cumulativeWeights[cumulativeWeights.length - 1];
    int target = (int) (((u >>> 32) * total) >>> 32);
    int lo = 0;
    int hi = cumulativeWeights.length - 1;
    while (lo < hi) { // first index whose cumulative weight exceeds target
      int mid = (lo + hi) >>> 1;
      if (cumulativeWeights[mid] > target) {
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
    return lo;
  }

  /** True when a's load per unit of weight is below b's: a.active / a.weight < b.active / b.weight. */
  static boolean lessLoaded(int activeA, int weightA, int activeB, int weightB) {
    return (long) activeA * weightB < (long) activeB * weightA;
  }
}
