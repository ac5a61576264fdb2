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
    Entry[] e = s.eligible;
    int n = e.length;
    if (n == 0) {
      return s.none;
    }
    int start = (int) (sequence.next() % n);
    Entry best = e[start];
    int bestActive = best.active.get();
    for (int k = 1; k < n; k++) {
      int i = start + k;
      if (i >= n) {
        i -= n;
      }
      Entry candidate = e[i];
      int active = candidate.active.get();
      if (lessLoaded(active, candidate.weight, bestActive, best.weight)) {
        best = candidate;
        bestActive = active;
      }
    }
    best.active.increment();
    return best.result;
  }

  @Override
  public String toString() {
    return "wlc scheduler, " + snapshot.eligible.length + " eligible";
  }
}
