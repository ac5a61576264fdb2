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

  @Test
  void streams_areSpreadOverAsFewConnectionsAsTheBackendsStreamLimitAllows() {
    try (H2TestBackend b = new H2TestBackend(null, 2);
        LoadBalancer pool = Fixtures.pool(h2c("h2c-mux"), backend("b", b));
        ListenerServer server = Fixtures.server(pool).eventLoops(1).build().start();
        H2TestClient c = H2TestClient.connect(server.localAddress())) {
      b.handler(b.hold());
      java.util.List<java.util.concurrent.CompletableFuture<Response>> calls = new java.util.ArrayList<>();
      for (int i = 0; i < 10; i++) {
        calls.add(c.send(H2TestClient.request("GET", "/" + i), null));
      }
      Await.until("every request held by the backend", () -> b.held.size() == 10);
      // The backend takes 2 streams per connection: 10 streams in flight need 5 connections, no more.
      assertThat(b.connections.get()).isEqualTo(5);
      b.releaseHeld("done");
      for (java.util.concurrent.CompletableFuture<Response> f : calls) {
        assertThat(H2TestClient.await(f).status()).isEqualTo(200);
      }
      // Nothing was refused: streams waited for each connection's SETTINGS before opening.
      assertThat(b.streams.get()).isEqualTo(10);
      assertThat(server.metrics().retries()).isZero();
    }
  }

  @Test
  void refusedStream_isSentAgain_whateverItsMethod() {
    java.util.concurrent.atomic.AtomicInteger seen = new java.util.concurrent.atomic.AtomicInteger();
    try (H2TestBackend b = new H2TestBackend(new H2TestBackend.Handler() {
          @Override
          public void headers(io.lb4j.impl.listener.http2.Http2Stream stream, H2TestBackend.Request request,
              boolean endStream) {
            if (seen.incrementAndGet() == 1) {
              stream.reset(io.lb4j.impl.listener.http2.Http2ErrorCode.REFUSED_STREAM);
            }
          }

          @Override
          public void ended(io.lb4j.impl.listener.http2.Http2Stream stream, H2TestBackend.Request request) {
            if (seen.get() > 1) {
              H2TestBackend.respond(200, "second").ended(stream, request);
            }
          }
        });
        LoadBalancer pool = Fixtures.pool(h2c("h2c-refused"), backend("b", b));
        ListenerServer server = Fixtures.server(pool).build().start();
        H2TestClient c = H2TestClient.connect(server.localAddress())) {
      Response r = H2TestClient.await(c.send(grpc("/svc/Post"), "payload".getBytes(StandardCharsets.UTF_8)));
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.bodyText()).isEqualTo("second");
      assertThat(b.requests).hasSize(2);
      assertThat(b.requests.get(1).body.toString(StandardCharsets.UTF_8)).isEqualTo("payload");
    }
  }

  @Test
  void goAwayBelowTheStream_isSentAgainOnANewConnection() {
    try (H2TestBackend b = new H2TestBackend(new H2TestBackend.Handler() {
          @Override
          public void ended(io.lb4j.impl.listener.http2.Http2Stream stream, H2TestBackend.Request request) {
            if (request.connection == 1) {
              // GOAWAY with last-stream-id 0: the stream was not processed.
              request.rawWrite(new byte[] {0, 0, 8, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
            } else {
              H2TestBackend.respond(200, "fresh").ended(stream, request);
            }
          }
        });
        LoadBalancer pool = Fixtures.pool(h2c("h2c-goaway"), backend("b", b));
        ListenerServer server = Fixtures.server(pool).build().start();
        H2TestClient c = H2TestClient.connect(server.localAddress())) {
      Response r = H2TestClient.await(c.send(H2TestClient.request("POST", "/once"), "x".getBytes(StandardCharsets.UTF_8)));
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.bodyText()).isEqualTo("fresh");
      assertThat(b.connections.get()).isEqualTo(2);
    }
  }

  @Test
  void resetOnceTheResponseStarted_resetsTheClientsStream_andIsReportedToTheGroupsPool() {
    // Regression: the relay lets its group go when the response head arrives; a reset after that was reported to
    // the pool through the group it no longer held (a NullPointerException on the loop).
    H2TestBackend.Handler startsThenResets = new H2TestBackend.Handler() {
      @Override
      public void ended(io.lb4j.impl.listener.http2.Http2Stream stream, H2TestBackend.Request request) {
        if (request.header(":path").equals("/ok")) {
          H2TestBackend.respond(200, "ok").ended(stream, request);
          return;
        }
        stream.sendHeaders(new Http2Headers().add(":status", "200"), false);
        request.send(stream, new byte[] {1, 2, 3});
        stream.reset(io.lb4j.impl.listener.http2.Http2ErrorCode.INTERNAL_ERROR);
      }
    };
    try (H2TestBackend b = new H2TestBackend(startsThenResets);
        LoadBalancer pool = Fixtures.pool(h2c("h2c-late-reset"), backend("b", b));
        ListenerServer server = Fixtures.server(pool).eventLoops(1).build().start();
        H2TestClient c = H2TestClient.connect(server.localAddress())) {
      Response broken = c.get("/broken");
      assertThat(broken.status()).isEqualTo(200);
      assertThat(broken.reset()).as("the client's stream is reset too").isNotNull();
      Await.until("the failure counted", () -> server.metrics().failures(FailureCause.BACKEND_CLOSED) == 1);
      Await.until("the selection released", () -> pool.view().get(0).activeConnections() == 0);
      assertThat(c.get("/ok").bodyText()).as("the loop still serves").isEqualTo("ok");
    }
  }

  @Test
  void resetAfterProcessing_isSentAgainOnlyWhenIdempotent() {
    H2TestBackend.Handler resets = new H2TestBackend.Handler() {
      @Override
      public void ended(io.lb4j.impl.listener.http2.Http2Stream stream, H2TestBackend.Request request) {
        stream.reset(io.lb4j.impl.listener.http2.Http2ErrorCode.INTERNAL_ERROR);
      }
    };
    try (H2TestBackend bad = new H2TestBackend(resets);
        H2TestBackend good = new H2TestBackend(H2TestBackend.respond(200, "good"));
        LoadBalancer pool = Fixtures.pool(h2c("h2c-reset").scheduler(
            io.lb4j.api.scheduler.SchedulingAlgorithm.ROUND_ROBIN), backend("bad", bad), backend("good", good));
        ListenerServer server = Fixtures.server(pool).eventLoops(1).build().start();
        H2TestClient c = H2TestClient.connect(server.localAddress())) {
      int gets = 0;
      int posts502 = 0;
      for (int i = 0; i < 4; i++) {
        Response get = c.get("/g" + i);
        assertThat(get.status()).as("an idempotent request is sent to another backend").isEqualTo(200);
        gets++;
        Response post = H2TestClient.await(c.send(H2TestClient.request("POST", "/p" + i), new byte[] {1}));
        if (post.status() == 502) {
          posts502++;
        } else {
          assertThat(post.bodyText()).isEqualTo("good");
        }
      }
      assertThat(gets).isEqualTo(4);
      // Round robin sends about half the POSTs to the resetting backend first: those are not sent again.
      assertThat(posts502).isPositive();
      assertThat(bad.requests.stream().filter(r -> "POST".equals(r.header(":method"))).count()).isEqualTo(posts502);
    }
  }
}
