package io.lb4j.impl.diagnostics;

import static io.lb4j.impl.diagnostics.PoolFindingsTest.only;
import static org.assertj.core.api.Assertions.assertThat;

import io.lb4j.api.Backend;
import io.lb4j.api.Listener;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.PeakBandwidth;
import io.lb4j.api.Protocol;
import io.lb4j.api.health.HealthCheckPolicy;
import io.lb4j.api.routing.ForwardingRules;
import io.lb4j.api.routing.Routing;
import io.lb4j.api.routing.ServerGroup;
import io.lb4j.impl.listener.ListenerServer;
import io.lb4j.impl.testing.MutableClock;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The routing and bandwidth findings against real listeners on loopback: each is provoked, and each stays
 * silent when its condition does not hold (or has not held long enough).
 */
class RoutingFindingsTest {

  private final Loop loop = new Loop();
  private final MutableClock clock = new MutableClock();

  @AfterEach
  void close() throws Exception {
    loop.close();
  }

  private Diagnostics diagnostics() {
    return Loop.withoutHost().clock(clock).ruleIdle(20, Duration.ofMinutes(5)).build();
  }

  private ListenerServer server(Listener listener, Routing routing) throws IOException {
    return loop.track(ListenerServer.builder(listener).routing(routing)
        .bindAddress(InetAddress.getByName("127.0.0.1")).eventLoops(1).build().start());
  }

  private static Listener http(String name, HealthCheckPolicy check) {
    return Listener.builder(name, Protocol.HTTP, 0).healthCheck(check).build();
  }

