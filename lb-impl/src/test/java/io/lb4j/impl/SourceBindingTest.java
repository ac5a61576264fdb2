package io.lb4j.impl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lb4j.api.Backend;
import io.lb4j.api.BackendView;
import io.lb4j.api.Listener;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.LoadBalancerEvent;
import io.lb4j.api.LoadBalancerEvent.MembershipChange;
import io.lb4j.api.LoadBalancerEvent.MembershipChanged;
import io.lb4j.api.LoadBalancerEvent.SourceStateChanged;
import io.lb4j.api.Protocol;
import io.lb4j.api.RequestContext;
import io.lb4j.api.Selection;
import io.lb4j.api.discovery.DiscoveryPolicy;
import io.lb4j.api.discovery.SourceState;
import io.lb4j.api.discovery.SourceState.Phase;
import io.lb4j.api.health.HealthCheckPolicy;
import io.lb4j.impl.pool.SourceBinding;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SourceBindingTest {

  private static final Listener LISTENER = Listener.builder("src", Protocol.HTTP, 0)
      .healthCheck(HealthCheckPolicy.disabled()).build();
  private static final DiscoveryPolicy FAST = DiscoveryPolicy.builder().initialTimeout(Duration.ofSeconds(30))
      .retryInitialBackoff(Duration.ofMillis(10)).retryMaxBackoff(Duration.ofMillis(40)).build();

  private final ScriptedSource source = new ScriptedSource();
  private final ManualTimeSource time = ManualTimeSource.startingAt(Instant.parse("2030-01-01T00:00:00Z"));
  private final ConcurrentLinkedQueue<LoadBalancerEvent> events = new ConcurrentLinkedQueue<>();
  private LoadBalancer pool;

  @AfterEach
  void close() {
    if (pool != null) {
      pool.close();
    }
  }

  private LoadBalancer start(DiscoveryPolicy policy) {
    pool = LoadBalancers.builder(LISTENER).backendSource(source).discoveryPolicy(policy).timeSource(time).seed(7)
        .build();
    pool.subscribe(events::add);
    pool.start();
    assertThat(source.started()).isTrue();
    return pool;
  }

  private static Backend backend(String id, int weight) {
    return Backend.of(id, "127.0.0." + (id.hashCode() & 0x7f), 8080, weight);
  }

  private List<String> ids() {
    return pool.view().stream().map(v -> v.backend().id()).toList();
  }

  private SourceState state() {
    return pool.sourceState().orElseThrow();
  }

  @Test
  void firstList_isAppliedAndTheSourceTurnsHealthy() {
    start(FAST);
    assertThat(state().phase()).isEqualTo(Phase.PENDING);
    assertThat(pool.select(RequestContext.builder().build()).hasBackend()).isFalse();

    time.advance(Duration.ofSeconds(1));
    source.deliver(List.of(backend("a", 100), backend("b", 50)));

    assertThat(ids()).containsExactly("a", "b");
    assertThat(state()).isEqualTo(new SourceState("scripted", Phase.HEALTHY, time.instant(), 2, "", 0));
    assertThat(pool.whenReady()).succeedsWithin(Duration.ofSeconds(30));
    assertThat(events).filteredOn(e -> e instanceof SourceStateChanged).singleElement()
        .isEqualTo(new SourceStateChanged(state()));
    try (Selection s = pool.select(RequestContext.builder().build())) {
      assertThat(s.hasBackend()).isTrue();
    }
  }

  @Test
  void sourceError_keepsTheLastGoodListAndRetriesWithBackoff() {
    start(FAST);
    source.deliver(List.of(backend("a", 100), backend("b", 100)));
    time.advance(Duration.ofSeconds(5));

    source.fail("connection refused");

    assertThat(ids()).containsExactly("a", "b");
    assertThat(state()).isEqualTo(new SourceState("scripted", Phase.FAILING, time.instant(), 2,
        "connection refused", 1));
    Instant failedAt = time.instant();
    // Retries are timers on the pool's time source: each move past the longest backoff fires the one due.
    for (int i = 0; i < 3; i++) {
      int before = source.refreshes.get();
      time.advance(Duration.ofMillis(40));
      assertThat(source.refreshes.get()).as("refresh %d, after the backoff", i + 1).isEqualTo(before + 1);
      source.fail("still refused"); // each refresh that fails schedules the next
    }
    assertThat(state().retries()).isEqualTo(4);
    assertThat(ids()).containsExactly("a", "b");
    assertThat(state().phase()).isEqualTo(Phase.FAILING);
    assertThat(state().since()).as("since the first failure").isEqualTo(failedAt);
    assertThat(state().lastError()).isEqualTo("still refused");

    time.advance(Duration.ofSeconds(1));
    source.deliver(List.of(backend("b", 100), backend("c", 100)));
    assertThat(ids()).containsExactly("b", "c");
    assertThat(state().phase()).isEqualTo(Phase.HEALTHY);
    assertThat(state().retries()).isZero();
    assertThat(state().since()).isEqualTo(time.instant());
    assertThat(state().lastError()).as("kept for operators").isEqualTo("still refused");
    assertThat(events).filteredOn(e -> e instanceof SourceStateChanged)
        .extracting(e -> ((SourceStateChanged) e).state().phase())
        .startsWith(Phase.HEALTHY, Phase.FAILING).endsWith(Phase.FAILING, Phase.HEALTHY);
  }

  @Test
  void emptyList_isRefusedByDefaultAndAppliedWhenAllowed() {
    start(FAST);
    source.deliver(List.of(backend("a", 100)));

    source.deliver(List.of());

    assertThat(ids()).containsExactly("a");
    assertThat(state().phase()).isEqualTo(Phase.FAILING);
    assertThat(state().lastError()).isEqualTo("empty backend list refused (allowEmptyList is off), kept the last 1");
    pool.close();
    events.clear();

    start(FAST.toBuilder().allowEmptyList(true).build());
    source.deliver(List.of(backend("a", 100)));
    source.deliver(List.of());
    assertThat(ids()).isEmpty();
    assertThat(state().phase()).isEqualTo(Phase.HEALTHY);
    assertThat(state().backends()).isZero();
  }

  @Test
  void duplicateIds_areAnErrorAndKeepTheList() {
    start(FAST);
    source.deliver(List.of(backend("a", 100)));
    source.deliver(List.of(backend("b", 100), Backend.of("b", "127.0.0.9", 80)));
    assertThat(ids()).containsExactly("a");
    assertThat(state().lastError()).isEqualTo("invalid backend list: backends must have unique ids, was 'b' twice");
  }

  @Test
  void listChanges_addUpdateAndRemoveOnlyWhatChanged() {
    start(FAST);
    source.deliver(List.of(backend("a", 100), backend("b", 100), backend("c", 100)));
    assertThat(ids()).containsExactly("a", "b", "c"); // applied (and announced) before the events are cleared
    events.clear();

    source.deliver(List.of(backend("a", 100), backend("b", 10), backend("d", 100),
        Backend.of("c", "127.0.0.99", 9090)));

    assertThat(pool.view()).extracting(v -> v.backend().id() + "/" + v.backend().authority().replace(":8080", "") + "/" + v.backend().weight())
        .containsExactly("a/127.0.0.97/100", "b/127.0.0.98/10", "d/127.0.0.100/100", "c/127.0.0.99:9090/100");
    assertThat(events).filteredOn(e -> e instanceof MembershipChanged).map(e -> (MembershipChanged) e)
        .extracting(e -> e.backend().id() + " " + e.change())
        .containsExactly("b UPDATED", "d ADDED", "c REMOVED", "c ADDED");
  }

  /**
   * Issue 22's DNS backoff: a source that retries on its own (DNS, within about one TTL) gets no refresh from
   * the pool, whose backoff grows with the outage; the failures are still recorded and the list kept.
   */
  @Test
  void aSourceThatRetriesItself_getsNoRefreshFromThePool_butItsFailuresAreRecorded() {
    ScriptedSource dnsLike = new ScriptedSource(true);
    pool = LoadBalancers.builder(LISTENER).backendSource(dnsLike)
        .discoveryPolicy(FAST.toBuilder().initialTimeout(Duration.ofMillis(10)).build()).timeSource(time).seed(7)
        .build().start();
    time.advance(Duration.ofMillis(10)); // the first-list timeout: failing, and no refresh either
    assertThat(state().phase()).isEqualTo(Phase.FAILING);
    dnsLike.deliver(List.of(backend("a", 100)));
    for (int i = 0; i < 5; i++) {
      dnsLike.fail("SERVFAIL");
      time.advance(Duration.ofSeconds(10)); // far past every backoff of the policy
    }
    assertThat(dnsLike.refreshes.get()).isZero();
    assertThat(state().phase()).isEqualTo(Phase.FAILING);
    assertThat(state().retries()).isEqualTo(5);
    assertThat(ids()).containsExactly("a");
    dnsLike.deliver(List.of(backend("b", 100)));
    assertThat(state().phase()).isEqualTo(Phase.HEALTHY);
    assertThat(ids()).containsExactly("b");
  }

  @Test
  void initialTimeout_failsWhenReadyReportsFailingAndAsksTheSourceAgain() throws Exception {
    start(FAST.toBuilder().initialTimeout(Duration.ofMillis(10)).build());
    Future<Void> first = pool.whenReady();
    assertThat(first).isNotDone();
    time.advance(Duration.ofMillis(10));

    assertThatThrownBy(() -> first.get(30, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
        .cause().isInstanceOf(TimeoutException.class).hasMessage("scripted: no backend list within 10ms");
    assertThat(state().phase()).isEqualTo(Phase.FAILING);
    assertThat(state().lastError()).isEqualTo("no backend list within 10ms");
    assertThat(pool.whenReady()).as("asked again while still failing").isCompletedExceptionally();
    time.advance(Duration.ofMillis(40));
    assertThat(source.refreshes.get()).as("a refresh after the timeout").isEqualTo(1);

    source.deliver(List.of(backend("a", 100)));
    assertThat(ids()).as("a late list is applied all the same").containsExactly("a");
    assertThat(state().phase()).isEqualTo(Phase.HEALTHY);
  }

  @Test
  void close_closesTheSourceOnceAndStopsRetrying() throws Exception {
    start(FAST);
    source.fail("refused"); // schedules a retry on the pool thread
    Future<Void> first = pool.whenReady();

    pool.close();
    pool.close();

    assertThat(source.closes.get()).isEqualTo(1);
    assertThat(state().phase()).isEqualTo(Phase.CLOSED);
    assertThatThrownBy(() -> first.get(30, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
        .cause().isInstanceOf(IllegalStateException.class).hasMessage("load balancer 'src' is closed");
    source.deliver(List.of(backend("a", 100)));
    assertThat(ids()).as("nothing applied after close").isEmpty();
  }

  @Test
  void build_refusesFixedBackendsWithASource() {
    assertThatThrownBy(() -> LoadBalancers.builder(LISTENER).backend(backend("a", 1)).backendSource(source).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("backends and backendSource are exclusive: a source owns the pool's membership, was 1"
            + " backends and scripted");
  }

  @Test
  void poolWithoutSource_hasNoSourceState() {
    try (LoadBalancer plain = LoadBalancers.builder(LISTENER).build()) {
      assertThat(plain.sourceState()).isEmpty();
    }
  }

  @Test
  void jitter_drawsEachDelayBetweenHalfAndAllOfTheBackoff() {
    SplittableRandom random = new SplittableRandom(1);
    long min = Long.MAX_VALUE;
    long max = Long.MIN_VALUE;
    for (int i = 0; i < 10_000; i++) {
      long d = SourceBinding.jittered(1000, random);
      min = Math.min(min, d);
      max = Math.max(max, d);
    }
    assertThat(min).isBetween(500L, 510L);
    assertThat(max).isBetween(990L, 1000L);
  }

  @Test
  void concurrentLists_endWithTheLastListExactly() throws Exception {
    start(FAST);
    int threads = 4;
    int listsPerThread = 300;
    CyclicBarrier go = new CyclicBarrier(threads);
    ExecutorService pool4 = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int seed = t;
        done.add(pool4.submit(() -> {
          SplittableRandom r = new SplittableRandom(seed);
          go.await(30, TimeUnit.SECONDS);
          for (int i = 0; i < listsPerThread; i++) {
            List<Backend> list = new ArrayList<>();
            for (int b = 0; b < 8; b++) {
              if (r.nextBoolean()) {
                list.add(backend("b" + b, 1 + r.nextInt(100)));
              }
            }
            list.add(backend("anchor", 100)); // never empty, never refused
            source.deliver(list);
          }
          return null;
        }));
      }
      for (Future<?> f : done) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool4.shutdownNow();
    }
    List<Backend> last = List.of(backend("b3", 7), backend("anchor", 100), backend("b5", 42));
    source.deliver(last);

    assertThat(pool.view()).extracting(BackendView::backend).containsExactlyInAnyOrderElementsOf(last);
    assertThat(pool.view()).extracting(v -> v.backend().weight()).containsExactlyInAnyOrder(7, 100, 42);
    long added = events.stream().filter(e -> e instanceof MembershipChanged m && m.change() == MembershipChange.ADDED).count();
    long removed = events.stream().filter(e -> e instanceof MembershipChanged m && m.change() == MembershipChange.REMOVED).count();
    assertThat(added - removed).isEqualTo(3);
    assertThat(state()).extracting(SourceState::phase, SourceState::backends, SourceState::retries)
        .containsExactly(Phase.HEALTHY, 3, 0);
  }

  /** A source that holds its own monitor while it delivers, and takes it in refresh and close too. */
  private static final class LockingSource implements io.lb4j.api.discovery.BackendSource {
    private Subscriber subscriber;
    int refreshes;

    @Override
    public String description() {
      return "locking";
    }

    @Override
    public synchronized void start(Subscriber s) {
      this.subscriber = s;
    }

    synchronized void deliver(List<Backend> backends) {
      subscriber.onBackends(backends);
    }

    @Override
    public synchronized void refresh() {
      refreshes++;
      subscriber.onError("still failing");
    }

    @Override
    public synchronized void close() {}
  }

  @Test
  void aSourceDeliveringUnderItsOwnLock_whileThePoolRefreshesAndClosesIt_neverDeadlocks() throws Exception {
    LockingSource locking = new LockingSource();
    pool = LoadBalancers.builder(LISTENER).backendSource(locking).discoveryPolicy(FAST).timeSource(time).seed(7)
        .build().start();
    locking.refresh(); // failing: every move of time past the backoff refreshes it, from the pool's context
    ExecutorService deliverer = Executors.newSingleThreadExecutor();
    try {
      Future<?> lists = deliverer.submit(() -> {
        for (int i = 0; i < 2_000; i++) {
          locking.deliver(List.of(backend("a", 1 + i % 100)));
        }
      });
      for (int i = 0; i < 2_000 && !lists.isDone(); i++) {
        time.advance(Duration.ofMillis(40)); // the retry calls refresh, which needs the source's lock
      }
      lists.get(60, TimeUnit.SECONDS);
      pool.close(); // close takes the source's lock as well
    } finally {
      deliverer.shutdownNow();
    }
    assertThat(deliverer.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
    assertThat(state().phase()).isEqualTo(Phase.CLOSED);
  }
}
