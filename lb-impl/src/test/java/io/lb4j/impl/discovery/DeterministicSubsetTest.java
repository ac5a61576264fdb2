package io.lb4j.impl.discovery;

import static org.assertj.core.api.Assertions.assertThat;

import io.lb4j.api.Backend;
import io.lb4j.api.discovery.SubsetPolicy;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class DeterministicSubsetTest {

  private static final int[] CLIENTS = {1, 2, 3, 7, 10, 33, 100, 257};
  private static final int[] SIZES = {1, 2, 3, 5, 8, 13, 20};

  private static List<Backend> fleet(int m, String prefix) {
    List<Backend> backends = new ArrayList<>();
    for (int i = 0; i < m; i++) {
      backends.add(Backend.of(prefix + i, "10.0." + (i / 250) + "." + (i % 250 + 1), 8080));
    }
    return backends;
  }

  private static List<Set<String>> subsets(int clients, int k, List<Backend> backends, String salt) {
    List<Set<String>> all = new ArrayList<>();
    for (int c = 0; c < clients; c++) {
      Set<String> ids = new HashSet<>();
      for (Backend b : DeterministicSubset.subset(SubsetPolicy.byIndex(c, clients, k).withSalt(salt), backends)) {
        ids.add(b.id());
      }
      all.add(ids);
    }
    return all;
  }

  /**
   * The SRE book's algorithm as printed, for comparison: the backends (here in id order) shuffled with a
   * random generator seeded by the round, cut into floor(M / k) subsets of k, leftovers unused.
   */
  private static List<Set<String>> bookSubsets(int clients, int k, List<Backend> backends) {
    List<String> ids = new ArrayList<>(backends.stream().map(Backend::id).sorted().toList());
    int subsetCount = ids.size() / k;
    List<Set<String>> all = new ArrayList<>();
    for (int c = 0; c < clients; c++) {
      List<String> shuffled = new ArrayList<>(ids);
      java.util.Collections.shuffle(shuffled, new java.util.Random(c / subsetCount));
      int start = (c % subsetCount) * k;
      all.add(new HashSet<>(shuffled.subList(start, start + k)));
    }
    return all;
  }

  private static long replaced(List<Set<String>> old, List<Set<String>> now) {
    long n = 0;
    for (int c = 0; c < old.size(); c++) {
      Set<String> diff = new HashSet<>(now.get(c));
      diff.removeAll(old.get(c));
      n += diff.size();
    }
    return n;
  }

  private static Map<String, Integer> counts(List<Set<String>> subsets, List<Backend> backends) {
    Map<String, Integer> counts = new HashMap<>();
    backends.forEach(b -> counts.put(b.id(), 0));
    subsets.forEach(s -> s.forEach(id -> counts.merge(id, 1, Integer::sum)));
    return counts;
  }

  @Test
  void byIndex_everyBackendsClientCountIsWithinOneOfEveryOthers_forManyFleets() {
    int fleets = 0;
    for (int clients : CLIENTS) {
      for (int m = 1; m <= 64; m += (m < 24 ? 1 : 7)) {
        for (int k : SIZES) {
          List<Backend> backends = fleet(m, "b");
          List<Set<String>> subsets = subsets(clients, k, backends, "");
          Map<String, Integer> counts = counts(subsets, backends);
          int min = counts.values().stream().mapToInt(Integer::intValue).min().orElseThrow();
          int max = counts.values().stream().mapToInt(Integer::intValue).max().orElseThrow();
          String fleet = clients + " clients, " + m + " backends, k=" + k;
          assertThat(max - min).as(fleet).isLessThanOrEqualTo(1);
          int perRound = Math.max(1, m / k);
          assertThat(min).as(fleet).isEqualTo(m <= k ? clients : clients / perRound);
          int largest = m <= k ? m : (m + perRound - 1) / perRound;
          for (Set<String> s : subsets) {
            assertThat(s.size()).as(fleet).isBetween(Math.min(k, m), largest);
            if (m >= k * k) {
              assertThat(s.size()).as(fleet).isBetween(k, k + 1);
            }
          }
          fleets++;
        }
      }
    }
    assertThat(fleets).isEqualTo(CLIENTS.length * 29 * SIZES.length);
  }

  @Test
  void byIndex_isDeterministicKeepsMembershipOrderAndDiffersBySalt() {
    List<Backend> backends = fleet(30, "web-");
    List<Backend> first = DeterministicSubset.subset(SubsetPolicy.byIndex(4, 20, 5), backends);
    assertThat(DeterministicSubset.subset(SubsetPolicy.byIndex(4, 20, 5), List.copyOf(backends))).isEqualTo(first);
    assertThat(first).hasSize(5).isSortedAccordingTo((a, b) -> backends.indexOf(a) - backends.indexOf(b));
    List<Backend> reversed = new ArrayList<>(backends);
    java.util.Collections.reverse(reversed);
    assertThat(DeterministicSubset.subset(SubsetPolicy.byIndex(4, 20, 5), reversed))
        .as("the membership's order does not change who is chosen").containsExactlyInAnyOrderElementsOf(first);
    assertThat(subsets(20, 5, backends, "checkout")).as("another fleet shuffles otherwise")
        .isNotEqualTo(subsets(20, 5, backends, ""));
    assertThat(max(counts(subsets(20, 5, backends, "checkout"), backends)) - min(counts(subsets(20, 5, backends,
        "checkout"), backends))).isLessThanOrEqualTo(1);
  }

  @Test
  void smallMemberships_areUsedWhole() {
    assertThat(DeterministicSubset.subset(SubsetPolicy.byIndex(0, 3, 5), fleet(5, "b"))).hasSize(5);
    assertThat(DeterministicSubset.subset(SubsetPolicy.byIndex(2, 3, 5), fleet(2, "b"))).hasSize(2);
    assertThat(DeterministicSubset.subset(SubsetPolicy.byIndex(2, 3, 5), List.of())).isEmpty();
    assertThat(DeterministicSubset.subset(SubsetPolicy.byClientId("gw", 1), fleet(1, "b"))).hasSize(1);
    assertThat(DeterministicSubset.subset(SubsetPolicy.byIndex(5, 6, 1), fleet(6, "b"))).hasSize(1);
  }

  /**
   * The movement bound of the class javadoc: while floor(M / k) stays, a removal or an addition makes each
   * client drop at most one backend and gain at most one, besides the removed or added one. Also measures how
   * many clients change at all (printed, and held under a loose bound).
   */
  @Test
  void byIndex_oneBackendRemovedOrAdded_eachClientChangesAtMostOneBackend() {
    SplittableRandom random = new SplittableRandom(7);
    int cases = 0;
    long clientsChanged = 0;
    long clientsTotal = 0;
    long connectionsChanged = 0;
    long connectionsTotal = 0;
    long bookReplaced = 0;
    long bookTotal = 0;
    for (int clients : new int[] {10, 33, 100, 300}) {
      for (int m = 6; m <= 120; m += 3) {
        for (int k : new int[] {2, 3, 5, 8, 13}) {
          if (m <= k + 1) {
            continue;
          }
          List<Backend> before = fleet(m, "b");
          boolean remove = random.nextBoolean();
          List<Backend> after = new ArrayList<>(before);
          String changedId;
          if (remove) {
            changedId = after.remove(random.nextInt(m)).id();
          } else {
            changedId = "new-" + cases;
            after.add(random.nextInt(m + 1), Backend.of(changedId, "10.9.9.9", 8080));
          }
          if (before.size() / k != after.size() / k) {
            continue; // the rounds are cut anew: no bound claimed
          }
          List<Set<String>> old = subsets(clients, k, before, "");
          List<Set<String>> now = subsets(clients, k, after, "");
          for (int c = 0; c < clients; c++) {
            Set<String> dropped = new HashSet<>(old.get(c));
            dropped.removeAll(now.get(c));
            dropped.remove(changedId);
            Set<String> gained = new HashSet<>(now.get(c));
            gained.removeAll(old.get(c));
            gained.remove(changedId);
            String what = clients + " clients, " + m + " backends, k=" + k + ", client " + c;
            assertThat(dropped).as(what).hasSizeLessThanOrEqualTo(1);
            assertThat(gained).as(what).hasSizeLessThanOrEqualTo(1);
            if (!old.get(c).equals(now.get(c))) {
              clientsChanged++;
            }
            Set<String> diff = new HashSet<>(now.get(c));
            diff.removeAll(old.get(c));
            connectionsChanged += diff.size();
            connectionsTotal += old.get(c).size();
          }
          clientsTotal += clients;
          bookReplaced += replaced(bookSubsets(clients, k, before), bookSubsets(clients, k, after));
          bookTotal += (long) clients * k;
          cases++;
        }
      }
    }
    double clientShare = (double) clientsChanged / clientsTotal;
    double connectionShare = (double) connectionsChanged / connectionsTotal;
    double bookShare = (double) bookReplaced / bookTotal;
    System.out.printf("subset movement by index over %d fleets: %.1f%% of clients changed, %.1f%% of connections"
        + " replaced; the book's algorithm replaced %.1f%%%n", cases, 100 * clientShare, 100 * connectionShare,
        100 * bookShare);
    assertThat(connectionShare).as("far fewer than the book's shuffle").isLessThan(bookShare / 4);
    assertThat(cases).isGreaterThan(300);
    assertThat(connectionShare).as("at most one new connection per client, fewer on average")
        .isLessThan(0.25);
  }

  @Test
  void byClientId_removalMovesOnlyTheClientsOfTheRemovedBackend_additionOnlyThoseThatRankItHigh() {
    List<Backend> before = fleet(50, "b");
    List<Backend> after = new ArrayList<>(before);
    after.remove(17);
    List<Backend> grown = new ArrayList<>(before);
    grown.add(Backend.of("new", "10.9.9.9", 8080));
    int affected = 0;
    for (int c = 0; c < 500; c++) {
      SubsetPolicy p = SubsetPolicy.byClientId("gw-" + c, 5);
      Set<Backend> old = new HashSet<>(DeterministicSubset.subset(p, before));
      Set<Backend> removed = new HashSet<>(DeterministicSubset.subset(p, after));
      Set<Backend> added = new HashSet<>(DeterministicSubset.subset(p, grown));
      assertThat(removed).hasSize(5);
      if (old.contains(before.get(17))) {
        affected++;
        Set<Backend> kept = new HashSet<>(old);
        kept.remove(before.get(17));
        assertThat(removed).containsAll(kept);
      } else {
        assertThat(removed).isEqualTo(old);
      }
      Set<Backend> lost = new HashSet<>(old);
      lost.removeAll(added);
      if (added.stream().anyMatch(b -> b.id().equals("new"))) {
        assertThat(lost).hasSize(1);
      } else {
        assertThat(added).isEqualTo(old);
      }
    }
    assertThat(affected).as("about 500 x 5 / 50").isBetween(25, 80);
  }

  @Test
  void byClientId_isBalancedOnAverage() {
    List<Backend> backends = fleet(100, "b");
    Map<String, Integer> counts = new HashMap<>();
    for (int c = 0; c < 1000; c++) {
      DeterministicSubset.subset(SubsetPolicy.byClientId("host-" + c + ".example", 10), backends)
          .forEach(b -> counts.merge(b.id(), 1, Integer::sum));
    }
    // Each backend expects 100 clients, binomial with a standard deviation of 9.5: five of them either side.
    assertThat(counts).hasSize(100);
    assertThat(min(counts)).isGreaterThan(52);
    assertThat(max(counts)).isLessThan(148);
  }

  @Test
  void hash_isStableAcrossRuns() {
    assertThat(DeterministicSubset.hash("")).isEqualTo(DeterministicSubset.mix(0xcbf29ce484222325L));
    assertThat(DeterministicSubset.hash("web-1")).isEqualTo(DeterministicSubset.hash(new String("web-1")))
        .isNotEqualTo(DeterministicSubset.hash("web-2"));
  }

  private static int min(Map<String, Integer> counts) {
    return counts.values().stream().mapToInt(Integer::intValue).min().orElseThrow();
  }

  private static int max(Map<String, Integer> counts) {
    return counts.values().stream().mapToInt(Integer::intValue).max().orElseThrow();
  }
}
