package io.lb4j.impl.scheduler;

import io.lb4j.api.RequestContext;
import io.lb4j.api.scheduler.PickResult;
import io.lb4j.api.scheduler.SchedulingAlgorithm;

/**
 * Weighted least connections ({@code wlc}): the eligible backend with the fewest active requests per unit
 * of weight. Thread-safe; a pick scans the snapshot (O(n)), takes no lock and allocates nothing.
 *
 * <p>Ties are broken round-robin: each pick starts its scan at the next position of a rotating counter
 * and keeps the first strict minimum it meets, so equally loaded backends take turns instead of the
 * first one always winning. An update resets nothing but the snapshot: counts carry over by id and the
 * rotation continues.
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
  public PickResult pick(RequestContext context) {
    Snapshot s = snapshot;
    ActiveCount[] active = s.active;
    int[] weights = s.weights;
    int n = active.length;
    if (n == 0) {
      return s.none;
    }
    int start = (int) (sequence.next() % n);
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
    active[best].increment();
    return s.results[best];
  }

  @Override
  public String toString() {
    return "wlc scheduler, " + snapshot.results.length + " eligible";
  }
}
