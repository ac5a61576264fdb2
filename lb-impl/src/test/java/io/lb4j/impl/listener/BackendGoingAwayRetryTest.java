package io.lb4j.impl.listener;

import static org.assertj.core.api.Assertions.assertThat;

import io.lb4j.api.Backend;
import io.lb4j.api.BackendView;
import io.lb4j.api.Listener;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.Protocol;
import io.lb4j.api.health.OutlierDetectionPolicy;
import io.lb4j.impl.listener.RawHttpClient.Response;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Issue 26, defect 1: in-flight GETs were answered 502 while a backend went away, because a request that
 * failed on a pooled connection was retried once on the same backend, the one shutting down. Now such a request
 * goes to another backend, never the same one twice (nginx's {@code proxy_next_upstream}); refused connects and
 * closed connections count towards passive ejection, so a backend going away stops getting requests well before
 * a health check would notice (health checks are off here); and a backend that answers
 * {@code Connection: close} gets no further request on that connection.
 */
class BackendGoingAwayRetryTest {

  private static Listener.Builder http(String name) {
    return Listener.builder(name, Protocol.HTTP, 0);
  }

  private static boolean ejected(LoadBalancer pool, String id) {
    return pool.view().stream().filter(v -> v.backend().id().equals(id)).anyMatch(BackendView::ejected);
  }

  @Test
  void requestsOnPooledConnectionsOfAClosingBackend_goToAnotherBackend_neverBackToIt() {
    try (HttpTestBackend a = HttpTestBackend.ok("127.0.0.1", "a"); HttpTestBackend b = HttpTestBackend.ok("127.0.0.1", "b");
        LoadBalancer pool = Fixtures.pool(http("l7-going-away"), Backend.of("a", a.host(), a.port()),
            Backend.of("b", b.host(), b.port()));
        ListenerServer server = Fixtures.server(pool).eventLoops(1).build().start();
        RawHttpClient c = RawHttpClient.connect(server.localAddress())) {
      for (int i = 0; i < 4; i++) {
        assertThat(c.send("GET /warm HTTP/1.1\r\nHost: x\r\n\r\n").read().status()).isEqualTo(200);
      }
      int aConnections = a.connections.get();
      int aRequests = a.requests.size();
      // a is shutting down: it reads each request on the connections it has and closes them unanswered.
      a.handler((req, s, out) -> false);

      int requests = 10;
      for (int i = 0; i < requests; i++) {
        Response r = c.send("GET /" + i + " HTTP/1.1\r\nHost: x\r\n\r\n").read();
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.bodyText()).isEqualTo("b");
      }
      // Every request a saw, it saw once: none was sent back to it on a fresh connection.
      Map<String, Integer> seenByA = new HashMap<>();
      a.requests.subList(aRequests, a.requests.size()).forEach(r -> seenByA.merge(r.requestLine(), 1, Integer::sum));
      assertThat(seenByA).isNotEmpty().allSatisfy((line, times) -> assertThat(times).isEqualTo(1));
      assertThat(server.metrics().retries()).isEqualTo(seenByA.size());
      assertThat(a.connections.get() - aConnections).isEqualTo(seenByA.size() - 1); // the pooled one, then new ones
      assertThat(server.metrics().badGateway()).isZero();
    }
  }

  @Test
  void refusedConnects_ejectTheBackend_andItGetsNoFurtherRequest() {
    HttpTestBackend a = HttpTestBackend.ok("127.0.0.1", "a");
    try (HttpTestBackend b = HttpTestBackend.ok("127.0.0.1", "b");
        LoadBalancer pool = Fixtures.pool(http("l7-eject-refused").outlierDetection(OutlierDetectionPolicy.builder()
            .consecutiveFailures(3).maxEjectionPercent(50).baseEjectionTime(Duration.ofMinutes(5)).build()),
            Backend.of("a", a.host(), a.port()), Backend.of("b", b.host(), b.port()));
        ListenerServer server = Fixtures.server(pool).eventLoops(1).build().start();
        RawHttpClient c = RawHttpClient.connect(server.localAddress())) {
      a.close(); // refuses connections from now on
      sendUntilEjected(c, pool, "a");
      assertGetsNoMoreRequests(c, server, "b");
    }
  }

  @Test
  void connectionsClosedBeforeTheAnswer_ejectTheBackend_andItGetsNoFurtherRequest() {
    try (HttpTestBackend a = new HttpTestBackend("127.0.0.1", (req, s, out) -> false);
        HttpTestBackend b = HttpTestBackend.ok("127.0.0.1", "b");
        LoadBalancer pool = Fixtures.pool(http("l7-eject-closed").outlierDetection(OutlierDetectionPolicy.builder()
            .consecutiveFailures(3).maxEjectionPercent(50).baseEjectionTime(Duration.ofMinutes(5)).build()),
            Backend.of("a", a.host(), a.port()), Backend.of("b", b.host(), b.port()));
        ListenerServer server = Fixtures.server(pool).eventLoops(1).build().start();
        RawHttpClient c = RawHttpClient.connect(server.localAddress())) {
      sendUntilEjected(c, pool, "a");
      int aRequests = a.requests.size();
      assertGetsNoMoreRequests(c, server, "b");
      assertThat(a.requests).hasSize(aRequests);
    }
  }

  /** Sends GETs (each answered 200 by the other backend) until {@code id} is ejected: bounded to 50. */
  private static void sendUntilEjected(RawHttpClient c, LoadBalancer pool, String id) {
    for (int i = 0; i < 50 && !ejected(pool, id); i++) {
      Response r = c.send("GET /" + i + " HTTP/1.1\r\nHost: x\r\n\r\n").read();
      assertThat(r.status()).isEqualTo(200);
    }
    assertThat(ejected(pool, id)).as(id + " ejected within 50 requests").isTrue();
  }

  private static void assertGetsNoMoreRequests(RawHttpClient c, ListenerServer server, String survivor) {
    long retries = server.metrics().retries();
    for (int i = 0; i < 20; i++) {
      Response r = c.send("GET /after-" + i + " HTTP/1.1\r\nHost: x\r\n\r\n").read();
      assertThat(r.bodyText()).isEqualTo(survivor);
    }
    assertThat(server.metrics().retries()).isEqualTo(retries); // no request was tried on the ejected backend
    assertThat(server.metrics().badGateway()).isZero();
  }

  @Test
  void backendAnsweringConnectionClose_getsNoFurtherRequestOnThatConnection() {
    // The backend says "close" but leaves its end open: the listener must not reuse the connection anyway.
    try (HttpTestBackend a = new HttpTestBackend("127.0.0.1",
            HttpTestBackend.respond(200, "Connection: close\r\n", "draining"));
        LoadBalancer pool = Fixtures.pool(http("l7-conn-close"), Backend.of("a", a.host(), a.port()));
        ListenerServer server = Fixtures.server(pool).eventLoops(1).build().start();
        RawHttpClient c = RawHttpClient.connect(server.localAddress())) {
      for (int i = 0; i < 5; i++) {
        Response r = c.send("GET /" + i + " HTTP/1.1\r\nHost: x\r\n\r\n").read();
        assertThat(r.bodyText()).isEqualTo("draining");
        assertThat(r.header("Connection")).isNull(); // the client's own connection stays open
      }
      assertThat(a.requests).hasSize(5);
      assertThat(a.requests).extracting(HttpTestBackend.Request::connection).doesNotHaveDuplicates();
      assertThat(server.metrics().retries()).isZero();
    }
  }

  @Test
  void backendClosingIdlePooledConnections_costsNoRequest() {
    // After each answer the backend closes the connection, as one draining for a restart does.
    try (HttpTestBackend a = new HttpTestBackend("127.0.0.1", (req, s, out) -> {
          HttpTestBackend.respond(200, "a").handle(req, s, out);
          return false;
        });
        HttpTestBackend b = HttpTestBackend.ok("127.0.0.1", "b");
        LoadBalancer pool = Fixtures.pool(http("l7-idle-closed"), Backend.of("a", a.host(), a.port()),
            Backend.of("b", b.host(), b.port()));
        ListenerServer server = Fixtures.server(pool).eventLoops(1).build().start();
        RawHttpClient c = RawHttpClient.connect(server.localAddress())) {
      for (int i = 0; i < 20; i++) {
        Response r = c.send("GET /" + i + " HTTP/1.1\r\nHost: x\r\n\r\n").read();
        assertThat(r.status()).isEqualTo(200);
      }
      assertThat(a.requests).extracting(HttpTestBackend.Request::connection).doesNotHaveDuplicates();
      assertThat(server.metrics().badGateway()).isZero();
    }
  }
}
