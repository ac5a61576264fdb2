package io.lb4j.impl.listener;

import static io.lb4j.impl.listener.AcceptEmfilePauseTest.metric;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

/**
 * Defect 3 of issue 17, second half: {@code SocketChannel.open()} for a backend sat outside the failure
 * path, so a process out of file descriptors reset the client, with no metric and no access-log line.
 * Now it is a 503 naming the cause, counted as {@code SOCKET_UNAVAILABLE}, logged, and not blamed on the
 * backend. Tested for real in a child JVM under {@code ulimit -n 256} left with one free descriptor: the
 * client's connection takes it, and the backend socket cannot be opened.
 */
class BackendSocketEmfileTest {

  @Test
  void backendSocketOutOfDescriptors_answers503WithItsCause_countedAndLogged() throws Exception {
    try (HttpTestBackend backend = HttpTestBackend.ok("127.0.0.1", "ok");
        ChildListener child = new ChildListener(256, backend.host(), backend.port())) {
      InetSocketAddress listener = new InetSocketAddress(Fixtures.LOOPBACK, child.port);
      try (RawHttpClient warmUp = RawHttpClient.connect(listener)) {
        assertThat(warmUp.send("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").read().status())
            .isEqualTo(200);
      }
      Await.until("the warm-up connection is closed", () -> metric(child.command("metrics"), "active") == 0);
      child.command("hog");
      child.command("free 1");

      try (RawHttpClient client = RawHttpClient.connect(listener)) {
        RawHttpClient.Response r = client.send("GET /no-socket HTTP/1.1\r\nHost: x\r\n\r\n").read();

        assertThat(r.status()).isEqualTo(503);
        assertThat(r.bodyText()).contains("cannot open a socket to the backend", "Too many open files");
      }
      assertThat(metric(child.command("metrics"), "socketUnavailable")).isEqualTo(1);
      assertThat(backend.requests).hasSize(1); // the warm-up only
      Await.until("the access-log line", () -> child.logLines("\"GET /no-socket\" 503 socket unavailable") == 1);
    }
  }
}
