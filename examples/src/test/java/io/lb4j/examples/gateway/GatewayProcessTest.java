package io.lb4j.examples.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.lb4j.testing.Await;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway as systemd and a terminal run it: a JVM of its own, stopped by a real SIGTERM or SIGINT.
 * A graceful stop exits 0, as nginx does (a JVM stopped by a signal would exit 143 or 130).
 */
@EnabledOnOs({OS.LINUX, OS.MAC})
class GatewayProcessTest {

  private static final Duration DEADLINE = Duration.ofSeconds(60);

  @Test
  void sigterm_stopsGracefullyAndExits0(@TempDir Path folder) throws Exception {
    assertGracefulStop(folder, "TERM");
  }

  @Test
  void sigint_asCtrlCSendsIt_stopsGracefullyAndExits0(@TempDir Path folder) throws Exception {
    // A shell without job control starts background commands with SIGINT ignored, their children inherit
    // that, and a JVM leaves an ignored SIGINT ignored: Ctrl-C can then not reach the gateway at all.
    assumeFalse(sigintIgnoredHere(), "this test runs with SIGINT ignored (a background job of a shell without "
        + "job control), which the gateway would inherit");
    assertGracefulStop(folder, "INT");
  }

  /** Whether this process ignores SIGINT (Linux's {@code SigIgn} mask; false where it cannot be read). */
  private static boolean sigintIgnoredHere() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("SigIgn:")) {
          return (Long.parseUnsignedLong(line.substring("SigIgn:".length()).trim(), 16) & (1L << (2 - 1))) != 0;
        }
      }
    } catch (IOException | RuntimeException e) {
      return false; // not Linux: assume signals are delivered as a terminal delivers them
    }
    return false;
  }

  private static void assertGracefulStop(Path folder, String signal) throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
      port = s.getLocalPort();
    }
    Path file = folder.resolve("gateway.yaml");
    Files.writeString(file, "listeners:\n  - name: web\n    protocol: http\n    bind: 127.0.0.1\n    port: " + port
        + "\n    backends: []\n");
    Path out = folder.resolve("out.txt");
    Process gateway = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), Gateway.class.getName(),
        "run", "--config", file.toString(), "--event-loops", "1", "--status-every", "0s", "--diagnose-every", "0s"))
        .redirectErrorStream(true).redirectOutput(out.toFile()).start();
    try {
      Await.until("the gateway started", () -> read(out).contains("started ListenerServer{web RUNNING"), DEADLINE,
          () -> read(out));

      Process kill = new ProcessBuilder("kill", "-" + signal, String.valueOf(gateway.pid())).inheritIO().start();
      assertThat(kill.waitFor(DEADLINE.toSeconds(), TimeUnit.SECONDS)).isTrue();

      assertThat(gateway.waitFor(DEADLINE.toSeconds(), TimeUnit.SECONDS)).as("exited").isTrue();
      assertThat(gateway.exitValue()).as(read(out)).isZero();
      assertThat(read(out)).contains("stopping: letting requests in flight finish", "stopped");
    } finally {
      gateway.destroyForcibly();
    }
  }

  private static String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }
}
