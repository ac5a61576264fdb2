package io.lb4j.impl.listener;

import static org.assertj.core.api.Assertions.assertThat;

import io.lb4j.api.Backend;
import io.lb4j.api.LoadBalancer;
import org.junit.jupiter.api.Test;

/**
 * Issue 17, defect 9: an HTTP/1.0 absolute-form request without {@code Host} was forwarded with its target and
 * an injected {@code Host} (the backend's) that disagreed. It goes in origin-form with the target's authority as
 * {@code Host}; an origin-form HTTP/1.0 request without {@code Host} still gets the backend's authority.
 */
class Http10AbsoluteFormTest {

  @Test
  void absoluteFormWithoutHost_becomesOriginForm_withTheTargetsAuthority() {
    try (HttpTestBackend a = HttpTestBackend.ok("127.0.0.1", "a");
        LoadBalancer pool = Fixtures.pool(HttpListenerTest.http("l7-absolute"), Backend.of("a", a.host(), a.port()));
        ListenerServer server = Fixtures.server(pool).build().start()) {
      try (RawHttpClient c = RawHttpClient.connect(server.localAddress())) {
        assertThat(c.send("GET http://example.test:8080/path?q=1 HTTP/1.0\r\n\r\n").read().status()).isEqualTo(200);
      }
      try (RawHttpClient c = RawHttpClient.connect(server.localAddress())) {
        assertThat(c.send("GET http://example.test HTTP/1.0\r\n\r\n").read().status()).isEqualTo(200);
      }
      try (RawHttpClient c = RawHttpClient.connect(server.localAddress())) {
        assertThat(c.send("GET http://example.test/v HTTP/1.1\r\nHost: example.test\r\n\r\n").read().status())
            .isEqualTo(200);
      }
      try (RawHttpClient c = RawHttpClient.connect(server.localAddress())) {
        assertThat(c.send("GET /origin HTTP/1.0\r\n\r\n").read().status()).isEqualTo(200);
      }
      assertThat(a.requests).extracting(HttpTestBackend.Request::requestLine)
          .containsExactly("GET /path?q=1 HTTP/1.0", "GET / HTTP/1.0", "GET /v HTTP/1.1", "GET /origin HTTP/1.0");
      assertThat(a.requests).extracting(r -> r.header("Host"))
          .containsExactly("example.test:8080", "example.test", "example.test", a.host() + ":" + a.port());
    }
  }
}
