package io.lb4j.impl.listener;

import static org.assertj.core.api.Assertions.assertThat;

import io.lb4j.api.Backend;
import io.lb4j.api.LoadBalancer;
import io.lb4j.impl.listener.RawHttpClient.Response;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * Issue 17, defect 9: {@code Upgrade: h2c} was tunnelled, so the client then spoke HTTP/2 to the backend with
 * nothing checked in between. By default the upgrade is stripped and the request served as HTTP/1.1; a 101 for
 * it is refused. {@code Listener.allowH2cUpgrade(true)} forwards it.
 */
class H2cUpgradeStrippedTest {

  private static final String H2C_REQUEST = "GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\n"
      + "Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n";

  @Test
  void h2cUpgrade_isStrippedByDefault_andTheRequestServedAsHttp11() {
    try (HttpTestBackend a = new HttpTestBackend("127.0.0.1", HttpTestBackend.mirror());
        LoadBalancer pool = Fixtures.pool(HttpListenerTest.http("l7-h2c"), Backend.of("a", a.host(), a.port()));
        ListenerServer server = Fixtures.server(pool).build().start();
        RawHttpClient c = RawHttpClient.connect(server.localAddress())) {
      Response r = c.send(H2C_REQUEST).read();
      assertThat(r.status()).isEqualTo(200);
      HttpTestBackend.Request got = a.requests.get(0);
      assertThat(got.header("Upgrade")).isNull();
      assertThat(got.header("HTTP2-Settings")).isNull();
      assertThat(got.header("Connection")).isNull();
      // Still HTTP/1.1 on the same connection.
      assertThat(c.send("GET /next HTTP/1.1\r\nHost: x\r\n\r\n").read().status()).isEqualTo(200);
    }
  }

  @Test
  void a101ForAStrippedH2cUpgrade_isRefused_neverTunnelled() {
    try (HttpTestBackend a = new HttpTestBackend("127.0.0.1", (req, s, out) -> {
          out.write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\n"
              .getBytes(StandardCharsets.US_ASCII));
          out.flush();
          return false;
        });
        LoadBalancer pool = Fixtures.pool(HttpListenerTest.http("l7-h2c-101"), Backend.of("a", a.host(), a.port()));
        ListenerServer server = Fixtures.server(pool).build().start();
        RawHttpClient c = RawHttpClient.connect(server.localAddress())) {
      Response r = c.send(H2C_REQUEST).read();
      assertThat(r.status()).isEqualTo(502);
      assertThat(r.bodyText()).isEqualTo("502 Bad Gateway: 101 Switching Protocols to a request that asked for no "
          + "upgrade\n");
      assertThat(c.closedByServer()).isTrue();
    }
  }

  @Test
  void allowedH2cUpgrade_isForwardedWithItsSettings_andTunnelledAfter101() throws Exception {
    try (HttpTestBackend a = new HttpTestBackend("127.0.0.1", (req, s, out) -> {
          out.write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\n"
              .getBytes(StandardCharsets.US_ASCII));
          out.flush();
          InputStream in = s.getInputStream();
          int b;
          while ((b = in.read()) >= 0) {
            out.write(b); // echo: stands for the backend's HTTP/2
            out.flush();
          }
          s.shutdownOutput();
          return false;
        });
        LoadBalancer pool = Fixtures.pool(HttpListenerTest.http("l7-h2c-allowed").allowH2cUpgrade(true),
            Backend.of("a", a.host(), a.port()));
        ListenerServer server = Fixtures.server(pool).build().start();
        RawHttpClient c = RawHttpClient.connect(server.localAddress())) {
      Response r = c.send(H2C_REQUEST).read();
      assertThat(r.status()).isEqualTo(101);
      HttpTestBackend.Request got = a.requests.get(0);
      assertThat(got.header("Upgrade")).isEqualTo("h2c");
      assertThat(got.header("HTTP2-Settings")).isEqualTo("AAMAAABkAAQAAP__");
      assertThat(got.header("Connection")).isEqualTo("upgrade, HTTP2-Settings");
      c.send("PRI * HTTP/2.0");
      assertThat(new String(c.socket.getInputStream().readNBytes(14), StandardCharsets.US_ASCII))
          .isEqualTo("PRI * HTTP/2.0");
    }
  }
}
