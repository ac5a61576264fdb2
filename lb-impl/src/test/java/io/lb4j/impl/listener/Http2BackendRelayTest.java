package io.lb4j.impl.listener;

import static org.assertj.core.api.Assertions.assertThat;

import io.lb4j.api.Backend;
import io.lb4j.api.HttpVersion;
import io.lb4j.api.Listener;
import io.lb4j.api.LoadBalancer;
import io.lb4j.impl.listener.H2TestClient.Response;
import io.lb4j.impl.listener.http2.Http2Headers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** HTTP/2 clients through a listener whose backends speak h2c: streams relayed, trailers end to end. */
class Http2BackendRelayTest {

  static Listener.Builder h2c(String name) {
    return HttpListenerTest.http(name).backendHttpVersion(HttpVersion.HTTP_2);
  }

  static Backend backend(String id, H2TestBackend b) {
    return Backend.of(id, b.host(), b.port());
  }

  static Http2Headers grpc(String path) {
    return H2TestClient.request("POST", path).add("content-type", "application/grpc").add("te", "trailers");
  }

  @Test
  void request_isRelayedWithForwardingFieldsAndItsBody() {
    try (H2TestBackend b = new H2TestBackend(H2TestBackend.respond(200, "ok"));
        LoadBalancer pool = Fixtures.pool(h2c("h2c-relay"), backend("b", b));
        ListenerServer server = Fixtures.server(pool).build().start();
        H2TestClient c = H2TestClient.connect(server.localAddress())) {
      Response r = H2TestClient.await(c.send(H2TestClient.request("POST", "/a").add("te", "trailers"),
          "hello".getBytes(StandardCharsets.UTF_8)));
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.bodyText()).isEqualTo("ok");
      assertThat(r.header("via")).isEqualTo("2 h2c-relay");
      H2TestBackend.Request got = b.requests.get(0);
      assertThat(got.header(":path")).isEqualTo("/a");
      assertThat(got.header("te")).isEqualTo("trailers");
      assertThat(got.header("via")).isEqualTo("2 h2c-relay");
      assertThat(got.header("x-forwarded-for")).isEqualTo("127.0.0.1");
      assertThat(got.body.toString(StandardCharsets.UTF_8)).isEqualTo("hello");
    }
  }

  @Test
  void grpcEcho_trailersReachTheClient() {
    try (H2TestBackend b = new H2TestBackend(H2TestBackend.echo());
        LoadBalancer pool = Fixtures.pool(h2c("h2c-echo"), backend("b", b));
        ListenerServer server = Fixtures.server(pool).build().start();
        H2TestClient c = H2TestClient.connect(server.localAddress())) {
      byte[] body = new byte[300_000];
      new java.util.Random(7).nextBytes(body);
      Response r = H2TestClient.await(c.send(grpc("/svc/Echo"), body));
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.body().length).isEqualTo(body.length);
      assertThat(java.util.Arrays.equals(r.body(), body)).as("the echo is byte for byte").isTrue();
      assertThat(r.trailer("grpc-status")).isEqualTo("0");
      assertThat(r.trailer("x-echoed")).isEqualTo("300000");
    }
  }

  @Test
  void backendDown_grpcGetsUnavailable() throws Exception {
    int dead;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, Fixtures.LOOPBACK)) {
      dead = s.getLocalPort();
    }
    try (LoadBalancer pool = Fixtures.pool(h2c("h2c-down"), Backend.of("gone", "127.0.0.1", dead));
        ListenerServer server = Fixtures.server(pool).build().start();
        H2TestClient c = H2TestClient.connect(server.localAddress())) {
      Response r = H2TestClient.await(c.send(grpc("/svc/Echo"), new byte[5]));
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.header("grpc-status")).isEqualTo("14");
      assertThat(r.header("grpc-message")).contains("no backend accepted the connection");
      Response plain = c.get("/");
      assertThat(plain.status()).isEqualTo(502);
    }
  }

  @Test
  void silentBackend_grpcTimeoutGivesDeadlineExceeded() {
    try (H2TestBackend b = new H2TestBackend(new H2TestBackend.Handler() { });
        LoadBalancer pool = Fixtures.pool(h2c("h2c-slow"), backend("b", b));
        ListenerServer server = Fixtures.server(pool).build().start();
        H2TestClient c = H2TestClient.connect(server.localAddress())) {
      Response r = H2TestClient.await(c.send(grpc("/svc/Slow").add("grpc-timeout", "200m"), new byte[5]));
      assertThat(r.header("grpc-status")).isEqualTo("4");
      assertThat(b.requests.get(0).header("grpc-timeout")).matches("[0-9]+[num]");
    }
  }

  @Test
  void http11Client_isToldToUseHttp2() {
    try (H2TestBackend b = new H2TestBackend(H2TestBackend.respond(200, "ok"));
        LoadBalancer pool = Fixtures.pool(h2c("h2c-http1"), backend("b", b));
        ListenerServer server = Fixtures.server(pool).build().start();
        RawHttpClient c = RawHttpClient.connect(server.localAddress())) {
      RawHttpClient.Response r = c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n").read();
      assertThat(r.status()).isEqualTo(505);
      assertThat(b.streams.get()).isZero();
    }
  }
}
