package io.lb4j.examples.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.lb4j.api.LoadBalancer;
import io.lb4j.api.PeakBandwidth;
import io.lb4j.examples.gateway.config.GatewayConfig;
import io.lb4j.examples.gateway.config.GatewayConfigParser;
import io.lb4j.impl.listener.ListenerServer;
import io.lb4j.testing.Await;
import io.lb4j.testing.Behavior;
import io.lb4j.testing.HttpTestBackend;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A gateway whose listener has server groups, from YAML: requests reach the group their Host and path name, a
 * reload swaps the rules, changes a group's backends and sets a peak bandwidth on the running listener (a kept
 * group keeps its pool), and the standby group takes the traffic while the default group is down.
 */
class GatewayRoutingTest {

  private static final Duration DEADLINE = Duration.ofSeconds(30);
  private static final String CONFIG = String.join("\n",
      "listeners:",
      "  - name: web",
      "    protocol: http",
      "    bind: 127.0.0.1",
      "    port: %d",
      "    healthCheck: {path: /health, interval: 100ms, timeout: 1s, healthyThreshold: 1, unhealthyThreshold: 1}",
      "%s",
      "    groups:",
      "      - name: app",
      "        standby: sorry",
      "        backends:",
      "          - {id: app-1, host: %s, port: %d}",
      "      - name: api",
      "        backends:",
      "          - {id: api-1, host: %s, port: %d}",
      "      - name: sorry",
      "        backends:",
      "          - {id: sorry-1, host: %s, port: %d}",
      "    rules:",
      "      - {host: api.test, path: %s, group: api}",
      "    defaultGroup: app",
      "");

  private final PlainHttpClient client = new PlainHttpClient(10_000);
  private HttpTestBackend app;
  private HttpTestBackend api;
  private HttpTestBackend sorry;
  private GatewayRuntime runtime;

  @AfterEach
  void stop() {
    if (runtime != null) {
      runtime.stop(Duration.ZERO);
    }
    for (HttpTestBackend b : new HttpTestBackend[] {app, api, sorry}) {
      if (b != null) {
        b.close();
      }
    }
  }

  private static HttpTestBackend backend(String name) {
    HttpTestBackend b = HttpTestBackend.builder(name).build().start();
    b.set(Behavior.builder().header("X-Backend", name).body(name).build());
    return b;
  }

  private GatewayConfig config(int port, String extra, String apiPath) throws Exception {
    return new GatewayConfigParser().parse("g.yaml", String.format(CONFIG, port, extra, app.host(), app.port(),
        api.host(), api.port(), sorry.host(), sorry.port(), apiPath), null);
  }

  private String who(InetSocketAddress to, String host, String path) throws IOException {
    PlainHttpClient.Response r = client.getFrom(to, host, path);
    return r.status() == 200 ? r.headers().get("x-backend") : String.valueOf(r.status());
  }

  @Test
  void groupsRulesAndStandby_fromYaml_andAReloadThatSwapsThemLive() throws Exception {
    app = backend("app");
    api = backend("api");
    sorry = backend("sorry");
    int port = freePort();
    runtime = GatewayRuntime.start(config(port, "", "/api"), "g.yaml", 1, name -> { });
    ListenerServer server = runtime.listeners().get(0).server();
    LoadBalancer appPool = server.group("app");
    assertThat(appPool.awaitHealthy(2, DEADLINE)).isTrue();
    assertThat(server.group("api").awaitHealthy(1, DEADLINE)).isTrue();
    InetSocketAddress to = new InetSocketAddress("127.0.0.1", port);

    assertThat(who(to, "api.test", "/api/orders")).isEqualTo("api");
    assertThat(who(to, "api.test", "/other")).isEqualTo("app");
    assertThat(who(to, "www.test", "/api/orders")).as("another host: the default group").isEqualTo("app");
    assertThat(runtime.views().keySet()).containsExactly("web/api", "web/app");

    List<String> pending = runtime.apply(config(port, "    peakBandwidth: {downstream: 500}", "/v2"));
    assertThat(pending).isEmpty();
    assertThat(who(to, "api.test", "/v2/orders")).as("the new rule").isEqualTo("api");
    assertThat(who(to, "api.test", "/api/orders")).as("the old rule is gone").isEqualTo("app");
    assertThat(server.peakBandwidth()).isEqualTo(PeakBandwidth.builder().downstreamMbps(500).build());
    assertThat(server.group("app")).as("a kept group keeps its pool").isSameAs(appPool);

    app.stop();
    Await.until("the standby took over", () -> appPool.activePriority() == 1, DEADLINE);
    assertThat(who(to, "www.test", "/")).isEqualTo("sorry");
    app.start();
    Await.until("the group took its traffic back", () -> appPool.activePriority() == 0, DEADLINE);
    assertThat(who(to, "www.test", "/")).isEqualTo("app");
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      return s.getLocalPort();
    }
  }
}
