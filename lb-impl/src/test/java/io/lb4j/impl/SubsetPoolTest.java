package io.lb4j.impl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lb4j.api.Backend;
import io.lb4j.api.BackendView;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.LoadBalancerEvent;
import io.lb4j.api.PoolSettings;
import io.lb4j.api.discovery.SubsetPolicy;
import io.lb4j.api.health.HealthCheckPolicy;
import io.lb4j.impl.discovery.DeterministicSubset;
import io.lb4j.testing.HttpTestBackend;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Deterministic subsetting through the pool: what the pool is given (fixed, set, added, from a source) is
 * cut to this client's subset before it becomes members, so the view, the balancing and the health checks
 * cover the subset; many clients over the same backends spread evenly; a membership change moves few.
 */
class SubsetPoolTest {

  private final ManualTimeSource time = ManualTimeSource.startingAt(Instant.parse("2030-01-01T00:00:00Z"));
  private final List<AutoCloseable> resources = new ArrayList<>();

  @AfterEach
  void close() throws Exception {
    for (int i = resources.size() - 1; i >= 0; i--) {
      resources.get(i).close();
    }
  }

  private static List<Backend> fleet(int m) {
    List<Backend> backends = new ArrayList<>();
    for (int i = 0; i < m; i++) {
      backends.add(Backend.of("b" + i, "10.0." + (i / 250) + "." + (i % 250 + 1), 8080));
    }
    return backends;
  }

  private LoadBalancer client(SubsetPolicy policy, List<Backend> backends) {
    LoadBalancer lb = LoadBalancers.builder().healthCheck(HealthCheckPolicy.disabled()).subset(policy)
        .backends(backends).timeSource(time).build().start();
    resources.add(lb);
    return lb;
  }

  private static Set<String> ids(LoadBalancer lb) {
    return lb.view().stream().map(v -> v.backend().id()).collect(Collectors.toCollection(LinkedHashSet::new));
  }

  private static Set<String> ids(List<Backend> backends) {
    return backends.stream().map(Backend::id).collect(Collectors.toCollection(LinkedHashSet::new));
  }

  @Test
  void theView_isThisClientsSubset_andTheStatusCountsTheWholeMembership() {
    List<Backend> all = fleet(30);
    SubsetPolicy policy = SubsetPolicy.byIndex(4, 12, 5);
    LoadBalancer lb = client(policy, all);
    assertThat(ids(lb)).isEqualTo(ids(DeterministicSubset.subset(policy, all)));
    SubsetStatus status = LoadBalancers.subsetStatus(lb).orElseThrow();
    assertThat(status.membership()).isEqualTo(30);
    assertThat(status.subset()).isEqualTo(5);
    assertThat(status.clientsPerBackend()).isEqualTo(2.0); // 12 clients x 5 / 30
    assertThat(lb.settings().subset()).contains(policy);
  }

  @Test
  void manyClients_spreadOverTheBackends_withinOneClientOfEachOther() {
    List<Backend> all = fleet(40);
    int clients = 24;
    Map<String, Integer> clientsOf = new HashMap<>();
    for (int i = 0; i < clients; i++) {
      for (String id : ids(client(SubsetPolicy.byIndex(i, clients, 6), all))) {
        clientsOf.merge(id, 1, Integer::sum);
      }
    }
    assertThat(clientsOf.keySet()).hasSize(40);
    // 24 clients x 6 / 40 = 3.6: every backend has 3 or 4 clients, where all 24 would have without subsets.
    assertThat(clientsOf.values()).allSatisfy(n -> assertThat(n).isBetween(3, 4));
  }

  @Test
  void aMembershipChange_movesAtMostOneBackendInAndOneOutPerClient() {
    List<Backend> all = fleet(40);
    int clients = 24;
    List<LoadBalancer> pools = new ArrayList<>();
    List<Set<String>> before = new ArrayList<>();
    List<ConcurrentLinkedQueue<LoadBalancerEvent.MembershipChanged>> changes = new ArrayList<>();
    for (int i = 0; i < clients; i++) {
      LoadBalancer lb = client(SubsetPolicy.byIndex(i, clients, 6), all);
      ConcurrentLinkedQueue<LoadBalancerEvent.MembershipChanged> events = new ConcurrentLinkedQueue<>();
      lb.onMembershipChanged(events::add);
      pools.add(lb);
      before.add(ids(lb));
      changes.add(events);
    }
    List<Backend> lessOne = new ArrayList<>(all);
    Backend gone = lessOne.remove(17);
    int replaced = 0;
    for (int i = 0; i < clients; i++) {
      pools.get(i).setBackends(lessOne);
      Set<String> after = ids(pools.get(i));
      Set<String> out = new HashSet<>(before.get(i));
      out.removeAll(after);
      out.remove(gone.id());
      Set<String> in = new HashSet<>(after);
      in.removeAll(before.get(i));
      assertThat(out).as("client %d drops", i).hasSizeLessThanOrEqualTo(1);
      assertThat(in).as("client %d gains", i).hasSizeLessThanOrEqualTo(1);
      assertThat(changes.get(i)).as("client %d's membership events", i).hasSizeLessThanOrEqualTo(3);
      assertThat(after).doesNotContain(gone.id());
      Set<String> added = new HashSet<>(after);
      added.removeAll(before.get(i));
      replaced += added.size();
    }
    // Each client replaces at most one of its 6 connections (the book's reshuffle replaces most of them):
    // fewer than 15% of the fleet's 144 connections are new.
    assertThat(replaced).isLessThan(clients * 6 * 15 / 100);
  }

