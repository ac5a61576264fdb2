package io.lb4j.impl.listener;

import static io.lb4j.impl.listener.Fixtures.LOOPBACK;
import static org.assertj.core.api.Assertions.assertThat;

import io.lb4j.api.Backend;
import io.lb4j.api.Listener;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.Protocol;
import io.lb4j.impl.listener.RawHttpClient.Response;
import java.io.InputStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class HttpListenerTest {

  static Listener.Builder http(String name) {
    return Listener.builder(name, Protocol.HTTP, 0);
  }

  static Backend backend(String id, HttpTestBackend b) {
    return Backend.of(id, b.host(), b.port());
  }

  @Test
  void request_isForwardedWithForwardingHeadersAndWithoutHopByHopFields() {
    try (HttpTestBackend a = new HttpTestBackend("127.0.0.1", HttpTestBackend.mirror());
        LoadBalancer pool = Fixtures.pool(http("l7-fwd"), backend("a", a));
        ListenerServer server = Fixtures.server(pool).build().start();
        RawHttpClient c = RawHttpClient.connect(server.localAddress())) {
      Response r = c.send("GET /path?q=1 HTTP/1.1\r\nHost: example.test\r\nConnection: keep-alive, X-Secret\r\n"
          + "X-Secret: 1\r\nKeep-Alive: timeout=5\r\nX-Forwarded-For: 10.0.0.1\r\nX-Real-IP: 6.6.6.6\r\n\r\n").read();
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.header("Via")).isEqualTo("1.1 l7-fwd");
      HttpTestBackend.Request got = a.requests.get(0);
      assertThat(got.requestLine()).isEqualTo("GET /path?q=1 HTTP/1.1");
      assertThat(got.header("Host")).isEqualTo("example.test");
      assertThat(got.header("X-Forwarded-For")).isEqualTo("10.0.0.1, 127.0.0.1");
      assertThat(got.header("X-Real-IP")).isEqualTo("127.0.0.1");
      assertThat(got.header("X-Forwarded-Proto")).isEqualTo("http");
      assertThat(got.header("X-Forwarded-Port")).isEqualTo(String.valueOf(server.localAddress().getPort()));
      assertThat(got.header("Via")).isEqualTo("1.1 l7-fwd");
      assertThat(got.header("X-Secret")).isNull();
      assertThat(got.header("Keep-Alive")).isNull();
      assertThat(got.header("Connection")).isNull();
      // Counted once the last byte is written, which may be just after the client read it.
      Await.until("the response is counted", () -> server.metrics().responses(2) == 1);
    }
  }

  @Test
  void clientKeepAlive_reusesOnePooledBackendConnection() {
    try (HttpTestBackend a = HttpTestBackend.ok("127.0.0.1", "a");
        LoadBalancer pool = Fixtures.pool(http("l7-keepalive"), backend("a", a));
        ListenerServer server = Fixtures.server(pool).eventLoops(1).build().start()) {
      for (int conn = 0; conn < 3; conn++) {
        try (RawHttpClient c = RawHttpClient.connect(server.localAddress())) {
          for (int i = 0; i < 10; i++) {
            assertThat(c.send("GET /" + i + " HTTP/1.1\r\nHost: x\r\n\r\n").read().bodyText()).isEqualTo("a");
          }
        }
      }
      assertThat(a.requests).hasSize(30);
      assertThat(a.connections.get()).isEqualTo(1);
    }
  }

  @Test
  void clientConnectionClose_stillReusesThePooledBackendConnection() {
    try (HttpTestBackend a = HttpTestBackend.ok("127.0.0.1", "a");
        LoadBalancer pool = Fixtures.pool(http("l7-client-close"), backend("a", a));
        ListenerServer server = Fixtures.server(pool).eventLoops(1).build().start()) {
      for (int i = 0; i < 10; i++) {
        try (RawHttpClient c = RawHttpClient.connect(server.localAddress())) {
          Response r = c.send("GET /" + i + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").read();
          assertThat(r.bodyText()).isEqualTo("a");
          assertThat(r.header("Connection")).isEqualTo("close");
        }
      }
      assertThat(a.requests).hasSize(10);
      assertThat(a.connections.get()).isEqualTo(1);
    }
  }

  @Test
  void pipelinedRequests_areAnsweredInOrder() {
    try (HttpTestBackend a = new HttpTestBackend("127.0.0.1", (req, s, out) -> {
          byte[] b = req.requestLine().getBytes(StandardCharsets.US_ASCII);
          out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + b.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
          out.write(b);
          return true;
        });
        LoadBalancer pool = Fixtures.pool(http("l7-pipeline"), backend("a", a));
        ListenerServer server = Fixtures.server(pool).build().start();
        RawHttpClient c = RawHttpClient.connect(server.localAddress())) {
      StringBuilder all = new StringBuilder();
      for (int i = 0; i < 5; i++) {
        all.append("GET /").append(i).append(" HTTP/1.1\r\nHost: x\r\n\r\n");
      }
      all.append("POST /5 HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc");
      all.append("GET /6 HTTP/1.1\r\nHost: x\r\n\r\n");
      c.send(all.toString());
      for (int i = 0; i <= 6; i++) {
        assertThat(c.read().bodyText()).isEqualTo((i == 5 ? "POST /" : "GET /") + i + " HTTP/1.1");
      }
    }
  }

  @Test
  void bodies_streamBothWays_contentLengthAndChunked() {
    byte[] big = new byte[3 * 1024 * 1024 + 17];
    new Random(3).nextBytes(big);
    try (HttpTestBackend a = new HttpTestBackend("127.0.0.1", (req, s, out) -> {
          byte[] body = req.body();
          out.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
          for (int off = 0; off < body.length; off += 100_000) {
            int n = Math.min(100_000, body.length - off);
            out.write((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(body, off, n);
            out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
          }
          out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
          return true;
        });
        LoadBalancer pool = Fixtures.pool(http("l7-bodies"), backend("a", a));
        ListenerServer server = Fixtures.server(pool).bufferSize(4096).build().start();
        RawHttpClient c = RawHttpClient.connect(server.localAddress())) {
      c.send("POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: " + big.length + "\r\n\r\n").send(big);
      assertThat(c.read().body()).isEqualTo(big);
      StringBuilder chunked = new StringBuilder("POST /up2 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
      c.send(chunked.toString());
      for (int off = 0; off < big.length; off += 65_000) {
        int n = Math.min(65_000, big.length - off);
        c.send((Integer.toHexString(n) + ";ext=1\r\n").getBytes(StandardCharsets.US_ASCII));
        byte[] part = new byte[n];
        System.arraycopy(big, off, part, 0, n);
        c.send(part).send("\r\n");
      }
      c.send("0\r\nX-Trailer: t\r\n\r\n");
      assertThat(c.read().body()).isEqualTo(big);
      assertThat(a.requests.get(1).body()).isEqualTo(big);
      // Two pooled buffers per direction at most, however large the bodies.
      assertThat(server.metrics().bufferMemoryBytes()).isLessThanOrEqualTo(2L * 8 * 4096);
    }
  }

  @Test
  void headResponseAnd204And304_carryNoBody() {
    try (HttpTestBackend a = new HttpTestBackend("127.0.0.1", (req, s, out) -> {
          String line = req.requestLine();
          String status = line.contains("/204") ? "204 No Content" : line.contains("/304") ? "304 Not Modified" : "200 OK";
          out.write(("HTTP/1.1 " + status + "\r\nContent-Length: 5\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
          if (status.startsWith("200") && !line.startsWith("HEAD")) {
            out.write("hello".getBytes(StandardCharsets.US_ASCII));
          }
          return true;
        });
        LoadBalancer pool = Fixtures.pool(http("l7-nobody"), backend("a", a));
        ListenerServer server = Fixtures.server(pool).build().start();
        RawHttpClient c = RawHttpClient.connect(server.localAddress())) {
      assertThat(c.send("HEAD / HTTP/1.1\r\nHost: x\r\n\r\n").read(true).status()).isEqualTo(200);
      assertThat(c.send("GET /204 HTTP/1.1\r\nHost: x\r\n\r\n").read().status()).isEqualTo(204);
      assertThat(c.send("GET /304 HTTP/1.1\r\nHost: x\r\n\r\n").read().status()).isEqualTo(304);
      Response last = c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n").read();
      assertThat(last.bodyText()).isEqualTo("hello"); // the connection stayed in step
    }
  }

  @Test
  void expect100Continue_isRelayedBeforeTheBody() throws Exception {
    try (HttpTestBackend a = new HttpTestBackend("127.0.0.1", HttpTestBackend.mirror());
        LoadBalancer pool = Fixtures.pool(http("l7-continue"), backend("a", a));
        ListenerServer server = Fixtures.server(pool).build().start();
        RawHttpClient c = RawHttpClient.connect(server.localAddress())) {
      c.send("PUT /x HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n");
      Response interim = c.read();
      assertThat(interim.status()).isEqualTo(100);
      Response r = c.send("body").read();
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.bodyText()).endsWith("\r\n\r\nbody");
    }
  }

  @Test
  void upgrade_becomesATunnelOnlyAfter101() throws Exception {
    try (HttpTestBackend a = new HttpTestBackend("127.0.0.1", (req, s, out) -> {
          out.write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n"
              .getBytes(StandardCharsets.US_ASCII));
          out.flush();
          InputStream in = s.getInputStream();
          int b;
          while ((b = in.read()) >= 0) {
            out.write(Character.toUpperCase(b));
            out.flush();
          }
          s.shutdownOutput();
          return false;
        });
        LoadBalancer pool = Fixtures.pool(http("l7-upgrade"), backend("a", a));
        ListenerServer server = Fixtures.server(pool).build().start();
        RawHttpClient c = RawHttpClient.connect(server.localAddress())) {
      Response r = c.send("GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n").read();
      assertThat(r.status()).isEqualTo(101);
      assertThat(r.header("Upgrade")).isEqualTo("echo");
      assertThat(a.requests.get(0).header("Upgrade")).isEqualTo("echo");
      c.send("hello tunnel");
      byte[] echoed = c.socket.getInputStream().readNBytes(12);
      assertThat(new String(echoed, StandardCharsets.US_ASCII)).isEqualTo("HELLO TUNNEL");
      c.socket.shutdownOutput();
      assertThat(c.readToEnd()).isEmpty();
    }
  }

  @Test
  void noEligibleBackend_is502NamingTheReason() {
    try (LoadBalancer pool = Fixtures.pool(http("l7-none"));
        ListenerServer server = Fixtures.server(pool).build().start();
        RawHttpClient c = RawHttpClient.connect(server.localAddress())) {
      Response r = c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n").read();
      assertThat(r.status()).isEqualTo(502);
      assertThat(r.bodyText()).isEqualTo("502 Bad Gateway: no backends configured\n");
      assertThat(c.closedByServer()).isTrue();
      assertThat(server.metrics().failures(FailureCause.NO_BACKEND)).isEqualTo(1);
      assertThat(server.metrics().responses(5)).isEqualTo(1);
    }
  }

  @Test
  void allDrainedOrAllUnhealthy_is502NamingTheReason() throws Exception {
    try (HttpTestBackend a = HttpTestBackend.ok("127.0.0.1", "a");
        LoadBalancer pool = Fixtures.pool(http("l7-drained"), backend("a", a));
        ListenerServer server = Fixtures.server(pool).build().start()) {
      pool.setWeight("a", 0);
      try (RawHttpClient c = RawHttpClient.connect(server.localAddress())) {
        assertThat(c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n").read().bodyText())
            .isEqualTo("502 Bad Gateway: all healthy backends are drained (weight 0) or disabled\n");
      }
    }
    int deadPort;
    try (ServerSocket s = new ServerSocket(0, 1, LOOPBACK)) {
      deadPort = s.getLocalPort();
    }
    Listener unhealthy = http("l7-unhealthy").healthCheck(io.lb4j.api.health.HealthCheckPolicy.defaults().toBuilder()
        .interval(Duration.ofMillis(50)).build()).build();
    try (LoadBalancer pool = io.lb4j.impl.LoadBalancers.builder(unhealthy)
            .backend(Backend.of("dead", "127.0.0.1", deadPort)).build().start();
        ListenerServer server = Fixtures.server(pool).build().start();
        RawHttpClient c = RawHttpClient.connect(server.localAddress())) {
      assertThat(c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n").read().bodyText())
          .isEqualTo("502 Bad Gateway: all backends are unhealthy\n");
    }
  }

  @Test
  void aHeadNotCompleteWithinTheRequestTimeout_closesTheConnection() {
    // Keep-alive 60 s, request timeout 1 s: a partial head is cut at the request timeout (slowloris), and the
    // client's 60 s read timeout would fail this test if only the keep-alive timeout applied.
    try (HttpTestBackend a = HttpTestBackend.ok("127.0.0.1", "a");
        LoadBalancer pool = Fixtures.pool(http("l7-slowloris").requestTimeout(Duration.ofSeconds(1)), backend("a", a));
        ListenerServer server = Fixtures.server(pool).keepAliveTimeout(Duration.ofSeconds(60)).build().start();
        RawHttpClient c = RawHttpClient.connect(server.localAddress())) {
      c.send("GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ");
      assertThat(c.closedByServer()).isTrue();
      assertThat(a.requests).isEmpty();
    }
  }

  @Test
  void connectRefused_isRetriedOnAnotherBackend_elseAnswered502() throws Exception {
    int deadPort;
    try (ServerSocket s = new ServerSocket(0, 1, LOOPBACK)) {
      deadPort = s.getLocalPort();
    }
    try (HttpTestBackend a = HttpTestBackend.ok("127.0.0.1", "alive");
        LoadBalancer pool = Fixtures.pool(http("l7-refused"), Backend.of("dead", "127.0.0.1", deadPort), backend("a", a));
        ListenerServer server = Fixtures.server(pool).maxIdleConnectionsPerBackend(0).build().start();
        RawHttpClient c = RawHttpClient.connect(server.localAddress())) {
      for (int i = 0; i < 4; i++) {
        assertThat(c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n").read().bodyText()).isEqualTo("alive");
      }
      assertThat(server.metrics().retries()).isGreaterThanOrEqualTo(1);
    }
    try (LoadBalancer pool = Fixtures.pool(http("l7-refused2"), Backend.of("dead", "127.0.0.1", deadPort));
        ListenerServer server = Fixtures.server(pool).build().start();
        RawHttpClient c = RawHttpClient.connect(server.localAddress())) {
      Response r = c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n").read();
      assertThat(r.status()).isEqualTo(502);
      assertThat(server.metrics().failures(FailureCause.CONNECT_FAILED)).isEqualTo(1);
    }
  }

  @Test
  void connectTimeout_movesTheRequestToAnotherBackend() throws Exception {
    // A backend whose accept queue is full: Linux drops further SYNs, so a connect hangs until our timeout.
    try (ServerSocket stuck = new ServerSocket(0, 1, LOOPBACK);
        HttpTestBackend a = HttpTestBackend.ok("127.0.0.1", "alive")) {
      List<java.net.Socket> fillers = Fixtures.fillAcceptQueue(stuck);
      try {
        try (LoadBalancer pool = Fixtures.pool(http("l7-ctimeout"), Backend.of("stuck", "127.0.0.1", stuck.getLocalPort()),
                backend("a", a));
            ListenerServer server = Fixtures.server(pool).connectTimeout(Duration.ofMillis(200))
                .maxIdleConnectionsPerBackend(0).build().start();
            RawHttpClient c = RawHttpClient.connect(server.localAddress())) {
          for (int i = 0; i < 4; i++) {
            assertThat(c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n").read().bodyText()).isEqualTo("alive");
          }
          assertThat(server.metrics().retries()).isGreaterThanOrEqualTo(1);
        }
      } finally {
        Fixtures.closeAll(fillers);
      }
    }
  }

  @Test
  void slowBackend_is504AndItsConnectionIsClosed() throws Exception {
    java.util.concurrent.CountDownLatch backendSawClose = new java.util.concurrent.CountDownLatch(1);
    try (HttpTestBackend a = new HttpTestBackend("127.0.0.1", (req, s, out) -> {
          // Never answers; the listener gives up after its request timeout and must close this connection.
          if (s.getInputStream().read() < 0) {
            backendSawClose.countDown();
          }
          return false;
        });
        LoadBalancer pool = Fixtures.pool(http("l7-slow").requestTimeout(Duration.ofSeconds(1)), backend("a", a));
        ListenerServer server = Fixtures.server(pool).build().start();
        RawHttpClient c = RawHttpClient.connect(server.localAddress())) {
      Response r = c.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n").read();
      assertThat(r.status()).isEqualTo(504);
      assertThat(r.bodyText()).isEqualTo("504 Gateway Timeout: the backend did not answer within 1s\n");
      assertThat(backendSawClose.await(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
      assertThat(server.metrics().gatewayTimeouts()).isEqualTo(1);
    }
  }

  @Test
  void backendResetBeforeAnyByte_is502_midResponse_closesTheClient() throws Exception {
    try (HttpTestBackend a = new HttpTestBackend("127.0.0.1", (req, s, out) -> {
          if (req.requestLine().contains("/mid")) {
            out.write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial".getBytes(StandardCharsets.US_ASCII));
            out.flush();
          }
          s.setSoLinger(true, 0);
          s.close(); // a reset
          return false;
        });
        LoadBalancer pool = Fixtures.pool(http("l7-reset"), backend("a", a));
        ListenerServer server = Fixtures.server(pool).build().start()) {
      try (RawHttpClient c = RawHttpClient.connect(server.localAddress())) {
        Response r = c.send("GET /early HTTP/1.1\r\nHost: x\r\n\r\n").read();
        assertThat(r.status()).isEqualTo(502);
        assertThat(r.bodyText()).startsWith("502 Bad Gateway: the backend ");
      }
      try (RawHttpClient c = RawHttpClient.connect(server.localAddress())) {
        byte[] got = c.send("GET /mid HTTP/1.1\r\nHost: x\r\n\r\n").readToEnd();
        String text = new String(got, StandardCharsets.US_ASCII);
        assertThat(text).startsWith("HTTP/1.1 200 OK\r\n");
        assertThat(text).doesNotContain("502");
        assertThat(text.length() - text.indexOf("\r\n\r\n") - 4).isLessThan(100); // cut off, and closed
      }
      Await.until("both failures counted", () -> server.metrics().failures(FailureCause.BACKEND_CLOSED) == 2);
    }
  }

  @Test
  void stalePooledConnection_isRetriedOnceOnAFreshOne() {
    try (HttpTestBackend a = new HttpTestBackend("127.0.0.1", (req, s, out) -> {
          if (req.connection() == 1 && a0(req)) {
            return false; // the second request on the first connection: closed without an answer (stale)
          }
          HttpTestBackend.respond(200, "fresh").handle(req, s, out);
          return true;
        });
        LoadBalancer pool = Fixtures.pool(http("l7-stale"), backend("a", a));
        ListenerServer server = Fixtures.server(pool).eventLoops(1).build().start();
        RawHttpClient c = RawHttpClient.connect(server.localAddress())) {
      assertThat(c.send("GET /first HTTP/1.1\r\nHost: x\r\n\r\n").read().status()).isEqualTo(200);
      assertThat(c.send("GET /second HTTP/1.1\r\nHost: x\r\n\r\n").read().bodyText()).isEqualTo("fresh");
      assertThat(a.connections.get()).isEqualTo(2);
      assertThat(server.metrics().retries()).isEqualTo(1);
    }
  }

  private static boolean a0(HttpTestBackend.Request req) {
    return req.requestLine().contains("/second");
  }

  @Test
  void oversizedHeaders_are431_longRequestLine_is414_neitherForwarded() {
    try (HttpTestBackend a = HttpTestBackend.ok("127.0.0.1", "a");
        LoadBalancer pool = Fixtures.pool(http("l7-limits").maxRequestHeaderSize(1024), backend("a", a));
        ListenerServer server = Fixtures.server(pool).build().start()) {
      try (RawHttpClient c = RawHttpClient.connect(server.localAddress())) {
        Response r = c.send("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + "b".repeat(1100) + "\r\n\r\n").read();
        assertThat(r.status()).isEqualTo(431);
        assertThat(c.closedByServer()).isTrue();
      }
      try (RawHttpClient c = RawHttpClient.connect(server.localAddress())) {
        Response r = c.send("GET /" + "u".repeat(9000) + " HTTP/1.1\r\nHost: x\r\n\r\n").read();
        assertThat(r.status()).isEqualTo(414);
        assertThat(c.closedByServer()).isTrue();
      }
      assertThat(a.requests).isEmpty();
      assertThat(server.metrics().failures(FailureCause.HEADER_TOO_LARGE)).isEqualTo(1);
      assertThat(server.metrics().failures(FailureCause.URI_TOO_LONG)).isEqualTo(1);
    }
  }

  @Test
  void requestCarryingOurOwnVia_is508AndNeverForwarded() {
    try (HttpTestBackend a = HttpTestBackend.ok("127.0.0.1", "a");
        LoadBalancer pool = Fixtures.pool(http("l7-loop"), backend("a", a));
        ListenerServer server = Fixtures.server(pool).build().start();
        RawHttpClient c = RawHttpClient.connect(server.localAddress())) {
      Response r = c.send("GET / HTTP/1.1\r\nHost: x\r\nVia: 1.1 other, 1.1 l7-loop\r\n\r\n").read();
      assertThat(r.status()).isEqualTo(508);
      assertThat(c.closedByServer()).isTrue();
      assertThat(a.requests).isEmpty();
      assertThat(server.metrics().failures(FailureCause.LOOP)).isEqualTo(1);
    }
  }

  @Test
  void backendCallingItsOwnBalancer_isStoppedBy508() {
    // A backend that forwards every request to the listener again: the second pass carries our Via.
    try (ListenerHolder holder = new ListenerHolder()) {
      try (HttpTestBackend a = new HttpTestBackend("127.0.0.1", (req, s, out) -> {
            try (RawHttpClient again = RawHttpClient.connect(holder.server.localAddress())) {
              String head = req.head();
              Response r = again.send(head).read();
              out.write(("HTTP/1.1 " + r.status() + " X\r\nContent-Length: " + r.body().length + "\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
              out.write(r.body());
            }
            return true;
          });
          LoadBalancer pool = Fixtures.pool(http("l7-selfcall"), backend("a", a))) {
        holder.server = Fixtures.server(pool).build().start();
        try (RawHttpClient c = RawHttpClient.connect(holder.server.localAddress())) {
          Response r = c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n").read();
          assertThat(r.status()).isEqualTo(508);
          assertThat(a.requests).hasSize(1);
        }
      }
    }
  }

  /** Lets a backend handler reach a server created after it. */
  private static final class ListenerHolder implements AutoCloseable {
    volatile ListenerServer server;

    @Override
    public void close() {
      if (server != null) {
        server.close();
      }
    }
  }

  @Test
  void malformedBackendResponse_is502_andTheConnectionIsNotReused() {
    try (HttpTestBackend a = new HttpTestBackend("127.0.0.1", (req, s, out) -> {
          if (req.requestLine().contains("/bad")) {
            out.write("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nxx".getBytes(StandardCharsets.US_ASCII));
            return true;
          }
          return HttpTestBackend.respond(200, "good").handle(req, s, out);
        });
        LoadBalancer pool = Fixtures.pool(http("l7-badresp"), backend("a", a));
        ListenerServer server = Fixtures.server(pool).eventLoops(1).build().start()) {
      try (RawHttpClient c = RawHttpClient.connect(server.localAddress())) {
        assertThat(c.send("GET /good HTTP/1.1\r\nHost: x\r\n\r\n").read().bodyText()).isEqualTo("good");
        Response r = c.send("GET /bad HTTP/1.1\r\nHost: x\r\n\r\n").read();
        assertThat(r.status()).isEqualTo(502);
        assertThat(r.bodyText()).startsWith("502 Bad Gateway: malformed response");
      }
      try (RawHttpClient c = RawHttpClient.connect(server.localAddress())) {
        assertThat(c.send("GET /good HTTP/1.1\r\nHost: x\r\n\r\n").read().bodyText()).isEqualTo("good");
      }
      assertThat(a.connections.get()).isEqualTo(2);
      assertThat(server.metrics().failures(FailureCause.BAD_RESPONSE)).isEqualTo(1);
    }
  }
}
