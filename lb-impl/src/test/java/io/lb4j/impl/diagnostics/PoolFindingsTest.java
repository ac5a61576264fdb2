package io.lb4j.impl.diagnostics;

import static io.lb4j.impl.diagnostics.Loop.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.lb4j.api.Backend;
import io.lb4j.api.Listener;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.Outcome;
import io.lb4j.api.Protocol;
import io.lb4j.api.RequestContext;
import io.lb4j.api.Selection;
import io.lb4j.api.discovery.DiscoveryPolicy;
import io.lb4j.api.discovery.SourceState;
import io.lb4j.api.health.HealthCheckPolicy;
import io.lb4j.api.health.HealthCheckType;
import io.lb4j.api.health.HealthStatus;
import io.lb4j.api.health.HealthTransition;
import io.lb4j.api.health.OutlierDetectionPolicy;
import io.lb4j.api.persistence.SessionPersistence;
import io.lb4j.impl.LoadBalancers;
import io.lb4j.impl.discovery.BackendSources;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PoolFindingsTest {

  private static final HealthCheckPolicy FAST_TCP = HealthCheckPolicy.builder().interval(Duration.ofMillis(20))
      .responseTimeout(Duration.ofMillis(10)).unhealthyThreshold(1).healthyThreshold(1).build();
  private static final HealthCheckPolicy FAST_HTTP = HealthCheckPolicy.builder().type(HealthCheckType.HTTP)
      .interval(Duration.ofMillis(20)).responseTimeout(Duration.ofMillis(10)).unhealthyThreshold(1)
      .healthyThreshold(1).build();
  private static final HealthCheckPolicy TRUSTED = HealthCheckPolicy.builder().startHealthy(true)
      .interval(Duration.ofSeconds(50)).responseTimeout(Duration.ofSeconds(1)).build();

  private final Loop loop = new Loop();
  private final Diagnostics diagnostics = Loop.withoutHost().build();

  @AfterEach
  void close() throws Exception {
    loop.close();
  }

  private static Listener.Builder tcp(HealthCheckPolicy check) {
    return Listener.builder("pool", Protocol.TCP, 0).healthCheck(check);
  }

  @Test
  void noEligibleBackend_allUnhealthy_namesEachBackendsLastCheck() {
    String host = Loop.host();
    LoadBalancer pool = loop.pool(tcp(FAST_TCP).build(), Backend.of("a", host, Loop.refusingPort(host)),
        Backend.of("b", host, Loop.refusingPort(host)));
    await("both backends checked", () -> pool.view().stream().noneMatch(v -> v.lastCheck().isEmpty()));

    Finding f = only(diagnostics.examine(pool), FindingCode.NO_ELIGIBLE_BACKEND);

    assertThat(f.severity()).isEqualTo(Severity.ERROR);
    assertThat(f.evidence()).containsEntry("reason", "ALL_UNHEALTHY");
    assertThat(f.evidence().get("backend a (" + pool.view().get(0).backend().authority() + ")"))
        .contains("UNHEALTHY").contains("connect refused");
    assertThat(f.summary()).contains("all backends are unhealthy");
  }

  @Test
  void noEligibleBackend_saysWhenFailOpenSendsTrafficToUnhealthyBackends() {
    String host = Loop.host();
    LoadBalancer pool = loop.pool(tcp(FAST_TCP.toBuilder().panicThresholdPercent(50).build()).build(),
        Backend.of("a", host, Loop.refusingPort(host)));
    await("checked", () -> !pool.view().get(0).lastCheck().isEmpty());

    Finding f = only(diagnostics.examine(pool), FindingCode.NO_ELIGIBLE_BACKEND);

    assertThat(f.summary()).isEqualTo("no healthy backend: all backends are unhealthy; fail-open sends traffic to them"
        + " anyway");
    assertThat(f.evidence()).containsEntry("failOpen", "panicThresholdPercent 50: picks go to unhealthy backends");
  }

  @Test
  void sourceFailing_keepsTheLastKnownGoodList_andClearsWhenTheSourceRecovers(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("backends.txt");
    Files.writeString(file, "a " + Loop.host() + ":8001\n");
    LoadBalancer pool = loop.track(LoadBalancers.builder(tcp(TRUSTED).build())
        .backendSource(BackendSources.file(file))
        .discoveryPolicy(DiscoveryPolicy.builder().retryInitialBackoff(Duration.ofMinutes(5))
            .retryMaxBackoff(Duration.ofMinutes(5)).build()).build()).start();
    await("the first list", () -> pool.sourceState().orElseThrow().phase() == SourceState.Phase.HEALTHY);
    assertThat(diagnostics.examine(pool).findings(FindingCode.SOURCE_FAILING)).isEmpty();

    replace(file, "a " + Loop.host() + ":0\n");
    await("the invalid file reported", () -> pool.sourceState().orElseThrow().phase() == SourceState.Phase.FAILING);

    Finding f = only(diagnostics.examine(pool), FindingCode.SOURCE_FAILING);
    assertThat(f.severity()).isEqualTo(Severity.WARNING);
    assertThat(f.evidence()).containsEntry("source", "file " + file.toAbsolutePath())
        .containsEntry("backendsKept", "1")
        .containsEntry("lastError", "backends.txt line 1: backend.port must be between 1 and 65535, was 0");

    replace(file, "a " + Loop.host() + ":8002\n");
    await("recovered", () -> pool.sourceState().orElseThrow().phase() == SourceState.Phase.HEALTHY);
    assertThat(diagnostics.examine(pool).findings(FindingCode.SOURCE_FAILING)).isEmpty();
  }

  /** Replaces {@code file} atomically, as the file source expects. */
  private static void replace(Path file, String content) throws IOException {
    Path next = file.resolveSibling(file.getFileName() + ".next");
    Files.writeString(next, content);
    Files.move(next, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  @Test
  void noEligibleBackend_allDrained() {
    LoadBalancer pool = loop.pool(tcp(TRUSTED).build(), Backend.of("a", Loop.host(), 9, 0));

    Finding f = only(diagnostics.examine(pool), FindingCode.NO_ELIGIBLE_BACKEND);

    assertThat(f.evidence()).containsEntry("reason", "ALL_DRAINED");
    assertThat(f.fix()).contains("setWeight");
  }

  @Test
  void noEligibleBackend_noneConfigured() {
    LoadBalancer pool = loop.pool(tcp(TRUSTED).build());

    Finding f = only(diagnostics.examine(pool), FindingCode.NO_ELIGIBLE_BACKEND);

    assertThat(f.evidence()).containsOnlyKeys("reason").containsEntry("reason", "NO_BACKENDS");
  }

  @Test
  void noEligibleBackend_silentWhileOneBackendServes() throws Exception {
    String host = Loop.host();
    try (ServerSocket up = new ServerSocket(0, 50, InetAddress.getByName(host))) {
      LoadBalancer pool = loop.pool(tcp(FAST_TCP).build(), Backend.of("up", host, up.getLocalPort()),
          Backend.of("down", host, Loop.refusingPort(host)));
      assertThat(pool.awaitAnyHealthy(Loop.DEADLINE)).isTrue();

      assertThat(diagnostics.examine(pool).findings(FindingCode.NO_ELIGIBLE_BACKEND)).isEmpty();
    }
  }

  @Test
  void shallowHealthCheck_notForASingleEjection_whichABackendRestartAlsoCauses() throws Exception {
    // Issue 26: refused connects eject a restarting backend before its next probe fails. One ejection while the
    // check passes says nothing about the check; the pattern must repeat (the next test).
    Loop.App app = loop.app().status("/app", 500);
    LoadBalancer pool = loop.pool(shallowPool(), app.backend("a"));

    sendTraffic(pool, app, 5);
    await("the backend ejected", () -> pool.view().get(0).ejected());

    assertThat(diagnostics.examine(pool).findings()).extracting(Finding::code)
        .doesNotContain(FindingCode.SHALLOW_HEALTH_CHECK);
  }

  @Test
  void shallowHealthCheck_seenInTheHistory_whenEachPassingProbeEndsTheEjection() throws Exception {
    Loop.App app = loop.app().status("/app", 500);
    LoadBalancer pool = loop.pool(Listener.builder("web", Protocol.HTTP, 0).healthCheck(FAST_HTTP.toBuilder()
            .responseTimeout(Duration.ofSeconds(2)).interval(Duration.ofMillis(50)).build())
        .outlierDetection(OutlierDetectionPolicy.builder().consecutiveFailures(5).build()).build(), app.backend("a"));

    for (int round = 1; round <= 2; round++) {
      sendTraffic(pool, app, 5);
      int ejections = round;
      await("ejection " + round, () -> history(pool, "a").stream()
          .filter(t -> t.cause().startsWith("ejected")).count() == ejections);
      await("the ejection ended by a passing probe", () -> !pool.view().get(0).ejected());
    }

    Finding f = only(diagnostics.examine(pool), FindingCode.SHALLOW_HEALTH_CHECK);
    assertThat(f.evidence()).containsEntry("ejectedNow", "false");
    assertThat(f.evidence().get("ejectionsInWindow")).startsWith("2 in the last");
  }

  @Test
  void shallowHealthCheck_silentWhenTrafficSucceeds() throws Exception {
    Loop.App app = loop.app();
    LoadBalancer pool = loop.pool(shallowPool(), app.backend("a"));

    sendTraffic(pool, app, 5);

    assertThat(pool.view().get(0).ejected()).isFalse();
    assertThat(diagnostics.examine(pool).findings(FindingCode.SHALLOW_HEALTH_CHECK)).isEmpty();
  }

  private static Listener shallowPool() {
    return Listener.builder("web", Protocol.HTTP, 0).healthCheck(FAST_HTTP.toBuilder()
            .responseTimeout(Duration.ofSeconds(2)).interval(Duration.ofMillis(50)).build())
        .outlierDetection(OutlierDetectionPolicy.builder().consecutiveFailures(5).activeCheckEndsEjection(false)
            .baseEjectionTime(Duration.ofMinutes(10)).maxEjectionTime(Duration.ofMinutes(10)).build())
        .build();
  }

  /** Sends {@code n} real requests for /app through the pool and reports what the application answered. */
  private static void sendTraffic(LoadBalancer pool, Loop.App app, int n) throws InterruptedException {
    assertThat(pool.awaitAnyHealthy(Loop.DEADLINE)).isTrue();
    for (int i = 0; i < n; i++) {
      try (Selection s = pool.select(RequestContext.builder().build())) {
        assertThat(s.hasBackend()).isTrue();
        pool.report(s, Outcome.httpStatus(app.get("/app"), Duration.ofMillis(1)));
      }
    }
  }

  @Test
  void flapping_whenHealthChangesMoreOftenThanAllowed() {
    Loop.App app = loop.app();
    app.flap = true;
    LoadBalancer pool = loop.pool(Listener.builder("web", Protocol.HTTP, 0).healthCheck(FAST_HTTP.toBuilder()
        .responseTimeout(Duration.ofSeconds(2)).build()).build(), app.backend("a"));
    await("5 transitions", () -> history(pool, "a").size() >= 5);

    Report report = Loop.withoutHost().flapping(4, Duration.ofMinutes(5)).build().examine(pool);

    Finding f = only(report, FindingCode.FLAPPING);
    assertThat(f.evidence().get("allowed")).isEqualTo("4");
    assertThat(f.evidence().get("transitions")).endsWith("in the last 300s");
    assertThat(f.evidence()).containsKey("transition 5");
  }

  @Test
  void flapping_silentForASteadyBackend() {
    Loop.App app = loop.app();
    LoadBalancer pool = loop.pool(Listener.builder("web", Protocol.HTTP, 0).healthCheck(FAST_HTTP.toBuilder()
        .responseTimeout(Duration.ofSeconds(2)).build()).build(), app.backend("a"));
    await("healthy", () -> pool.view().get(0).health() == HealthStatus.HEALTHY);

    Report report = Loop.withoutHost().flapping(1, Duration.ofMinutes(5)).build().examine(pool);

    assertThat(history(pool, "a")).hasSize(1); // unchecked -> healthy, once
    assertThat(report.findings(FindingCode.FLAPPING)).isEmpty();
  }

  private static List<HealthTransition> history(LoadBalancer pool, String id) {
    return pool.healthHistory(id, Instant.EPOCH, Instant.now().plusSeconds(60));
  }

  @Test
  void persistenceSkew_whenOneClientSticksToOneBackend() throws Exception {
    LoadBalancer pool = loop.pool(sticky(), Backend.of("a", Loop.host(), 80), Backend.of("b", Loop.host(), 80));

    for (int i = 0; i < 200; i++) {
      pool.select(RequestContext.ofClient(InetAddress.getByName("10.0.0.1"))).release();
    }

    Finding f = only(diagnostics.examine(pool), FindingCode.PERSISTENCE_SKEW);
    assertThat(f.evidence()).containsEntry("picks", "200 of 200 (100.0%, since it joined)")
        .containsEntry("weightedShare", "50.0% (weight 100 of 200)")
        .containsEntry("allowed", "150% of the weighted share");
  }

  @Test
  void persistenceSkew_silentWhenClientsSpread() throws UnknownHostException {
    LoadBalancer pool = loop.pool(sticky(), Backend.of("a", Loop.host(), 80), Backend.of("b", Loop.host(), 80));

    for (int i = 0; i < 200; i++) {
      pool.select(RequestContext.ofClient(InetAddress.getByName("10.0." + (i / 250) + "." + (1 + i % 250))))
          .release();
    }

    assertThat(pool.view()).allSatisfy(v -> assertThat(v.picks()).isEqualTo(100));
    assertThat(diagnostics.examine(pool).findings(FindingCode.PERSISTENCE_SKEW)).isEmpty();
  }

  @Test
  void persistenceSkew_edges_ofTheShareAndOfTheMinimumPicks() throws Exception {
    assertThat(skewAfter(150, 50, 150, 100)).as("75% is exactly 150% of a 50% share").isEmpty();
    assertThat(skewAfter(151, 49, 150, 100)).extracting(Finding::subject).singleElement().asString()
        .startsWith("backend a ");
    assertThat(skewAfter(151, 49, 150, 201)).as("fewer picks than the minimum").isEmpty();
  }

  /** Two equal backends, one client per backend sending {@code toA} and {@code toB} requests. */
  private List<Finding> skewAfter(int toA, int toB, int percent, int minPicks) throws UnknownHostException {
    LoadBalancer pool = loop.pool(sticky(), Backend.of("a", Loop.host(), 80), Backend.of("b", Loop.host(), 80));
    InetAddress first = InetAddress.getByName("10.0.0.1");
    InetAddress second = InetAddress.getByName("10.0.0.2");
    InetAddress onA;
    try (Selection s = pool.select(RequestContext.ofClient(first))) {
      onA = s.backend().id().equals("a") ? first : second;
    }
    pool.select(RequestContext.ofClient(second)).release(); // equal weights: the other backend
    InetAddress onB = onA == first ? second : first;
    for (int i = 1; i < toA; i++) {
      pool.select(RequestContext.ofClient(onA)).release();
    }
    for (int i = 1; i < toB; i++) {
      pool.select(RequestContext.ofClient(onB)).release();
    }
    assertThat(pool.view()).extracting(v -> v.picks()).containsExactly((long) toA, (long) toB);
    return Loop.withoutHost().persistenceSkew(percent, minPicks).build().examine(pool)
        .findings(FindingCode.PERSISTENCE_SKEW);
  }

  private static Listener sticky() {
    return tcp(TRUSTED).sessionPersistence(SessionPersistence.sourceIp(Duration.ofSeconds(600))).build();
  }

  static Finding only(Report report, FindingCode code) {
    List<Finding> found = report.findings(code);
    assertThat(found).as(report.toText()).hasSize(1);
    return found.get(0);
  }
}
