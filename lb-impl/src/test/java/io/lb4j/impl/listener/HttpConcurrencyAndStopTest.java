package io.lb4j.impl.listener;

import static org.assertj.core.api.Assertions.assertThat;

import io.lb4j.api.Backend;
import io.lb4j.api.Listener;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.Protocol;
import io.lb4j.impl.listener.RawHttpClient.Response;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class HttpConcurrencyAndStopTest {

  @Test
  void manyClientsOnSeveralLoops_everyRequestAnsweredOnce_countsExact() throws Exception {
    int clients = 16;
    int requestsEach = 50;
    try (HttpTestBackend a = HttpTestBackend.ok("127.0.0.1", "a"); HttpTestBackend b = HttpTestBackend.ok("127.0.0.2", "b");
        LoadBalancer pool = Fixtures.pool(Listener.builder("l7-load", Protocol.HTTP, 0),
            Backend.of("a", a.host(), a.port()), Backend.of("b", b.host(), b.port()));
        ListenerServer server = Fixtures.server(pool).eventLoops(3).build().start()) {
      ExecutorService exec = Executors.newFixedThreadPool(clients);
      try {
        List<Future<Integer>> results = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
          results.add(exec.submit(() -> {
            int ok = 0;
            try (RawHttpClient c = RawHttpClient.connect(server.localAddress())) {
              for (int r = 0; r < requestsEach; r++) {
                Response resp = c.send("GET /" + r + " HTTP/1.1\r\nHost: x\r\n\r\n").read();
                if (resp.status() == 200 && (resp.bodyText().equals("a") || resp.bodyText().equals("b"))) {
                  ok++;
                }
              }
            }
            return ok;
          }));
        }
        int total = 0;
        for (Future<Integer> f : results) {
          total += f.get(120, TimeUnit.SECONDS);
        }
        assertThat(total).isEqualTo(clients * requestsEach);
      } finally {
        exec.shutdownNow();
      }
      assertThat(a.requests.size() + b.requests.size()).isEqualTo(clients * requestsEach);
      assertThat(a.requests.size()).isEqualTo(b.requests.size()); // round robin, equal weights
      Await.until("connections closed", () -> server.metrics().connectionsActive() == 0);
      ListenerMetrics m = server.metrics();
      assertThat(m.responses(2)).isEqualTo(clients * requestsEach);
      assertThat(m.connectionsTotal()).isEqualTo(clients);
      assertThat(m.responseTimeQuantile(0.99)).isPositive();
      long histogramTotal = 0;
      for (long n : m.responseTimeHistogram()) {
        histogramTotal += n;
      }
      assertThat(histogramTotal).isEqualTo(clients * requestsEach);
    }
  }

  @Test
  void stop_letsTheInFlightRequestFinish_closesIdleKeepAlive_andLeavesNoThread() throws Exception {
    CountDownLatch requestArrived = new CountDownLatch(1);
    CountDownLatch answer = new CountDownLatch(1);
    try (HttpTestBackend a = new HttpTestBackend("127.0.0.1", (req, s, out) -> {
          if (req.requestLine().contains("/slow")) {
            requestArrived.countDown();
            try {
              answer.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
          return HttpTestBackend.respond(200, "done").handle(req, s, out);
        });
        LoadBalancer pool = Fixtures.pool(Listener.builder("l7-stop", Protocol.HTTP, 0), Backend.of("a", a.host(), a.port()))) {
      ListenerServer server = Fixtures.server(pool).build().start();
      try (RawHttpClient keepAlive = RawHttpClient.connect(server.localAddress());
          RawHttpClient busy = RawHttpClient.connect(server.localAddress())) {
        assertThat(keepAlive.send("GET /fast HTTP/1.1\r\nHost: x\r\n\r\n").read().status()).isEqualTo(200);
        busy.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
        assertThat(requestArrived.await(30, TimeUnit.SECONDS)).isTrue();
        CompletableFuture<Void> stopped = CompletableFuture.runAsync(() -> server.stop(Duration.ofSeconds(60)));
        Await.until("stopping", () -> server.state() == ListenerState.STOPPING);
        assertThat(keepAlive.closedByServer()).isTrue(); // idle keep-alive: closed at once
        answer.countDown();
        Response r = busy.read();
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.bodyText()).isEqualTo("done");
        assertThat(r.header("Connection")).isEqualTo("close");
        assertThat(busy.closedByServer()).isTrue();
        stopped.get(60, TimeUnit.SECONDS);
      }
      assertThat(server.state()).isEqualTo(ListenerState.STOPPED);
      assertThat(Fixtures.listenerThreadsAlive("l7-stop")).isFalse();
    }
  }

  @Test
  void accessLog_namesListenerClientBackendRequestStatusCauseBytesAndDuration() {
    CapturingLogger log = new CapturingLogger();
    try (HttpTestBackend a = HttpTestBackend.ok("127.0.0.1", "hello");
        LoadBalancer pool = Fixtures.pool(Listener.builder("l7-access", Protocol.HTTP, 0), Backend.of("a", a.host(), a.port()));
        ListenerServer server = Fixtures.server(pool).accessLog(log).build().start()) {
      try (RawHttpClient c = RawHttpClient.connect(server.localAddress())) {
        assertThat(c.send("GET /logged?x=1 HTTP/1.1\r\nHost: x\r\n\r\n").read().status()).isEqualTo(200);
      }
      try (RawHttpClient c = RawHttpClient.connect(server.localAddress())) {
        assertThat(c.send("GET / HTTP/1.1\r\nHost: x\r\nVia: 1.1 l7-access\r\n\r\n").read().status()).isEqualTo(508);
      }
      Await.until("two access lines", () -> log.lines.size() == 2);
    }
    assertThat(log.lines.get(0)).matches("l7-access 127\\.0\\.0\\.1 a \"GET /logged\\?x=1\" 200 ok in=\\d+ out=\\d+ \\d+ms");
    assertThat(log.lines.get(1)).matches("l7-access 127\\.0\\.0\\.1 - \"GET /\" 508 loop detected in=\\d+ out=\\d+ \\d+ms");
  }
}
