package io.lb4j.impl.discovery;

import io.lb4j.api.Backend;
import io.lb4j.api.discovery.SubsetPolicy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Deterministic subsetting (Google SRE book, "Load Balancing in the Datacenter"): a pure function from a
 * {@link SubsetPolicy} and the whole membership to the backends this client uses. Every client computes its
 * own subset from the same inputs, with no coordination.
 *
 * <p><b>By index</b> ({@link SubsetPolicy#byIndex}): with {@code M} backends and subset size {@code k},
 * each round has {@code S = floor(M / k)} subsets; client {@code i} is in round {@code i / S} and takes subset
 * {@code i % S} of that round. A round is a shuffle of the backends, ordered by a 64-bit hash of the round,
 * the salt and each backend's id, cut into {@code S} consecutive slices of {@code floor(M / S)} backends or
 * one more, so every backend is in exactly one slice of every round. A subset thus has {@code k} or
 * {@code k + 1} backends once {@code M >= k * k}, and at most {@code ceil(M / S) < 2k} below. (The book leaves
 * the {@code M mod k} backends left over out of each round; taking them in instead is what makes the next
 * bound exact.)
 * <ul>
 *   <li><b>Balance.</b> With {@code N} clients, every backend has {@code floor(N / S)} or one more client:
 *       the first {@code floor(N / S)} rounds are complete and give each backend one client each, and the
 *       last, partial round gives some backends one more. So the client counts of any two backends differ by
 *       at most 1.
 *   <li><b>Movement.</b> The shuffle orders backends by a hash of their own id, so removing or adding one
 *       backend leaves the others in the same relative order in every round; while {@code floor(M / k)} stays
 *       the same, each slice moves by at most one position at either end. So each client drops at most one
 *       backend and gains at most one, besides the one removed or added. ({@code DeterministicSubsetTest}
 *       checks this for thousands of fleets and measures how many clients change.) When {@code floor(M / k)}
 *       changes, once every {@code k} backends added or removed, the rounds are cut anew and most subsets
 *       change.
 * </ul>
 *
 * <p><b>By client id</b> ({@link SubsetPolicy#byClientId}): without indexes no round can be shared, so each
 * client takes the {@code k} backends with the highest hash of (salt, client id, backend id): rendezvous
 * hashing. Backends are then balanced only on average (each client's choice is an independent random
 * {@code k}-subset), but movement is the least possible: a removed backend's clients each take one other
 * backend, an added backend takes one place from each client that ranks it in its top {@code k}, and no
 * other client changes.
 *
 * <p>The subset keeps the membership's order. Thread-safe (stateless); each call sorts the membership once,
 * {@code O(M log M)}.
 */
public final class DeterministicSubset {

  private DeterministicSubset() {}

  /**
   * The backends this client uses.
   *
   * @param policy who the client is and how many backends it uses
   * @param backends the whole membership, ids unique
   * @return the subset in the membership's order; the whole membership when it has at most
   *     {@code subsetSize} backends
   */
  public static List<Backend> subset(SubsetPolicy policy, List<Backend> backends) {
    Objects.requireNonNull(policy, "policy");
    int m = backends.size();
    int k = policy.subsetSize();
    if (m <= k) {
      return List.copyOf(backends);
    }
    long salt = hash(policy.salt());
    Set<Backend> chosen = policy.byIndex()
        ? slice(policy.clientIndex(), k, salt, backends)
        : topByRendezvous(hash(policy.clientId()), k, salt, backends);
    List<Backend> subset = new ArrayList<>(chosen.size());
    for (Backend b : backends) {
      if (chosen.contains(b)) {
        subset.add(b);
      }
    }
    return subset;
  }

  /** The slice of client {@code index}'s round that is its subset. */
  private static Set<Backend> slice(int index, int k, long salt, List<Backend> backends) {
    int m = backends.size();
    int subsetsPerRound = m / k;
    int base = m / subsetsPerRound; // k, or more when m < k * k
    int extra = m % subsetsPerRound; // the first `extra` slices hold one more
    int round = index / subsetsPerRound;
    int j = index % subsetsPerRound;
    int start = j * base + Math.min(j, extra);
    int size = base + (j < extra ? 1 : 0);
    Backend[] order = shuffle(backends, mix(salt ^ mix(round + 0x9E3779B97F4A7C15L)));
    return new HashSet<>(Arrays.asList(order).subList(start, start + size));
  }

  /** The backends ordered by the hash of (seed, id): a shuffle in which each backend's place depends on its id. */
  private static Backend[] shuffle(List<Backend> backends, long seed) {
    int m = backends.size();
    long[] keys = new long[m];
    Integer[] order = new Integer[m];
    for (int i = 0; i < m; i++) {
      keys[i] = mix(seed ^ hash(backends.get(i).id()));
      order[i] = i;
    }
    Arrays.sort(order, (x, y) -> {
      int c = Long.compareUnsigned(keys[x], keys[y]);
      return c != 0 ? c : backends.get(x).id().compareTo(backends.get(y).id());
    });
    Backend[] shuffled = new Backend[m];
    for (int i = 0; i < m; i++) {
      shuffled[i] = backends.get(order[i]);
    }
    return shuffled;
  }

  /** The {@code k} backends whose hash with the client is highest. */
  private static Set<Backend> topByRendezvous(long client, int k, long salt, List<Backend> backends) {
    Backend[] order = shuffle(backends, mix(salt ^ mix(client)));
    // shuffle sorts ascending: the top k are the last k
    return new HashSet<>(Arrays.asList(order).subList(order.length - k, order.length));
  }

  /** FNV-1a over the string's UTF-16 code units, then {@link #mix}: stable across JVMs and runs. */
  static long hash(String s) {
    long h = 0xcbf29ce484222325L;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      h = (h ^ (c & 0xff)) * 0x100000001b3L;
      h = (h ^ (c >>> 8)) * 0x100000001b3L;
    }
    return mix(h);
  }

  /** MurmurHash3's 64-bit finalizer: every input bit affects every output bit. */
  static long mix(long z) {
    z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
    z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
    return z ^ (z >>> 33);
  }
}
