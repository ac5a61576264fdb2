package io.lb4j.impl.diagnostics;

import static io.lb4j.impl.diagnostics.PoolFindingsTest.only;
import static org.assertj.core.api.Assertions.assertThat;

import io.lb4j.api.Listener;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.Protocol;
import io.lb4j.impl.listener.ListenerServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link ListenerSnapshot#of} against a real lb4j listener on loopback. */
class ListenerSnapshotOfServerTest {

  private final Loop loop = new Loop();
  private final Diagnostics diagnostics = Loop.withoutHost().build();

  @AfterEach
  void close() throws Exception {
    loop.close();
  }

  @Test
  void aRealListener_countsA502WithItsCause_andIsNotRunningOnceStopped() throws Exception {
    LoadBalancer pool = loop.pool(Listener.builder("web", Protocol.HTTP, 0).build()); // no backends
    ListenerServer server = ListenerServer.builder(pool).bindAddress(InetAddress.getByName("127.0.0.1"))
        .eventLoops(1).build().start();
    loop.track(server);

    assertThat(statusOf(server, "GET / HTTP/1.1\r\nHost: web\r\n\r\n")).isEqualTo(502);
    Loop.await("the 502 counted", () -> server.metrics().badGateway() == 1);

    Finding f = only(diagnostics.examine(pool, List.of(ListenerSnapshot.of(server))), FindingCode.BAD_GATEWAY);
    assertThat(f.subject()).isEqualTo("listener web (127.0.0.1:" + server.localAddress().getPort() + ")");
    assertThat(f.evidence()).containsEntry("502 no backend", "1").containsEntry("502 connect failed", "0");

    server.stop(Duration.ofSeconds(5));
    assertThat(diagnostics.examine(pool, List.of(ListenerSnapshot.of(server)))
        .findings(FindingCode.LISTENER_NOT_RUNNING)).hasSize(1);
  }

  /** Sends {@code request} and returns the status of the answer. */
  private static int statusOf(ListenerServer server, String request) throws IOException {
    try (Socket s = new Socket(server.localAddress().getAddress(), server.localAddress().getPort())) {
      s.setSoTimeout((int) Loop.DEADLINE.toMillis());
      s.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
      InputStream in = s.getInputStream();
      byte[] head = in.readNBytes(12); // "HTTP/1.1 502"
      return Integer.parseInt(new String(head, 9, 3, StandardCharsets.US_ASCII));
    }
  }
}
