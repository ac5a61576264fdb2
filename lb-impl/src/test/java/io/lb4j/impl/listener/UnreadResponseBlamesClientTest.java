package io.lb4j.impl.listener;

import static org.assertj.core.api.Assertions.assertThat;

import io.lb4j.api.Backend;
import io.lb4j.api.LoadBalancer;
import io.lb4j.impl.listener.RawHttpClient.Response;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 17, defect 4 (downloads): a client that stops reading its response was blamed on the backend, so six
 * paused downloads ejected the only, healthy backend. Now the backend is timed only while it owes bytes the
 * client takes: a client that leaves the response unread for the write timeout is closed, and nothing is
 * reported against the backend (outlier detection ejects at the first failure here). The write timeout (2 s)
 * is longer than the request timeout (1 s), so a backend clock left running while the client does not read
 * would fire first and show as a 504 and a TIMEOUT.
 */
class UnreadResponseBlamesClientTest {

  /** A body far larger than every socket buffer between the backend and the client. */
  private static final long BODY = 256L * 1024 * 1024;

  private static HttpTestBackend bigBodies() {
    return new HttpTestBackend("127.0.0.1", (req, s, out) -> {
      if (!req.requestLine().contains("/big")) {
        return HttpTestBackend.respond(200, "small").handle(req, s, out);
      }
      out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + BODY + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      byte[] chunk = new byte[64 * 1024];
      for (long sent = 0; sent < BODY; sent += chunk.length) {
        out.write(chunk); // blocks once the buffers are full; fails once the listener closes the connection
      }
      return true;
    });
  }

  /** A client with a small receive buffer, so the listener's writes block soon. */
  private static RawHttpClient smallWindowClient(ListenerServer server) {
    try {
      Socket s = new Socket();
      s.setReceiveBufferSize(4096);
      s.connect(server.localAddress(), 30_000);
      return new RawHttpClient(s);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Test
  void pausedDownloads_areClosedAfterTheWriteTimeout_andTheBackendStaysUnejected() {
    int paused = 6;
    try (HttpTestBackend a = bigBodies();
        LoadBalancer pool = Fixtures.pool(ClientBodyStallBlamesClientTest.strictListener("l7-unread")
            .writeTimeout(Duration.ofSeconds(2)), Backend.of("a", a.host(), a.port()));
        ListenerServer server = Fixtures.server(pool).build().start()) {
      List<RawHttpClient> clients = new ArrayList<>();
      try {
        for (int i = 0; i < paused; i++) {
          clients.add(smallWindowClient(server).send("GET /big HTTP/1.1\r\nHost: x\r\n\r\n")); // and never read
        }
        Await.until("every paused download is closed",
            () -> server.metrics().failures(FailureCause.CLIENT_TIMEOUT) == paused);
        for (RawHttpClient c : clients) {
          byte[] got = c.readToEnd(); // what was buffered, then the end (a reset)
          assertThat(new String(got, 0, Math.min(got.length, 15), StandardCharsets.US_ASCII)).isEqualTo("HTTP/1.1 200 OK");
          assertThat((long) got.length).isLessThan(BODY);
        }
      } finally {
        clients.forEach(RawHttpClient::close);
      }
      assertThat(server.metrics().failures(FailureCause.TIMEOUT)).isZero();
      assertThat(server.metrics().gatewayTimeouts()).isZero();
      assertThat(pool.view().get(0).ejected()).isFalse();
      try (RawHttpClient c = RawHttpClient.connect(server.localAddress())) {
        Response r = c.send("GET /small HTTP/1.1\r\nHost: x\r\n\r\n").read();
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.bodyText()).isEqualTo("small");
      }
      Await.until("the paused downloads' backend connections are closed",
          () -> a.closedConnections.get() >= paused);
    }
  }
}
