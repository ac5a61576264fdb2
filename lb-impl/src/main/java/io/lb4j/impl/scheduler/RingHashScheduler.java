package io.lb4j.impl.scheduler;

import io.lb4j.api.RequestContext;
import io.lb4j.api.scheduler.Candidate;
import io.lb4j.api.scheduler.NoBackendReason;
import io.lb4j.api.scheduler.PickResult;
import io.lb4j.api.scheduler.Picker;
import io.lb4j.api.scheduler.Scheduler;
import io.lb4j.api.scheduler.SchedulingAlgorithm;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;

/**
 * Weighted consistent hashing on a ring, for source-IP hash ({@code sch}: hashes the client address,
 * or the hash key when there is no address) and consistent hash ({@code tch}: hashes the hash key, or
 * the client address when there is no key). Thread-safe; a pick is lock-free, allocation-free and O(1)
 * on average.
 *
 * <p><b>Ring.</b> Each eligible backend owns {@value #POINTS_AT_LARGEST_WEIGHT} x weight / (the largest
 * weight among all candidates) points, at least one, placed by hashing its id with the replica number.
 * Weights are relative, so this gives weights 1 and 100 the same balance (about +-12% of a fair share);
 * a fixed number of points per unit of weight would leave small weights with a ring of a few points and
 * some backends with many times the keys of others. A key goes to the owner of the first point at or
 * after the key's hash. A backend's points depend on its own id and weight and on the largest weight
 * (of all candidates, so health changes do not rescale the ring), so while the largest weight is
 * unchanged: the same key maps to the same backend while the eligible set is unchanged, in every process
 * of a fleet (hashes are fixed functions, independent of the JVM); when a backend leaves (removed,
 * unhealthy, drained) only the keys that were on it move, and when it comes back only those keys move
 * back; a weight change moves keys only to or from the re-weighted backend. Changing the largest weight
 * rescales every backend's points and moves some keys between the others too.
 *
 * <p><b>Lookup.</b> Ring entries are packed longs, sorted: the point's position (high 44 bits, sign
 * flipped so signed order is unsigned order) and the owner's index (low 20 bits, so at most 1,048,575
 * eligible backends). A bucket index over the top bits of the position narrows the search to about one
 * entry, so a pick is a few array reads whatever the ring size.
 *
 * <p>There is no random start: the mapping must agree across a fleet. An update rebuilds the ring.
 */
final class RingHashScheduler implements Scheduler {

  static final int POINTS_AT_LARGEST_WEIGHT = 200;
  private static final int OWNER_BITS = 20;
  private static final long OWNER_MASK = (1L << OWNER_BITS) - 1;
  private static final int MAX_OWNERS = (int) OWNER_MASK;
  private static final int MAX_BUCKET_BITS = 16;

  private static final PickResult NO_HASH_KEY = PickResult.noBackend(NoBackendReason.NO_HASH_KEY);

  /** The picker: immutable after construction. */
  private static final class Ring implements Picker {
    final long[] entries;
    final PickResult[] owners;
    final int[] bucketStart; // bucketStart[b] = first entry whose position's top bits are >= b
    final int shift;
    final PickResult none;
    final boolean addressFirst;

    Ring(long[] entries, PickResult[] owners, int[] bucketStart, int shift, PickResult none, boolean addressFirst) {
      this.entries = entries;
      this.owners = owners;
      this.bucketStart = bucketStart;
      this.shift = shift;
      this.none = none;
      this.addressFirst = addressFirst;
    }

    /**
     * Picks the owner of the request's key. With no eligible backend, returns that reason (before looking
     * at the key); with eligible backends but neither an address nor a key, {@link NoBackendReason#NO_HASH_KEY}.
     */
    @Override
    public PickResult pick(RequestContext context) {
      if (none != null) {
        return none;
      }
      long key;
      if (addressFirst ? context.clientAddress() != null : !context.hasHashKey()) {
        if (context.clientAddress() == null) {
          return NO_HASH_KEY;
        }
        key = context.clientAddressHash();
      } else if (context.hasHashKey()) {
        key = context.hashKey();
      } else {
        return NO_HASH_KEY;
      }
      return owners[(int) (find(this, RequestContext.mix64(key)) & OWNER_MASK)];
    }
  }

