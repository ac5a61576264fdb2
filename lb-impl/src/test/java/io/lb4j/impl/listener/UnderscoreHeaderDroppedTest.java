package io.lb4j.impl.listener;

import static org.assertj.core.api.Assertions.assertThat;

import io.lb4j.api.Backend;
import io.lb4j.api.LoadBalancer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * Issue 17, defect 9: header names with {@code _} were forwarded, and {@code Transfer_Encoding} smuggles past
 * backends that read {@code _} as {@code -}. They are dropped by default, as nginx does
 * ({@code underscores_in_headers off}); {@code Listener.underscoresInHeaders(true)} forwards them.
 */
class UnderscoreHeaderDroppedTest {

  private static final String SMUGGLING = "POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
      + "Transfer_Encoding: chunked\r\nX_Api_Key: k\r\nX-Kept: 1\r\n\r\n0\r\n\r\n";

  @Test
  void underscoredFields_areDroppedByDefault_theBodyKeepsItsOneFraming() {
    try (HttpTestBackend a = new HttpTestBackend("127.0.0.1", HttpTestBackend.mirror());
        LoadBalancer pool = Fixtures.pool(HttpListenerTest.http("l7-underscore"), Backend.of("a", a.host(), a.port()));
        ListenerServer server = Fixtures.server(pool).build().start();
        RawHttpClient c = RawHttpClient.connect(server.localAddress())) {
      assertThat(c.send(SMUGGLING).read().status()).isEqualTo(200);
      HttpTestBackend.Request got = a.requests.get(0);
      assertThat(got.header("Transfer_Encoding")).isNull();
      assertThat(got.header("X_Api_Key")).isNull();
      assertThat(got.header("X-Kept")).isEqualTo("1");
      assertThat(got.header("Content-Length")).isEqualTo("5");
      assertThat(new String(got.body(), StandardCharsets.US_ASCII)).isEqualTo("0\r\n\r\n");
      assertThat(a.requests).hasSize(1);
    }
  }

  @Test
  void underscoredFields_areForwardedWhenAllowed() {
    try (HttpTestBackend a = new HttpTestBackend("127.0.0.1", HttpTestBackend.mirror());
        LoadBalancer pool = Fixtures.pool(HttpListenerTest.http("l7-underscore-on").underscoresInHeaders(true),
            Backend.of("a", a.host(), a.port()));
        ListenerServer server = Fixtures.server(pool).build().start();
        RawHttpClient c = RawHttpClient.connect(server.localAddress())) {
      assertThat(c.send("GET / HTTP/1.1\r\nHost: x\r\nX_Api_Key: k\r\n\r\n").read().status()).isEqualTo(200);
      assertThat(a.requests.get(0).header("X_Api_Key")).isEqualTo("k");
    }
  }
}
