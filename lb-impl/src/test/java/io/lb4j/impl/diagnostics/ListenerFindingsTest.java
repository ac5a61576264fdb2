package io.lb4j.impl.diagnostics;

import static io.lb4j.impl.diagnostics.PoolFindingsTest.only;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lb4j.api.Backend;
import io.lb4j.api.Listener;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.Protocol;
import io.lb4j.api.health.HealthCheckPolicy;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The listener-side findings, read through {@link ListenerSnapshot}: the listener implementation lands on
 * another branch, so the counters are set here as its metrics snapshot will report them.
 */
class ListenerFindingsTest {

  private static final HealthCheckPolicy TRUSTED = HealthCheckPolicy.builder().startHealthy(true)
      .interval(Duration.ofSeconds(50)).responseTimeout(Duration.ofSeconds(1)).build();
  private static final Listener WEB = Listener.builder("web", Protocol.HTTP, 0).healthCheck(TRUSTED)
      .requestTimeout(Duration.ofSeconds(10)).maxRequestHeaderSize(8192).build();

  private final Loop loop = new Loop();
  private final Diagnostics diagnostics = Loop.withoutHost().build();

  @AfterEach
  void close() throws Exception {
    loop.close();
  }

  private LoadBalancer web() {
    return loop.pool(WEB, Backend.of("a", Loop.host(), 8080));
  }

  private static ListenerSnapshot.Builder snapshot() {
    return ListenerSnapshot.builder(WEB, "127.0.0.1", 8000);
  }

  private List<Finding> listenerFindings(LoadBalancer pool, ListenerSnapshot... snapshots) {
    return diagnostics.examine(pool, List.of(snapshots)).findings().stream()
        .filter(f -> f.code() != FindingCode.PROBE_VOLUME && f.code() != FindingCode.SOURCE_UNAVAILABLE)
        .toList();
  }

  @Test
  void noListener_whenAServedPoolHasNone() {
    Finding f = only(diagnostics.examine(web(), List.of()), FindingCode.NO_LISTENER);

    assertThat(f.severity()).isEqualTo(Severity.ERROR);
    assertThat(f.subject()).isEqualTo("pool web");
  }

  @Test
  void noListener_silentForAClientSidePool() {
    assertThat(diagnostics.examine(web()).findings(FindingCode.NO_LISTENER)).isEmpty();
  }

  @Test
  void listenerNotRunning() {
    Finding f = only(diagnostics.examine(web(), List.of(snapshot().running(false).build())),
        FindingCode.LISTENER_NOT_RUNNING);

    assertThat(f.subject()).isEqualTo("listener web (127.0.0.1:8000)");
    assertThat(f.evidence()).containsEntry("address", "127.0.0.1:8000").containsEntry("protocol", "HTTP");
  }

  @Test
  void aRunningListenerWithCleanCountersIsSilent() {
    assertThat(listenerFindings(web(), snapshot().responseTimeP99(Duration.ofSeconds(8)).build())).isEmpty();
  }

  @Test
  void backendIsListener_sameAddressAndPort() throws Exception {
    try (ServerSocket listening = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
      int port = listening.getLocalPort();
      LoadBalancer pool = loop.pool(WEB, Backend.of("self", "127.0.0.1", port), Backend.of("other", Loop.host(), port));

      Finding f = only(diagnostics.examine(pool, List.of(ListenerSnapshot.builder(WEB, "127.0.0.1", port).build())),
          FindingCode.BACKEND_IS_LISTENER);

      assertThat(f.subject()).isEqualTo("backend self (127.0.0.1:" + port + ")");
      assertThat(f.evidence()).containsEntry("listener", "127.0.0.1:" + port);
    }
  }

