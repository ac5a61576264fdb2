package io.lb4j.impl.listener;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

/**
 * Defect 3 of issue 17, file-descriptor exhaustion made the accept loop spin: {@code accept} failed with
 * EMFILE, the loop logged and returned with {@code OP_ACCEPT} still ready (135-167% CPU, about 165,000
 * WARN lines a second). Now accepting pauses one second per failure, with one line per pause, and resumes.
 * Tested for real: the listener runs in a child JVM under {@code ulimit -n 256} and uses up its own
 * descriptors on command.
 */
class AcceptEmfilePauseTest {

  @Test
  void acceptOutOfDescriptors_pausesASecondPerLogLine_thenServesTheClientThatWaitedInTheBacklog() throws Exception {
    try (HttpTestBackend backend = HttpTestBackend.ok("127.0.0.1", "ok");
        ChildListener child = new ChildListener(256, backend.host(), backend.port())) {
      InetSocketAddress listener = new InetSocketAddress(Fixtures.LOOPBACK, child.port);
      try (RawHttpClient warmUp = RawHttpClient.connect(listener)) {
        assertThat(warmUp.send("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").read().status())
            .isEqualTo(200);
      }
      long start = System.nanoTime();
      assertThat(child.command("hog")).startsWith("hogged ");

      try (RawHttpClient waiting = RawHttpClient.connect(listener)) { // the kernel completes it in the backlog
        waiting.send("GET /waited HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        Await.until("three pauses logged", () -> child.logLines("accepting paused") >= 3);
        long lines = child.logLines("accepting paused");
        double seconds = (System.nanoTime() - start) / 1e9;

        // Each pause lasts at least a second and logs once: never more lines than seconds (+1 for the first).
        assertThat((double) lines).isLessThanOrEqualTo(seconds + 1);
        assertThat(child.logLines("Too many open files")).isEqualTo(lines);
        assertThat(metric(child.command("metrics"), "acceptPauses")).isGreaterThanOrEqualTo(lines);

        child.command("free 16");

        RawHttpClient.Response served = waiting.read();
        assertThat(served.status()).isEqualTo(200);
        assertThat(served.bodyText()).isEqualTo("ok");
      }
    }
  }

  static long metric(String metricsLine, String name) {
    for (String word : metricsLine.split(" ")) {
      if (word.startsWith(name + "=")) {
        return Long.parseLong(word.substring(name.length() + 1));
      }
    }
    throw new AssertionError("no " + name + " in " + metricsLine);
  }
}
