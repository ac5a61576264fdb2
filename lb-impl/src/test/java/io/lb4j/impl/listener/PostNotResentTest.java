package io.lb4j.impl.listener;

import static org.assertj.core.api.Assertions.assertThat;

import io.lb4j.api.Backend;
import io.lb4j.api.LoadBalancer;
import io.lb4j.impl.listener.RawHttpClient.Response;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Issue 17, defect 5: the stale-connection retry checked that no body byte was sent but not the method, so a
 * {@code POST} with {@code Content-Length: 0} whose reused backend connection died before answering was sent
 * again on a new connection and executed twice. A request that may have reached the backend is sent again only
 * when its method is idempotent (RFC 9110 section 9.2.2); here the backend counts executions.
 */
class PostNotResentTest {

  /**
   * A backend that executes every request (counts it) and answers, except the requests named {@code /die}:
   * executed, then the connection closes without an answer, as a backend that crashes or restarts does.
   */
  private static HttpTestBackend dyingAfterExecuting(AtomicInteger executions) {
    return new HttpTestBackend("127.0.0.1", (req, s, out) -> {
      executions.incrementAndGet();
      if (req.requestLine().contains("/die")) {
        return false;
      }
      return HttpTestBackend.respond(200, "ok").handle(req, s, out);
    });
  }

  @Test
  void postWithoutBody_onAReusedConnectionThatDies_isExecutedOnce_and502() {
    AtomicInteger executions = new AtomicInteger();
    try (HttpTestBackend a = dyingAfterExecuting(executions);
        LoadBalancer pool = Fixtures.pool(HttpListenerTest.http("l7-post-once"), Backend.of("a", a.host(), a.port()));
        ListenerServer server = Fixtures.server(pool).eventLoops(1).build().start();
        RawHttpClient c = RawHttpClient.connect(server.localAddress())) {
      assertThat(c.send("GET /warm HTTP/1.1\r\nHost: x\r\n\r\n").read().status()).isEqualTo(200);

      Response r = c.send("POST /die HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n").read();

      assertThat(r.status()).isEqualTo(502);
      assertThat(r.bodyText()).isEqualTo("502 Bad Gateway: the backend closed the connection before a complete "
          + "response head\n");
      assertThat(a.requests).extracting(HttpTestBackend.Request::requestLine)
          .containsExactly("GET /warm HTTP/1.1", "POST /die HTTP/1.1");
      assertThat(executions.get()).isEqualTo(2);
      assertThat(a.connections.get()).isEqualTo(1); // the POST was sent on the reused connection, and only there
      assertThat(server.metrics().retries()).isZero();
    }
  }

  @Test
  void postOnAFreshConnectionThatDies_isNotSentToAnotherBackendEither() {
    AtomicInteger executions = new AtomicInteger();
    try (HttpTestBackend a = dyingAfterExecuting(executions); HttpTestBackend b = dyingAfterExecuting(executions);
        LoadBalancer pool = Fixtures.pool(HttpListenerTest.http("l7-post-once-2"), Backend.of("a", a.host(), a.port()),
            Backend.of("b", b.host(), b.port()));
        ListenerServer server = Fixtures.server(pool).eventLoops(1).maxIdleConnectionsPerBackend(0).build().start()) {
      for (int i = 0; i < 4; i++) {
        try (RawHttpClient c = RawHttpClient.connect(server.localAddress())) {
          assertThat(c.send("POST /die HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc").read().status())
              .isEqualTo(502);
        }
      }
      assertThat(executions.get()).isEqualTo(4);
      assertThat(a.requests.size() + b.requests.size()).isEqualTo(4);
      assertThat(server.metrics().retries()).isZero();
    }
  }

  @Test
  void getOnAReusedConnectionThatDies_isSentAgain_onceAndAnswered() {
    AtomicInteger executions = new AtomicInteger();
    AtomicInteger dies = new AtomicInteger(1);
    try (HttpTestBackend a = new HttpTestBackend("127.0.0.1", (req, s, out) -> {
          executions.incrementAndGet();
          if (req.requestLine().contains("/flaky") && dies.getAndDecrement() > 0) {
            return false; // the first /flaky dies after executing: GET is idempotent, so a second run is allowed
          }
          return HttpTestBackend.respond(200, "ok").handle(req, s, out);
        });
        LoadBalancer pool = Fixtures.pool(HttpListenerTest.http("l7-get-again"), Backend.of("a", a.host(), a.port()));
        ListenerServer server = Fixtures.server(pool).eventLoops(1).build().start();
        RawHttpClient c = RawHttpClient.connect(server.localAddress())) {
      assertThat(c.send("GET /warm HTTP/1.1\r\nHost: x\r\n\r\n").read().status()).isEqualTo(200);
      assertThat(c.send("GET /flaky HTTP/1.1\r\nHost: x\r\n\r\n").read().bodyText()).isEqualTo("ok");
      assertThat(executions.get()).isEqualTo(3);
      assertThat(server.metrics().retries()).isEqualTo(1);
    }
  }
}
