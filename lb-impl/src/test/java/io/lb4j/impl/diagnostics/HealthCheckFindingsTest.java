package io.lb4j.impl.diagnostics;

import static io.lb4j.impl.diagnostics.PoolFindingsTest.only;
import static org.assertj.core.api.Assertions.assertThat;

import io.lb4j.api.Backend;
import io.lb4j.api.Listener;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.Protocol;
import io.lb4j.api.discovery.SubsetPolicy;
import io.lb4j.api.health.HealthCheckMethod;
import io.lb4j.api.health.HealthCheckPolicy;
import io.lb4j.api.health.HealthCheckType;
import io.lb4j.api.health.HealthStatus;
import io.lb4j.api.health.OutlierDetectionPolicy;
import io.lb4j.impl.LoadBalancers;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class HealthCheckFindingsTest {

  private static HealthCheckPolicy.Builder fastHttp() {
    return HealthCheckPolicy.builder().type(HealthCheckType.HTTP).interval(Duration.ofMillis(20))
        .responseTimeout(Duration.ofSeconds(2)).unhealthyThreshold(1).healthyThreshold(1);
  }

  /** Checks that do not run again during a test: only their settings are examined. */
  private static HealthCheckPolicy.Builder idle() {
    return HealthCheckPolicy.builder().interval(Duration.ofSeconds(50)).responseTimeout(Duration.ofSeconds(1));
  }

  private final Loop loop = new Loop();
  private final Diagnostics diagnostics = Loop.withoutHost().build();

  @AfterEach
  void close() throws Exception {
    loop.close();
  }

  /**
   * Examines until no finding is confirming: a check-versus-traffic mismatch is an error only once it held for
   * unhealthyThreshold x interval over two examinations or more.
   */
  static Report confirmed(Diagnostics diagnostics, LoadBalancer pool) {
    Report[] last = {diagnostics.examine(pool)};
    Loop.await("the finding confirmed", () -> !(last[0] = diagnostics.examine(pool)).confirming());
    return last[0];
  }

  private LoadBalancer checkedPool(HealthCheckPolicy check, Backend backend) {
    LoadBalancer pool = loop.pool(Listener.builder("web", Protocol.HTTP, 0).healthCheck(check).build(), backend);
    Loop.await("a failed check", () -> HealthCheckFindings.failed(pool.view().get(0).lastCheck()));
    return pool;
  }

  @Test
  void checkFailsPortOpen_wrongPath_saysWhatTheProbeGot() {
    Loop.App app = loop.app().status("/health", 404);
    LoadBalancer pool = checkedPool(fastHttp().path("/health").build(), app.backend("a"));

    Finding f = only(confirmed(diagnostics, pool), FindingCode.CHECK_FAILS_PORT_OPEN);

    assertThat(f.severity()).isEqualTo(Severity.ERROR);
    assertThat(f.evidence()).containsEntry("trafficPort", app.host + ":" + app.port() + " accepts connections")
        .containsEntry("check", "HTTP HEAD /health expecting [2xx, 3xx] on port " + app.port())
        .containsEntry("hostHeader", app.host + ":" + app.port() + " (the backend's address)")
        .containsEntry("lastCheck", "HTTP 404 not in [2xx, 3xx]");
    assertThat(f.fix()).contains("HealthCheckPolicy.path").contains("404 means a wrong path");
    assertThat(f.evidence().get("persisted")).contains("examinations (needed: 20ms, unhealthyThreshold x interval)");
  }

  @Test
  void checkFailsPortOpen_neverForASlowStart_whoseCheckAnswers503WhileThePortAccepts() {
    // Issue 26: the application answers "not ready" while it starts; that is no wrong check.
    Loop.App app = loop.app().status("/health", 503);
    LoadBalancer pool = checkedPool(fastHttp().path("/health").build(), app.backend("a"));

    for (int i = 0; i < 5; i++) {
      Report report = diagnostics.examine(pool);
      assertThat(report.findings()).extracting(Finding::code).doesNotContain(FindingCode.CHECK_FAILS_PORT_OPEN);
      assertThat(report.findings()).filteredOn(f -> f.severity() == Severity.ERROR).extracting(Finding::code)
          .containsOnly(FindingCode.NO_ELIGIBLE_BACKEND); // its only backend is down: true, and said as such
      assertThat(only(report, FindingCode.BACKEND_UNHEALTHY).summary()).contains("starting, overloaded or failing");
    }
  }

  @Test
  void checkFailsPortOpen_seenOnce_isAWarningThatIsConfirming_notAnError() {
    Loop.App app = loop.app().status("/health", 404);
    LoadBalancer pool = checkedPool(fastHttp().path("/health").unhealthyThreshold(3).build(), app.backend("a"));

    Report first = Loop.withoutHost().build().examine(pool);

    assertThat(first.confirming()).isTrue();
    assertThat(first.findings(FindingCode.CHECK_FAILS_PORT_OPEN)).isEmpty();
    assertThat(only(first, FindingCode.BACKEND_UNHEALTHY).evidence().get("confirming"))
        .contains("check-fails-port-open is reported once this lasts");
  }

  @Test
  void checkFailsPortOpen_wrongCheckPort_namesBothPorts() {
    Loop.App app = loop.app();
    int closed = Loop.refusingPort(app.host);
    LoadBalancer pool = checkedPool(fastHttp().port(closed).build(), app.backend("a"));

    Finding f = only(confirmed(diagnostics, pool), FindingCode.CHECK_FAILS_PORT_OPEN);

    assertThat(f.evidence()).containsEntry("lastCheck", "connect refused");
    assertThat(f.fix()).startsWith("The check probes port " + closed + " while traffic goes to port " + app.port());
  }

  @Test
  void checkFailsPortOpen_aPortThatDoesNotSpeakHttp() throws Exception {
    String host = Loop.host();
    try (ServerSocket notHttp = new ServerSocket(0, 50, InetAddress.getByName(host))) {
      Thread closer = new Thread(() -> {
        while (!notHttp.isClosed()) {
          try (Socket c = notHttp.accept()) {
            // reads the request (a close with unread bytes resets) and answers nothing
            c.getInputStream().read(new byte[4096]);
          } catch (IOException e) {
            return;
          }
        }
      }, "test-not-http");
      closer.setDaemon(true);
      closer.start();
      LoadBalancer pool = checkedPool(fastHttp().build(), Backend.of("a", host, notHttp.getLocalPort()));

      Finding f = only(confirmed(diagnostics, pool), FindingCode.CHECK_FAILS_PORT_OPEN);

      assertThat(f.evidence()).containsEntry("lastCheck", "connection closed before HTTP status");
      assertThat(f.fix())
          .startsWith("Port " + notHttp.getLocalPort() + " accepts connections but does not answer HTTP");
    }
  }

  @Test
  void backendUnhealthy_andNoCheckFinding_whenTheBackendIsReallyDown() {
    String host = Loop.host();
    int port = Loop.refusingPort(host);
    LoadBalancer pool = checkedPool(fastHttp().build(), Backend.of("a", host, port));

    Report report = diagnostics.examine(pool);

    Finding f = only(report, FindingCode.BACKEND_UNHEALTHY);
    assertThat(f.severity()).isEqualTo(Severity.WARNING);
    assertThat(f.evidence()).containsEntry("lastCheck", "connect refused")
        .containsEntry("trafficPort", host + ":" + port + " does not accept connections");
    assertThat(report.findings(FindingCode.CHECK_FAILS_PORT_OPEN)).isEmpty();
  }

  @Test
  void udpBackend_isNotProbedWithATcpConnect_andItsCheckIsDescribed() {
    // A TCP server on the UDP port: a TCP connect would succeed and wrongly blame the UDP check.
    Loop.App app = loop.app();
    LoadBalancer pool = loop.pool(Listener.builder("dns", Protocol.UDP, 0).healthCheck(HealthCheckPolicy.builder()
        .type(HealthCheckType.UDP).udpRequest("ping").udpExpectedResponse("pong").interval(Duration.ofMillis(20))
        .responseTimeout(Duration.ofMillis(200)).unhealthyThreshold(1).build()).build(), app.backend("a"));
    Loop.await("a failed check", () -> HealthCheckFindings.failed(pool.view().get(0).lastCheck()));

    Report report = diagnostics.examine(pool);

    assertThat(report.findings(FindingCode.CHECK_FAILS_PORT_OPEN)).isEmpty();
    Finding f = only(report, FindingCode.BACKEND_UNHEALTHY);
    assertThat(f.evidence()).containsEntry("trafficPort", app.host + ":" + app.port() + " (UDP: not probed)")
        .containsEntry("check", "UDP request 'ping' expecting 'pong' on port " + app.port());
  }

  @Test
  void unhealthyBackends_probesNoMoreThanTheCap() {
    Loop.App app = loop.app().status("/health", 404);
    LoadBalancer pool = checkedPool(fastHttp().path("/health").build(), app.backend("a"));

    Report report = Loop.withoutHost().maxPortProbes(0).build()
        .examine(pool);

    assertThat(report.findings(FindingCode.CHECK_FAILS_PORT_OPEN)).isEmpty();
    assertThat(only(report, FindingCode.BACKEND_UNHEALTHY).evidence().get("trafficPort"))
        .endsWith(" not probed (diagnostics.maxPortProbes reached)");
  }

  @Test
  void unhealthyBackends_silentWhileHealthy() {
    Loop.App app = loop.app();
    LoadBalancer pool = loop.pool(Listener.builder("web", Protocol.HTTP, 0).healthCheck(fastHttp().build()).build(),
        app.backend("a"));
    Loop.await("healthy", () -> pool.view().get(0).health() == HealthStatus.HEALTHY);

    assertThat(diagnostics.examine(pool).findings()).extracting(Finding::code)
        .doesNotContain(FindingCode.BACKEND_UNHEALTHY, FindingCode.CHECK_FAILS_PORT_OPEN);
  }

  @Test
  void timeoutNotBelowInterval_withTheReferenceDefaults() {
    LoadBalancer pool = loop.pool(Listener.builder("web", Protocol.TCP, 0).build());

    Finding f = only(diagnostics.examine(pool), FindingCode.CHECK_TIMEOUT_NOT_BELOW_INTERVAL);

    assertThat(f.evidence()).containsEntry("responseTimeout", "5s").containsEntry("interval", "2s")
        .containsEntry("hungBackendDetectedAfter", "19s");
  }

  @Test
  void timeoutNotBelowInterval_equalCountsAsNotBelow() {
    LoadBalancer pool = loop.pool(Listener.builder("web", Protocol.TCP, 0)
        .healthCheck(idle().responseTimeout(Duration.ofSeconds(50)).build()).build());

    assertThat(diagnostics.examine(pool).findings(FindingCode.CHECK_TIMEOUT_NOT_BELOW_INTERVAL)).hasSize(1);
  }

  @Test
  void timeoutNotBelowInterval_silentWhenShorter() {
    LoadBalancer pool = loop.pool(Listener.builder("web", Protocol.TCP, 0)
        .healthCheck(idle().interval(Duration.ofSeconds(2)).responseTimeout(Duration.ofMillis(1999)).build()).build());

    assertThat(diagnostics.examine(pool).findings(FindingCode.CHECK_TIMEOUT_NOT_BELOW_INTERVAL)).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"/health.php", "/status.jsp", "/check.aspx", "/cgi/check.cgi", "/health?full=1",
      "/app.php/health"})
  void dynamicCheckPath(String path) {
    LoadBalancer pool = loop.pool(Listener.builder("web", Protocol.HTTP, 0)
        .healthCheck(idle().type(HealthCheckType.HTTP).path(path).build()).build());

    Finding f = only(diagnostics.examine(pool), FindingCode.DYNAMIC_CHECK_PATH);

    assertThat(f.evidence()).containsEntry("path", path);
    assertThat(f.fix()).contains("static page");
  }

  @ParameterizedTest
  @ValueSource(strings = {"/", "/health.html", "/status", "/php/health.txt"})
  void dynamicCheckPath_silentForStaticPaths(String path) {
    LoadBalancer pool = loop.pool(Listener.builder("web", Protocol.HTTP, 0)
        .healthCheck(idle().type(HealthCheckType.HTTP).path(path).build()).build());

    assertThat(diagnostics.examine(pool).findings(FindingCode.DYNAMIC_CHECK_PATH)).isEmpty();
  }

  @Test
  void probeVolume_perBackendAndTotal_withTheOptionsThatReduceIt() {
    LoadBalancer pool = loop.pool(Listener.builder("web", Protocol.HTTP, 0)
            .healthCheck(idle().type(HealthCheckType.HTTP).method(HealthCheckMethod.GET).interval(Duration.ofSeconds(1))
                .responseTimeout(Duration.ofMillis(500)).build()).build(),
        Backend.of("a", Loop.host(), 80), Backend.of("b", Loop.host(), 80));

    Finding f = only(diagnostics.examine(pool), FindingCode.PROBE_VOLUME);

    assertThat(f.severity()).isEqualTo(Severity.INFO);
    assertThat(f.evidence()).containsEntry("probesPerMinutePerBackend", "60")
        .containsEntry("probesPerMinuteTotal", "120 (2 backends)")
        .containsEntry("skipWhenTrafficSucceeds", "false");
    assertThat(f.fix()).contains("use method HEAD").contains("skipWhenTrafficSucceeds(true)")
        .contains("detects failures later").contains("TCP check writes no log line but cannot see HTTP errors");
  }

  @Test
  void probeVolume_withSubsets_countsTheSubsetAndTheFleetsProbesPerBackend() {
    List<Backend> backends = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      backends.add(Backend.of("b" + i, Loop.host(), 80));
    }
    Listener web = Listener.builder("web", Protocol.HTTP, 0).healthCheck(idle().type(HealthCheckType.HTTP)
        .interval(Duration.ofSeconds(1)).responseTimeout(Duration.ofMillis(500)).build()).build();
    LoadBalancer pool = loop.track(LoadBalancers.builder(web).subset(SubsetPolicy.byIndex(2, 20, 3))
        .backends(backends).build()).start();

    Finding f = only(diagnostics.examine(pool), FindingCode.PROBE_VOLUME);

    // 20 instances each check 3 of the 12 backends: each backend is checked by 5 of them, not 20.
    assertThat(f.evidence()).containsEntry("probesPerMinutePerBackend", "60")
        .containsEntry("probesPerMinuteTotal", "180 (3 backends)")
        .containsEntry("subset", "3 of 12 backends, SubsetPolicy{client 2 of 20, subsetSize=3}")
        .containsEntry("fleetProbesPerMinutePerBackend", "300 (about 5 of 20 clients check each backend)");
    assertThat(f.summary()).contains("to each backend of this instance's subset (3 of 12)");
    assertThat(f.fix()).doesNotContain("subsetting");

    LoadBalancer whole = loop.pool(web, backends.get(0), backends.get(1));
    assertThat(only(diagnostics.examine(whole), FindingCode.PROBE_VOLUME).fix())
        .contains("deterministic subsetting (PoolSettings.subset) has each instance check only its subset");
  }

  @Test
  void probeVolume_firesAtTheThreshold() {
    LoadBalancer pool = loop.pool(Listener.builder("web", Protocol.HTTP, 0)
        .healthCheck(idle().type(HealthCheckType.HTTP).interval(Duration.ofSeconds(2)).build()).build(),
        Backend.of("a", Loop.host(), 80));

    assertThat(only(diagnostics.examine(pool), FindingCode.PROBE_VOLUME).evidence())
        .containsEntry("probesPerMinutePerBackend", "30");
    assertThat(Loop.withoutHost().probeVolumeThreshold(31).build().examine(pool)
        .findings(FindingCode.PROBE_VOLUME)).isEmpty();
  }

  @Test
  void probeVolume_silentBelowTheThresholdAndForTcpChecks() {
    Backend a = Backend.of("a", Loop.host(), 80);
    LoadBalancer slow = loop.pool(Listener.builder("slow", Protocol.HTTP, 0)
        .healthCheck(idle().type(HealthCheckType.HTTP).interval(Duration.ofMillis(2001)).build()).build(), a);
    LoadBalancer tcp = loop.pool(Listener.builder("tcp", Protocol.HTTP, 0)
        .healthCheck(idle().type(HealthCheckType.TCP).interval(Duration.ofMillis(100)).build()).build(), a);

    assertThat(diagnostics.examine(slow).findings(FindingCode.PROBE_VOLUME)).isEmpty();
    assertThat(diagnostics.examine(tcp).findings(FindingCode.PROBE_VOLUME)).isEmpty();
  }

  @Test
  void thePolicyInForce_isExamined_notTheOneThePoolWasBuiltWith() {
    LoadBalancer pool = loop.pool(Listener.builder("web", Protocol.HTTP, 0).healthCheck(idle().build()).build());
    assertThat(diagnostics.examine(pool).findings(FindingCode.DYNAMIC_CHECK_PATH)).isEmpty();

    pool.setHealthCheck(idle().type(HealthCheckType.HTTP).path("/status.php").build());

    assertThat(only(diagnostics.examine(pool), FindingCode.DYNAMIC_CHECK_PATH).evidence())
        .containsEntry("path", "/status.php");
  }

  @Test
  void aClientSidePool_isExaminedUnderItsOwnNameAndSettings() {
    LoadBalancer pool = loop.track(LoadBalancers.builder().name("orders")
        .healthCheck(idle().type(HealthCheckType.HTTP).path("/health?deep=1").build())
        .backend(Backend.of("a", Loop.host(), 80)).build());

    Report report = diagnostics.examine(pool);

    assertThat(report.pool()).isEqualTo("orders");
    assertThat(only(report, FindingCode.DYNAMIC_CHECK_PATH).subject()).isEqualTo("pool orders");
    assertThat(report.findings(FindingCode.NO_LISTENER)).isEmpty();
  }

  @Test
  void checksDisabled_andNoOtherCheckFinding_whenNothingWatchesTheBackends() {
    LoadBalancer pool = loop.pool(Listener.builder("web", Protocol.HTTP, 0)
        .healthCheck(HealthCheckPolicy.disabled()).build(), Backend.of("a", Loop.host(), 80));

    Report report = diagnostics.examine(pool);

    Finding f = only(report, FindingCode.CHECKS_DISABLED);
    assertThat(f.evidence()).containsEntry("healthCheck", "HealthCheckPolicy{disabled}")
        .containsEntry("outlierDetection", "OutlierDetectionPolicy{disabled}");
    assertThat(report.findings()).extracting(Finding::code)
        .doesNotContain(FindingCode.PROBE_VOLUME, FindingCode.CHECK_TIMEOUT_NOT_BELOW_INTERVAL);
  }

  @Test
  void checksDisabled_silentWithOutlierDetectionOrChecksOn() {
    Backend a = Backend.of("a", Loop.host(), 80);
    LoadBalancer passive = loop.pool(Listener.builder("passive", Protocol.HTTP, 0)
        .healthCheck(HealthCheckPolicy.disabled())
        .outlierDetection(OutlierDetectionPolicy.builder().build()).build(), a);
    LoadBalancer active = loop.pool(Listener.builder("active", Protocol.HTTP, 0).healthCheck(idle().build()).build(),
        a);

    assertThat(diagnostics.examine(passive).findings(FindingCode.CHECKS_DISABLED)).isEmpty();
    assertThat(diagnostics.examine(active).findings(FindingCode.CHECKS_DISABLED)).isEmpty();
  }
}
