package io.lb4j.impl.listener;

import static org.assertj.core.api.Assertions.assertThat;

import io.lb4j.api.Backend;
import io.lb4j.api.Listener;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.Protocol;
import io.lb4j.api.persistence.SessionPersistence;
import io.lb4j.impl.listener.RawHttpClient.Response;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 17, defect 6: a client pinned by its session cookie got 502 when its backend died, because each retry
 * re-selected the same sticky backend until the attempts ran out; it lasted until the health check noticed.
 * Retries now exclude the backends the request tried, sticky or not, and the moved browser gets a new cookie on
 * its very next request. Health checks and outlier detection are off here: only the retry can save the request.
 */
class StickyRetryMovesBackendTest {

  private static Listener.Builder cookieListener(String name) {
    return Listener.builder(name, Protocol.HTTP, 0)
        .sessionPersistence(SessionPersistence.insertCookie(Duration.ofMinutes(10)));
  }

  private static String cookieOf(Response r) {
    String setCookie = r.header("Set-Cookie");
    assertThat(setCookie).startsWith("LB4J_SESSION=");
    return setCookie.substring(0, setCookie.indexOf(';'));
  }

  /** Pins a browser to {@code target}: new sessions until one lands there; returns its cookie. */
  private static String pinTo(RawHttpClient c, String target) {
    for (int i = 0; i < 20; i++) {
      Response r = c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n").read();
      if (r.bodyText().equals(target)) {
        return cookieOf(r);
      }
    }
    throw new AssertionError("no session landed on " + target + " in 20 tries");
  }

  @Test
  void pinnedBrowserWhoseBackendStopped_gets200FromAnotherBackend_andANewCookie() {
    HttpTestBackend a = HttpTestBackend.ok("127.0.0.1", "a");
    try (HttpTestBackend b = HttpTestBackend.ok("127.0.0.1", "b");
        LoadBalancer pool = Fixtures.pool(cookieListener("l7-sticky-stop"), Backend.of("a", a.host(), a.port()),
            Backend.of("b", b.host(), b.port()));
        ListenerServer server = Fixtures.server(pool).eventLoops(1).build().start();
        RawHttpClient c = RawHttpClient.connect(server.localAddress())) {
      String pinnedToA;
      try {
        pinnedToA = pinTo(c, "a");
        Response still = c.send("GET / HTTP/1.1\r\nHost: x\r\nCookie: " + pinnedToA + "\r\n\r\n").read();
        assertThat(still.bodyText()).isEqualTo("a");
      } finally {
        a.close(); // a's port now refuses connections, and its pooled connection is closed
      }

      Response moved = c.send("GET / HTTP/1.1\r\nHost: x\r\nCookie: " + pinnedToA + "\r\n\r\n").read();

      assertThat(moved.status()).isEqualTo(200);
      assertThat(moved.bodyText()).isEqualTo("b");
      String pinnedToB = cookieOf(moved);
      assertThat(pinnedToB).isNotEqualTo(pinnedToA);
      for (int i = 0; i < 3; i++) {
        Response again = c.send("GET / HTTP/1.1\r\nHost: x\r\nCookie: " + pinnedToB + "\r\n\r\n").read();
        assertThat(again.bodyText()).isEqualTo("b");
        assertThat(again.header("Set-Cookie")).isNull();
      }
      assertThat(server.metrics().badGateway()).isZero();
    }
  }

  @Test
  void pinnedBrowserWhoseBackendClosesEveryConnection_getsAnotherBackend_whichIsTriedOnce() {
    try (HttpTestBackend a = HttpTestBackend.ok("127.0.0.1", "a"); HttpTestBackend b = HttpTestBackend.ok("127.0.0.1", "b");
        LoadBalancer pool = Fixtures.pool(cookieListener("l7-sticky-fin"), Backend.of("a", a.host(), a.port()),
            Backend.of("b", b.host(), b.port()));
        ListenerServer server = Fixtures.server(pool).eventLoops(1).maxIdleConnectionsPerBackend(0).build().start();
        RawHttpClient c = RawHttpClient.connect(server.localAddress())) {
      String pinnedToA = pinTo(c, "a");
      int aRequestsBefore = a.requests.size();
      a.handler((req, s, out) -> false); // a is going away: it accepts, reads the request and closes unanswered

      for (int i = 0; i < 5; i++) {
        Response moved = c.send("GET /" + i + " HTTP/1.1\r\nHost: x\r\nCookie: " + pinnedToA + "\r\n\r\n").read();
        assertThat(moved.status()).isEqualTo(200);
        assertThat(moved.bodyText()).isEqualTo("b");
        assertThat(moved.header("Set-Cookie")).isNotNull();
      }
      // Each request reached a once (the session's first choice) and was never sent to it a second time.
      List<String> lines = a.requests.subList(aRequestsBefore, a.requests.size()).stream()
          .map(HttpTestBackend.Request::requestLine).toList();
      assertThat(lines).containsExactly("GET /0 HTTP/1.1", "GET /1 HTTP/1.1", "GET /2 HTTP/1.1", "GET /3 HTTP/1.1",
          "GET /4 HTTP/1.1");
      assertThat(server.metrics().retries()).isEqualTo(5);
    }
  }
}
