package io.lb4j.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.lb4j.api.Backend;
import io.lb4j.api.Listener;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.Protocol;
import io.lb4j.api.health.HealthCheckMethod;
import io.lb4j.api.health.HealthCheckPolicy;
import io.lb4j.api.health.HealthCheckType;
import io.lb4j.impl.LoadBalancers;
import io.lb4j.impl.diagnostics.Diagnostics;
import io.lb4j.impl.diagnostics.Finding;
import io.lb4j.impl.diagnostics.FindingCode;
import io.lb4j.impl.diagnostics.ListenerSnapshot;
import io.lb4j.impl.diagnostics.PeriodicCheck;
import io.lb4j.impl.diagnostics.Report;
import io.lb4j.testing.HttpTestBackend;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/**
 * Produces the report README shows: a pool with a healthy backend, one whose port answers but not with
 * HTTP, one that is down, a dynamic check page, and a listener that counted 504s and 431s. The report is
 * written to {@code examples/target/diagnostics-report.txt} (and {@code .json}); the block between the
 * markers is README's snippet.
 */
class DiagnosticsReportTest {

  @Test
  void readmeReport() throws Exception {
    try (HttpTestBackend a = HttpTestBackend.builder("a").host("127.0.0.1").build().start();
        ServerSocket notHttp = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.3"))) {
      Thread closer = new Thread(() -> acceptAndClose(notHttp), "example-not-http");
      closer.setDaemon(true);
      closer.start();
      int down;
      try (ServerSocket s = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.4"))) {
        down = s.getLocalPort();
      }
      Listener listener = Listener.builder("web", Protocol.HTTP, 8080)
          .healthCheck(HealthCheckPolicy.builder().type(HealthCheckType.HTTP).method(HealthCheckMethod.GET)
              .path("/health.php").interval(Duration.ofSeconds(1)).responseTimeout(Duration.ofMillis(500)).build())
          .build();
      try (LoadBalancer lb = LoadBalancers.builder(listener)
          .backend(Backend.of("a", "127.0.0.1", a.port()))
          .backend(Backend.of("b", "127.0.0.3", notHttp.getLocalPort()))
          .backend(Backend.of("c", "127.0.0.4", down))
          .build().start()) {
        assertThat(lb.awaitAnyHealthy(Duration.ofSeconds(30))).isTrue();
        awaitChecked(lb);
        // --- README diagnostics ---
        Diagnostics diagnostics = Diagnostics.builder().build(); // keep one: it remembers what it saw
        while (diagnostics.examine(lb).confirming()) { // a check that disagrees with traffic must do so for a while
          Thread.sleep(lb.healthCheck().interval().toMillis());
        }
        ListenerSnapshot web = ListenerSnapshot.builder(listener, "0.0.0.0", 8080) // from the listener's metrics
            .gatewayTimeouts(12).responseTimeP99(Duration.ofSeconds(52)).headersTooLarge(3).build();
        Report report = diagnostics.examine(lb, List.of(web));   // diagnostics.examine(lb) for a client-side pool
        System.out.println(report.toText());                     // report.toJson() for tooling
        // --- end of README diagnostics ---
        Files.createDirectories(Path.of("target"));
        Files.writeString(Path.of("target", "diagnostics-report.txt"), report.toText());
        Files.writeString(Path.of("target", "diagnostics-report.json"), report.toJson());

        assertThat(report.findings()).extracting(Finding::code).contains(FindingCode.SLOW_BACKEND,
            FindingCode.CHECK_FAILS_PORT_OPEN, FindingCode.HEADERS_TOO_LARGE, FindingCode.DYNAMIC_CHECK_PATH,
            FindingCode.PROBE_VOLUME).doesNotContain(FindingCode.NO_ELIGIBLE_BACKEND);
        assertThat(report.findings(FindingCode.CHECK_FAILS_PORT_OPEN)).extracting(Finding::subject)
            .containsExactly("backend b (127.0.0.3:" + notHttp.getLocalPort() + ")");

        // --- README periodic check ---
        try (PeriodicCheck check = PeriodicCheck.logging(() -> diagnostics.examine(lb)).start(Duration.ofMinutes(1))) {
          runTheService(); // findings are logged as they appear and clear, until the check is closed
        }
        // --- end of README periodic check ---
        assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().equals("lb4j-diagnostics"));
      }
    }
  }

  /** Stands for the application's own work while the periodic check runs beside it. */
  private static void runTheService() {
    assertThat(Thread.getAllStackTraces().keySet()).anyMatch(t -> t.getName().equals("lb4j-diagnostics"));
  }

  /** Waits (30 s at most) until every backend has been checked once. */
  private static void awaitChecked(LoadBalancer lb) {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (lb.view().stream().anyMatch(v -> v.lastCheck().isEmpty())) {
      assertThat(System.nanoTime() - deadline).as("every backend checked within 30 s").isNegative();
      LockSupport.parkNanos(5_000_000);
    }
  }

  private static void acceptAndClose(ServerSocket server) {
    while (!server.isClosed()) {
      try (Socket c = server.accept()) {
        // reads the request (closing with unread bytes would reset) and answers nothing: not the HTTP application
        c.getInputStream().read(new byte[4096]);
      } catch (IOException e) {
        return;
      }
    }
  }
}
