package io.lb4j.impl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lb4j.api.Backend;
import io.lb4j.api.BackendState;
import io.lb4j.api.BackendView;
import io.lb4j.api.Listener;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.LoadBalancerEvent;
import io.lb4j.api.LoadBalancerEvent.MembershipChange;
import io.lb4j.api.LoadBalancerEvent.MembershipChanged;
import io.lb4j.api.Protocol;
import io.lb4j.api.RequestContext;
import io.lb4j.api.Selection;
import io.lb4j.api.Subscription;
import io.lb4j.api.health.HealthCheckPolicy;
import io.lb4j.api.health.HealthStatus;
import io.lb4j.api.scheduler.Candidate;
import io.lb4j.api.scheduler.NoBackendReason;
import io.lb4j.api.scheduler.PickResult;
import io.lb4j.api.scheduler.Picker;
import io.lb4j.api.scheduler.Scheduler;
import io.lb4j.api.scheduler.SchedulingAlgorithm;
import io.lb4j.testing.TcpTestBackend;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The 0.2.0 pool API: whole-list updates, enable/disable, readiness, custom schedulers, client pools. */
class PoolApiTest {

  private static final HealthCheckPolicy FAST_TCP = HealthCheckPolicy.builder()
      .interval(Duration.ofMillis(20)).responseTimeout(Duration.ofSeconds(5))
      .unhealthyThreshold(1).healthyThreshold(1).build();