  private static int get(ListenerServer server, String host, String path) {
    try (Socket s = new Socket(server.localAddress().getAddress(), server.localAddress().getPort())) {
      s.setSoTimeout((int) Loop.DEADLINE.toMillis());
      s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      InputStream in = s.getInputStream();
      byte[] head = in.readNBytes(12);
      int status = Integer.parseInt(new String(head, 9, 3, StandardCharsets.US_ASCII));
      in.readAllBytes();
      return status;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Report examine(Diagnostics d, ListenerServer server, String group) {
    return d.examine(server.group(group), List.of(ListenerSnapshot.of(server)));
  }

  @Test
  void ruleNeverMatches_isReportedOnceIdleLongEnough_whileOthersGetTraffic_andClearsWhenItMatches()
      throws Exception {
    Loop.App app = loop.app();
    ListenerServer server = server(http("idle", HealthCheckPolicy.disabled()), Routing.builder()
        .group(ServerGroup.of("web", List.of(app.backend("w")))).group(ServerGroup.of("old", List.of(app.backend("o"))))
        .rules(ForwardingRules.builder().rule("legacy.test", "/", "old").defaultGroup("web").build()).build());
    Diagnostics d = diagnostics();
    assertThat(examine(d, server, "old").findings(FindingCode.RULE_NEVER_MATCHES)).as("first seen").isEmpty();
    for (int i = 0; i < 25; i++) {
      assertThat(get(server, "www.test", "/")).isEqualTo(200);
    }
    clock.advance(Duration.ofMinutes(4));
    assertThat(examine(d, server, "old").findings(FindingCode.RULE_NEVER_MATCHES)).as("idle 4 of 5 minutes")
        .isEmpty();
    clock.advance(Duration.ofMinutes(2));
    Finding f = only(examine(d, server, "old"), FindingCode.RULE_NEVER_MATCHES);
    assertThat(f.subject()).startsWith("rule #1 (legacy.test/ -> old) of listener idle");
    assertThat(f.evidence()).containsEntry("otherRequests", "25").containsEntry("idleFor", "360s");
    assertThat(examine(d, server, "web").findings(FindingCode.RULE_NEVER_MATCHES))
        .as("reported with the listener's first routed group (the rules' first) only").isEmpty();

    assertThat(get(server, "legacy.test", "/x")).isEqualTo(200);
    assertThat(examine(d, server, "old").findings(FindingCode.RULE_NEVER_MATCHES)).as("it matched").isEmpty();
  }

  @Test
  void ruleNeverMatches_staysSilentWhileTheListenerIsQuiet() throws Exception {
    Loop.App app = loop.app();
    ListenerServer server = server(http("quiet", HealthCheckPolicy.disabled()), Routing.builder()
        .group(ServerGroup.of("web", List.of(app.backend("w")))).group(ServerGroup.of("old", List.of(app.backend("o"))))
        .rules(ForwardingRules.builder().rule("legacy.test", "/", "old").defaultGroup("web").build()).build());
    Diagnostics d = diagnostics();
    examine(d, server, "old");
    get(server, "www.test", "/");
    clock.advance(Duration.ofHours(1));
    assertThat(examine(d, server, "old").findings(FindingCode.RULE_NEVER_MATCHES))
        .as("1 other request is below the 20 needed").isEmpty();
  }

  @Test
  void groupWithoutEligibleBackend_whileItsRuleGetsRequests_isAnError_andSilentWithoutRequests() throws Exception {
    Loop.App app = loop.app();
    int down = Loop.refusingPort("127.0.0.1");
    HealthCheckPolicy tcp = HealthCheckPolicy.builder().interval(Duration.ofMillis(50)).unhealthyThreshold(1)
        .healthyThreshold(1).build();
    ListenerServer server = server(http("empty", tcp), Routing.builder()
        .group(ServerGroup.of("web", List.of(app.backend("w"))))
        .group(ServerGroup.of("api", List.of(Backend.of("gone", "127.0.0.1", down))))
        .rules(ForwardingRules.builder().rule(null, "/api", "api").defaultGroup("web").build()).build());
    LoadBalancer api = server.group("api");
    Loop.await("api's backend checked", () -> !api.view().get(0).lastCheck().isEmpty());
    Diagnostics d = diagnostics();
    assertThat(examine(d, server, "api").findings(FindingCode.GROUP_NO_ELIGIBLE_BACKEND))
        .as("no request for the group yet").isEmpty();
    assertThat(get(server, "a.test", "/api/x")).isEqualTo(502);
    Finding f = only(examine(d, server, "api"), FindingCode.GROUP_NO_ELIGIBLE_BACKEND);
    assertThat(f.severity()).isEqualTo(Severity.ERROR);
    assertThat(f.subject()).startsWith("group api of listener empty");
    assertThat(f.evidence()).containsEntry("requests", "1 since the last examination");
    assertThat(examine(d, server, "api").findings(FindingCode.GROUP_NO_ELIGIBLE_BACKEND))
        .as("no request since").isEmpty();
    assertThat(examine(d, server, "web").findings(FindingCode.GROUP_NO_ELIGIBLE_BACKEND)).isEmpty();
  }

  @Test
  void standbyInUse_isAWarningWhileItHasTheTraffic() throws Exception {
    Loop.App standby = loop.app();
    int down = Loop.refusingPort("127.0.0.1");
    HealthCheckPolicy tcp = HealthCheckPolicy.builder().interval(Duration.ofMillis(50)).unhealthyThreshold(1)
        .healthyThreshold(1).build();
    ListenerServer server = server(http("failover", tcp), Routing.builder()
        .group(ServerGroup.builder("web").backend(Backend.of("p", "127.0.0.1", down)).standby("dr").build())
        .group(ServerGroup.of("dr", List.of(standby.backend("s")))).build());
    LoadBalancer web = server.group("web");
    Loop.await("the standby took over", () -> web.activePriority() == 1);
    Finding f = only(examine(diagnostics(), server, "web"), FindingCode.STANDBY_IN_USE);
    assertThat(f.severity()).isEqualTo(Severity.WARNING);
    assertThat(f.evidence()).containsEntry("standby", "dr").containsEntry("eligibleOnStandby", "1");

    Loop.App primary = loop.app();
    ListenerServer healthy = server(http("primary-up", tcp), Routing.builder()
        .group(ServerGroup.builder("web").backend(primary.backend("p")).standby("dr").build())
        .group(ServerGroup.of("dr", List.of(standby.backend("s")))).build());
    assertThat(healthy.group("web").awaitHealthy(2, Loop.DEADLINE)).isTrue();
    assertThat(examine(diagnostics(), healthy, "web").findings(FindingCode.STANDBY_IN_USE)).isEmpty();
  }

  @Test
  void bandwidthCapReached_isInformation_withTheRate_andSilentWithoutACap() throws Exception {
    io.lb4j.testing.TcpTestBackend sink = loop.track(io.lb4j.testing.TcpTestBackend.builder("sink")
        .host(Loop.host()).mode(io.lb4j.testing.TcpTestBackend.Mode.BLACKHOLE).build().start());
    Backend sinkBackend = Backend.of("a", sink.host(), sink.port());
    ListenerServer capped = server(Listener.builder("capped", Protocol.TCP, 0).healthCheck(HealthCheckPolicy.disabled())
        .peakBandwidth(PeakBandwidth.eachDirection(1)).build(), Routing.of(ServerGroup.of("g",
            List.of(sinkBackend))));
    Diagnostics d = diagnostics();
    assertThat(examine(d, capped, "g").findings(FindingCode.BANDWIDTH_CAP_REACHED)).as("nothing sent").isEmpty();
    byte[] upload = new byte[400_000]; // 3.2 Mbit through a 1 Mbit/s cap
    try (Socket s = new Socket(capped.localAddress().getAddress(), capped.localAddress().getPort())) {
      s.getOutputStream().write(upload);
    }
    Loop.await("the cap held the upload back", () -> capped.bandwidthMetrics().timeThrottled(
        io.lb4j.impl.listener.BandwidthMetrics.Direction.UPSTREAM).toMillis() > 0);
    clock.advance(Duration.ofSeconds(10));
    Finding f = only(examine(d, capped, "g"), FindingCode.BANDWIDTH_CAP_REACHED);
    assertThat(f.severity()).isEqualTo(Severity.INFO);
    assertThat(f.evidence()).containsEntry("caps", "up=1Mbit/s down=1Mbit/s").containsKey("rateUpstream");
    assertThat(f.summary()).contains("held traffic back").contains("Mbit/s up");

    ListenerServer open = server(Listener.builder("open", Protocol.TCP, 0).healthCheck(HealthCheckPolicy.disabled())
        .build(), Routing.of(ServerGroup.of("g", List.of(sinkBackend))));
    try (Socket s = new Socket(open.localAddress().getAddress(), open.localAddress().getPort())) {
      s.getOutputStream().write(upload);
    }
    assertThat(examine(d, open, "g").findings(FindingCode.BANDWIDTH_CAP_REACHED)).isEmpty();
  }
}
