package io.lb4j.impl.scheduler;

import io.lb4j.api.Backend;
import io.lb4j.api.scheduler.Candidate;
import io.lb4j.api.scheduler.PickResult;
import io.lb4j.api.scheduler.Scheduler;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
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
 * an update loses its count, and a later {@code release} for it is a no-op. Two picks that race may see
 * the same counts and choose the same backend; the counts themselves are never lost.
 */
abstract class ConnectionCountingScheduler implements Scheduler {

  /** One eligible backend in a snapshot. */
  static final class Entry {
    final PickResult result;
    final int weight;
    final ActiveCount active;

    Entry(Backend backend, int weight, ActiveCount active) {
      this.result = PickResult.of(backend);
      this.weight = weight;
      this.active = active;
    }
  }

  /** Immutable after construction; published through a volatile field. */
  static final class Snapshot {
    final Entry[] eligible;
    final Map<String, ActiveCount> counts;
    /** Returned when {@code eligible} is empty. */
    final PickResult none;

    Snapshot(Entry[] eligible, Map<String, ActiveCount> counts, PickResult none) {
      this.eligible = eligible;
      this.counts = counts;
      this.none = none;
    }
  }

  final StripedSequence sequence;
  volatile Snapshot snapshot;

  ConnectionCountingScheduler(long seed) {
    this.sequence = new StripedSequence(seed);
    this.snapshot = new Snapshot(new Entry[0], Map.of(), CandidateSet.of(List.of()).none);
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
    Entry[] eligible = new Entry[set.eligible.size()];
    for (int i = 0; i < eligible.length; i++) {
      Candidate c = set.eligible.get(i);
      eligible[i] = new Entry(c.backend(), c.weight(), counts.get(c.backend().id()));
    }
    snapshot = new Snapshot(eligible, Map.copyOf(counts), set.none);
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
  public int activeRequests(Backend backend) {
    ActiveCount count = snapshot.counts.get(Objects.requireNonNull(backend, "backend").id());
    return count == null ? 0 : count.get();
  }

  /** True when a's load per unit of weight is below b's: a.active / a.weight < b.active / b.weight. */
  static boolean lessLoaded(int activeA, int weightA, int activeB, int weightB) {
    return (long) activeA * weightB < (long) activeB * weightA;
  }
}
