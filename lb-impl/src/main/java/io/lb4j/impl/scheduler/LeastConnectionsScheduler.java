package io.lb4j.impl.scheduler;

import io.lb4j.api.RequestContext;
import io.lb4j.api.scheduler.ActiveRequests;
import io.lb4j.api.scheduler.PickResult;
import io.lb4j.api.scheduler.SchedulingAlgorithm;

/**
 * Weighted least connections ({@code wlc}): the eligible backend with the fewest active requests per unit
 * of weight. Thread-safe; a pick scans the picker (O(n)), takes no lock and allocates nothing.
 *
 * <p>Ties are broken in proportion to weight, the way nginx breaks them with weighted round robin: each
 * pick starts its scan at a point of a low-discrepancy sequence (the striped counter times the golden
 * ratio, a Weyl sequence) laid over the cumulative weights, and keeps the first strict minimum it meets.
 * So equally loaded backends take turns, and when nothing is in flight (short sequential requests, where
 * every load is 0) weights 100 and 1 still get 100:1 instead of half each. An update resets nothing but
 * the picker: the sequence continues, and the counts are the candidates'.
 */
final class LeastConnectionsScheduler extends ConnectionCountingScheduler {

  LeastConnectionsScheduler(long seed) {
    super(seed);
  }

  @Override
  public SchedulingAlgorithm algorithm() {
    return SchedulingAlgorithm.WEIGHTED_LEAST_CONNECTIONS;
  }

  @Override
  CountingPicker newPicker(CandidateSet set) {
    return new CountingPicker(set, sequence) {
      @Override
      public PickResult pick(RequestContext context) {
        ActiveRequests[] active = this.active;
        int[] weights = this.weights;
        int n = active.length;
        if (n == 0) {
          return none;
        }
        // Consecutive values of seq x 2^64/phi spread evenly over [0, 2^64): proportional and well mixed.
        int start = weightedIndex(cumulativeWeights, sequence.next() * 0x9E3779B97F4A7C15L);
        int best = start;
        int bestActive = active[start].get();
        for (int k = 1; k < n; k++) {
          int i = start + k;
          if (i >= n) {
            i -= n;
          }
          int a = active[i].get();
          if (lessLoaded(a, weights[i], bestActive, weights[best])) {
            best = i;
            bestActive = a;
          }
        }
        return results[best];
      }
    };
  }

  @Override
  public String toString() {
    return "wlc scheduler, " + eligible() + " eligible";
  }
}
