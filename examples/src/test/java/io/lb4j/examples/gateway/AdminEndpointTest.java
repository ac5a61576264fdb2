package io.lb4j.examples.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.lb4j.examples.gateway.admin.CountingPool;
import io.lb4j.testing.Await;
import io.lb4j.testing.HttpTestBackend;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.htmlunit.WebClient;
import org.htmlunit.html.HtmlPage;
import org.htmlunit.html.HtmlTable;
import org.htmlunit.html.HtmlTableCell;
import org.htmlunit.html.HtmlTableRow;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The admin endpoint of a real gateway ({@code run}), read as a person reads {@code /status} (HtmlUnit, a
 * browser without a screen) and as Prometheus and an orchestrator read the rest.
 */
class AdminEndpointTest {

  private static final Duration DEADLINE = Duration.ofSeconds(60);
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  private final List<AutoCloseable> closing = new ArrayList<>();

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable c : closing) {
      c.close();
    }
  }

  @Test
  void status_showsAPersonEachBackendGroupedByListener_withHealthLastCheckWeightAndRates(@TempDir Path folder)
      throws Exception {
    HttpTestBackend a = started(HttpTestBackend.builder("a").host("127.0.0.11").build().start());
    HttpTestBackend b = started(HttpTestBackend.builder("b").host("127.0.0.12").build().start());
    int bPort = b.port();
    b.stop(); // connects to it are refused: the page must say so
    int admin = freePort();
    int web = freePort();
    Path file = folder.resolve("gateway.yaml");
    Files.writeString(file, "admin: {port: " + admin + "}\n"
        + "listeners:\n  - name: web\n    protocol: http\n    bind: 127.0.0.1\n    port: " + web + "\n"
        + "    healthCheck: {path: /health, interval: 100ms, timeout: 1s, healthyThreshold: 1, unhealthyThreshold: 1}\n"
        + "    backends:\n      - {id: a, host: 127.0.0.11, port: " + a.port() + ", weight: 3}\n"
        + "      - {id: b, host: 127.0.0.12, port: " + bPort + "}\n");
    Running gateway = run(file);
    Await.until("a healthy and b unhealthy on /status.json", () -> {
      String json = get(admin, "/status.json").body();
      return json.contains("\"id\":\"a\",\"address\":\"127.0.0.11:" + a.port() + "\",\"health\":\"healthy\"")
          && json.contains("\"id\":\"b\",\"address\":\"127.0.0.12:" + bPort + "\",\"health\":\"unhealthy\","
              + "\"up\":false,\"lastCheck\":\"connect refused\""); // checked, not only new (new ones start down)
    }, DEADLINE, () -> get(admin, "/status.json").body());
    for (int i = 0; i < 20; i++) {
      assertThat(get(web, "/").statusCode()).isEqualTo(200);
    }

    try (WebClient browser = new WebClient()) {
      List<Integer> refreshes = new ArrayList<>();
      browser.setRefreshHandler((page, url, seconds) -> refreshes.add(seconds));
      HtmlPage page = browser.getPage(new URL("http://127.0.0.1:" + admin + "/status"));

      assertThat(page.getTitleText()).isEqualTo("lb4j gateway status");
      assertThat(refreshes).as("the page asks to be redrawn every few seconds").containsExactly(5);
      String text = page.asNormalizedText();
      assertThat(text).contains("Ready: every listener runs and has a backend that can take traffic.",
          "web · http 127.0.0.1:" + web + " · running", "backends: listed in the file");
      HtmlTable table = (HtmlTable) page.getElementsByTagName("table").get(0);
      Map<String, Map<String, String>> rows = rowsById(table);
      assertThat(rows.get("a")).containsEntry("address", "127.0.0.11:" + a.port()).containsEntry("health", "healthy")
          .containsEntry("weight", "3/3").containsEntry("ejections", "0");
      assertThat(rows.get("a").get("last check")).isEqualTo("HTTP 200");
      assertThat(rows.get("b")).containsEntry("health", "unhealthy").containsEntry("last check", "connect refused")
          .containsEntry("weight", "100/100");
      assertThat(rows.get("a").get("last change")).contains(" ago)");
      assertThat(table.getRows()).filteredOn(r -> r.getCells().size() == 10)
          .extracting(r -> r.getCell(0).asNormalizedText()).containsExactly("backend", "a", "b");
    }
    gateway.stop();
  }

  @Test
  void metricsReadyAndLive_answerAsPrometheusAndOrchestratorsExpect(@TempDir Path folder) throws Exception {
    HttpTestBackend a = started(HttpTestBackend.builder("a").host("127.0.0.13").build().start());
    int admin = freePort();
    int web = freePort();
    Path file = folder.resolve("gateway.yaml");
    Files.writeString(file, "admin: {port: " + admin + ", bind: 127.0.0.1}\n"
        + "listeners:\n  - name: web\n    protocol: http\n    bind: 127.0.0.1\n    port: " + web + "\n"
        + "    healthCheck: {path: /health, interval: 100ms, timeout: 1s, healthyThreshold: 1, unhealthyThreshold: 1}\n"
        + "    backends:\n      - {id: a, host: 127.0.0.13, port: " + a.port() + "}\n");
    Running gateway = run(file);
    assertThat(gateway.out()).contains("admin endpoint: http://127.0.0.1:" + admin + "/status");
    Await.until("ready", () -> get(admin, "/ready").statusCode() == 200, DEADLINE);
    assertThat(get(web, "/").statusCode()).isEqualTo(200);

    HttpResponse<String> metrics = get(admin, "/metrics");
    assertThat(metrics.headers().firstValue("content-type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
    assertThat(metrics.body()).contains("# TYPE lb4j_backend_healthy gauge", "lb4j_backend_healthy{backend=\"a\"",
        "lb4j_listener_responses_total{").contains("listener=\"web\"");
    assertThat(get(admin, "/live").body()).isEqualTo("live\n");

    a.stop();
    Await.until("not ready once its only backend is down", () -> get(admin, "/ready").statusCode() == 503, DEADLINE);
    assertThat(get(admin, "/ready").body()).isEqualTo("not ready: listener web has no backend that can take traffic\n");
    assertThat(get(admin, "/live").statusCode()).isEqualTo(200);
    assertThat(get(admin, "/nothing").statusCode()).isEqualTo(404);
    HttpResponse<String> post = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin + "/status"))
        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(post.statusCode()).isEqualTo(405);
    gateway.stop();
    try (ServerSocket released = new ServerSocket()) {
      released.bind(new java.net.InetSocketAddress("127.0.0.1", admin)); // the admin port is free again
    }
  }

  @Test
  void aFailingBackendSource_isShownWithItsError(@TempDir Path folder) throws Exception {
    int admin = freePort();
    Path file = folder.resolve("gateway.yaml");
    Files.writeString(file, "admin: {port: " + admin + "}\n"
        + "listeners:\n  - {name: db, protocol: tcp, bind: 127.0.0.1, port: " + freePort()
        + ", source: {type: file, path: missing-backends.txt}}\n");
    Running gateway = run(file);

    Await.until("the source's failure on /status.json", () -> get(admin, "/status.json").body()
        .contains("\"sourceFailing\":true"), DEADLINE, () -> get(admin, "/status.json").body());
    String json = get(admin, "/status.json").body();
    assertThat(json).contains("\"name\":\"db\",\"protocol\":\"tcp\"", "missing-backends.txt does not exist",
        "\"ready\":false");
    try (WebClient browser = new WebClient()) {
      browser.setRefreshHandler((page, url, seconds) -> { });
      HtmlPage page = browser.getPage(new URL("http://127.0.0.1:" + admin + "/status"));
      assertThat(page.asNormalizedText()).contains("Not ready: listener db has no backend that can take traffic",
          "missing-backends.txt does not exist", "no backends");
      assertThat(page.getByXPath("//span[@class='failing']")).as("the failing source is marked").hasSize(1);
    }
    gateway.stop();
  }

  /**
   * Issue 22: the ZooKeeper source's SUSPENDED state was logged but not shown where an operator looks. With the
   * ensemble down, /status names it and /metrics counts the source as failing, until it is back.
   */
  @Test
  void aSuspendedZooKeeperSource_isShownOnStatusAndInMetrics(@TempDir Path folder) throws Exception {
    HttpTestBackend a = started(HttpTestBackend.builder("a").host("127.0.0.15").build().start());
    org.apache.curator.test.TestingServer zk = started(new org.apache.curator.test.TestingServer(true));
    org.apache.curator.framework.CuratorFramework registry = started(org.apache.curator.framework
        .CuratorFrameworkFactory.newClient(zk.getConnectString(), new org.apache.curator.retry.RetryOneTime(100)));
    registry.start();
    registry.create().creatingParentsIfNeeded().forPath("/services/web/a",
        ("{\"name\":\"web\",\"id\":\"a\",\"address\":\"127.0.0.15\",\"port\":" + a.port()
            + ",\"registrationTimeUTC\":0,\"serviceType\":\"STATIC\"}").getBytes(StandardCharsets.UTF_8));
    int admin = freePort();
    Path file = folder.resolve("gateway.yaml");
    Files.writeString(file, "admin: {port: " + admin + "}\n"
        + "listeners:\n  - name: web\n    protocol: http\n    bind: 127.0.0.1\n    port: " + freePort() + "\n"
        + "    healthCheck: {path: /health, interval: 100ms, healthyThreshold: 1}\n"
        + "    source: {type: zookeeper, connect: '" + zk.getConnectString() + "', service: web}\n");
    Running gateway = run(file);
    Await.until("the source healthy with a", () -> get(admin, "/status.json").body().contains("\"sourceFailing\":false")
        && java.util.regex.Pattern.compile("lb4j_source_phase\\{[^}]*phase=\"HEALTHY\"[^}]*\\} 1\\.0")
            .matcher(get(admin, "/metrics").body()).find(), DEADLINE,
        () -> get(admin, "/status.json").body());

    zk.stop();

    Await.until("SUSPENDED on /status.json", () -> get(admin, "/status.json").body()
        .contains("last error: zookeeper connection SUSPENDED (zookeeper /services/web)"), DEADLINE,
        () -> get(admin, "/status.json").body());
    assertThat(get(admin, "/status.json").body()).contains("\"sourceFailing\":true");
    String metrics = get(admin, "/metrics").body();
    assertThat(metrics).containsPattern("lb4j_source_phase\\{[^}]*phase=\"FAILING\"[^}]*source=\"zookeeper"
        + " /services/web\"\\} 1\\.0").containsPattern("lb4j_source_phase\\{[^}]*phase=\"HEALTHY\"[^}]*\\} 0\\.0")
        .contains("lb4j_source_backends{");

    zk.restart();
    Await.until("healthy again", () -> get(admin, "/status.json").body().contains("\"sourceFailing\":false"),
        DEADLINE, () -> get(admin, "/status.json").body());
    gateway.stop();
  }

  @Test
  void loadAwareWeightsAndTheSubset_areOnStatusAndInMetrics(@TempDir Path folder) throws Exception {
    List<HttpTestBackend> fleet = new ArrayList<>();
    StringBuilder backends = new StringBuilder();
    for (int i = 0; i < 4; i++) {
      HttpTestBackend b = started(HttpTestBackend.builder("f" + i).host("127.0.0." + (21 + i)).build().start());
      b.set(io.lb4j.testing.Behavior.builder().header("endpoint-load-metrics",
          "TEXT cpu_utilization=0." + (2 + i) + ", rps_fractional=100").build());
      fleet.add(b);
      backends.append("      - {id: f").append(i).append(", host: ").append(b.host()).append(", port: ")
          .append(b.port()).append("}\n");
    }
    int admin = freePort();
    int web = freePort();
    Path file = folder.resolve("gateway.yaml");
    Files.writeString(file, "admin: {port: " + admin + "}\n"
        + "listeners:\n  - name: web\n    protocol: http\n    bind: 127.0.0.1\n    port: " + web + "\n"
        + "    healthCheck: {path: /health, interval: 100ms, healthyThreshold: 1}\n"
        + "    loadAware: {blackoutPeriod: 0s, weightUpdatePeriod: 100ms}\n"
        + "    subset: {clientIndex: 0, clientCount: 2, size: 2}\n"
        + "    backends:\n" + backends);
    Running gateway = run(file);
    Await.until("ready", () -> get(admin, "/ready").statusCode() == 200, DEADLINE);
    for (int i = 0; i < 10; i++) {
      assertThat(get(web, "/").statusCode()).isEqualTo(200);
    }
    Await.until("reports counted", () -> get(admin, "/metrics").body().contains("lb4j_backend_load_reports_total{"),
        DEADLINE);
    String metrics = get(admin, "/metrics").body();
    assertThat(metrics).contains("lb4j_pool_subset_backends{listener=\"web\"} 2.0",
        "lb4j_pool_membership_backends{listener=\"web\"} 4.0", "lb4j_backend_load_weight{");
    assertThat(get(admin, "/status.json").body()).contains("subset: 2 of 4 backends (client 0 of 2)");
    gateway.stop();
  }

  @Test
  void thePageCountsEachRequestOnce_andEach5xx(@TempDir Path folder) throws Exception {
    HttpTestBackend a = started(HttpTestBackend.builder("a").host("127.0.0.14").build().start());
    int web = freePort();
    Path file = folder.resolve("gateway.yaml");
    Files.writeString(file, "admin: {port: " + freePort() + "}\n"
        + "listeners:\n  - name: web\n    protocol: http\n    bind: 127.0.0.1\n    port: " + web + "\n"
        + "    healthCheck: {path: /health, interval: 100ms, healthyThreshold: 1}\n"
        + "    backends:\n      - {id: a, host: 127.0.0.14, port: " + a.port() + "}\n");
    try (GatewayRuntime runtime = GatewayRuntime.start(new io.lb4j.examples.gateway.config.GatewayConfigParser()
        .parse(file), file.toString(), 1, failed -> { })) {
      CountingPool pool = (CountingPool) runtime.listeners().get(0).pool();
      Await.until("a healthy", () -> PoolsView.healthy(pool), DEADLINE);
      for (int i = 0; i < 20; i++) {
        assertThat(get(web, "/").statusCode()).isEqualTo(200);
      }
      a.set(io.lb4j.testing.Behavior.status(503));
      for (int i = 0; i < 5; i++) {
        assertThat(get(web, "/").statusCode()).isEqualTo(503);
      }

      assertThat(pool.counts("a").answers()).as("one per request, not one per connect as well").isEqualTo(25);
      assertThat(pool.counts("a").serverErrors()).isEqualTo(5);
    }
  }

  @Test
  void countingPool_delegatesEveryDefaultMethodOfLoadBalancer_notOnlyTheAbstractOnes() {
    // An abstract method it lacks would not compile; a default one it does not override would answer for the
    // wrapped pool with the interface's default (sourceState() would say "no source").
    for (java.lang.reflect.Method m : io.lb4j.api.LoadBalancer.class.getMethods()) {
      if (!m.isDefault() || m.getName().startsWith("on")) {
        continue; // onHealthChanged(...) and friends go through subscribe(Class, ...), which is overridden
      }
      org.assertj.core.api.Assertions.assertThatCode(() -> CountingPool.class.getDeclaredMethod(m.getName(),
          m.getParameterTypes())).as("CountingPool overrides %s", m).doesNotThrowAnyException();
    }
  }

  /** Reads a pool's view for the test. */
  private static final class PoolsView {
    static boolean healthy(io.lb4j.api.LoadBalancer pool) {
      return pool.view().stream().anyMatch(v -> v.health() == io.lb4j.api.health.HealthStatus.HEALTHY);
    }
  }

  @Test
  void theAdminPortInUse_isReportedWithFileAndLineAndNothingKeepsRunning(@TempDir Path folder) throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      int web = freePort();
      Path file = folder.resolve("gateway.yaml");
      Files.writeString(file, "listeners:\n  - {name: web, protocol: http, bind: 127.0.0.1, port: " + web
          + ", backends: []}\nadmin:\n  port: " + taken.getLocalPort() + "\n");
      ByteArrayOutputStream err = new ByteArrayOutputStream();
      int exit = gateway(new ByteArrayOutputStream(), err).execute(new String[] {"run", "--config", file.toString()});

      assertThat(exit).isEqualTo(1);
      assertThat(err.toString(StandardCharsets.UTF_8)).contains(file + ":4: admin.port: the admin endpoint cannot"
          + " bind 127.0.0.1:" + taken.getLocalPort());
      try (ServerSocket released = new ServerSocket()) {
        released.bind(new java.net.InetSocketAddress("127.0.0.1", web)); // the listener was stopped again
      }
    }
  }

  /** Each row of the table whose cells are a backend, as header name to cell text, by backend id. */
  private static Map<String, Map<String, String>> rowsById(HtmlTable table) {
    List<String> header = new ArrayList<>();
    for (HtmlTableCell cell : table.getRow(0).getCells()) {
      header.add(cell.asNormalizedText());
    }
    Map<String, Map<String, String>> rows = new LinkedHashMap<>();
    for (HtmlTableRow row : table.getRows()) {
      if (row.getCells().size() != header.size() || row.getCell(0).asNormalizedText().equals("backend")) {
        continue;
      }
      Map<String, String> cells = new LinkedHashMap<>();
      for (int i = 0; i < header.size(); i++) {
        cells.put(header.get(i), row.getCell(i).asNormalizedText());
      }
      rows.put(cells.get("backend"), cells);
    }
    return rows;
  }

  /** A gateway running a file on a thread of its own. */
  private record Running(Gateway gateway, ByteArrayOutputStream outBytes, CompletableFuture<Integer> exit) {
    String out() {
      return outBytes.toString(StandardCharsets.UTF_8);
    }

    void stop() throws Exception {
      gateway.requestStop();
      assertThat(exit.get(DEADLINE.toSeconds(), TimeUnit.SECONDS)).isZero();
    }
  }

  private Running run(Path file) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Gateway g = gateway(out, new ByteArrayOutputStream());
    CompletableFuture<Integer> exit = OwnThread.supply(() -> g.execute(new String[] {"run", "--config",
        file.toString(), "--event-loops", "1", "--status-every", "0s", "--diagnose-every", "0s"}));
    Running running = new Running(g, out, exit);
    closing.add(() -> {
      if (!exit.isDone()) {
        running.stop();
      }
    });
    Await.until("the gateway started", () -> running.out().contains("started ListenerServer"), DEADLINE);
    return running;
  }

  private static Gateway gateway(ByteArrayOutputStream out, ByteArrayOutputStream err) {
    return new Gateway(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  private <T extends AutoCloseable> T started(T backend) {
    closing.add(backend);
    return backend;
  }

  private HttpResponse<String> get(int port, String path) {
    try {
      return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
          .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      return s.getLocalPort();
    }
  }
}