  @Test
  void healthChecks_probeTheSubsetOnly() throws Exception {
    List<HttpTestBackend> servers = new ArrayList<>();
    List<Backend> all = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      HttpTestBackend b = HttpTestBackend.builder("h" + i).build().start();
      resources.add(b);
      servers.add(b);
      all.add(Backend.of(b.name(), b.host(), b.port()));
    }
    SubsetPolicy policy = SubsetPolicy.byIndex(1, 3, 2);
    Set<String> subset = ids(DeterministicSubset.subset(policy, all));
    LoadBalancer lb = LoadBalancers.builder().healthCheck(HealthCheckPolicy.builder()
        .type(io.lb4j.api.health.HealthCheckType.HTTP).path("/health").interval(Duration.ofMillis(100))
        .healthyThreshold(1).build()).subset(policy).backends(all).build().start();
    resources.add(lb);
    assertThat(lb.awaitHealthy(subset.size(), Duration.ofSeconds(30))).isTrue();
    // Three rounds of probes of every backend in the subset: had the others been checked, they would have been
    // probed by now too (same interval, same loop).
    Await.until("three probes of each backend of the subset", () -> servers.stream()
        .filter(s -> subset.contains(s.name())).allMatch(s -> s.healthChecks().count() >= 3));
    for (HttpTestBackend s : servers) {
      if (!subset.contains(s.name())) {
        assertThat(s.healthChecks().count()).as("probes of %s, outside the subset", s.name()).isZero();
      }
    }
  }

  @Test
  void addRemoveAndWeights_workOnTheWholeMembership() {
    List<Backend> all = fleet(12);
    SubsetPolicy policy = SubsetPolicy.byIndex(0, 4, 3);
    LoadBalancer lb = client(policy, all);
    Set<String> subset = ids(lb);
    String outside = all.stream().map(Backend::id).filter(id -> !subset.contains(id)).findFirst().orElseThrow();

    lb.setWeight(outside, 7); // a backend given but not used: its weight is kept for when the subset moves
    assertThat(ids(lb)).isEqualTo(subset);
    assertThatThrownBy(() -> lb.addBackend(Backend.of(outside, "10.9.9.9", 8080)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("backend.id must be unique in the pool, was '" + outside + "' (already a member)");
    assertThatThrownBy(() -> lb.setWeight("nobody", 7)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("backendId must name a member of the pool, was 'nobody'");
    assertThat(lb.removeBackend("nobody")).isFalse();

    lb.addBackend(Backend.of("new", "10.9.9.9", 8080));
    assertThat(LoadBalancers.subsetStatus(lb).orElseThrow().membership()).isEqualTo(13);
    List<Backend> withNew = new ArrayList<>(all);
    withNew.add(Backend.of("new", "10.9.9.9", 8080)); // the subset depends on ids only
    assertThat(ids(lb)).isEqualTo(ids(DeterministicSubset.subset(policy, withNew)));

    assertThat(lb.removeBackend(outside)).isTrue(); // given, outside the subset: it leaves the membership
    assertThat(LoadBalancers.subsetStatus(lb).orElseThrow().membership()).isEqualTo(12);
    for (BackendView v : lb.view()) {
      assertThat(v.backend().id()).isNotEqualTo(outside);
    }
  }

  @Test
  void aSourcesLists_areCutToTheSubset() {
    ScriptedSource source = new ScriptedSource();
    SubsetPolicy policy = SubsetPolicy.byClientId("gateway-7", 4);
    LoadBalancer lb = LoadBalancers.builder().settings(PoolSettings.builder().healthCheck(HealthCheckPolicy.disabled()).subset(policy).build())
        .backendSource(source).timeSource(time).build().start();
    resources.add(lb);
    List<Backend> all = fleet(20);
    source.deliver(all);
    time.advance(Duration.ZERO);
    assertThat(ids(lb)).isEqualTo(ids(DeterministicSubset.subset(policy, all)));
    assertThat(lb.sourceState().orElseThrow().backends()).isEqualTo(20);
    assertThat(LoadBalancers.subsetStatus(lb).orElseThrow().subset()).isEqualTo(4);
    assertThat(LoadBalancers.subsetStatus(lb).orElseThrow().clientsPerBackend()).isEqualTo(-1);
  }

  @Test
  void withoutSubsetting_thereIsNoStatus() {
    LoadBalancer lb = LoadBalancers.builder().healthCheck(HealthCheckPolicy.disabled()).backends(fleet(3))
        .timeSource(time).build();
    resources.add(lb);
    assertThat(LoadBalancers.subsetStatus(lb)).isEmpty();
    assertThatThrownBy(() -> PoolSettings.builder().subset(null)).isInstanceOf(NullPointerException.class)
        .hasMessage("pool.subset");
  }
}
