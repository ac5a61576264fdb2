package io.lb4j.impl.scheduler;

import io.lb4j.api.Backend;
import io.lb4j.api.scheduler.Candidate;
import io.lb4j.api.scheduler.NoBackendReason;
import io.lb4j.api.scheduler.PickResult;
import io.lb4j.api.scheduler.Scheduler;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The shared part of the schedulers that count active requests ({@code wlc}, {@code p2c}): the snapshot
 * of eligible entries, the per-backend counts kept across updates by backend id, and release.
 * Thread-safe; picks and releases are lock-free and allocation-free.
 *
 * <p><b>Counts.</b> A pick increments the chosen backend's count; {@link #release} decrements it, never
 * below zero. The count of a backend lives as long as the backend is in the candidate set, whatever its
 * health, weight or enabled flag (a draining backend's connections stay counted); a backend left out of
 * an update loses its count, and a later {@code release} for it is a no-op; if it comes back, its count
 * starts at 0 and releases of requests picked before it left lower the new count (see
 * {@link ActiveCount#decrement}). Two picks that race may see the same counts and choose the same
 * backend; the counts themselves are never lost.
 */
abstract class ConnectionCountingScheduler implements Scheduler {

  /**
   * Immutable after construction; published through a volatile field. The eligible backends are kept as
   * parallel arrays rather than an array of entry objects, so a scan reads weights and count references
   * sequentially and only dereferences the counts: one cache miss per backend instead of two.
   */
  static final class Snapshot {
    final PickResult[] results;
    final int[] weights;
    /** cumulativeWeights[i] = weights[0] + ... + weights[i]; at most 100 x 1,048,575, so an int. */
    final int[] cumulativeWeights;
    final ActiveCount[] active;
    final Map<String, ActiveCount> counts;
    /** Returned when there is no eligible backend. */
    final PickResult none;

    Snapshot(PickResult[] results, int[] weights, ActiveCount[] active, Map<String, ActiveCount> counts,
        PickResult none) {
      this.results = results;
      this.weights = weights;
      this.cumulativeWeights = new int[weights.length];
      int sum = 0;
      for (int i = 0; i < weights.length; i++) {
        sum += weights[i];
        cumulativeWeights[i] = sum;
      }
      this.active = active;
      this.counts = counts;
      this.none = none;
    }
  }

  final StripedSequence sequence;
  volatile Snapshot snapshot;

  ConnectionCountingScheduler(long seed) {
    this.sequence = new StripedSequence(seed);
    this.snapshot = new Snapshot(new PickResult[0], new int[0], new ActiveCount[0], Map.of(),
        PickResult.noBackend(NoBackendReason.NO_BACKENDS));
  }

  /**
   * Builds and publishes a new snapshot. Counts of backends present before are carried over (the same
   * {@link ActiveCount} object), so picks and releases racing with the update are never lost.
   */
  @Override
  public synchronized void update(Collection<Candidate> candidates) {
    CandidateSet set = CandidateSet.of(candidates);
    Map<String, ActiveCount> old = snapshot.counts;
    Map<String, ActiveCount> counts = new HashMap<>(set.all.size() * 2);
    for (Candidate c : set.all) {
      String id = c.backend().id();
      ActiveCount count = old.get(id);
      counts.put(id, count != null ? count : new ActiveCount());
    }
    int n = set.eligible.size();
    PickResult[] results = new PickResult[n];
    int[] weights = new int[n];
    ActiveCount[] active = new ActiveCount[n];
    for (int i = 0; i < n; i++) {
      Candidate c = set.eligible.get(i);
      results[i] = PickResult.of(c.backend());
      weights[i] = c.weight();
      active[i] = counts.get(c.backend().id());
    }
    snapshot = new Snapshot(results, weights, active, Map.copyOf(counts), set.none);
  }

  /** Counts a request that session persistence sent to {@code backend} without a pick. */
  @Override
  public void acquire(Backend backend) {
    ActiveCount count = snapshot.counts.get(Objects.requireNonNull(backend, "backend").id());
    if (count != null) {
      count.increment();
    }
  }

  @Override
  public void release(Backend backend) {
    ActiveCount count = snapshot.counts.get(Objects.requireNonNull(backend, "backend").id());
    if (count != null) {
      count.decrement();
    }
  }

  @Override
  public boolean countsActiveRequests() {
    return true;
  }

  @Override
  public int activeRequests(Backend backend) {
    ActiveCount count = snapshot.counts.get(Objects.requireNonNull(backend, "backend").id());
    return count == null ? 0 : count.get();
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
