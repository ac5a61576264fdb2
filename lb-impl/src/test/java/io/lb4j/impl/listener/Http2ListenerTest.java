package io.lb4j.impl.listener;

import static org.assertj.core.api.Assertions.assertThat;

import io.lb4j.api.LoadBalancer;
import io.lb4j.impl.listener.H2TestClient.Response;
import io.lb4j.impl.listener.http2.Http2Headers;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** HTTP/2 clients (h2c with prior knowledge) through a listener to HTTP/1.1 backends. */
class Http2ListenerTest {

  @Test
  void get_isConvertedToHttp11WithForwardingFields() {
    try (HttpTestBackend a = new HttpTestBackend("127.0.0.1", HttpTestBackend.mirror());
        LoadBalancer pool = Fixtures.pool(HttpListenerTest.http("h2-get"), HttpListenerTest.backend("a", a));
        ListenerServer server = Fixtures.server(pool).build().start();
        H2TestClient c = H2TestClient.connect(server.localAddress())) {
      Response r = c.get("/path?q=1");
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.header("via")).isEqualTo("1.1 h2-get");
      HttpTestBackend.Request got = a.requests.get(0);
      assertThat(got.requestLine()).isEqualTo("GET /path?q=1 HTTP/1.1");
      assertThat(got.header("Host")).isEqualTo("example.test");
      assertThat(got.header("X-Forwarded-For")).isEqualTo("127.0.0.1");
      assertThat(got.header("Via")).isEqualTo("1.1 h2-get");
      assertThat(r.bodyText()).startsWith("GET /path?q=1 HTTP/1.1\r\n");
      assertThat(server.metrics().http2().connections()).isEqualTo(1);
    }
  }

  @Test
  void post_bodyWithoutContentLengthIsSentChunked() {
    try (HttpTestBackend a = new HttpTestBackend("127.0.0.1", HttpTestBackend.mirror());
        LoadBalancer pool = Fixtures.pool(HttpListenerTest.http("h2-post"), HttpListenerTest.backend("a", a));
        ListenerServer server = Fixtures.server(pool).build().start();
        H2TestClient c = H2TestClient.connect(server.localAddress())) {
      byte[] body = new byte[200_000];
      for (int i = 0; i < body.length; i++) {
        body[i] = (byte) ('a' + i % 26);
      }
      Response r = H2TestClient.await(c.send(H2TestClient.request("POST", "/up"), body));
      assertThat(r.status()).isEqualTo(200);
      HttpTestBackend.Request got = a.requests.get(0);
      assertThat(got.header("Transfer-Encoding")).isEqualTo("chunked");
      assertThat(got.body()).isEqualTo(body);
    }
  }

  @Test
  void concurrentStreams_allComplete() {
    try (HttpTestBackend a = HttpTestBackend.ok("127.0.0.1", "hello");
        LoadBalancer pool = Fixtures.pool(HttpListenerTest.http("h2-many"), HttpListenerTest.backend("a", a));
        ListenerServer server = Fixtures.server(pool).build().start();
        H2TestClient c = H2TestClient.connect(server.localAddress())) {
      List<CompletableFuture<Response>> calls = new ArrayList<>();
      for (int i = 0; i < 300; i++) {
        calls.add(c.send(H2TestClient.request("GET", "/" + i), null));
      }
      for (CompletableFuture<Response> f : calls) {
        Response r = H2TestClient.await(f);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.bodyText()).isEqualTo("hello");
      }
      Await.until("every response is counted", () -> server.metrics().responses(2) == 300);
      assertThat(server.metrics().http2().streams()).isEqualTo(300);
    }
  }
}
