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
}