  private final SchedulingAlgorithm algorithm;
  private final boolean addressFirst;
  private volatile Ring ring;

  RingHashScheduler(SchedulingAlgorithm algorithm) {
    if (algorithm != SchedulingAlgorithm.SOURCE_IP_HASH && algorithm != SchedulingAlgorithm.CONSISTENT_HASH) {
      throw new IllegalArgumentException("algorithm must be sch or tch, was " + algorithm.code());
    }
    this.algorithm = algorithm;
    this.addressFirst = algorithm == SchedulingAlgorithm.SOURCE_IP_HASH;
    this.ring = new Ring(new long[0], new PickResult[0], new int[] {0, 0}, 63,
        PickResult.noBackend(NoBackendReason.NO_BACKENDS), addressFirst);
  }

  @Override
  public SchedulingAlgorithm algorithm() {
    return algorithm;
  }

  @Override
  public PickResult pick(RequestContext context) {
    return ring.pick(context);
  }

  /** The first ring entry at or after hash {@code h}, wrapping to the first entry past the end. */
  private static long find(Ring r, long h) {
    long[] entries = r.entries;
    long target = (h ^ Long.MIN_VALUE) & ~OWNER_MASK; // owner bits 0: any entry at the same position is >=
    int b = (int) (h >>> r.shift);
    int i = r.bucketStart[b];
    int end = r.bucketStart[b + 1];
    while (i < end && entries[i] < target) {
      i++;
    }
    // i == end means the first entry of a later bucket, which is past the target; or the end of the ring.
    return entries[i == entries.length ? 0 : i];
  }

  @Override
  public synchronized Picker update(Collection<Candidate> candidates) {
    CandidateSet set = CandidateSet.of(candidates);
    List<Candidate> eligible = set.eligible;
    if (eligible.size() > MAX_OWNERS) {
      throw new IllegalArgumentException("candidates must have at most " + MAX_OWNERS
          + " eligible backends for " + algorithm.code() + ", was " + eligible.size());
    }
    int largestWeight = 1;
    for (Candidate c : set.all) {
      largestWeight = Math.max(largestWeight, c.weight());
    }
    PickResult[] owners = new PickResult[eligible.size()];
    int[] replicas = new int[eligible.size()];
    int points = 0;
    for (int i = 0; i < owners.length; i++) {
      owners[i] = PickResult.of(eligible.get(i));
      int weight = eligible.get(i).weight();
      replicas[i] = Math.max(1, (POINTS_AT_LARGEST_WEIGHT * weight + largestWeight - 1) / largestWeight);
      points += replicas[i];
    }
    long[] entries = new long[points];
    int k = 0;
    for (int i = 0; i < owners.length; i++) {
      Candidate c = eligible.get(i);
      long idHash = RequestContext.hash(c.backend().id());
      for (int replica = 0; replica < replicas[i]; replica++) {
        long position = RequestContext.mix64(idHash + (replica + 1) * 0x9E3779B97F4A7C15L);
        entries[k++] = ((position ^ Long.MIN_VALUE) & ~OWNER_MASK) | i;
      }
    }
    Arrays.sort(entries);
    int bits = Math.max(1, Math.min(MAX_BUCKET_BITS, 32 - Integer.numberOfLeadingZeros(Math.max(1, points))));
    int shift = 64 - bits;
    int[] bucketStart = new int[(1 << bits) + 1];
    int e = 0;
    for (int b = 0; b <= 1 << bits; b++) {
      // Un-flip the sign to recover the unsigned position, whose top bits are the bucket.
      while (e < points && ((entries[e] ^ Long.MIN_VALUE) >>> shift) < b) {
        e++;
      }
      bucketStart[b] = e;
    }
    Ring next = new Ring(entries, owners, bucketStart, shift, set.none, addressFirst);
    ring = next;
    return next;
  }

  /** Ring size in points; for tests. */
  int points() {
    return ring.entries.length;
  }

  @Override
  public String toString() {
    return algorithm.code() + " scheduler, " + ring.owners.length + " eligible, " + ring.entries.length
        + " points";
  }
}
