package io.lb4j.impl.listener;

import static org.assertj.core.api.Assertions.assertThat;

import io.lb4j.api.LoadBalancer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * A request refused after an earlier exchange on the same keep-alive connection gets its status, like a
 * first request does. Regression: the earlier response's "started" flag made the refusal a TCP reset.
 */
class HttpKeepAliveRefusalTest {

  private static final byte[] OK = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".getBytes(StandardCharsets.US_ASCII);

  @Test
  void secondRequestRefused_afterACompletedExchange_getsItsStatusNotAReset() {
    try (HttpTestBackend a = new HttpTestBackend("127.0.0.1", (req, s, out) -> {
          out.write(OK);
          out.flush();
          return true;
        });
        LoadBalancer pool = Fixtures.pool(HttpListenerTest.http("l7-refusal"), HttpListenerTest.backend("a", a));
        ListenerServer server = Fixtures.server(pool).eventLoops(1).build().start();
        RawHttpClient c = RawHttpClient.connect(server.localAddress())) {
      assertThat(c.send("GET /first HTTP/1.1\r\nHost: x\r\n\r\n").read().status()).isEqualTo(200);

      RawHttpClient.Response refused = c.send("GET /second HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n").read();

      assertThat(refused.status()).isEqualTo(400);
      assertThat(a.requests).hasSize(1);
    }
  }

  @Test
  void loopRefused_afterACompletedExchange_gets508() {
    try (HttpTestBackend a = new HttpTestBackend("127.0.0.1", (req, s, out) -> {
          out.write(OK);
          out.flush();
          return true;
        });
        LoadBalancer pool = Fixtures.pool(HttpListenerTest.http("l7-loop"), HttpListenerTest.backend("a", a));
        ListenerServer server = Fixtures.server(pool).eventLoops(1).build().start();
        RawHttpClient c = RawHttpClient.connect(server.localAddress())) {
      assertThat(c.send("GET /first HTTP/1.1\r\nHost: x\r\n\r\n").read().status()).isEqualTo(200);

      RawHttpClient.Response refused = c.send("GET /again HTTP/1.1\r\nHost: x\r\nVia: 1.1 l7-loop\r\n\r\n").read();

      assertThat(refused.status()).isEqualTo(508);
      assertThat(a.requests).hasSize(1);
    }
  }
}