  @Test
  void backendIsListener_wildcardBindMatchesEveryLocalAddress() throws Exception {
    try (ServerSocket listening = new ServerSocket()) {
      listening.bind(new InetSocketAddress(0));
      int port = listening.getLocalPort();
      String host = Loop.host();
      LoadBalancer pool = loop.pool(WEB, Backend.of("self", host, port));

      Finding f = only(diagnostics.examine(pool, List.of(ListenerSnapshot.builder(WEB, "0.0.0.0", port).build())),
          FindingCode.BACKEND_IS_LISTENER);

      assertThat(f.evidence()).containsEntry("backend", host + ":" + port);
    }
  }

  @Test
  void backendIsListener_silentOnAnotherPortOrAddress() {
    LoadBalancer pool = loop.pool(WEB, Backend.of("a", "127.0.0.1", 8001), Backend.of("b", "127.0.0.2", 8000));

    assertThat(diagnostics.examine(pool, List.of(snapshot().build())).findings(FindingCode.BACKEND_IS_LISTENER))
        .isEmpty();
  }

  @Test
  void loopDetected_when508sWereCounted() {
    Finding f = only(diagnostics.examine(web(), List.of(snapshot().loopsDetected(3).build())),
        FindingCode.LOOP_DETECTED);

    assertThat(f.evidence()).containsEntry("answered508", "3");
    assertThat(f.severity()).isEqualTo(Severity.ERROR);
  }

  @Test
  void badGateway_byCause() {
    Finding f = only(diagnostics.examine(web(), List.of(snapshot().badGateway("no backend", 4)
        .badGateway("connect refused", 2).badGateway("reset", 0).build())), FindingCode.BAD_GATEWAY);

    assertThat(f.summary()).startsWith("6 requests were answered 502");
    assertThat(f.evidence()).containsExactly(Map.entry("counted", "since the listener started"),
        Map.entry("502 no backend", "4"), Map.entry("502 connect refused", "2"), Map.entry("502 reset", "0"));
  }

  @Test
  void counts_areJudgedByTheirGrowthSinceThePreviousExamination() {
    LoadBalancer pool = web();

    assertThat(only(diagnostics.examine(pool, List.of(snapshot().headersTooLarge(5).build())),
        FindingCode.HEADERS_TOO_LARGE).evidence()).containsEntry("answered431", "5");
    assertThat(diagnostics.examine(pool, List.of(snapshot().headersTooLarge(5).build()))
        .findings(FindingCode.HEADERS_TOO_LARGE)).as("no new 431: the finding clears").isEmpty();
    assertThat(only(diagnostics.examine(pool, List.of(snapshot().headersTooLarge(7).build())),
        FindingCode.HEADERS_TOO_LARGE).evidence()).containsEntry("answered431", "2")
        .containsEntry("counted", "since the last examination");
    assertThat(only(diagnostics.examine(pool, List.of(snapshot().headersTooLarge(1).build())),
        FindingCode.HEADERS_TOO_LARGE).evidence()).as("the listener restarted: its counts start again")
        .containsEntry("answered431", "1");
  }

  @Test
  void counts_ofEachListenerAreTrackedApart() {
    LoadBalancer pool = web();
    diagnostics.examine(pool, List.of(snapshot().badRequests(3).build()));

    Report report = diagnostics.examine(pool, List.of(snapshot().badRequests(3).build(),
        ListenerSnapshot.builder(WEB, "127.0.0.2", 8000).badRequests(3).build()));

    assertThat(only(report, FindingCode.MALFORMED_REQUESTS).subject()).isEqualTo("listener web (127.0.0.2:8000)");
  }

  @Test
  void slowBackend_whenP99PassesEightyPercentOfTheRequestTimeout() {
    Finding f = only(diagnostics.examine(web(), List.of(snapshot().responseTimeP99(Duration.ofMillis(8001)).build())),
        FindingCode.SLOW_BACKEND);

    assertThat(f.severity()).isEqualTo(Severity.WARNING);
    assertThat(f.evidence()).containsEntry("responseTimeP99", "8001ms").containsEntry("requestTimeout", "10s")
        .containsEntry("answered504", "0");
  }