  private final List<AutoCloseable> closeables = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = closeables.size() - 1; i >= 0; i--) {
      closeables.get(i).close();
    }
  }

  private <T extends AutoCloseable> T closing(T c) {
    closeables.add(c);
    return c;
  }

  /** A scheduler written here, as a user would: first eligible candidate, counting its updates. */
  static final class FirstEligibleScheduler implements Scheduler {
    final AtomicInteger updates = new AtomicInteger();
    volatile List<Candidate> candidates = List.of();

    @Override
    public SchedulingAlgorithm algorithm() {
      return SchedulingAlgorithm.ROUND_ROBIN;
    }

    @Override
    public PickResult pick(RequestContext context) {
      return pick(candidates);
    }

    private static PickResult pick(List<Candidate> from) {
      for (Candidate c : from) {
        if (c.eligible()) {
          return PickResult.of(c);
        }
      }
      return PickResult.noBackend(from.isEmpty() ? NoBackendReason.NO_BACKENDS : NoBackendReason.ALL_UNHEALTHY);
    }

    @Override
    public Picker update(Collection<Candidate> next) {
      updates.incrementAndGet();
      List<Candidate> copy = List.copyOf(next);
      candidates = copy;
      return context -> pick(copy);
    }
  }

  private static List<Backend> numbered(int from, int to, int weight) {
    List<Backend> list = new ArrayList<>();
    for (int i = from; i < to; i++) {
      list.add(Backend.of("b" + i, "127.0.0.1", 1000 + i, weight));
    }
    return list;
  }

  @Test
  void setBackends_appliesTheDiffInOnePublicationWithOneEventPerChange() {
    FirstEligibleScheduler scheduler = new FirstEligibleScheduler();
    LoadBalancer lb = closing(LoadBalancers.builder().healthCheck(HealthCheckPolicy.disabled())
        .scheduler(scheduler).backends(numbered(0, 10, 50)).build());
    List<MembershipChanged> changes = new ArrayList<>();
    lb.onMembershipChanged(changes::add);
    int updatesBefore = scheduler.updates.get();

    List<Backend> next = new ArrayList<>(numbered(2, 10, 50)); // b0, b1 leave
    next.set(0, next.get(0).withWeight(7)); // b2 changes weight
    next.set(1, next.get(1).toBuilder().enabled(false).build()); // b3 disabled
    next.addAll(numbered(10, 12, 50)); // b10, b11 join
    lb.setBackends(next);

    assertThat(scheduler.updates.get() - updatesBefore).isEqualTo(1);
    assertThat(changes).extracting(c -> c.backend().id() + " " + c.change()).containsExactlyInAnyOrder(
        "b0 REMOVED", "b1 REMOVED", "b2 UPDATED", "b3 UPDATED", "b10 ADDED", "b11 ADDED");
    assertThat(lb.view()).extracting(v -> v.backend().id())
        .containsExactly("b2", "b3", "b4", "b5", "b6", "b7", "b8", "b9", "b10", "b11");
    assertThat(scheduler.candidates).extracting(c -> c.backend().id() + "=" + c.weight() + (c.eligible() ? "" : "x"))
        .startsWith("b2=7", "b3=50x", "b4=50");

    changes.clear();
    lb.setBackends(next); // the same list again: nothing changes, nothing is announced
    assertThat(changes).isEmpty();
  }

  @Test
  void setBackends_withDuplicateIds_appliesNothing() {
    LoadBalancer lb = closing(LoadBalancers.builder().healthCheck(HealthCheckPolicy.disabled())
        .backends(numbered(0, 3, 50)).build());
    List<Backend> twice = List.of(Backend.of("x", "127.0.0.1", 1), Backend.of("x", "127.0.0.1", 2));
    assertThatThrownBy(() -> lb.setBackends(twice)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("backends must have unique ids, was 'x' twice");
    assertThat(lb.view()).extracting(v -> v.backend().id()).containsExactly("b0", "b1", "b2");
  }

  @Test
  void setBackends_revivesADrainingBackendAndReplacesOneWhoseAddressChanged() {
    LoadBalancer lb = closing(LoadBalancers.builder().healthCheck(HealthCheckPolicy.disabled())
        .drainTimeout(Duration.ofSeconds(600)).backends(numbered(0, 2, 50)).build());
    Selection open = lb.select(RequestContext.EMPTY);
    String busy = open.backend().id();
    lb.setBackends(List.of(lb.view().stream().map(BackendView::backend).filter(b -> !b.id().equals(busy))
        .findFirst().orElseThrow()));
    assertThat(lb.view()).filteredOn(v -> v.backend().id().equals(busy)).singleElement()
        .extracting(BackendView::state).isEqualTo(BackendState.DRAINING);

    List<MembershipChanged> changes = new ArrayList<>();
    lb.onMembershipChanged(changes::add);
    lb.setBackends(numbered(0, 2, 50));
    assertThat(lb.view()).extracting(BackendView::state).containsOnly(BackendState.ACTIVE);
    assertThat(changes).extracting(c -> c.backend().id() + " " + c.change()).containsExactly(busy + " ADDED");

    changes.clear();
    lb.setBackends(List.of(Backend.of("b0", "127.0.0.2", 5000), Backend.of("b1", "127.0.0.1", 1001, 50)));
    assertThat(changes).extracting(c -> c.backend().authority() + " " + c.change())
        .containsExactly("127.0.0.1:1000 REMOVED", "127.0.0.2:5000 ADDED");
    open.release();
  }

  @Test
  void setEnabled_takesABackendOutOfRotationAndBack() {
    LoadBalancer lb = closing(LoadBalancers.builder().healthCheck(HealthCheckPolicy.disabled())
        .backends(numbered(0, 2, 50)).build());
    List<MembershipChanged> changes = new ArrayList<>();
    lb.onMembershipChanged(changes::add);

    lb.setEnabled("b0", false);
    lb.setEnabled("b0", false); // no change, no event
    for (int i = 0; i < 10; i++) {
      try (Selection s = lb.select(RequestContext.EMPTY)) {
        assertThat(s.backend().id()).isEqualTo("b1");
      }
    }
    lb.setEnabled("b0", true);
    assertThat(changes).extracting(c -> c.backend().enabled() + " " + c.change())
        .containsExactly("false UPDATED", "true UPDATED");
    assertThat(selectIds(lb, 10)).contains("b0", "b1");
    assertThatThrownBy(() -> lb.setEnabled("nope", true)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("backendId must name a member of the pool, was 'nope'");
  }

  private static List<String> selectIds(LoadBalancer lb, int n) {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      try (Selection s = lb.select(RequestContext.EMPTY)) {
        ids.add(s.backend().id());
      }
    }
    return ids;
  }

  @Test
  void whenReady_completesOnceACheckPassesWithoutBlockingTheCaller() throws Exception {
    TcpTestBackend a = closing(TcpBackend.start("127.0.0.1"));
    LoadBalancer lb = closing(LoadBalancers.builder().healthCheck(FAST_TCP)
        .backend(Backend.of("a", a.host(), a.port())).build());
    CompletableFuture<Void> ready = lb.whenReady();
    assertThat(ready).isNotDone(); // nothing checked before start
    lb.start();
    ready.get(30, TimeUnit.SECONDS);
    assertThat(lb.select(RequestContext.EMPTY).hasBackend()).isTrue();
    assertThat(lb.whenReady()).isCompleted();

    CompletableFuture<Void> cancelled = lb.whenReady();
    cancelled.cancel(false);
    assertThat(lb.whenReady()).isCompleted(); // one caller's cancel affects no other
  }

  @Test
  void whenReady_failsWhenTheBalancerClosesFirst() {
    LoadBalancer lb = LoadBalancers.builder().healthCheck(FAST_TCP)
        .backend(Backend.of("a", "127.0.0.1", 1)).build();
    CompletableFuture<Void> ready = lb.whenReady();
    lb.close();
    assertThatThrownBy(() -> ready.get(30, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
        .hasCauseInstanceOf(IllegalStateException.class)
        .hasRootCauseMessage("load balancer 'client' is closed");
    assertThat(lb.whenReady()).isCompletedExceptionally();
  }

  @Test
  void customScheduler_getsHealthAndDrainingFromThePool() {
    TcpTestBackend a = closing(TcpBackend.start("127.0.0.1"));
    FirstEligibleScheduler scheduler = new FirstEligibleScheduler();
    LoadBalancer lb = closing(LoadBalancers.builder().healthCheck(FAST_TCP).scheduler(scheduler)
        .backend(Backend.of("dead", "127.0.0.1", closedPort()))
        .backend(Backend.of("a", a.host(), a.port())).build().start());
    Await.until("a healthy", () -> lb.view().stream()
        .anyMatch(v -> v.backend().id().equals("a") && v.health() == HealthStatus.HEALTHY));
    // "dead" comes first in the list, but the pool tells the scheduler it is not eligible.
    assertThat(selectIds(lb, 5)).containsOnly("a");
    lb.setWeight("a", 0);
    assertThat(lb.select(RequestContext.EMPTY).reason()).isEqualTo(NoBackendReason.ALL_UNHEALTHY);
  }

  @Test
  void clientBuilder_needsNoListener() {
    LoadBalancer lb = closing(LoadBalancers.builder().name("orders")
        .scheduler(SchedulingAlgorithm.ROUND_ROBIN).healthCheck(HealthCheckPolicy.disabled())
        .backends(numbered(0, 2, 100)).build());
    assertThat(lb.listener()).isNull();
    assertThat(lb.name()).isEqualTo("orders");
    assertThat(lb.healthCheck()).isEqualTo(HealthCheckPolicy.disabled());
    assertThat(selectIds(lb, 4)).containsOnly("b0", "b1").hasSize(4);
    assertThatThrownBy(() -> LoadBalancers.builder().name("no spaces"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("pool.name must be 1-80 characters of A-Z a-z 0-9 '-' '_' '.', was 'no spaces' "
            + "(character ' ' at index 2 is not allowed)");
    assertThatThrownBy(() -> LoadBalancers.builder().drainTimeout(Duration.ofSeconds(901)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("pool.drainTimeout must be 0 (off) or between 10ms and 900s, was 901s");
    assertThatThrownBy(() -> LoadBalancers.builder().healthCheck(null))
        .isInstanceOf(NullPointerException.class).hasMessage("pool.healthCheck");
    Listener listener = Listener.builder("web", Protocol.HTTP, 0).build();
    assertThatThrownBy(() -> LoadBalancers.builder(listener).healthCheck(HealthCheckPolicy.disabled()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("healthCheck of a listener's pool is set on the listener, not the pool builder");
  }

  @Test
  void typedSubscriptions_receiveOnlyTheirTypeAndTheSameConsumerTwiceGetsEventsTwice() {
    LoadBalancer lb = closing(LoadBalancers.builder().healthCheck(HealthCheckPolicy.disabled()).build());
    ConcurrentLinkedQueue<Object> seen = new ConcurrentLinkedQueue<>();
    Subscription first = lb.onMembershipChanged(seen::add);
    Subscription second = lb.onMembershipChanged(seen::add);
    Subscription health = lb.onHealthChanged(seen::add);
    lb.select(RequestContext.EMPTY); // a NoEligibleBackend event: no typed subscriber wants it
    lb.addBackend(Backend.of("a", "127.0.0.1", 1));
    assertThat(seen).hasSize(2).allMatch(e -> e instanceof MembershipChanged);

    first.close();
    first.close(); // idempotent
    lb.removeBackend("a");
    assertThat(seen).hasSize(3);
    second.close();
    health.close();
    lb.addBackend(Backend.of("b", "127.0.0.1", 2));
    assertThat(seen).hasSize(3);
  }

  @Test
  void activeConnections_areCountedOnceWhateverTheScheduler() throws Exception {
    for (SchedulingAlgorithm algorithm : List.of(SchedulingAlgorithm.WEIGHTED_LEAST_CONNECTIONS,
        SchedulingAlgorithm.WEIGHTED_ROUND_ROBIN)) {
      LoadBalancer lb = closing(LoadBalancers.builder().scheduler(algorithm).healthCheck(HealthCheckPolicy.disabled())
          .backends(numbered(0, 4, 100)).build());
      ExecutorService pool = Executors.newFixedThreadPool(4);
      try {
        List<Future<List<Selection>>> opened = new ArrayList<>();
        CyclicBarrier go = new CyclicBarrier(4);
        for (int t = 0; t < 4; t++) {
          opened.add(pool.submit(() -> {
            go.await(30, TimeUnit.SECONDS);
            List<Selection> mine = new ArrayList<>();
            for (int i = 0; i < 1_000; i++) {
              mine.add(lb.select(RequestContext.EMPTY));
            }
            return mine;
          }));
        }
        List<Selection> all = new ArrayList<>();
        for (Future<List<Selection>> f : opened) {
          all.addAll(f.get(30, TimeUnit.SECONDS));
        }
        assertThat(lb.view().stream().mapToInt(BackendView::activeConnections).sum()).as("%s", algorithm)
            .isEqualTo(4_000);
        all.forEach(Selection::release);
        all.forEach(Selection::release); // twice: counted once
        assertThat(lb.view()).extracting(BackendView::activeConnections).containsOnly(0);
      } finally {
        pool.shutdownNow();
      }
    }
  }

  @Test
  void consumerCallingBackIntoThePool_seesItsOwnChangeAfterTheEventItIsHandling() {
    LoadBalancer lb = closing(LoadBalancers.builder().healthCheck(HealthCheckPolicy.disabled()).build());
    List<String> seen = new ArrayList<>();
    lb.onMembershipChanged(e -> {
      seen.add(e.backend().id() + " " + e.change() + " " + e.backend().weight());
      if (e.change() == MembershipChange.ADDED) {
        lb.setWeight(e.backend().id(), 5); // re-entrant: queued behind this event, not delivered inside it
        seen.add("set");
      }
    });
    lb.addBackend(Backend.of("a", "127.0.0.1", 1));
    assertThat(seen).containsExactly("a ADDED 100", "set", "a UPDATED 5");
    assertThat(lb.view().get(0).backend().weight()).isEqualTo(5);
  }

  @Test
  void closedBalancer_saysClosed() {
    LoadBalancer lb = LoadBalancers.builder().healthCheck(HealthCheckPolicy.disabled())
        .backends(numbered(0, 1, 100)).build();
    lb.close();
    Selection s = lb.select(RequestContext.EMPTY);
    assertThat(s.reason()).isEqualTo(NoBackendReason.CLOSED);
    assertThat(s.reason().description()).isEqualTo("the load balancer is closed");
    assertThat(s.address()).isNull();
  }

  @Test
  void selectionAddress_isTheBackendAddressWithItsOwnPortWithoutAListenerBackendPort() {
    LoadBalancer lb = closing(LoadBalancers.builder().healthCheck(HealthCheckPolicy.disabled())
        .backend(Backend.of("a", "127.0.0.5", 8080)).build());
    try (Selection s = lb.select(RequestContext.EMPTY)) {
      assertThat(s.address()).isEqualTo(new InetSocketAddress("127.0.0.5", 8080));
      assertThat(s.address().isUnresolved()).isFalse();
    }
  }

  private static int closedPort() {
    return LoadBalancerTest.closedPort();
  }
}
