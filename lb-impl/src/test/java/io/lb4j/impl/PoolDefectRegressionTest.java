package io.lb4j.impl;

import static org.assertj.core.api.Assertions.assertThat;

import io.lb4j.api.Backend;
import io.lb4j.api.BackendState;
import io.lb4j.api.BackendView;
import io.lb4j.api.Listener;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.LoadBalancerEvent;
import io.lb4j.api.LoadBalancerEvent.MembershipChanged;
import io.lb4j.api.Outcome;
import io.lb4j.api.Protocol;
import io.lb4j.api.RequestContext;
import io.lb4j.api.Selection;
import io.lb4j.api.health.HealthCheckPolicy;
import io.lb4j.api.health.HealthStatus;
import io.lb4j.api.health.OutlierDetectionPolicy;
import io.lb4j.api.persistence.SessionPersistence;
import io.lb4j.api.scheduler.NoBackendReason;
import io.lb4j.impl.pool.DefaultLoadBalancer;
import io.lb4j.testing.TcpTestBackend;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** One regression test (or more) per defect of issue 8, named after it. */
class PoolDefectRegressionTest {

  private static final HealthCheckPolicy FAST_TCP = HealthCheckPolicy.builder()
      .interval(Duration.ofMillis(20)).responseTimeout(Duration.ofSeconds(5))
      .unhealthyThreshold(1).healthyThreshold(1).build();

  private final List<AutoCloseable> closeables = new ArrayList<>();
  private final List<ExecutorService> pools = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (ExecutorService p : pools) {
      p.shutdownNow();
      assertThat(p.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
    }
    for (int i = closeables.size() - 1; i >= 0; i--) {
      closeables.get(i).close();
    }
  }

  private <T extends AutoCloseable> T closing(T c) {
    closeables.add(c);
    return c;
  }

  private ExecutorService threads(int n) {
    ExecutorService p = Executors.newFixedThreadPool(n);
    pools.add(p);
    return p;
  }

  private static void awaitHealth(LoadBalancer lb, String id, HealthStatus status) {
    Await.until(id + " " + status, () -> lb.view().stream()
        .anyMatch(v -> v.backend().id().equals(id) && v.health() == status));
  }

  private static BackendView view(LoadBalancer lb, String id) {
    return lb.view().stream().filter(v -> v.backend().id().equals(id)).findFirst().orElseThrow();
  }

  @Test
  void defect1_listenerBackendPort_isThePortOfTrafficAndOfChecks() {
    TcpTestBackend open = closing(TcpBackend.start("127.0.0.1"));
    int ownPortClosed = LoadBalancerTest.closedPort();
    Listener listener = Listener.builder("web", Protocol.TCP, 0).backendPort(open.port()).healthCheck(FAST_TCP)
        .build();
    LoadBalancer lb = closing(LoadBalancers.builder(listener)
        .backend(Backend.of("a", "127.0.0.1", ownPortClosed)).build().start());

    awaitHealth(lb, "a", HealthStatus.HEALTHY); // probed on the listener's backend port, which is open
    try (Selection s = lb.select(RequestContext.EMPTY)) {
      assertThat(s.address()).isEqualTo(new InetSocketAddress("127.0.0.1", open.port()));
    }
  }

  @Test
  void defect1_healthCheckPortOverride_stillWinsOverTheListenerBackendPort() {
    TcpTestBackend checkPort = closing(TcpBackend.start("127.0.0.1"));
    int trafficPortClosed = LoadBalancerTest.closedPort();
    HealthCheckPolicy policy = FAST_TCP.toBuilder().port(checkPort.port()).build();
    Listener listener = Listener.builder("web", Protocol.TCP, 0).backendPort(trafficPortClosed)
        .healthCheck(policy).build();
    LoadBalancer lb = closing(LoadBalancers.builder(listener)
        .backend(Backend.of("a", "127.0.0.1", LoadBalancerTest.closedPort())).build().start());

    awaitHealth(lb, "a", HealthStatus.HEALTHY);
    try (Selection s = lb.select(RequestContext.EMPTY)) {
      assertThat(s.address().getPort()).isEqualTo(trafficPortClosed);
    }
  }