  @Test
  void slowBackend_silentAtExactlyEightyPercent() {
    assertThat(diagnostics.examine(web(), List.of(snapshot().responseTimeP99(Duration.ofSeconds(8)).build()))
        .findings(FindingCode.SLOW_BACKEND)).isEmpty();
  }

  @Test
  void slowBackend_thresholdIsConfigurable() {
    Diagnostics strict = Loop.withoutHost().slowResponsePercent(50).build();

    assertThat(strict.examine(web(), List.of(snapshot().responseTimeP99(Duration.ofMillis(5001)).build()))
        .findings(FindingCode.SLOW_BACKEND)).hasSize(1);
  }

  @Test
  void slowBackend_anError_when504sWereCounted() {
    Finding f = only(diagnostics.examine(web(), List.of(snapshot().gatewayTimeouts(7).build())),
        FindingCode.SLOW_BACKEND);

    assertThat(f.severity()).isEqualTo(Severity.ERROR);
    assertThat(f.summary()).contains("7 requests timed out (504)");
    assertThat(f.evidence()).containsEntry("responseTimeP99", "unknown").containsEntry("answered504", "7");
  }

  @Test
  void headersTooLarge_withTheConfiguredLimit() {
    Finding f = only(diagnostics.examine(web(), List.of(snapshot().headersTooLarge(2).build())),
        FindingCode.HEADERS_TOO_LARGE);

    assertThat(f.evidence()).containsEntry("answered431", "2").containsEntry("maxRequestHeaderSize", "8192 bytes");
    assertThat(f.fix()).contains("listener.maxRequestHeaderSize").contains("Layer-4 listener");
  }

  @Test
  void malformedRequests_when400sWereCounted() {
    Finding f = only(diagnostics.examine(web(), List.of(snapshot().badRequests(9).build())),
        FindingCode.MALFORMED_REQUESTS);

    assertThat(f.evidence()).containsEntry("answered400", "9");
  }

  @Test
  void layer4Listener_hasNoHttpCounterFindings() {
    Listener tcp = Listener.builder("tcp", Protocol.TCP, 0).healthCheck(TRUSTED).build();
    LoadBalancer pool = loop.pool(tcp, Backend.of("a", Loop.host(), 8080));

    assertThat(listenerFindings(pool, ListenerSnapshot.builder(tcp, "127.0.0.1", 9000).headersTooLarge(1)
        .badRequests(1).gatewayTimeouts(1).build())).isEmpty();
  }

  @Test
  void snapshotBuilder_rejectsBadValuesNamingTheField() {
    assertThatThrownBy(() -> snapshot().badRequests(-1)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("listenerSnapshot.badRequests must be 0 or more, was -1");
    assertThatThrownBy(() -> snapshot().responseTimeP99(Duration.ofMillis(-5)))
        .hasMessage("listenerSnapshot.responseTimeP99 must be 0 or more, was -5ms");
    assertThatThrownBy(() -> ListenerSnapshot.builder(WEB, "127.0.0.1", 65536))
        .hasMessage("listenerSnapshot.port must be between 0 and 65535, was 65536");
    for (String notALiteral : List.of("localhost", "cafe", "256.0.0.1", "1.2.3", "1.2.3.4.5", "1..2.3", "",
        "fe80::g")) {
      assertThatThrownBy(() -> ListenerSnapshot.builder(WEB, notALiteral, 80))
          .hasMessage("listenerSnapshot.bindAddress must be an IPv4 or IPv6 literal, was '" + notALiteral + "'");
    }
    assertThat(ListenerSnapshot.builder(WEB, "::", 80).build().bindAddress()).isEqualTo("::");
    assertThat(ListenerSnapshot.builder(WEB, "255.255.255.255", 80).build().bindAddress()).isEqualTo("255.255.255.255");
    assertThatThrownBy(() -> snapshot().acceptBacklog(0))
        .hasMessage("listenerSnapshot.acceptBacklog must be between 1 and 65535, was 0");
  }
}
