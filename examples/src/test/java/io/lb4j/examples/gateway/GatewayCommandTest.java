package io.lb4j.examples.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.lb4j.testing.Await;
import io.lb4j.testing.HttpTestBackend;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code lb-gateway.jar run --config FILE}: a real gateway from a file, reloaded live, stopped gracefully. */
class GatewayCommandTest {

  private static final Duration DEADLINE = Duration.ofSeconds(60);

  private final ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
  private final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
  private final Gateway gateway = new Gateway(new PrintStream(outBytes, true, StandardCharsets.UTF_8),
      new PrintStream(errBytes, true, StandardCharsets.UTF_8));

  @Test
  void run_withAnInvalidFile_reportsEveryProblemExits2AndStartsNothing(@TempDir Path folder) throws Exception {
    int port = freePort();
    Path file = folder.resolve("bad.yaml");
    Files.writeString(file, "listeners:\n"
        + "  - name: web\n    protocol: http\n    bind: 127.0.0.1\n    port: " + port + "\n"
        + "    healthCheck: {interval: 60s}\n"
        + "    backends:\n      - {id: a, host: 127.0.0.1, port: 9001, weight: 101}\n");

    int exit = gateway.execute(new String[] {"run", "--config", file.toString()});

    String err = errBytes.toString(StandardCharsets.UTF_8);
    assertThat(exit).isEqualTo(Gateway.EXIT_CONFIG);
    assertThat(err).contains("2 problems in the configuration; nothing was started:",
        ":6: listeners[0].healthCheck.interval: healthCheck.interval must be between 10ms and 50s, was 60s",
        ":8: listeners[0].backends[0].weight: backend.weight must be between 0 and 100, was 101")
        .doesNotContain("Exception", "\tat ");
    assertThat(outBytes.toString(StandardCharsets.UTF_8)).doesNotContain("started");
    try (ServerSocket stillFree = new ServerSocket()) {
      stillFree.bind(new InetSocketAddress("127.0.0.1", port)); // nothing bound the listener's port
    }
  }

  @Test
  void usageErrors_exit2() {
    assertThat(gateway.execute(new String[] {})).isEqualTo(Gateway.EXIT_CONFIG);
    assertThat(gateway.execute(new String[] {"launch"})).isEqualTo(Gateway.EXIT_CONFIG);
    assertThat(gateway.execute(new String[] {"run"})).isEqualTo(Gateway.EXIT_CONFIG);
    assertThat(gateway.execute(new String[] {"run", "--config", "x.yaml", "--event-loops", "0"}))
        .isEqualTo(Gateway.EXIT_CONFIG);
    assertThat(errBytes.toString(StandardCharsets.UTF_8)).contains("unknown command 'launch'",
        "run: --config FILE is required", "run: --event-loops must be between 1 and 256, was '0'");
  }

