package io.lb4j.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ConnectException;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Every behaviour and fault of the HTTP backend, observed from a real client on loopback. */
class HttpTestBackendTest {

  private static final Duration DEADLINE = Duration.ofSeconds(30);

  @Test
  void answersWithDefaultBodyNamingTheBackend() throws IOException {
    try (HttpTestBackend b = HttpTestBackend.builder("plain").build().start()) {
      RawClient.Response r = RawClient.get(b, "/");
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.body()).isEqualTo("hello from plain\n");
      assertThat(b.host()).startsWith("127.").isNotEqualTo("127.0.0.1");
    }
  }

  @Test
  void statusBodyAndHeadersChangeWhileRunning() throws IOException {
    try (HttpTestBackend b = HttpTestBackend.builder("programmed").build().start()) {
      b.set(Behavior.builder().status(201).body("made").header("X-Test", "yes").build());
      RawClient.Response r = RawClient.get(b, "/orders");
      assertThat(r.status()).isEqualTo(201);
      assertThat(r.body()).isEqualTo("made");
      assertThat(r.hasHeader("X-Test: yes")).isTrue();
      b.update(x -> x.status(404));
      assertThat(RawClient.get(b, "/orders").status()).isEqualTo(404);
      assertThat(RawClient.get(b, "/orders").body()).isEqualTo("made");
    }
  }

  @Test
  void keepAliveServesSeveralRequestsOnOneConnection_andHeadHasNoBody() throws IOException {
    try (HttpTestBackend b = HttpTestBackend.builder("keepalive").build().start(); RawClient c = RawClient.to(b)) {
      c.get("/one");
      assertThat(c.readResponse().body()).isEqualTo("hello from keepalive\n");
      c.send("HEAD /two HTTP/1.1\r\nHost: t\r\n\r\n");
      RawClient.Response head = c.readResponseHeadOnly();
      assertThat(head.hasHeader("Content-Length: 21")).isTrue();
      c.get("/three");
      assertThat(c.readResponse().status()).isEqualTo(200);
      assertThat(b.requests().all()).extracting(RecordedRequest::target).containsExactly("/one", "/two", "/three");
    }
  }

  @Test
  void recordsMethodPathHeadersCookiesAndBody() throws Exception {
    try (HttpTestBackend b = HttpTestBackend.builder("recorder").build().start()) {
      RawClient.exchange(b, "POST /api/orders?id=7 HTTP/1.1\r\nHost: shop\r\nX-Forwarded-For: 10.0.0.1\r\n"
          + "Via: 1.1 edge\r\nVia: 1.1 gateway\r\nCookie: a=1; LB4J_SESSION=xyz\r\nContent-Length: 5\r\n"
          + "Connection: close\r\n\r\nhello");
      RecordedRequest r = b.requests().await(1, DEADLINE).get(0);
      assertThat(r.method()).isEqualTo("POST");
      assertThat(r.target()).isEqualTo("/api/orders?id=7");
      assertThat(r.path()).isEqualTo("/api/orders");
      assertThat(r.header("x-forwarded-for")).isEqualTo("10.0.0.1");
      assertThat(r.headers("Via")).containsExactly("1.1 edge", "1.1 gateway");
      assertThat(r.cookies()).containsEntry("a", "1").containsEntry("LB4J_SESSION", "xyz");
      assertThat(r.bodyText()).isEqualTo("hello");
      assertThat(r.remote().getAddress().isLoopbackAddress()).isTrue();
    }
  }

  @Test
  void decodesAChunkedRequestBody() throws Exception {
    try (HttpTestBackend b = HttpTestBackend.builder("chunked").build().start()) {
      RawClient.Response r = RawClient.exchange(b, "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n"
          + "Connection: close\r\n\r\n3\r\nabc\r\n2;ext=1\r\nde\r\n0\r\n\r\n");
      assertThat(r.status()).isEqualTo(200);
      assertThat(b.requests().last().bodyText()).isEqualTo("abcde");
    }
  }

  @Test
  void awaitsEveryRequestFromConcurrentClients_withExactCount() throws Exception {
    int threads = 8;
    int perThread = 40;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try (HttpTestBackend b = HttpTestBackend.builder("busy").build().start()) {
      List<Future<Integer>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        done.add(pool.submit(() -> {
          int ok = 0;
          try (RawClient c = RawClient.to(b)) {
            for (int i = 0; i < perThread; i++) {
              c.get("/n");
              ok += c.readResponse().status() == 200 ? 1 : 0;
            }
          }
          return ok;
        }));
      }
      int ok = 0;
      for (Future<Integer> f : done) {
        ok += f.get(30, TimeUnit.SECONDS);
      }
      assertThat(ok).isEqualTo(threads * perThread);
      assertThat(b.requests().await(threads * perThread, DEADLINE)).hasSize(threads * perThread);
      assertThat(b.requests().count()).isEqualTo(threads * perThread);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void awaitFailsWithTheCountThatArrived() throws IOException {
    try (HttpTestBackend b = HttpTestBackend.builder("few").build().start()) {
      RawClient.get(b, "/only");
      assertThatThrownBy(() -> b.requests().await(2, Duration.ofMillis(50)))
          .isInstanceOf(AssertionError.class)
          .hasMessage("expected 2 recorded entries within 50ms, got 1: [GET /only]");
    }
  }

  @Test
  void latencyLongerThanTheClientTimeout_makesTheClientTimeOut() throws IOException {
    try (HttpTestBackend b = HttpTestBackend.builder("slow").build().start();
        RawClient c = new RawClient(b.address(), 200)) {
      b.set(Behavior.builder().latency(Duration.ofMinutes(1)).build());
      c.get("/");
      assertThatThrownBy(c::readResponse).isInstanceOf(SocketTimeoutException.class);
    }
  }

  @Test
  void jitterAddsARandomDelay() throws IOException {
    try (HttpTestBackend b = HttpTestBackend.builder("jittery").build().start()) {
      b.set(Behavior.builder().latency(Duration.ZERO, Duration.ofMinutes(5)).build());
      int timedOut = 0;
      for (int i = 0; i < 3; i++) {
        try (RawClient c = new RawClient(b.address(), 300)) {
          c.get("/");
          c.readResponse();
        } catch (SocketTimeoutException e) {
          timedOut++;
        }
      }
      // Each delay is uniform in [0, 5 min]: all three under 300 ms has a probability of about 1e-8.
      assertThat(timedOut).isPositive();
    }
  }

  @Test
  void aShareOfRequestsFailsWithTheGivenStatus() throws IOException {
    try (HttpTestBackend b = HttpTestBackend.builder("partly").build().start(); RawClient c = RawClient.to(b)) {
      b.set(Behavior.builder().failing(0.5, 500).build());
      int failed = 0;
      for (int i = 0; i < 400; i++) {
        c.get("/");
        int status = c.readResponse().status();
        assertThat(status).isIn(200, 500);
        failed += status == 500 ? 1 : 0;
      }
      // Binomial(400, 0.5): 200 +- 10 (one sigma); 120..280 is eight sigmas.
      assertThat(failed).isBetween(120, 280);
      b.set(Behavior.builder().failing(1.0, 503).build());
      c.get("/");
      assertThat(c.readResponse().status()).isEqualTo(503);
    }
  }

  @Test
  void healthPathAnswers200WhileTheApplicationFails_andTheReverse() throws IOException {
    try (HttpTestBackend b = HttpTestBackend.builder("split").build().start()) {
      b.set(Behavior.status(502));
      assertThat(RawClient.get(b, "/health").status()).isEqualTo(200);
      assertThat(RawClient.get(b, "/app").status()).isEqualTo(502);
      b.set(Behavior.ok());
      b.setHealth(Behavior.status(503));
      assertThat(RawClient.get(b, "/health").status()).isEqualTo(503);
      assertThat(RawClient.get(b, "/app").status()).isEqualTo(200);
      assertThat(b.healthChecks().all()).extracting(RecordedRequest::path).containsExactly("/health", "/health");
      assertThat(b.requests().all()).extracting(RecordedRequest::path).containsExactly("/app", "/app");
    }
  }

  @Test
  void aDispatcherAnswersPerRequest() throws IOException {
    try (HttpTestBackend b = HttpTestBackend.builder("flapping").build().start()) {
      AtomicInteger n = new AtomicInteger();
      b.dispatch(request -> n.incrementAndGet() % 2 == 1 ? Behavior.ok() : Behavior.status(503));
      assertThat(List.of(RawClient.get(b, "/").status(), RawClient.get(b, "/").status(),
          RawClient.get(b, "/").status())).containsExactly(200, 503, 200);
      b.dispatch(null);
      assertThat(RawClient.get(b, "/").status()).isEqualTo(200);
    }
  }

  @Test
  void stoppedRefusesConnections_andRestartsOnTheSameAddressAndPort() throws IOException {
    try (HttpTestBackend b = HttpTestBackend.builder("restart").build().start()) {
      int port = b.port();
      b.stop();
      assertThat(b.isRunning()).isFalse();
      assertThatThrownBy(() -> new Socket(b.host(), port).close()).isInstanceOf(ConnectException.class)
          .hasMessageContaining("refused");
      b.start();
      assertThat(b.port()).isEqualTo(port);
      assertThat(RawClient.get(b, "/").status()).isEqualTo(200);
    }
  }

  @Test
  void blackhole_recordsTheRequestAndNeverAnswers() throws Exception {
    try (HttpTestBackend b = HttpTestBackend.builder("hole").build().start();
        RawClient c = new RawClient(b.address(), 300)) {
      b.set(Behavior.fault(Fault.blackhole()));
      c.get("/void");
      assertThatThrownBy(c::readResponse).isInstanceOf(SocketTimeoutException.class);
      assertThat(b.requests().await(1, DEADLINE).get(0).path()).isEqualTo("/void");
    }
  }

  @Test
  void resetBeforeResponse_isAConnectionResetForTheClient() throws IOException {
    try (HttpTestBackend b = HttpTestBackend.builder("rst").build().start(); RawClient c = RawClient.to(b)) {
      b.set(Behavior.fault(Fault.resetBeforeResponse()));
      c.get("/");
      assertThatThrownBy(c::readToEnd).isInstanceOf(SocketException.class).hasMessageContaining("reset");
      assertThat(c.reads).isEmpty();
    }
  }

  @Test
  void resetAfterBytes_deliversThePrefixThenResets() throws IOException {
    try (HttpTestBackend b = HttpTestBackend.builder("rstmid").build().start(); RawClient c = RawClient.to(b)) {
      b.set(Behavior.builder().body("x".repeat(1000)).fault(Fault.resetAfterBytes(12)).build());
      c.get("/");
      assertThat(c.readExactly(12)).isEqualTo("HTTP/1.1 200");
      assertThatThrownBy(c::readToEnd).isInstanceOf(SocketException.class).hasMessageContaining("reset");
    }
  }

  @Test
  void closeAfterBytes_truncatesTheBodyWithAnOrderlyClose() throws IOException {
    try (HttpTestBackend b = HttpTestBackend.builder("cut").build().start(); RawClient c = RawClient.to(b)) {
      b.set(Behavior.builder().body("0123456789").fault(Fault.closeAfterBytes(0)).build());
      c.get("/");
      assertThat(c.readToEnd()).isEmpty();
    }
    try (HttpTestBackend b = HttpTestBackend.builder("cut2").build().start(); RawClient c = RawClient.to(b)) {
      byte[] head = HttpConnection.head(200, Map.of(), 10, false);
      b.set(Behavior.builder().body("0123456789").fault(Fault.closeAfterBytes(head.length + 4)).build());
      c.get("/");
      String got = c.readToEnd();
      assertThat(got).contains("Content-Length: 10").endsWith("\r\n\r\n0123");
    }
  }

  @Test
  void dribble_sendsTheBodyInSmallChunks() throws IOException {
    try (HttpTestBackend b = HttpTestBackend.builder("dribble").build().start(); RawClient c = RawClient.to(b)) {
      b.set(Behavior.builder().body("abcdefghij").fault(Fault.dribble(2, Duration.ofMillis(100))).build());
      c.get("/");
      RawClient.Response r = c.readResponse();
      assertThat(r.body()).isEqualTo("abcdefghij");
      // Five chunks 100 ms apart: all five arriving in one read would need a client stalled for 400 ms.
      assertThat(c.reads.size()).isGreaterThan(1);
      assertThat(c.reads).allMatch(n -> n <= 10);
    }
  }

  @Test
  void bandwidth_limitsTheRate() throws IOException {
    int rate = 2000;
    try (HttpTestBackend b = HttpTestBackend.builder("narrow").build().start();
        RawClient c = RawClient.to(b)) {
      b.set(Behavior.builder().body("y".repeat(1_000_000)).fault(Fault.bandwidth(rate)).build());
      long start = System.nanoTime();
      c.get("/");
      String head = c.readExactly(3000);
      long elapsedMillis = (System.nanoTime() - start) / 1_000_000;
      assertThat(head).startsWith("HTTP/1.1 200");
      // Not a speed test: a bound the limiter guarantees and a loaded machine can only make easier to meet
      // (the 3,000th byte is not sent before 1.45 s at 2,000 B/s).
      assertThat(elapsedMillis).isGreaterThanOrEqualTo(1400);
    }
  }

  @Test
  void oversizedHeaders_addAPaddingHeaderOfTheGivenLength() throws IOException {
    try (HttpTestBackend b = HttpTestBackend.builder("fat").build().start()) {
      b.set(Behavior.fault(Fault.oversizedHeaders(70_000)));
      RawClient.Response r = RawClient.get(b, "/");
      assertThat(r.head()).contains("X-Lb4j-Padding: " + "x".repeat(70_000) + "\r\n");
      assertThat(r.body()).isEqualTo("hello from fat\n");
    }
  }

  @Test
  void malformedResponses_areSentAsGivenThenClosed() throws IOException {
    try (HttpTestBackend b = HttpTestBackend.builder("broken").build().start()) {
      b.set(Behavior.fault(Fault.malformedStatusLine()));
      try (RawClient c = RawClient.to(b)) {
        c.get("/");
        assertThat(c.readToEnd()).isEqualTo("HTTP/1.1 2OO OK\r\nContent-Length: 2\r\n\r\nok");
      }
      b.set(Behavior.fault(Fault.conflictingFraming()));
      try (RawClient c = RawClient.to(b)) {
        c.get("/");
        assertThat(c.readToEnd()).contains("Content-Length: 3\r\nTransfer-Encoding: chunked\r\n");
      }
    }
  }

  @Test
  void noThreadOfTheBackendSurvivesClose_evenWithBusyConnections() throws Exception {
    HttpTestBackend b = HttpTestBackend.builder("leakcheck").build().start();
    RawClient held = RawClient.to(b);
    RawClient sleeping = RawClient.to(b);
    RawClient idle = RawClient.to(b);
    b.set(Behavior.fault(Fault.blackhole()));
    held.get("/");
    b.requests().await(1, DEADLINE);
    b.set(Behavior.builder().latency(Duration.ofMinutes(5)).build());
    sleeping.get("/");
    b.requests().await(2, DEADLINE);
    Await.until("an accept thread and three connection threads",
        () -> RawClient.threadsOf("leakcheck").size() >= 4);
    b.close();
    assertThat(RawClient.threadsOf("leakcheck")).isEmpty();
    for (RawClient c : List.of(held, sleeping, idle)) {
      assertThat(c.readToEnd()).isEmpty(); // the backend closed every connection
      c.close();
    }
  }

  @Test
  void loadReports_ridOnApplicationResponses_notOnHealthChecks_andParse() throws Exception {
    try (HttpTestBackend b = HttpTestBackend.builder("reporting").loadReports(Duration.ofMillis(100)).build().start()) {
      b.set(Behavior.builder().cpu(Duration.ofMillis(2)).build());
      assertThat(b.loadWindow()).contains(Duration.ofMillis(100));
      RawClient.Response first = RawClient.get(b, "/work");
      assertThat(first.head()).containsPattern("endpoint-load-metrics: TEXT cpu_utilization=[0-9.]+, "
          + "rps_fractional=[0-9.]+, eps=[0-9.]+\r\n");
      assertThat(RawClient.get(b, b.healthPath()).head()).doesNotContain("endpoint-load-metrics");
      // Once a slot with the request is complete, the report counts it: a rate above 0.
      String[] seen = new String[1];
      Await.until("a complete slot with the request",
          () -> !(seen[0] = b.loadReport().orElseThrow()).contains("rps_fractional=0.000"));
      io.lb4j.api.load.LoadReport parsed = parse(seen[0]);
      assertThat(parsed.qps()).isPositive();
      // Utilization per request per second is the busy time of a request: at least the 2 ms it burnt.
      assertThat(parsed.cpuUtilization() / parsed.qps()).isGreaterThanOrEqualTo(0.002);
    }
  }

  @Test
  void aBehavioursOwnLoadHeader_winsOverTheMeter() throws IOException {
    try (HttpTestBackend b = HttpTestBackend.builder("own").loadReports(Duration.ofSeconds(1)).build().start()) {
      b.set(Behavior.builder().header("endpoint-load-metrics", "TEXT eps=-1").build());
      RawClient.Response r = RawClient.get(b, "/x");
      assertThat(r.head()).contains("endpoint-load-metrics: TEXT eps=-1\r\n");
      assertThat(r.head().split("endpoint-load-metrics", -1)).hasSize(2); // sent once
    }
  }

  @Test
  void cpuWork_queuesForTheBackendsCores() throws Exception {
    try (HttpTestBackend b = HttpTestBackend.builder("busy").cores(1).build().start()) {
      b.set(Behavior.builder().cpu(Duration.ofMillis(60)).build());
      ExecutorService clients = Executors.newFixedThreadPool(3);
      try {
        long start = System.nanoTime();
        List<Future<RawClient.Response>> answers = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
          answers.add(clients.submit(() -> RawClient.get(b, "/burn")));
        }
        for (Future<RawClient.Response> f : answers) {
          assertThat(f.get(DEADLINE.toSeconds(), TimeUnit.SECONDS).status()).isEqualTo(200);
        }
        // One core: the three requests burnt one after the other, 3 x 60 ms at the least.
        assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(180));
      } finally {
        clients.shutdownNow();
      }
    }
    assertThatThrownBy(() -> HttpTestBackend.builder("x").cores(0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("backend.cores must be between 1 and 256, was 0");
    assertThatThrownBy(() -> HttpTestBackend.builder("x").loadReports(Duration.ofMillis(50)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("backend.loadReports must be between 100ms and 60s, was 50ms");
    assertThatThrownBy(() -> Behavior.builder().cpu(Duration.ofSeconds(11)))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("behavior.cpu must be between 0s and 10s, was 11s");
  }

  /** Reads the three figures of a report this backend made (the parser proper is lb-impl's). */
  private static io.lb4j.api.load.LoadReport parse(String header) {
    double cpu = 0;
    double qps = 0;
    double eps = 0;
    for (String entry : header.substring("TEXT ".length()).split(", ")) {
      String[] kv = entry.split("=");
      double v = Double.parseDouble(kv[1]);
      switch (kv[0]) {
        case "cpu_utilization" -> cpu = v;
        case "rps_fractional" -> qps = v;
        case "eps" -> eps = v;
        default -> throw new AssertionError("unexpected key " + kv[0]);
      }
    }
    return io.lb4j.api.load.LoadReport.of(cpu, qps, eps);
  }
}
