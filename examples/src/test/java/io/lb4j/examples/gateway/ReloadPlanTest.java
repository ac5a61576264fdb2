package io.lb4j.examples.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.lb4j.api.Backend;
import io.lb4j.examples.gateway.config.GatewayConfig;
import io.lb4j.examples.gateway.config.GatewayConfigParser;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ReloadPlanTest {

  private static final String BASE = "listeners:\n"
      + "  - name: web\n    protocol: http\n    port: 8080\n    scheduler: %s\n"
      + "    healthCheck: {interval: %s}\n"
      + "    backends:\n%s";

  private static GatewayConfig config(String scheduler, String interval, String backends) throws Exception {
    return new GatewayConfigParser().parse("g.yaml", String.format(BASE, scheduler, interval, backends), null);
  }

  @Test
  void between_appliesBackendsAndHealthCheckLive() throws Exception {
    GatewayConfig running = config("wrr", "2s", "      - {id: a, host: 127.0.0.1, port: 9001}\n");
    GatewayConfig next = config("wrr", "1s",
        "      - {id: a, host: 127.0.0.1, port: 9001, weight: 5}\n      - {id: b, host: 127.0.0.2, port: 9002}\n");

    ReloadPlan plan = ReloadPlan.between(running, next);

    assertThat(plan.needsRestart()).isEmpty();
    assertThat(plan.updates()).hasSize(1);
    ReloadPlan.Update update = plan.updates().get(0);
    assertThat(update.backends()).extracting(Backend::id, Backend::weight)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("a", 5), org.assertj.core.groups.Tuple.tuple("b", 100));
    assertThat(update.healthCheck().interval()).isEqualTo(Duration.ofSeconds(1));
  }

  @Test
  void between_leavesAnUnchangedHealthCheckAlone() throws Exception {
    GatewayConfig same = config("wrr", "2s", "      - {id: a, host: 127.0.0.1, port: 9001}\n");

    ReloadPlan plan = ReloadPlan.between(same, same);

    assertThat(plan.updates().get(0).healthCheck()).isNull();
    assertThat(plan.needsRestart()).isEmpty();
  }

  @Test
  void between_namesConnectionCapChanges() throws Exception {
    GatewayConfig running = config("wrr", "2s", "      []\n");
    GatewayConfig next = new GatewayConfigParser().parse("g.yaml", "maxConnections: 9000\nlisteners:\n"
        + "  - name: web\n    protocol: http\n    port: 8080\n    healthCheck: {interval: 2s}\n"
        + "    maxConnections: 100\n    backends: []\n", null);

    assertThat(ReloadPlan.between(running, next).needsRestart()).containsExactly(
        "maxConnections changed from the default to 9000; restart to apply",
        "listener 'web': maxConnections changed from the default to 100; restart to apply");
  }

  @Test
  void between_namesABackendPoolChange() throws Exception {
    GatewayConfig running = config("wrr", "2s", "      []\n");
    GatewayConfig next = new GatewayConfigParser().parse("g.yaml", "listeners:\n"
        + "  - name: web\n    protocol: http\n    port: 8080\n    healthCheck: {interval: 2s}\n"
        + "    backendPool: {maxIdlePerBackend: 64, idleTimeout: 500ms}\n    backends: []\n", null);

    assertThat(ReloadPlan.between(running, next).needsRestart()).containsExactly(
        "listener 'web': backendPool changed from {maxIdlePerBackend: 10000, idleTimeout: 30s} to"
            + " {maxIdlePerBackend: 64, idleTimeout: 500ms}; restart to apply");
  }

  @Test
  void between_namesEverySettingThatNeedsARestart() throws Exception {
    GatewayConfig running = config("wrr", "2s", "      []\n");
    GatewayConfig next = new GatewayConfigParser().parse("g.yaml", "listeners:\n"
        + "  - {name: web, protocol: http, port: 8081, scheduler: wlc, backends: []}\n"
        + "  - {name: api, protocol: tcp, port: 9090}\n", null);

    ReloadPlan plan = ReloadPlan.between(running, next);

    assertThat(plan.needsRestart()).containsExactly(
        "listener 'web': port changed from 8080 to 8081; restart to apply",
        "listener 'web': scheduler changed from wrr to wlc; restart to apply",
        "listener 'api' was added to the file; restart to start it");
  }

  private static final String ROUTED = "listeners:\n  - name: web\n    protocol: http\n    port: 8080\n%s"
      + "    groups:\n"
      + "      - name: app\n        backends:\n          - {id: a, host: 127.0.0.1, port: 9001, weight: %d}\n"
      + "      - name: api\n        backends:\n          - {id: b, host: 127.0.0.2, port: 9002}\n"
      + "    rules:\n      - {path: %s, group: api}\n    defaultGroup: app\n";

  private static GatewayConfig routed(String extra, int weight, String path) throws Exception {
    return new GatewayConfigParser().parse("g.yaml", String.format(ROUTED, extra, weight, path), null);
  }

  @Test
  void between_appliesAListenersRoutingAndPeakBandwidthLive() throws Exception {
    GatewayConfig running = routed("", 3, "/api");
    GatewayConfig next = routed("    peakBandwidth: {upstream: 50}\n    scheduler: rr\n", 5, "/v2");

    ReloadPlan plan = ReloadPlan.between(running, next);

    assertThat(plan.needsRestart()).as("a routed listener's scheduler goes with its routing").isEmpty();
    ReloadPlan.Update update = plan.updates().get(0);
    assertThat(update.routing().rules().rules()).extracting(r -> r.pathPrefix()).containsExactly("/v2");
    assertThat(update.routing().group("app").backends().get(0).weight()).isEqualTo(5);
    assertThat(update.peakBandwidth().upstreamMbps()).isEqualTo(50);
    assertThat(update.backends()).isNull();
    assertThat(update.healthCheck()).isNull();

    ReloadPlan same = ReloadPlan.between(running, routed("", 3, "/api"));
    assertThat(same.updates().get(0).routing()).as("an unchanged routing is not applied again").isNull();
    assertThat(same.updates().get(0).peakBandwidth()).isNull();
  }

  @Test
  void between_namesASwitchBetweenGroupsAndBackends_andUdpSettings() throws Exception {
    GatewayConfig plain = config("wrr", "2s", "      - {id: a, host: 127.0.0.1, port: 9001}\n");
    assertThat(ReloadPlan.between(plain, routed("", 3, "/api")).needsRestart()).containsExactly(
        "listener 'web': groups were added; restart to apply (a listener with groups changes its routing on reload)");

    GatewayConfig udp = new GatewayConfigParser().parse("g.yaml", "listeners:\n  - {name: dns, protocol: udp, port: 53,"
        + " udp: {maxFlows: 10}, backends: []}\n", null);
    GatewayConfig udp2 = new GatewayConfigParser().parse("g.yaml", "listeners:\n  - {name: dns, protocol: udp, port: 53,"
        + " udp: {maxFlows: 20}, backends: []}\n", null);
    assertThat(ReloadPlan.between(udp, udp2).needsRestart()).singleElement().asString()
        .startsWith("listener 'dns': udp changed from").endsWith("; restart to apply");
  }
}