  @Test
  void defect2_removeAndReAddOfTheSameIdRacing_leavesTheBackendChecked() throws Exception {
    TcpTestBackend server = closing(TcpBackend.start("127.0.0.1"));
    Backend a = Backend.of("a", server.host(), server.port());
    LoadBalancer lb = closing(LoadBalancers.builder().healthCheck(FAST_TCP).backend(a).build().start());
    ExecutorService pool = threads(2);
    for (int round = 0; round < 200; round++) {
      CyclicBarrier go = new CyclicBarrier(2);
      Future<?> remover = pool.submit(() -> {
        go.await(30, TimeUnit.SECONDS);
        return lb.removeBackend("a");
      });
      Future<?> adder = pool.submit(() -> {
        go.await(30, TimeUnit.SECONDS);
        try {
          lb.addBackend(a);
        } catch (IllegalArgumentException stillThere) {
          // the remover had not run yet
        }
        return null;
      });
      remover.get(30, TimeUnit.SECONDS);
      adder.get(30, TimeUnit.SECONDS);
      if (lb.view().isEmpty()) {
        lb.addBackend(a);
      }
    }
    // Probes must run for the member that stayed: it turns healthy, and unhealthy when its server stops.
    awaitHealth(lb, "a", HealthStatus.HEALTHY);
    server.stop();
    awaitHealth(lb, "a", HealthStatus.UNHEALTHY);
  }

  @Test
  void defect3_drainsEndWithoutStart_becauseTimedStateRunsFromBuild() {
    LoadBalancer lb = closing(LoadBalancers.builder().healthCheck(HealthCheckPolicy.disabled())
        .drainTimeout(Duration.ofMillis(50))
        .sessionPersistence(SessionPersistence.sourceIp(Duration.ofSeconds(600)))
        .backend(Backend.of("a", "127.0.0.1", 1)).backend(Backend.of("b", "127.0.0.1", 2)).build());
    List<String> changes = Collections.synchronizedList(new ArrayList<>());
    lb.onMembershipChanged(e -> changes.add(e.backend().id() + " " + e.change()));
    lb.removeBackend("a"); // never started: only the pool's own thread can end the drain
    Await.until("drain of a ended", () -> lb.view().size() == 1);
    assertThat(changes).containsExactly("a DRAINING", "a REMOVED");
  }

  @Test
  void defect3_ejectionsEndWithoutStart() throws Exception {
    LoadBalancer lb = closing(LoadBalancers.builder().healthCheck(HealthCheckPolicy.disabled())
        .outlierDetection(OutlierDetectionPolicy.builder().consecutiveFailures(1).maxEjectionPercent(50)
            .baseEjectionTime(Duration.ofMillis(200)).build())
        .backend(Backend.of("a", "127.0.0.1", 1)).backend(Backend.of("b", "127.0.0.1", 2)).build());
    CountDownLatch ejected = new CountDownLatch(1);
    lb.onHealthChanged(e -> {
      if (e.transition().to() == HealthStatus.UNHEALTHY) {
        ejected.countDown();
      }
    });
    Selection s = lb.select(RequestContext.EMPTY);
    String failing = s.backend().id();
    lb.report(s, Outcome.failure(Outcome.Kind.CONNECT_FAILURE, Duration.ofMillis(1)));
    s.release();
    assertThat(ejected.await(30, TimeUnit.SECONDS)).isTrue();
    // Never started: only the pool's own thread notices that the ejection ran out.
    Await.until(failing + " back in rotation", () -> !view(lb, failing).ejected()
        && lb.view().stream().allMatch(v -> !v.ejected()));
    assertThat(selectIds(lb, 10)).contains(failing);
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
  void defect4_concurrentSetHealthCheck_leavesPolicyCheckerAndListenerInAgreement() throws Exception {
    Listener listener = Listener.builder("web", Protocol.TCP, 0).healthCheck(FAST_TCP).build();
    DefaultLoadBalancer lb = (DefaultLoadBalancer) closing(LoadBalancers.builder(listener)
        .backend(Backend.of("a", "127.0.0.1", 1)).build());
    ExecutorService pool = threads(4);
    CyclicBarrier go = new CyclicBarrier(4);
    List<Future<?>> done = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      int thread = t;
      done.add(pool.submit(() -> {
        go.await(30, TimeUnit.SECONDS);
        for (int i = 0; i < 200; i++) {
          lb.setHealthCheck(FAST_TCP.toBuilder().interval(Duration.ofMillis(20 + thread * 1000 + i)).build());
        }
        return null;
      }));
    }
    for (Future<?> f : done) {
      f.get(30, TimeUnit.SECONDS);
    }
    assertThat(lb.checkerPolicy()).isEqualTo(lb.healthCheck());
    assertThat(lb.listener().healthCheck()).isEqualTo(lb.healthCheck());
    assertThat(lb.healthCheck().interval().toMillis() % 1000).isEqualTo(20 + 199);
  }

