package io.lb4j.impl.listener;

import static org.assertj.core.api.Assertions.assertThat;

import io.lb4j.api.Backend;
import io.lb4j.api.Listener;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.persistence.SessionPersistence;
import io.lb4j.impl.listener.H2TestClient.Response;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * What an HTTP/1.1 request gets, an HTTP/2 stream to an HTTP/1.1 backend gets too: the listener's own
 * answers as {@code :status} responses, retries to another backend, cookie persistence, cookie crumbs
 * joined, one access-log line per stream.
 */
class Http2ExchangeTest {

  private static Listener.Builder http(String name) {
    return HttpListenerTest.http(name);
  }

  @Test
  void connectFailure_isRetriedOnAnotherBackend() throws Exception {
    int dead;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, Fixtures.LOOPBACK)) {
      dead = s.getLocalPort();
    }
    try (HttpTestBackend a = HttpTestBackend.ok("127.0.0.1", "alive");
        LoadBalancer pool = Fixtures.pool(http("h2-retry"), Backend.of("dead", "127.0.0.1", dead),
            HttpListenerTest.backend("a", a));
        ListenerServer server = Fixtures.server(pool).build().start();
        H2TestClient c = H2TestClient.connect(server.localAddress())) {
      for (int i = 0; i < 6; i++) {
        Response r = c.get("/" + i);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.bodyText()).isEqualTo("alive");
      }
      assertThat(server.metrics().retries()).isPositive();
    }
  }

  @Test
  void listenersOwnAnswers_areStatusResponsesOnTheStream() throws Exception {
    try (LoadBalancer pool = Fixtures.pool(http("h2-own"));
        ListenerServer server = Fixtures.server(pool).build().start();
        H2TestClient c = H2TestClient.connect(server.localAddress())) {
      Response none = c.get("/");
      assertThat(none.status()).isEqualTo(502);
      assertThat(none.header("content-type")).isEqualTo("text/plain; charset=utf-8");
      assertThat(none.bodyText()).startsWith("502 Bad Gateway: ");
      Response loop = H2TestClient.await(c.send(H2TestClient.request("GET", "/").add("via", "1.1 h2-own"), null));
      assertThat(loop.status()).isEqualTo(508);
      Response connect = H2TestClient.await(c.send(new io.lb4j.impl.listener.http2.Http2Headers()
          .add(":method", "CONNECT").add(":authority", "example.test:443"), null));
      assertThat(connect.status()).isEqualTo(501);
      // The connection serves on after each answer.
      assertThat(c.get("/again").status()).isEqualTo(502);
      assertThat(server.metrics().http2().connections()).isEqualTo(1);
    }
  }

  @Test
  void headerListOverTheLimit_is431() {
    try (HttpTestBackend a = HttpTestBackend.ok("127.0.0.1", "a");
        LoadBalancer pool = Fixtures.pool(http("h2-431").maxRequestHeaderSize(2048), HttpListenerTest.backend("a", a));
        ListenerServer server = Fixtures.server(pool).build().start();
        H2TestClient c = H2TestClient.connectSending(server.localAddress(),
            H2TestClient.request("GET", "/").add("x-big", "v".repeat(3000)))) {
      // Sent before the listener's SETTINGS arrive (once they have, the client itself holds such a list back).
      Response r = H2TestClient.await(c.first());
      assertThat(r.status()).isEqualTo(431);
      assertThat(a.requests).isEmpty();
      assertThat(c.get("/fine").status()).isEqualTo(200);
    }
  }

  @Test
  void silentBackend_is504_andTheBackendIsBlamed() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    try (HttpTestBackend a = new HttpTestBackend("127.0.0.1", (req, s, out) -> {
          try {
            release.await(30, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          return false;
        });
        LoadBalancer pool = Fixtures.pool(http("h2-504").requestTimeout(Duration.ofSeconds(1)),
            HttpListenerTest.backend("a", a));
        ListenerServer server = Fixtures.server(pool).build().start();
        H2TestClient c = H2TestClient.connect(server.localAddress())) {
      Response r = c.get("/slow");
      assertThat(r.status()).isEqualTo(504);
      assertThat(r.bodyText()).contains("did not answer within 1s");
      Response grpc = H2TestClient.await(c.send(H2TestClient.request("POST", "/svc/M")
          .add("content-type", "application/grpc"), new byte[5]));
      assertThat(grpc.status()).isEqualTo(200);
      assertThat(grpc.header("grpc-status")).isEqualTo("4");
      assertThat(server.metrics().gatewayTimeouts()).isEqualTo(2);
    } finally {
      release.countDown();
    }
  }

  /**
   * Regression: a stream that took an idle pooled backend connection armed no timer when it began, so a backend
   * that then said nothing was never timed (504 never came).
   */
  @Test
  void silentBackendOnAPooledConnection_is504() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    java.util.concurrent.atomic.AtomicInteger seen = new java.util.concurrent.atomic.AtomicInteger();
    try (HttpTestBackend a = new HttpTestBackend("127.0.0.1", (req, s, out) -> {
          if (seen.incrementAndGet() == 1) {
            return HttpTestBackend.respond(200, "first").handle(req, s, out);
          }
          try {
            release.await(30, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          return false;
        });
        LoadBalancer pool = Fixtures.pool(http("h2-pooled-504").requestTimeout(Duration.ofSeconds(1)),
            HttpListenerTest.backend("a", a));
        ListenerServer server = Fixtures.server(pool).eventLoops(1).build().start();
        H2TestClient c = H2TestClient.connect(server.localAddress())) {
      assertThat(c.get("/first").status()).isEqualTo(200);
      Response r = c.get("/silent");
      assertThat(r.status()).isEqualTo(504);
      assertThat(a.connections.get()).as("the second request went over the pooled connection").isEqualTo(1);
    } finally {
      release.countDown();
    }
  }

  @Test
  void insertedCookie_keepsTheStreamsOfABrowserOnItsBackend_andCrumbsAreJoined() {
    try (HttpTestBackend a = new HttpTestBackend("127.0.0.1", HttpTestBackend.mirror());
        HttpTestBackend b = new HttpTestBackend("127.0.0.1", HttpTestBackend.mirror());
        LoadBalancer pool = Fixtures.pool(http("h2-cookie")
            .sessionPersistence(SessionPersistence.insertCookie(Duration.ofMinutes(10))),
            HttpListenerTest.backend("a", a), HttpListenerTest.backend("b", b));
        ListenerServer server = Fixtures.server(pool).build().start();
        H2TestClient c = H2TestClient.connect(server.localAddress())) {
      Response first = c.get("/");
      String cookie = first.header("set-cookie");
      assertThat(cookie).startsWith("LB4J_SESSION=");
      String session = cookie.substring(0, cookie.indexOf(';'));
      for (int i = 0; i < 6; i++) {
        Response r = H2TestClient.await(c.send(H2TestClient.request("GET", "/" + i).add("cookie", "theme=dark")
            .add("cookie", session), null));
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("set-cookie")).isNull();
        assertThat(r.bodyText()).containsIgnoringCase("cookie: theme=dark; " + session + "\r\n");
      }
      int onA = a.requests.size();
      int onB = b.requests.size();
      assertThat(Math.min(onA, onB)).as("every stream of the session went to one backend").isEqualTo(0);
      assertThat(onA + onB).isEqualTo(7);
    }
  }

  @Test
  void accessLog_oneLinePerStream() {
    CapturingLogger log = new CapturingLogger();
    try (HttpTestBackend a = HttpTestBackend.ok("127.0.0.1", "hello");
        LoadBalancer pool = Fixtures.pool(http("h2-access"), HttpListenerTest.backend("a", a));
        ListenerServer server = Fixtures.server(pool).accessLog(log).build().start();
        H2TestClient c = H2TestClient.connect(server.localAddress())) {
      assertThat(c.get("/logged?x=1").status()).isEqualTo(200);
      assertThat(H2TestClient.await(c.send(H2TestClient.request("GET", "/").add("via", "1.1 h2-access"), null))
          .status()).isEqualTo(508);
      Await.until("two access lines", () -> log.lines.size() == 2);
    }
    assertThat(log.lines.get(0)).matches("h2-access 127\\.0\\.0\\.1 a \"GET /logged\\?x=1\" 200 ok in=0 out=5 \\d+ms h2c");
    assertThat(log.lines.get(1)).matches("h2-access 127\\.0\\.0\\.1 - \"GET /\" 508 loop detected in=0 out=\\d+ \\d+ms h2c");
  }
}
