package io.lb4j.impl.scheduler;

import io.lb4j.api.RequestContext;
import io.lb4j.api.scheduler.ActiveRequests;
import io.lb4j.api.scheduler.PickResult;
import io.lb4j.api.scheduler.SchedulingAlgorithm;

/**
 * Least request with the power of two choices ({@code p2c}): two distinct eligible backends chosen at
 * random, the first in proportion to weight and the second uniformly; the one with fewer active requests
 * per unit of weight wins, the first on a tie. Drawing the first by weight makes ties (nothing in flight,
 * as with short sequential requests) split traffic by weight rather than evenly. Thread-safe; a pick is
 * O(log n) for the weighted draw, lock-free and allocation-free.
 *
 * <p>The random numbers come from the scheduler's striped sequence run through a 64-bit mixer (the
 * SplitMix64 idea: consecutive integers, multiplied by the golden gamma and avalanched, are a good
 * stream), so there is no shared random state to contend on and a seeded scheduler is reproducible per
 * thread. An update resets nothing but the picker: the counts are the candidates'.
 */
final class PowerOfTwoChoicesScheduler extends ConnectionCountingScheduler {

  PowerOfTwoChoicesScheduler(long seed) {
    super(seed);
  }

  @Override
  public SchedulingAlgorithm algorithm() {
    return SchedulingAlgorithm.LEAST_REQUEST_P2C;
  }

  @Override
  CountingPicker newPicker(CandidateSet set) {
    return new CountingPicker(set, sequence) {
      @Override
      public PickResult pick(RequestContext context) {
        ActiveRequests[] active = this.active;
        int n = active.length;
        if (n <= 1) {
          return n == 0 ? none : results[0];
        }
        long r = RequestContext.mix64(sequence.next() * 0x9E3779B97F4A7C15L);
        // i in proportion to weight (from r's top half), so that ties (nothing in flight) split traffic by
        // weight; j uniform in [0, n - 1) by multiply-shift on r's low half, shifted past i, so j != i.
        int i = weightedIndex(cumulativeWeights, r);
        int j = (int) (((r & 0xFFFFFFFFL) * (n - 1)) >>> 32);
        if (j >= i) {
          j++;
        }
        int winner = lessLoaded(active[j].get(), weights[j], active[i].get(), weights[i]) ? j : i;
        return results[winner];
      }
    };
  }

  @Override
  public String toString() {
    return "p2c scheduler, " + eligible() + " eligible";
  }
}
