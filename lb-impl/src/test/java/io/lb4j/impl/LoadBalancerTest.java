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
import io.lb4j.api.Outcome;
import io.lb4j.api.Protocol;
import io.lb4j.api.RequestContext;
import io.lb4j.api.Selection;
import io.lb4j.api.health.HealthCheckPolicy;
import io.lb4j.api.health.HealthStatus;
import io.lb4j.api.health.OutlierDetectionPolicy;
import io.lb4j.api.persistence.SessionPersistence;
import io.lb4j.api.scheduler.NoBackendReason;
import io.lb4j.api.scheduler.SchedulingAlgorithm;
import io.lb4j.testing.TcpTestBackend;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class LoadBalancerTest {

  private static final HealthCheckPolicy FAST_TCP = HealthCheckPolicy.builder()
      .interval(Duration.ofMillis(20)).responseTimeout(Duration.ofSeconds(5)) // generous: a loaded box must not flip healthy backends
      .unhealthyThreshold(1).healthyThreshold(1).build();
  private static final HealthCheckPolicy TRUSTED = HealthCheckPolicy.builder().startHealthy(true)
      .interval(Duration.ofSeconds(50)).build();

  private final List<AutoCloseable> closeables = new ArrayList<>();
  private final ConcurrentLinkedQueue<LoadBalancerEvent> events = new ConcurrentLinkedQueue<>();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = closeables.size() - 1; i >= 0; i--) {
      closeables.get(i).close();
    }
  }

  private TcpTestBackend backend(String host) {
    TcpTestBackend b = TcpBackend.start(host);
    closeables.add(b);
    return b;
  }

  private LoadBalancer start(LoadBalancers.Builder builder) {
    LoadBalancer lb = builder.seed(42).build();
    closeables.add(lb);
    lb.subscribe(events::add);
    return lb.start();
  }

  private static Listener.Builder l7() {
    return Listener.builder("web", Protocol.HTTP, 0);
  }

  private static Listener.Builder l4() {
    return Listener.builder("tcp", Protocol.TCP, 0);
  }

  private static RequestContext cookie(String setCookie) {
    return RequestContext.builder().cookieHeader(setCookie.substring(0, setCookie.indexOf(';'))).build();
  }

  private void awaitHealth(LoadBalancer lb, String id, HealthStatus status) {
    Await.until(id + " " + status, () -> lb.view().stream()
        .anyMatch(v -> v.backend().id().equals(id) && v.health() == status));
  }

  private static Map<String, Integer> selectMany(LoadBalancer lb, int n) {
    Map<String, Integer> counts = new HashMap<>();
    for (int i = 0; i < n; i++) {
      try (Selection s = lb.select(RequestContext.EMPTY)) {
        assertThat(s.hasBackend()).as("selection %d: %s", i, s).isTrue();
        counts.merge(s.backend().id(), 1, Integer::sum);
      }
    }
    return counts;
  }

  @Test
  void select_sharesTrafficByWeightOnceChecksPass() {
    TcpTestBackend a = backend("127.0.0.1");
    TcpTestBackend b = backend("127.0.0.2");
    LoadBalancer lb = start(LoadBalancers.builder(l4().healthCheck(FAST_TCP).build())
        .backend(Backend.of("a", a.host(), a.port(), 3))
        .backend(Backend.of("b", b.host(), b.port(), 1)));
    awaitHealth(lb, "a", HealthStatus.HEALTHY);
    awaitHealth(lb, "b", HealthStatus.HEALTHY);

    assertThat(selectMany(lb, 4_000)).containsEntry("a", 3_000).containsEntry("b", 1_000);
    assertThat(lb.view()).extracting(BackendView::picks).containsExactly(3_000L, 1_000L);
    assertThat(lb.view()).extracting(BackendView::activeConnections).containsOnly(0);
  }

  @Test
  void awaitAnyHealthy_returnsOnceTheFirstCheckPassesAndFalseWhenNoneCan() throws Exception {
    TcpTestBackend a = backend("127.0.0.1");
    LoadBalancer lb = start(LoadBalancers.builder(l4().healthCheck(FAST_TCP).build())
        .backend(Backend.of("a", a.host(), a.port())));
    assertThat(lb.awaitAnyHealthy(Await.DEADLINE)).isTrue();
    assertThat(lb.select(RequestContext.EMPTY).hasBackend()).isTrue();

    LoadBalancer dead = start(LoadBalancers.builder(l4().healthCheck(FAST_TCP).build())
        .backend(Backend.of("dead", "127.0.0.1", closedPort())));
    assertThat(dead.awaitAnyHealthy(Duration.ofMillis(200))).isFalse();
    dead.close();
    assertThat(dead.awaitAnyHealthy(Duration.ofSeconds(5))).isFalse();
  }

  @Test
  void select_beforeStart_saysNotStartedInsteadOfUnhealthy_becauseNothingWasChecked() {
    LoadBalancer lb = LoadBalancers.builder(l4().healthCheck(HealthCheckPolicy.defaults()).build())
        .backend(Backend.of("a", "127.0.0.1", 1)).build();
    closeables.add(lb);
    Selection s = lb.select(RequestContext.EMPTY);
    assertThat(s.hasBackend()).isFalse();
    assertThat(s.reason()).isEqualTo(NoBackendReason.NOT_STARTED);
    assertThat(s.reason().description()).isEqualTo("the load balancer is not started: no health check has run yet");
    s.release();
  }

  @Test
  void select_withoutBackendsSaysSoAndPublishesAnEvent() {
    LoadBalancer lb = start(LoadBalancers.builder(l4().build()));
    Selection s = lb.select(RequestContext.EMPTY);
    assertThat(s.reason()).isEqualTo(NoBackendReason.NO_BACKENDS);
    // Delivered by the control thread, never on the selecting one.
    Await.until("the event", () -> events.stream().anyMatch(e -> e instanceof LoadBalancerEvent.NoEligibleBackend));
    assertThat(events).filteredOn(e -> e instanceof LoadBalancerEvent.NoEligibleBackend)
        .singleElement().extracting(e -> ((LoadBalancerEvent.NoEligibleBackend) e).reason())
        .isEqualTo(NoBackendReason.NO_BACKENDS);
  }

  @Test
  void deadBackend_stopsGettingTrafficAndRejoinsWhenItRecovers() {
    TcpTestBackend a = backend("127.0.0.1");
    TcpTestBackend b = backend("127.0.0.3");
    LoadBalancer lb = start(LoadBalancers.builder(l4().healthCheck(FAST_TCP).build())
        .backend(Backend.of("a", a.host(), a.port()))
        .backend(Backend.of("b", b.host(), b.port())));
    awaitHealth(lb, "a", HealthStatus.HEALTHY);
    awaitHealth(lb, "b", HealthStatus.HEALTHY);

    b.stop();
    awaitHealth(lb, "b", HealthStatus.UNHEALTHY);
    assertThat(selectMany(lb, 100)).containsOnlyKeys("a");
    LoadBalancerEvent.HealthChanged down = events.stream()
        .filter(e -> e instanceof LoadBalancerEvent.HealthChanged).map(e -> (LoadBalancerEvent.HealthChanged) e)
        .filter(e -> e.transition().backend().id().equals("b") && e.transition().to() == HealthStatus.UNHEALTHY)
        .findFirst().orElseThrow();
    assertThat(down.transition().cause()).containsIgnoringCase("refused");

    b.start();
    awaitHealth(lb, "b", HealthStatus.HEALTHY);
    assertThat(selectMany(lb, 100)).containsEntry("a", 50).containsEntry("b", 50);
    assertThat(lb.healthHistory("b", java.time.Instant.EPOCH, java.time.Instant.now().plusSeconds(60)))
        .extracting(t -> t.to()).containsSubsequence(HealthStatus.HEALTHY, HealthStatus.UNHEALTHY, HealthStatus.HEALTHY);
  }

  @Test
  void insertCookie_keepsAClientOnItsBackendAndMovesItWhenTheBackendDies() {
    TcpTestBackend a = backend("127.0.0.1");
    TcpTestBackend b = backend("127.0.0.4");
    LoadBalancer lb = start(LoadBalancers.builder(l7()
            .healthCheck(HealthCheckPolicy.builder().interval(Duration.ofMillis(20)).unhealthyThreshold(1)
                .healthyThreshold(1).build())
            .sessionPersistence(SessionPersistence.insertCookie(Duration.ofSeconds(600))).build())
        .backend(Backend.of("a", a.host(), a.port()))
        .backend(Backend.of("b", b.host(), b.port())));
    awaitHealth(lb, "a", HealthStatus.HEALTHY);
    awaitHealth(lb, "b", HealthStatus.HEALTHY);

    Selection first = lb.select(RequestContext.EMPTY);
    first.release();
    assertThat(first.setCookie()).startsWith("LB4J_SESSION=");
    String stuckTo = first.backend().id();
    for (int i = 0; i < 50; i++) {
      try (Selection s = lb.select(cookie(first.setCookie()))) {
        assertThat(s.backend().id()).isEqualTo(stuckTo);
        assertThat(s.sessionMoved()).isFalse();
        assertThat(s.setCookie()).isNull();
      }
    }

    (stuckTo.equals("a") ? a : b).stop();
    awaitHealth(lb, stuckTo, HealthStatus.UNHEALTHY);
    Selection moved = lb.select(cookie(first.setCookie()));
    moved.release();
    assertThat(moved.backend().id()).isNotEqualTo(stuckTo);
    assertThat(moved.sessionMoved()).isTrue();
    assertThat(moved.setCookie()).startsWith("LB4J_SESSION=");
    Await.until("session moved: backend unhealthy", () -> events.stream().anyMatch(e -> e instanceof LoadBalancerEvent.SessionMoved m
        && m.cause().equals("backend unhealthy")));
    // The new cookie sticks to the new backend.
    try (Selection s = lb.select(cookie(moved.setCookie()))) {
      assertThat(s.backend().id()).isEqualTo(moved.backend().id());
      assertThat(s.sessionMoved()).isFalse();
    }
  }

  @Test
  void forgedCookie_isIgnoredAndTheClientRescheduled() {
    LoadBalancer lb = start(LoadBalancers.builder(l7().healthCheck(TRUSTED)
            .sessionPersistence(SessionPersistence.insertCookie(Duration.ofSeconds(600))).build())
        .cookieKeys(CookieKeyRing.of("0123456789abcdef".getBytes(StandardCharsets.US_ASCII)))
        .backend(Backend.of("a", "127.0.0.1", 1)));
    Selection s = lb.select(RequestContext.builder().cookieHeader("LB4J_SESSION=AAAAAA.BBBB.99999999999.CCCC").build());
    assertThat(s.backend().id()).isEqualTo("a");
    assertThat(s.sessionMoved()).isTrue();
    assertThat(s.setCookie()).isNotNull();
    s.release();
  }

  @Test
  void serverCookie_followsTheApplicationsCookieToTheBackendThatSetIt() {
    LoadBalancer lb = start(LoadBalancers.builder(l7().healthCheck(TRUSTED)
            .sessionPersistence(SessionPersistence.serverCookie("JSESSIONID")).build())
        .backend(Backend.of("a", "127.0.0.1", 1))
        .backend(Backend.of("b", "127.0.0.1", 2)));
    Selection login = lb.select(RequestContext.EMPTY);
    String owner = login.backend().id();
    lb.observeSetCookie(login, "JSESSIONID=user-17; Path=/; HttpOnly");
    login.release();
    RequestContext withSession = RequestContext.builder().cookieHeader("theme=x; JSESSIONID=user-17").build();
    for (int i = 0; i < 20; i++) {
      try (Selection s = lb.select(withSession)) {
        assertThat(s.backend().id()).isEqualTo(owner);
        assertThat(s.setCookie()).isNull(); // the application owns this cookie; the balancer sets none
      }
    }
    lb.setWeight(owner, 0);
    try (Selection s = lb.select(withSession)) {
      assertThat(s.backend().id()).isNotEqualTo(owner);
      assertThat(s.sessionMoved()).isTrue();
    }
  }

  @Test
  void drainedWithoutDrainTimeout_movesSessionsAtOnce() {
    LoadBalancer lb = start(LoadBalancers.builder(l4().healthCheck(TRUSTED)
            .sessionPersistence(SessionPersistence.sourceIp(Duration.ofSeconds(600))).build())
        .backend(Backend.of("a", "127.0.0.1", 1))
        .backend(Backend.of("b", "127.0.0.1", 2)));
    RequestContext client = client(7);
    String first;
    try (Selection s = lb.select(client)) {
      first = s.backend().id();
    }
    lb.setWeight(first, 0);
    try (Selection s = lb.select(client)) {
      assertThat(s.backend().id()).isNotEqualTo(first);
      assertThat(s.sessionMoved()).isTrue();
    }
    Await.until("session moved: backend drained (weight 0)", () -> events.stream().anyMatch(e -> e instanceof LoadBalancerEvent.SessionMoved m
        && m.cause().equals("backend drained (weight 0)")));
  }

  @Test
  void removal_withDrainTimeout_keepsSessionsUntilTheDeadlineThenDropsTheBackend() {
    ManualTimeSource time = ManualTimeSource.startingAt(Instant.parse("2030-01-01T00:00:00Z"));
    LoadBalancer lb = start(LoadBalancers.builder(l4().healthCheck(TRUSTED)
            .drainTimeout(Duration.ofSeconds(30))
            .sessionPersistence(SessionPersistence.sourceIp(Duration.ofSeconds(600))).build())
        .timeSource(time)
        .backend(Backend.of("a", "127.0.0.1", 1))
        .backend(Backend.of("b", "127.0.0.1", 2)));
    RequestContext client = client(9);
    String first;
    Selection open = lb.select(client);
    first = open.backend().id();
    String other = first.equals("a") ? "b" : "a";

    assertThat(lb.removeBackend(first)).isTrue();
    assertThat(lb.view()).filteredOn(v -> v.backend().id().equals(first)).singleElement()
        .extracting(BackendView::state).isEqualTo(BackendState.DRAINING);
    // New clients never land on the draining backend; the sticky client still does.
    for (int i = 100; i < 150; i++) {
      try (Selection s = lb.select(client(i))) {
        assertThat(s.backend().id()).isEqualTo(other);
      }
    }
    try (Selection s = lb.select(client)) {
      assertThat(s.backend().id()).isEqualTo(first);
      assertThat(s.sessionMoved()).isFalse();
    }
    assertThatThrownBy(() -> lb.addBackend(Backend.of(first, "127.0.0.1", 9)))
        .hasMessage("backend.id must be unique in the pool, was '" + first + "' (already a member, draining)");
    lb.setWeight(first, 50); // allowed: applies if the backend is listed again; it keeps draining
    assertThat(lb.view()).filteredOn(v -> v.backend().id().equals(first)).singleElement()
        .satisfies(v -> assertThat(v.state()).isEqualTo(BackendState.DRAINING))
        .satisfies(v -> assertThat(v.effectiveWeight()).isZero());

    time.advance(Duration.ofSeconds(31));
    assertThat(lb.view()).extracting(v -> v.backend().id()).containsExactly(other);
    try (Selection s = lb.select(client)) {
      assertThat(s.backend().id()).isEqualTo(other);
      assertThat(s.sessionMoved()).isTrue();
    }
    open.release(); // a connection outliving its backend's removal is released harmlessly
    assertThat(events).filteredOn(e -> e instanceof LoadBalancerEvent.MembershipChanged)
        .extracting(e -> ((LoadBalancerEvent.MembershipChanged) e).change())
        .containsExactly(MembershipChange.DRAINING, MembershipChange.UPDATED, MembershipChange.REMOVED);
  }

  @Test
  void removal_withDrainTimeoutAndNoSessions_dropsTheBackendWhenItsLastConnectionEnds() {
    LoadBalancer lb = start(LoadBalancers.builder(l4().healthCheck(TRUSTED)
            .scheduler(SchedulingAlgorithm.ROUND_ROBIN).drainTimeout(Duration.ofSeconds(600)).build())
        .backend(Backend.of("a", "127.0.0.1", 1))
        .backend(Backend.of("b", "127.0.0.1", 2)));
    Selection first = lb.select(RequestContext.EMPTY);
    String id = first.backend().id();
    lb.removeBackend(id);
    assertThat(lb.view()).hasSize(2);
    first.release();
    Await.until("drained backend dropped", () -> lb.view().size() == 1);
  }

  @Test
  void removal_movesStickyClients() {
    LoadBalancer lb = start(LoadBalancers.builder(l4().healthCheck(TRUSTED)
            .sessionPersistence(SessionPersistence.sourceIp(Duration.ofSeconds(600))).build())
        .backend(Backend.of("a", "127.0.0.1", 1))
        .backend(Backend.of("b", "127.0.0.1", 2)));
    RequestContext client = client(3);
    String first;
    try (Selection s = lb.select(client)) {
      first = s.backend().id();
    }
    assertThat(lb.removeBackend(first)).isTrue();
    assertThat(lb.removeBackend(first)).isFalse();
    try (Selection s = lb.select(client)) {
      assertThat(s.backend().id()).isNotEqualTo(first);
      assertThat(s.sessionMoved()).isTrue();
    }
    Await.until("session moved: backend removed", () -> events.stream().anyMatch(e -> e instanceof LoadBalancerEvent.SessionMoved m
        && m.cause().equals("backend removed")));
  }

  @Test
  void slowStart_rampsANewBackendFromTheFloorToItsWeight() {
    ManualTimeSource time = ManualTimeSource.startingAt(Instant.parse("2030-01-01T00:00:00Z"));
    LoadBalancer lb = start(LoadBalancers.builder(l4().healthCheck(TRUSTED)
            .slowStartWindow(Duration.ofSeconds(100)).slowStartFloorPercent(10).build())
        .timeSource(time)
        .backend(Backend.of("old", "127.0.0.1", 1, 100)));
    lb.addBackend(Backend.of("new", "127.0.0.1", 2, 100));
    assertThat(effectiveWeight(lb, "new")).isEqualTo(10);
    assertThat(effectiveWeight(lb, "old")).isEqualTo(100);
    time.advance(Duration.ofSeconds(50));
    assertThat(effectiveWeight(lb, "new")).isEqualTo(55);
    assertThat(selectMany(lb, 155)).containsEntry("old", 100).containsEntry("new", 55);
    time.advance(Duration.ofSeconds(50));
    assertThat(effectiveWeight(lb, "new")).isEqualTo(100);
  }

  @Test
  void slowStart_doesNotRampHashSchedulers_soKeysStayPut() {
    LoadBalancer lb = start(LoadBalancers.builder(l4().healthCheck(TRUSTED).scheduler(SchedulingAlgorithm.CONSISTENT_HASH)
            .slowStartWindow(Duration.ofSeconds(100)).build())
        .timeSource(ManualTimeSource.startingAt(Instant.EPOCH))
        .backend(Backend.of("old", "127.0.0.1", 1, 100)));
    lb.addBackend(Backend.of("new", "127.0.0.1", 2, 100));
    assertThat(effectiveWeight(lb, "new")).isEqualTo(100);
  }

  private static int effectiveWeight(LoadBalancer lb, String id) {
    return lb.view().stream().filter(v -> v.backend().id().equals(id)).findFirst().orElseThrow().effectiveWeight();
  }

  @Test
  void doubleRelease_isCountedOnce() {
    LoadBalancer lb = start(LoadBalancers.builder(l4().healthCheck(TRUSTED)
            .scheduler(SchedulingAlgorithm.WEIGHTED_LEAST_CONNECTIONS).build())
        .backend(Backend.of("a", "127.0.0.1", 1)));
    Selection s1 = lb.select(RequestContext.EMPTY);
    Selection s2 = lb.select(RequestContext.EMPTY);
    assertThat(lb.view().get(0).activeConnections()).isEqualTo(2);
    s1.release();
    s1.release();
    s1.close();
    assertThat(lb.view().get(0).activeConnections()).isEqualTo(1);
    s2.close();
    assertThat(lb.view().get(0).activeConnections()).isZero();
  }

  @Test
  void concurrentSelectsWithPersistence_balanceAcquiresAndReleasesExactly() throws Exception {
    LoadBalancer lb = start(LoadBalancers.builder(l4().healthCheck(TRUSTED)
            .scheduler(SchedulingAlgorithm.WEIGHTED_LEAST_CONNECTIONS)
            .sessionPersistence(SessionPersistence.sourceIp(Duration.ZERO)).build())
        .backend(Backend.of("a", "127.0.0.1", 1, 50))
        .backend(Backend.of("b", "127.0.0.1", 2, 30))
        .backend(Backend.of("c", "127.0.0.1", 3, 20)));
    int threads = 4;
    int perThread = 5_000;
    CyclicBarrier go = new CyclicBarrier(threads + 1);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    List<Future<?>> futures = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int base = t * 1_000;
      futures.add(pool.submit(() -> {
        go.await(30, TimeUnit.SECONDS);
        List<Selection> open = new ArrayList<>();
        for (int i = 0; i < perThread; i++) {
          Selection s = lb.select(client(base + i % 97));
          assertThat(s.hasBackend()).isTrue();
          open.add(s);
          if (open.size() == 8) {        // hold a few at once so counts really overlap
            for (Selection o : open) {
              o.release();
              o.release();
            }
            open.clear();
          }
        }
        open.forEach(Selection::release);
        return null;
      }));
    }
    go.await(30, TimeUnit.SECONDS);
    for (Future<?> f : futures) {
      f.get(120, TimeUnit.SECONDS);
    }
    pool.shutdown();
    assertThat(lb.view()).extracting(BackendView::activeConnections).containsOnly(0);
    assertThat(lb.view().stream().mapToLong(BackendView::picks).sum()).isEqualTo((long) threads * perThread);
  }

  @Test
  void failOpen_picksAmongAllWhenTooFewAreHealthy() {
    TcpTestBackend a = backend("127.0.0.1");
    LoadBalancer lb = start(LoadBalancers.builder(l4().healthCheck(FAST_TCP.toBuilder().panicThresholdPercent(50).build()).build())
        .backend(Backend.of("a", a.host(), a.port()))
        .backend(Backend.of("dead1", "127.0.0.1", closedPort()))
        .backend(Backend.of("dead2", "127.0.0.1", closedPort())));
    awaitHealth(lb, "a", HealthStatus.HEALTHY);
    Await.until("fail-open entered", () -> events.stream().anyMatch(e ->
        e instanceof LoadBalancerEvent.PanicModeChanged && ((LoadBalancerEvent.PanicModeChanged) e).active()));
    // Fail-open may start and end while the first checks come in (one dead backend checked before "a"
    // passed is 0% healthy); once all three are checked it holds, and picks spread over all of them.
    Await.until("fail-open over all three", () -> selectMany(lb, 300).keySet().equals(Set.of("a", "dead1", "dead2")));
    assertThat(lb.view()).extracting(BackendView::lastCheck).doesNotContain("");
  }

  @Test
  void failOpen_neverPicksBackendsNobodyHasChecked() {
    LoadBalancer lb = LoadBalancers.builder(l4().healthCheck(HealthCheckPolicy.builder().panicThresholdPercent(100).build()).build())
        .backend(Backend.of("a", "127.0.0.1", 1)).backend(Backend.of("b", "127.0.0.1", 2)).build();
    closeables.add(lb);
    Selection s = lb.select(RequestContext.EMPTY);
    assertThat(s.hasBackend()).isFalse();
    assertThat(s.reason()).isEqualTo(NoBackendReason.NOT_STARTED);
  }

  @Test
  void outlierDetection_ejectsABackendThatKeepsFailing() {
    LoadBalancer lb = start(LoadBalancers.builder(l4().healthCheck(TRUSTED)
            .outlierDetection(OutlierDetectionPolicy.builder().consecutiveFailures(3).maxEjectionPercent(50)
                .baseEjectionTime(Duration.ofSeconds(600)).maxEjectionTime(Duration.ofSeconds(600)).build()).build())
        .backend(Backend.of("a", "127.0.0.1", 1))
        .backend(Backend.of("b", "127.0.0.1", 2)));
    for (int i = 0; i < 10; i++) {
      Selection s = lb.select(RequestContext.EMPTY);
      lb.report(s, s.backend().id().equals("b")
          ? Outcome.failure(Outcome.Kind.CONNECT_FAILURE, Duration.ofMillis(1)) : Outcome.success());
      s.release();
    }
    Await.until("b ejected", () -> lb.view().get(1).ejected());
    assertThat(selectMany(lb, 50)).containsOnlyKeys("a");
  }

  @Test
  void outlierDetection_letsTrialTrafficThroughWhenTheEjectionRunsOut() {
    ManualTimeSource clock = ManualTimeSource.startingAt(Instant.parse("2030-01-01T00:00:00Z"));
    LoadBalancer lb = start(LoadBalancers.builder(l4().healthCheck(TRUSTED)
            .outlierDetection(OutlierDetectionPolicy.builder().consecutiveFailures(2).maxEjectionPercent(50)
                .baseEjectionTime(Duration.ofSeconds(30)).maxEjectionTime(Duration.ofSeconds(300)).build()).build())
        .timeSource(clock)
        .backend(Backend.of("a", "127.0.0.1", 1))
        .backend(Backend.of("b", "127.0.0.1", 2)));
    for (int i = 0; i < 2; i++) {
      Selection s = lb.select(RequestContext.ofKey(i));
      lb.report(s, s.backend().id().equals("b")
          ? Outcome.failure(Outcome.Kind.TIMEOUT, Duration.ofSeconds(1)) : Outcome.success());
      s.release();
    }
    for (int i = 0; i < 4 && !lb.view().get(1).ejected(); i++) {
      try (Selection s = lb.select(RequestContext.EMPTY)) {
        if (s.backend().id().equals("b")) {
          lb.report(s, Outcome.failure(Outcome.Kind.TIMEOUT, Duration.ofSeconds(1)));
        }
      }
    }
    assertThat(lb.view().get(1).ejected()).isTrue();
    assertThat(selectMany(lb, 20)).containsOnlyKeys("a");

    clock.advance(Duration.ofSeconds(31));
    assertThat(lb.view().get(1).ejected()).isFalse();
    assertThat(selectMany(lb, 20)).containsKeys("a", "b");
  }

  @Test
  void setHealthCheck_disabledMakesEveryBackendEligible() {
    LoadBalancer lb = start(LoadBalancers.builder(l4().healthCheck(FAST_TCP).build())
        .backend(Backend.of("dead", "127.0.0.1", closedPort())));
    Await.until("dead checked", () -> !lb.view().get(0).lastCheck().isEmpty());
    assertThat(lb.select(RequestContext.EMPTY).hasBackend()).isFalse();
    lb.setHealthCheck(HealthCheckPolicy.disabled());
    assertThat(lb.view().get(0).health()).isEqualTo(HealthStatus.HEALTHY);
    try (Selection s = lb.select(RequestContext.EMPTY)) {
      assertThat(s.backend().id()).isEqualTo("dead");
    }
  }

  @Test
  void runtimeChanges_validateTheirInput() {
    LoadBalancer lb = start(LoadBalancers.builder(l4().healthCheck(TRUSTED).build())
        .backend(Backend.of("a", "127.0.0.1", 1)));
    assertThatThrownBy(() -> lb.setWeight("nope", 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("backendId must name a member of the pool, was 'nope'");
    assertThatThrownBy(() -> lb.setWeight("a", 101))
        .hasMessage("backend.weight must be between 0 and 100, was 101");
    assertThat(lb.view().get(0).backend().weight()).isEqualTo(100);
    assertThatThrownBy(() -> lb.addBackend(Backend.of("a", "127.0.0.1", 2)))
        .hasMessage("backend.id must be unique in the pool, was 'a' (already a member)");
    assertThatThrownBy(() -> LoadBalancers.builder(l4().build())
        .backend(Backend.of("x", "h", 1)).backend(Backend.of("x", "h", 2)).build())
        .hasMessage("backends must have unique ids, was 'x' twice");
  }

  @Test
  void close_stopsEveryThreadAndSelectsNothing() {
    TcpTestBackend a = backend("127.0.0.1");
    LoadBalancer lb = LoadBalancers.builder(l4().healthCheck(FAST_TCP).drainTimeout(Duration.ofSeconds(10))
            .slowStartWindow(Duration.ofSeconds(10)).build())
        .backend(Backend.of("a", a.host(), a.port())).build().start();
    awaitHealth(lb, "a", HealthStatus.HEALTHY);
    assertThat(lb4jThreads()).isNotEmpty();
    lb.close();
    lb.close();
    Await.until("no lb4j threads", () -> lb4jThreads().isEmpty());
    assertThat(lb.select(RequestContext.EMPTY).hasBackend()).isFalse();
    assertThatThrownBy(() -> lb.addBackend(Backend.of("b", "h", 1)))
        .isInstanceOf(IllegalStateException.class).hasMessage("load balancer 'tcp' is closed");
  }

  static List<String> lb4jThreads() {
    List<String> names = new ArrayList<>();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.getName().startsWith("lb4j-") && t.isAlive()) {
        names.add(t.getName());
      }
    }
    return names;
  }

  private static RequestContext client(int i) {
    try {
      return RequestContext.ofClient(InetAddress.getByAddress(new byte[] {10, 1, (byte) (i >>> 8), (byte) i}));
    } catch (java.net.UnknownHostException e) {
      throw new AssertionError(e);
    }
  }

  static int closedPort() {
    try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      return s.getLocalPort();
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
  }
}