  @Test
  void defect4_failOpenTurnedOnAtRuntime_runsOnFreshHealthData() {
    TcpTestBackend a = closing(TcpBackend.start("127.0.0.1"));
    LoadBalancer lb = closing(LoadBalancers.builder().healthCheck(FAST_TCP)
        .backend(Backend.of("a", a.host(), a.port()))
        .backend(Backend.of("dead", "127.0.0.1", LoadBalancerTest.closedPort())).build().start());
    List<LoadBalancerEvent.PanicModeChanged> panics = Collections.synchronizedList(new ArrayList<>());
    lb.onPanicModeChanged(panics::add);
    awaitHealth(lb, "a", HealthStatus.HEALTHY);
    Await.until("dead checked", () -> !view(lb, "dead").lastCheck().isEmpty());

    // Its first failed check changed no status; only the timed reconciliation counts it as checked.
    lb.setHealthCheck(FAST_TCP.toBuilder().panicThresholdPercent(100).build());
    Await.until("fail-open entered", () -> panics.stream().anyMatch(LoadBalancerEvent.PanicModeChanged::active));
    assertThat(panics.get(0).healthyPercent()).isEqualTo(50);
  }

  @Test
  void defect5_eventsOfOneBackendArriveInTheOrderTheyHappened() throws Exception {
    LoadBalancer lb = closing(LoadBalancers.builder().healthCheck(HealthCheckPolicy.disabled())
        .backend(Backend.of("a", "127.0.0.1", 1)).backend(Backend.of("b", "127.0.0.1", 2)).build());
    List<Boolean> enabledFlags = Collections.synchronizedList(new ArrayList<>());
    lb.onMembershipChanged(e -> enabledFlags.add(e.backend().enabled()));
    ExecutorService pool = threads(4);
    CyclicBarrier go = new CyclicBarrier(4);
    List<Future<?>> done = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      done.add(pool.submit(() -> {
        go.await(30, TimeUnit.SECONDS);
        for (int i = 0; i < 2_000; i++) {
          lb.setEnabled("b", ThreadLocalRandom.current().nextBoolean());
        }
        return null;
      }));
    }
    for (Future<?> f : done) {
      f.get(30, TimeUnit.SECONDS);
    }
    // Each event is a change of the flag, so delivered in order they alternate and the last is the state.
    List<Boolean> flags = List.copyOf(enabledFlags);
    assertThat(flags).isNotEmpty();
    for (int i = 1; i < flags.size(); i++) {
      assertThat(flags.get(i)).as("event %d of %d", i, flags.size()).isNotEqualTo(flags.get(i - 1));
    }
    assertThat(flags.get(flags.size() - 1)).isEqualTo(view(lb, "b").backend().enabled());
  }

  @Test
  void defect8_closedBalancer_saysClosed() {
    LoadBalancer lb = LoadBalancers.builder().healthCheck(HealthCheckPolicy.disabled())
        .backend(Backend.of("a", "127.0.0.1", 1)).build();
    lb.close();
    assertThat(lb.select(RequestContext.EMPTY).reason()).isEqualTo(NoBackendReason.CLOSED);
  }

  @Test
  void defect8_closeFromAnEventConsumerOnThePoolThread_returnsAndStopsEveryThread() throws Exception {
    TcpTestBackend a = closing(TcpBackend.start("127.0.0.1"));
    LoadBalancer lb = LoadBalancers.builder().name("self-closing").healthCheck(FAST_TCP)
        .drainTimeout(Duration.ofSeconds(10)).backend(Backend.of("a", a.host(), a.port())).build();
    AtomicReference<String> closedOn = new AtomicReference<>();
    CountDownLatch closed = new CountDownLatch(1);
    lb.onHealthChanged(e -> {
      lb.close();
      closedOn.set(Thread.currentThread().getName());
      closed.countDown();
    });
    lb.start();
    assertThat(closed.await(30, TimeUnit.SECONDS)).isTrue();
    assertThat(closedOn.get()).isEqualTo("lb4j-control"); // health changes are published there
    assertThat(lb.select(RequestContext.EMPTY).reason()).isEqualTo(NoBackendReason.CLOSED);
    Await.until("no thread of lb4j left", () -> LoadBalancerTest.lb4jThreads().isEmpty());
  }

  @Test
  void defect8_setWeightOnADrainingBackend_isAllowedAndKeepsItDraining() {
    LoadBalancer lb = closing(LoadBalancers.builder().healthCheck(HealthCheckPolicy.disabled())
        .drainTimeout(Duration.ofSeconds(600)).sessionPersistence(SessionPersistence.sourceIp(Duration.ofSeconds(60)))
        .backend(Backend.of("a", "127.0.0.1", 1)).backend(Backend.of("b", "127.0.0.1", 2)).build());
    lb.removeBackend("a");
    lb.setWeight("a", 5);
    assertThat(view(lb, "a").state()).isEqualTo(BackendState.DRAINING);
    assertThat(view(lb, "a").effectiveWeight()).isZero();
    assertThat(view(lb, "a").backend().weight()).isEqualTo(5);
  }

  @Test
  void defect9_advancingTheOneTimeSource_showsRampsDrainsAndEventTimesAtOnce() {
    Instant start = Instant.parse("2030-01-01T00:00:00Z");
    ManualTimeSource time = ManualTimeSource.startingAt(start);
    LoadBalancer lb = closing(LoadBalancers.builder().healthCheck(HealthCheckPolicy.disabled()).timeSource(time)
        .slowStartWindow(Duration.ofSeconds(100)).drainTimeout(Duration.ofSeconds(30))
        .sessionPersistence(SessionPersistence.sourceIp(Duration.ofSeconds(600)))
        .backend(Backend.of("old", "127.0.0.1", 1)).build());
    List<MembershipChanged> changes = new ArrayList<>();
    lb.onMembershipChanged(changes::add);
    lb.addBackend(Backend.of("new", "127.0.0.1", 2));
    assertThat(view(lb, "new").effectiveWeight()).isEqualTo(10);
    time.advance(Duration.ofSeconds(50));
    assertThat(view(lb, "new").effectiveWeight()).isEqualTo(55);
    lb.removeBackend("old");
    time.advance(Duration.ofSeconds(30));
    assertThat(lb.view()).extracting(v -> v.backend().id()).containsExactly("new");
    assertThat(changes).extracting(MembershipChanged::at)
        .containsExactly(start, start.plusSeconds(50), start.plusSeconds(80));
  }

  @Test
  void defect11_hostNamesAreResolvedOffTheSelectPathAndFollowedWhenTheyMove() throws Exception {
    TcpTestBackend first = closing(TcpBackend.start("127.0.0.2"));
    TcpTestBackend second = closing(TcpBackend.start("127.0.0.3", first.port()));
    AtomicReference<String> resolvesTo = new AtomicReference<>("127.0.0.2");
    CountDownLatch dnsAnswers = new CountDownLatch(1);
    LoadBalancer lb = closing(LoadBalancers.builder().healthCheck(FAST_TCP)
        .addressRefreshInterval(Duration.ofMillis(20))
        .resolver(host -> {
          try {
            assertThat(host).isEqualTo("backend.test");
            assertThat(dnsAnswers.await(30, TimeUnit.SECONDS)).isTrue(); // a slow DNS server
            return InetAddress.getByName(resolvesTo.get());
          } catch (InterruptedException | UnknownHostException e) {
            return null;
          }
        })
        .backend(Backend.of("a", "backend.test", first.port())).build().start());

    lb.setHealthCheck(HealthCheckPolicy.disabled()); // so a selection has a backend before DNS answers
    try (Selection s = lb.select(RequestContext.EMPTY)) { // returns while the lookup hangs
      assertThat(s.address().isUnresolved()).isTrue();
      assertThat(s.address().getHostString()).isEqualTo("backend.test");
    }
    dnsAnswers.countDown();
    Await.until("resolved to 127.0.0.2", () -> addressOf(lb).equals("127.0.0.2"));
    lb.setHealthCheck(FAST_TCP);

    resolvesTo.set("127.0.0.3");
    first.stop();
    Await.until("moved to 127.0.0.3", () -> addressOf(lb).equals("127.0.0.3"));
    awaitHealth(lb, "a", HealthStatus.HEALTHY); // probes follow the name to the new address
    second.stop();
    awaitHealth(lb, "a", HealthStatus.UNHEALTHY);
  }

  private static String addressOf(LoadBalancer lb) {
    try (Selection s = lb.select(RequestContext.EMPTY)) {
      if (!s.hasBackend() || s.address().isUnresolved()) {
        return "";
      }
      return s.address().getAddress().getHostAddress();
    }
  }
}