  @Test
  void run_forwardsReloadsBackendsLiveKeepsRunningOnABadReloadAndStopsGracefully(@TempDir Path folder)
      throws Exception {
    try (HttpTestBackend a = HttpTestBackend.builder("a").host("127.0.0.2").build().start();
        HttpTestBackend b = HttpTestBackend.builder("b").host("127.0.0.3").build().start()) {
      int port = freePort();
      Path file = folder.resolve("gateway.yaml");
      String config = "listeners:\n"
          + "  - name: web\n    protocol: http\n    bind: 127.0.0.1\n    port: " + port + "\n"
          + "    healthCheck: {path: /health, interval: 100ms, timeout: 1s, healthyThreshold: 1}\n"
          + "    backends:\n%s";
      Files.writeString(file, String.format(config, "      - {id: a, host: 127.0.0.2, port: " + a.port() + "}\n"));
      Set<Thread> before = Set.copyOf(Thread.getAllStackTraces().keySet());
      CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> gateway.execute(
          new String[] {"run", "--config", file.toString(), "--event-loops", "1", "--status-every", "100ms"}));
      PlainHttpClient client = new PlainHttpClient(10_000);
      InetSocketAddress listener = new InetSocketAddress("127.0.0.1", port);

      Await.until("the gateway forwards to a",
          () -> status(client, listener) == 200 && a.requests().count() > 0, DEADLINE);
      Await.until("the status lines name a", () -> out().contains("status listener=web backend=a"), DEADLINE);

      // Reload: b joins, a leaves; the listener keeps running on the same port.
      Files.writeString(file, String.format(config, "      - {id: b, host: 127.0.0.3, port: " + b.port() + "}\n"));
      Await.until("the reload is applied",
          () -> out().contains("reloaded: backends and health checks applied"), DEADLINE);
      Await.until("traffic reaches b", () -> status(client, listener) == 200 && b.requests().count() > 0, DEADLINE);
      a.requests().clear();
      for (int i = 0; i < 20; i++) {
        assertThat(status(client, listener)).isEqualTo(200);
      }
      assertThat(a.requests().count()).as("requests to the removed backend").isZero();

      // A bad reload changes nothing.
      Files.writeString(file, String.format(config, "      - {id: b, host: 127.0.0.3, port: 0}\n"));
      Await.until("the bad reload is refused",
          () -> err().contains("reload refused: the running configuration is kept"), DEADLINE);
      assertThat(status(client, listener)).isEqualTo(200);

      gateway.requestStop();
      assertThat(exit.get(DEADLINE.toSeconds(), TimeUnit.SECONDS)).isZero();
      assertThat(out()).contains("stopped");
      try (ServerSocket released = new ServerSocket()) {
        released.bind(new InetSocketAddress("127.0.0.1", port));
      }
      Await.until("no thread the gateway started survives", () -> Thread.getAllStackTraces().keySet().stream()
          .noneMatch(t -> t.isAlive() && t.getName().startsWith("lb4j-") && !before.contains(t)), DEADLINE);
    }
  }

  @Test
  void run_withAFileSource_forwardsToTheBackendsTheFileLists(@TempDir Path folder) throws Exception {
    try (HttpTestBackend a = HttpTestBackend.builder("a").host("127.0.0.4").build().start()) {
      int port = freePort();
      Files.writeString(folder.resolve("backends.txt"), "a 127.0.0.4:" + a.port() + " 10\n");
      Path file = folder.resolve("gateway.yaml");
      Files.writeString(file, "listeners:\n"
          + "  - name: web\n    protocol: http\n    bind: 127.0.0.1\n    port: " + port + "\n"
          + "    healthCheck: {path: /health, interval: 100ms, healthyThreshold: 1}\n"
          + "    source: {type: file, path: backends.txt}\n");
      CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> gateway.execute(
          new String[] {"run", "--config", file.toString(), "--event-loops", "1", "--status-every", "0s"}));
      PlainHttpClient client = new PlainHttpClient(10_000);

      Await.until("the gateway forwards to the file's backend",
          () -> status(client, new InetSocketAddress("127.0.0.1", port)) == 200 && a.requests().count() > 0, DEADLINE);

      gateway.requestStop();
      assertThat(exit.get(DEADLINE.toSeconds(), TimeUnit.SECONDS)).isZero();
    }
  }

  /**
   * Fail-stop (issue 17, defect 1): when a listener reports FAILED (its callback, which the listener calls
   * once it has closed its sockets), {@code run} stops every listener at once and exits 3, so that a
   * supervisor restarts the process; the listener's own fail-stop is {@code EventLoopErrorFailStopTest}.
   */
  @Test
  void run_whenAListenerFails_stopsEveryListenerAndExits3(@TempDir Path folder) throws Exception {
    try (HttpTestBackend a = HttpTestBackend.builder("a").host("127.0.0.7").build().start()) {
      int web = freePort();
      int tcp = freePort();
      Path file = folder.resolve("gateway.yaml");
      Files.writeString(file, "listeners:\n"
          + "  - name: web\n    protocol: http\n    bind: 127.0.0.1\n    port: " + web + "\n"
          + "    healthCheck: {enabled: false}\n"
          + "    backends:\n      - {id: a, host: 127.0.0.7, port: " + a.port() + "}\n"
          + "  - name: tcp\n    protocol: tcp\n    bind: 127.0.0.1\n    port: " + tcp + "\n"
          + "    healthCheck: {enabled: false}\n"
          + "    backends:\n      - {id: a, host: 127.0.0.7, port: " + a.port() + "}\n");
      CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> gateway.execute(
          new String[] {"run", "--config", file.toString(), "--event-loops", "1", "--status-every", "0s",
              "--diagnose-every", "0s"}));
      PlainHttpClient client = new PlainHttpClient(10_000);
      Await.until("the gateway forwards", () -> status(client, new InetSocketAddress("127.0.0.1", web)) == 200,
          DEADLINE);

      gateway.listenerFailed("web");

      assertThat(exit.get(DEADLINE.toSeconds(), TimeUnit.SECONDS)).isEqualTo(Gateway.EXIT_LISTENER_FAILED);
      assertThat(err()).contains("listener web FAILED", "exit code 3");
      for (int port : new int[] {web, tcp}) {
        try (ServerSocket released = new ServerSocket()) {
          released.bind(new InetSocketAddress("127.0.0.1", port)); // every listener closed its port
        }
      }
    }
  }

  @Test
  void diagnose_printsWhatIsWrongAndExits1OnAnError(@TempDir Path folder) throws Exception {
    int down;
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.5"))) {
      down = s.getLocalPort(); // closed again: connects are refused
    }
    Path file = folder.resolve("gateway.yaml");
    Files.writeString(file, "listeners:\n"
        + "  - name: web\n    protocol: http\n    bind: 127.0.0.1\n    port: " + freePort() + "\n"
        + "    healthCheck: {interval: 100ms, timeout: 50ms, unhealthyThreshold: 1}\n"
        + "    backends:\n      - {id: gone, host: 127.0.0.5, port: " + down + "}\n");

    int exit = gateway.execute(new String[] {"diagnose", "--config", file.toString(), "--wait", "30s"});

    assertThat(out()).contains("lb4j diagnostics of pool 'web'", "ERROR   no-eligible-backend",
        "backend gone (127.0.0.5:" + down + "): UNHEALTHY", "does not accept connections");
    assertThat(exit).isEqualTo(1);
  }

  @Test
  void diagnose_json_isOneArrayOfReportsAndExits0WithoutErrors(@TempDir Path folder) throws Exception {
    try (HttpTestBackend a = HttpTestBackend.builder("a").host("127.0.0.6").build().start()) {
      Path file = folder.resolve("gateway.yaml");
      Files.writeString(file, "listeners:\n"
          + "  - name: web\n    protocol: http\n    bind: 127.0.0.1\n    port: " + freePort() + "\n"
          + "    healthCheck: {path: /health, interval: 100ms, timeout: 50ms, healthyThreshold: 1}\n"
          + "    backends:\n      - {id: a, host: 127.0.0.6, port: " + a.port() + "}\n");

      int exit = gateway.execute(new String[] {"diagnose", "--config", file.toString(), "--json"});

      String json = out().trim();
      assertThat(json).startsWith("[").endsWith("]").contains("\"pool\":\"web\"")
          .doesNotContain("\"severity\":\"error\"");
      assertThat(exit).as(json).isZero();
    }
  }

  private String out() {
    return outBytes.toString(StandardCharsets.UTF_8);
  }

  private String err() {
    return errBytes.toString(StandardCharsets.UTF_8);
  }

  private static int status(PlainHttpClient client, InetSocketAddress to) {
    try {
      return client.get(to, "/").status();
    } catch (IOException e) {
      return -1;
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
      return s.getLocalPort();
    }
  }

}
