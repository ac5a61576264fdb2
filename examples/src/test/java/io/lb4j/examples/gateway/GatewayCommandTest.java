package io.lb4j.examples.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.lb4j.api.LoadBalancer;
import io.lb4j.api.health.HealthStatus;
import io.lb4j.examples.gateway.config.GatewayConfig;
import io.lb4j.examples.gateway.config.GatewayConfigParser;
import io.lb4j.impl.diagnostics.FindingCode;
import io.lb4j.impl.diagnostics.Report;
import io.lb4j.impl.diagnostics.Severity;
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
import java.util.List;
import java.util.Optional;
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
  void help_everyCommandAndEveryForm_printsItsUsageAndExits0() {
    assertThat(gateway.execute(new String[] {"run", "--help"})).isZero();
    assertThat(gateway.execute(new String[] {"diagnose", "-h"})).isZero();
    assertThat(gateway.execute(new String[] {"validate", "--config", "x.yaml", "--help"})).isZero();
    assertThat(gateway.execute(new String[] {"-h"})).isZero();
    assertThat(gateway.execute(new String[] {"help", "demo"})).isZero();

    assertThat(out()).contains("usage: java -jar lb-gateway.jar run --config FILE [OPTIONS]",
        "usage: java -jar lb-gateway.jar diagnose --config FILE [--json] [--wait DUR]",
        "usage: java -jar lb-gateway.jar validate --config FILE",
        "usage: java -jar lb-gateway.jar COMMAND [OPTIONS]",
        "usage: java -jar lb-gateway.jar demo [client]",
        "0  success; also run stopped gracefully by SIGTERM or Ctrl-C (SIGINT), as nginx does");
    assertThat(err()).isEmpty();
  }

  @Test
  void usageErrors_nameTheCommandThatWasRun() {
    assertThat(gateway.execute(new String[] {"diagnose"})).isEqualTo(Gateway.EXIT_CONFIG);
    assertThat(gateway.execute(new String[] {"validate", "--event-loops", "2"})).isEqualTo(Gateway.EXIT_CONFIG);

    assertThat(err()).contains("diagnose: --config FILE is required",
        "validate: unknown option '--event-loops' (validate --help lists the options)",
        "validate: --config FILE is required").doesNotContain("run:");
  }

  @Test
  void aMissingFile_saysSo(@TempDir Path folder) {
    Path missing = folder.resolve("x.yaml");

    assertThat(gateway.execute(new String[] {"run", "--config", missing.toString()})).isEqualTo(Gateway.EXIT_CONFIG);
    assertThat(gateway.execute(new String[] {"validate", "--config", folder.toString()})).isEqualTo(Gateway.EXIT_CONFIG);

    assertThat(err()).contains("run: cannot read " + missing + ": no such file",
        "validate: cannot read " + folder + ": is a folder, not a file");
  }

  @Test
  void validate_aValidFile_exits0AndBindsNothing(@TempDir Path folder) throws Exception {
    int port = freePort();
    Path file = folder.resolve("gateway.yaml");
    Files.writeString(file, "listeners:\n  - name: web\n    protocol: http\n    bind: 127.0.0.1\n    port: " + port
        + "\n    backends:\n      - {id: a, host: 127.0.0.1, port: 9001}\n      - {id: b, host: 127.0.0.2, port: 9001}\n"
        + "  - {name: files, protocol: tcp, port: " + port + ", bind: 127.0.0.2, source: {type: file, path: b.txt}}\n");
    Set<Thread> before = Set.copyOf(Thread.getAllStackTraces().keySet());

    int exit = gateway.execute(new String[] {"validate", "--config", file.toString()});

    assertThat(exit).as(err()).isZero();
    assertThat(out()).contains(file + ": the configuration is valid: 2 listeners",
        "  web: http on 127.0.0.1:" + port + ", 2 backends",
        "  files: tcp on 127.0.0.2:" + port + ", backends from file " + folder.resolve("b.txt"));
    try (ServerSocket stillFree = new ServerSocket()) {
      stillFree.bind(new InetSocketAddress("127.0.0.1", port));
    }
    assertThat(Thread.getAllStackTraces().keySet()).allMatch(t -> before.contains(t) || !t.getName().startsWith("lb4j-"));
  }

  @Test
  void validate_anInvalidFileOrUnloadableTlsFiles_exit2WithFileLineKeyAndMessage(@TempDir Path folder)
      throws Exception {
    Path bad = folder.resolve("bad.yaml");
    Files.writeString(bad, "listeners:\n  - {name: a, protocol: tcp, port: 80, bind: 999.999.999.999}\n");
    Files.writeString(folder.resolve("chain.pem"), "not a certificate\n");
    Files.writeString(folder.resolve("key.pem"), "not a key\n");
    Path tls = folder.resolve("tls.yaml");
    Files.writeString(tls, "listeners:\n  - name: secure\n    protocol: https\n    port: 8443\n"
        + "    tls: {certificate: chain.pem, privateKey: key.pem}\n");

    assertThat(gateway.execute(new String[] {"validate", "--config", bad.toString()})).isEqualTo(Gateway.EXIT_CONFIG);
    assertThat(gateway.execute(new String[] {"validate", "--config", tls.toString()})).isEqualTo(Gateway.EXIT_CONFIG);

    assertThat(err()).contains(bad + ":2: listeners[0].bind: bind must be an IPv4 or IPv6 address, was"
        + " '999.999.999.999' (999 is above 255)", tls + ":4: listeners[0].tls: cannot load the key and certificate chain")
        .doesNotContain("\tat ");
    assertThat(out()).doesNotContain("valid");
  }

  @Test
  void run_aPortInUse_isReportedWithFileAndLineAndExits1(@TempDir Path folder) throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
      Path file = folder.resolve("gateway.yaml");
      Files.writeString(file, "listeners:\n  - name: web\n    protocol: http\n    bind: 127.0.0.1\n    port: "
          + taken.getLocalPort() + "\n    backends: []\n");

      int exit = gateway.execute(new String[] {"run", "--config", file.toString()});

      assertThat(exit).isEqualTo(1);
      assertThat(err()).contains("run: cannot start, nothing was left running:",
          file + ":5: listeners[0].port: listener web cannot bind 127.0.0.1:" + taken.getLocalPort());
    }
  }

  @Test
  void twoGatewaysInSeries_withTheSameListenerNames_doNotAnswer508(@TempDir Path folder) throws Exception {
    try (HttpTestBackend app = HttpTestBackend.builder("app").host("127.0.0.7").build().start()) {
      int inner = freePort();
      int outer = freePort();
      String config = "listeners:\n  - name: web\n    protocol: http\n    bind: 127.0.0.1\n    port: %d\n"
          + "    healthCheck: {path: /health, interval: 100ms, healthyThreshold: 1}\n"
          + "    backends:\n      - {id: next, host: %s, port: %d}\n";
      Path innerFile = folder.resolve("inner.yaml");
      Files.writeString(innerFile, String.format(config, inner, "127.0.0.7", app.port()));
      Path outerFile = folder.resolve("outer.yaml");
      Files.writeString(outerFile, String.format(config, outer, "127.0.0.1", inner));
      Gateway second = new Gateway(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
          new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
      CompletableFuture<Integer> innerExit = OwnThread.supply(() -> second.execute(new String[] {"run",
          "--config", innerFile.toString(), "--event-loops", "1", "--status-every", "0s", "--diagnose-every", "0s"}));
      CompletableFuture<Integer> outerExit = OwnThread.supply(() -> gateway.execute(new String[] {"run",
          "--config", outerFile.toString(), "--event-loops", "1", "--status-every", "0s", "--diagnose-every", "0s"}));
      try {
        PlainHttpClient client = new PlainHttpClient(10_000);
        Await.until("a request passes both gateways", () -> status(client, new InetSocketAddress("127.0.0.1", outer))
            == 200, DEADLINE);
        assertThat(String.join(", ", app.requests().last().headers().getOrDefault("via", List.of()))).as("two Via entries")
            .matches("1\\.1 web\\.[0-9a-f]{8}, 1\\.1 web\\.[0-9a-f]{8}");
      } finally {
        second.requestStop();
        gateway.requestStop();
      }
      assertThat(innerExit.get(DEADLINE.toSeconds(), TimeUnit.SECONDS)).isZero();
      assertThat(outerExit.get(DEADLINE.toSeconds(), TimeUnit.SECONDS)).isZero();
    }
  }

  @Test
  void cookieKeysFromAFile_areSharedByTwoGateways_soASessionStaysOnItsBackend(@TempDir Path folder)
      throws Exception {
    try (HttpTestBackend a = HttpTestBackend.builder("a").host("127.0.0.8").build().start();
        HttpTestBackend b = HttpTestBackend.builder("b").host("127.0.0.9").build().start()) {
      Files.writeString(folder.resolve("cookie-keys"), java.util.Base64.getEncoder().encodeToString(
          "thirty-two bytes of a shared key".getBytes(StandardCharsets.US_ASCII)) + "\n");
      String config = "listeners:\n  - name: web\n    protocol: http\n    bind: 127.0.0.1\n    port: %d\n"
          + "    healthCheck: {path: /health, interval: 100ms, healthyThreshold: 1}\n"
          + "    sessionPersistence: {mode: insert-cookie, timeout: 10m, keyFile: cookie-keys}\n"
          + "    backends:\n      - {id: a, host: 127.0.0.8, port: " + a.port() + "}\n"
          + "      - {id: b, host: 127.0.0.9, port: " + b.port() + "}\n";
      InetSocketAddress first = new InetSocketAddress("127.0.0.1", freePort());
      InetSocketAddress second = new InetSocketAddress("127.0.0.1", freePort());
      Files.writeString(folder.resolve("first.yaml"), String.format(config, first.getPort()));
      Files.writeString(folder.resolve("second.yaml"), String.format(config, second.getPort()));
      Gateway other = new Gateway(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
          new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
      CompletableFuture<Integer> firstExit = OwnThread.supply(() -> gateway.execute(new String[] {"run",
          "--config", folder.resolve("first.yaml").toString(), "--event-loops", "1", "--status-every", "0s"}));
      CompletableFuture<Integer> secondExit = OwnThread.supply(() -> other.execute(new String[] {"run",
          "--config", folder.resolve("second.yaml").toString(), "--event-loops", "1", "--status-every", "0s"}));
      try {
        PlainHttpClient client = new PlainHttpClient(10_000);
        // New clients (no cookie) are spread over both backends once both are healthy in both gateways.
        Await.until("both gateways reach both backends", () -> {
          long before = a.requests().count() + b.requests().count();
          int s1 = status(client, first);
          int s2 = status(client, second);
          return s1 == 200 && s2 == 200 && a.requests().count() + b.requests().count() == before + 2
              && a.requests().count() > 2 && b.requests().count() > 2;
        }, DEADLINE);

        PlainHttpClient.Response response = client.get(first, "/");
        String cookie = response.headers().get("set-cookie").split(";")[0];
        a.requests().clear();
        b.requests().clear();
        for (int i = 0; i < 10; i++) {
          assertThat(client.get(second, "/", "Cookie: " + cookie).status()).isEqualTo(200);
        }

        // With a random key per gateway the cookie would be unknown to the second one: 5 and 5, round robin.
        assertThat(a.requests().count() + b.requests().count()).isEqualTo(10);
        assertThat(Math.max(a.requests().count(), b.requests().count()))
            .as("the second gateway honours the first one's cookie: one backend took all 10").isEqualTo(10);
      } finally {
        gateway.requestStop();
        other.requestStop();
      }
      assertThat(firstExit.get(DEADLINE.toSeconds(), TimeUnit.SECONDS)).isZero();
      assertThat(secondExit.get(DEADLINE.toSeconds(), TimeUnit.SECONDS)).isZero();
    }
  }

  @Test
  void aNewCookieKey_isRotatedInOnReload_oldCookiesStillHold_newOnesUseTheNewKey(@TempDir Path folder)
      throws Exception {
    try (HttpTestBackend a = HttpTestBackend.builder("a").host("127.0.0.25").build().start();
        HttpTestBackend b = HttpTestBackend.builder("b").host("127.0.0.26").build().start()) {
      String oldKey = java.util.Base64.getEncoder().encodeToString("the old key, thirty-two bytes..!".getBytes(
          StandardCharsets.US_ASCII));
      String newKey = java.util.Base64.getEncoder().encodeToString("the new key, thirty-two bytes..!".getBytes(
          StandardCharsets.US_ASCII));
      Path keys = folder.resolve("cookie-keys");
      Files.writeString(keys, oldKey + "\n");
      String config = "listeners:\n  - name: web\n    protocol: http\n    bind: 127.0.0.1\n    port: %d\n"
          + "    healthCheck: {path: /health, interval: 100ms, healthyThreshold: 1}\n"
          + "    sessionPersistence: {mode: insert-cookie, timeout: 10m, keyFile: %s}\n"
          + "    backends:\n      - {id: a, host: 127.0.0.25, port: " + a.port() + "}\n"
          + "      - {id: b, host: 127.0.0.26, port: " + b.port() + "}\n";
      InetSocketAddress running = new InetSocketAddress("127.0.0.1", freePort());
      Files.writeString(folder.resolve("gateway.yaml"), String.format(config, running.getPort(), "cookie-keys"));
      CompletableFuture<Integer> exit = OwnThread.supply(() -> gateway.execute(new String[] {"run",
          "--config", folder.resolve("gateway.yaml").toString(), "--event-loops", "1", "--status-every", "0s"}));
      PlainHttpClient client = new PlainHttpClient(10_000);
      try {
        Await.until("both backends serve", () -> status(client, running) == 200 && status(client, running) == 200
            && a.requests().count() > 0 && b.requests().count() > 0, DEADLINE);
        String oldCookie = client.get(running, "/").headers().get("set-cookie").split(";")[0];

        Files.writeString(keys, newKey + "\n" + oldKey + "\n"); // rotate: a new current key, the old one kept
        Await.until("the new key applied",
            () -> out().contains("reloaded: backends, health checks, routing, peak bandwidth and cookie keys"),
            DEADLINE);
        a.requests().clear();
        b.requests().clear();
        for (int i = 0; i < 6; i++) {
          assertThat(client.get(running, "/", "Cookie: " + oldCookie).status()).isEqualTo(200);
        }
        assertThat(Math.max(a.requests().count(), b.requests().count())).as("a cookie of the old key still holds")
            .isEqualTo(6);
        String newCookie = client.get(running, "/").headers().get("set-cookie").split(";")[0];

        // A gateway that knows only the new key honours the new cookie: it was signed with the new key.
        Path onlyNew = folder.resolve("only-new");
        Files.writeString(onlyNew, newKey + "\n");
        InetSocketAddress other = new InetSocketAddress("127.0.0.1", freePort());
        Files.writeString(folder.resolve("other.yaml"), String.format(config, other.getPort(), "only-new"));
        Gateway second = new Gateway(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
            new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        CompletableFuture<Integer> secondExit = OwnThread.supply(() -> second.execute(new String[] {"run",
            "--config", folder.resolve("other.yaml").toString(), "--event-loops", "1", "--status-every", "0s"}));
        try {
          Await.until("the other gateway reaches both backends", () -> {
            long before = a.requests().count() + b.requests().count();
            return status(client, other) == 200 && status(client, other) == 200
                && a.requests().count() + b.requests().count() == before + 2 && a.requests().count() > 8
                && b.requests().count() > 8;
          }, DEADLINE);
          a.requests().clear();
          b.requests().clear();
          for (int i = 0; i < 6; i++) {
            assertThat(client.get(other, "/", "Cookie: " + newCookie).status()).isEqualTo(200);
          }
          assertThat(Math.max(a.requests().count(), b.requests().count())).as("the new cookie is honoured")
              .isEqualTo(6);
        } finally {
          second.requestStop();
        }
        assertThat(secondExit.get(DEADLINE.toSeconds(), TimeUnit.SECONDS)).isZero();
      } finally {
        gateway.requestStop();
      }
      assertThat(exit.get(DEADLINE.toSeconds(), TimeUnit.SECONDS)).isZero();
    }
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
      CompletableFuture<Integer> exit = OwnThread.supply(() -> gateway.execute(
          new String[] {"run", "--config", file.toString(), "--event-loops", "1", "--status-every", "100ms"}));
      PlainHttpClient client = new PlainHttpClient(10_000);
      InetSocketAddress listener = new InetSocketAddress("127.0.0.1", port);

      Await.until("the gateway forwards to a",
          () -> status(client, listener) == 200 && a.requests().count() > 0, DEADLINE);
      Await.until("the status lines name a", () -> out().contains("status listener=web backend=a"), DEADLINE);

      // Reload: b joins, a leaves; the listener keeps running on the same port.
      Files.writeString(file, String.format(config, "      - {id: b, host: 127.0.0.3, port: " + b.port() + "}\n"));
      Await.until("the reload is applied",
          () -> out().contains("reloaded: backends, health checks, routing, peak bandwidth and cookie keys applied"),
          DEADLINE);
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
      CompletableFuture<Integer> exit = OwnThread.supply(() -> gateway.execute(
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
      CompletableFuture<Integer> exit = OwnThread.supply(() -> gateway.execute(
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
        "backend gone (127.0.0.5:" + down + "): UNHEALTHY", "does not accept connections",
        "or remove the backend from the listener's backends in the file (or its source)")
        .doesNotContain("LoadBalancer.", "HealthCheckPolicy.");
    assertThat(exit).isEqualTo(1);
  }

  /**
   * Issue 26: a rolling restart of three backends. Each is stopped until the gateway marks it down, then started
   * and examined at once, while its port accepts again and its last probe still says "connect refused": the
   * race in which check-fails-port-open used to fire. Afterwards {@code diagnose} exits 0.
   */
  @Test
  void diagnose_afterARollingRestart_findsNoError_andEachRestartIsNoError(@TempDir Path folder) throws Exception {
    List<HttpTestBackend> backends = List.of(HttpTestBackend.builder("a").host("127.0.0.21").build().start(),
        HttpTestBackend.builder("b").host("127.0.0.22").build().start(),
        HttpTestBackend.builder("c").host("127.0.0.23").build().start());
    try {
      Path file = folder.resolve("gateway.yaml");
      StringBuilder yaml = new StringBuilder("listeners:\n  - name: web\n    protocol: http\n    bind: 127.0.0.1\n"
          + "    port: " + freePort() + "\n"
          + "    healthCheck: {path: /health, interval: 1s, timeout: 500ms, healthyThreshold: 1, unhealthyThreshold: 2}\n"
          + "    backends:\n");
      for (HttpTestBackend b : backends) {
        yaml.append("      - {id: ").append(b.name()).append(", host: ").append(b.host()).append(", port: ")
            .append(b.port()).append("}\n");
      }
      Files.writeString(file, yaml.toString());
      GatewayConfig config = new GatewayConfigParser().parse(file);
      try (GatewayRuntime runtime = GatewayRuntime.start(config, file.toString(), 1, failed -> { })) {
        LoadBalancer pool = runtime.listeners().get(0).pool();
        Await.until("all healthy", () -> healthy(pool) == 3, DEADLINE);
        for (HttpTestBackend b : backends) {
          b.stop();
          Await.until(b.name() + " marked down", () -> health(pool, b.name()) == HealthStatus.UNHEALTHY, DEADLINE);
          b.start();
          // The port accepts again; the last probe (up to 1 s ago) said "connect refused".
          List<Report> during = runtime.examine();
          assertThat(during).allSatisfy(r -> assertThat(r.findings(FindingCode.CHECK_FAILS_PORT_OPEN))
              .as("restarting %s", b.name()).isEmpty());
          assertThat(during).allSatisfy(r -> assertThat(r.worst()).isNotEqualTo(Optional.of(Severity.ERROR)));
          Await.until(b.name() + " back", () -> health(pool, b.name()) == HealthStatus.HEALTHY, DEADLINE);
        }
        assertThat(runtime.examine()).allSatisfy(r -> assertThat(r.worst()).isNotEqualTo(Optional.of(Severity.ERROR)));
      }

      int exit = gateway.execute(new String[] {"diagnose", "--config", file.toString()});

      assertThat(exit).as(out()).isZero();
    } finally {
      backends.forEach(HttpTestBackend::close);
    }
  }

  /** Issue 26: a check that really is wrong (its path answers 404) is still reported, and diagnose exits 1. */
  @Test
  void diagnose_aCheckThatReallyIsWrong_isReportedAsAnError(@TempDir Path folder) throws Exception {
    try (HttpTestBackend a = HttpTestBackend.builder("a").host("127.0.0.24").build().start()) {
      Path file = folder.resolve("gateway.yaml");
      Files.writeString(file, "listeners:\n  - name: web\n    protocol: http\n    bind: 127.0.0.1\n    port: "
          + freePort() + "\n    healthCheck: {path: /health, interval: 200ms, timeout: 100ms, unhealthyThreshold: 2}\n"
          + "    backends:\n      - {id: a, host: 127.0.0.24, port: " + a.port() + "}\n");
      a.setHealth(io.lb4j.testing.Behavior.status(404));

      int exit = gateway.execute(new String[] {"diagnose", "--config", file.toString()});

      assertThat(out()).contains("ERROR   check-fails-port-open [backend a (127.0.0.24:" + a.port() + ")]",
          "lastCheck: HTTP 404 not in [2xx, 3xx]", "point healthCheck.path at a page that exists");
      assertThat(exit).isEqualTo(1);
    }
  }

  private static long healthy(LoadBalancer pool) {
    return pool.view().stream().filter(v -> v.health() == HealthStatus.HEALTHY).count();
  }

  private static HealthStatus health(LoadBalancer pool, String id) {
    return pool.view().stream().filter(v -> v.backend().id().equals(id)).findFirst().orElseThrow().health();
  }

  @Test
  void diagnose_json_isOneArrayOfReportsAndExits0WithoutErrors(@TempDir Path folder) throws Exception {
    try (HttpTestBackend a = HttpTestBackend.builder("a").host("127.0.0.6").build().start()) {
      Path file = folder.resolve("gateway.yaml");
      Files.writeString(file, "listeners:\n"
          + "  - name: web\n    protocol: http\n    bind: 127.0.0.1\n    port: " + freePort() + "\n"
          + "    healthCheck: {path: /health, interval: 100ms, timeout: 2s, healthyThreshold: 1}\n"
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
