package io.lb4j.impl.listener;

import static org.assertj.core.api.Assertions.assertThat;

import io.lb4j.api.Backend;
import io.lb4j.api.Listener;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.Protocol;
import io.lb4j.api.health.OutlierDetectionPolicy;
import io.lb4j.impl.listener.RawHttpClient.Response;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Issue 17, defect 4 (uploads): a client that stops sending its request body was blamed on the backend (its
 * inactivity was the only clock), so six stalled uploads ejected the only, healthy backend and clean requests
 * then got 502. Now the client owes the bytes: it gets 408, and nothing is reported against the backend, which
 * stays un-ejected with outlier detection ejecting at the first failure.
 */
class ClientBodyStallBlamesClientTest {

  /** Ejects a backend at its first reported failure: any wrong blame shows at once. */
  static Listener.Builder strictListener(String name) {
    return Listener.builder(name, Protocol.HTTP, 0).requestTimeout(Duration.ofSeconds(1))
        .outlierDetection(OutlierDetectionPolicy.builder().consecutiveFailures(1).maxEjectionPercent(100).build());
  }

  /** The client's own pause between two bytes: the behaviour under test, not a wait for a condition. */
  private static void pause(Duration d) throws InterruptedException {
    TimeUnit.NANOSECONDS.sleep(d.toNanos());
  }

  @Test
  void stalledUploads_get408_andTheBackendStaysUnejected() {
    int stalled = 6;
    try (HttpTestBackend a = HttpTestBackend.ok("127.0.0.1", "a");
        LoadBalancer pool = Fixtures.pool(strictListener("l7-body-stall"), Backend.of("a", a.host(), a.port()));
        ListenerServer server = Fixtures.server(pool).build().start()) {
      List<RawHttpClient> clients = new ArrayList<>();
      try {
        for (int i = 0; i < stalled; i++) {
          // 10 of the 1000 announced body bytes, then nothing.
          clients.add(RawHttpClient.connect(server.localAddress())
              .send("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n0123456789"));
        }
        for (RawHttpClient c : clients) {
          Response r = c.read();
          assertThat(r.status()).isEqualTo(408);
          assertThat(r.header("Connection")).isEqualTo("close");
          assertThat(r.bodyText()).isEqualTo("408 Request Timeout: the request body did not arrive within 1s\n");
          assertThat(c.closedByServer()).isTrue();
        }
      } finally {
        clients.forEach(RawHttpClient::close);
      }
      assertThat(server.metrics().failures(FailureCause.CLIENT_TIMEOUT)).isEqualTo(stalled);
      assertThat(server.metrics().failures(FailureCause.TIMEOUT)).isZero();
      assertThat(pool.view().get(0).ejected()).isFalse();
      // The incomplete requests' backend connections were closed, their 10 bytes never completed.
      Await.until("the stalled uploads' backend connections are closed", () -> a.closedConnections.get() == stalled);
      assertThat(a.requests).allSatisfy(r -> assertThat(r.body()).hasSize(10));
      try (RawHttpClient c = RawHttpClient.connect(server.localAddress())) {
        assertThat(c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n").read().bodyText()).isEqualTo("a");
      }
    }
  }

  @Test
  void aBodyThatKeepsTrickling_isNotCut_theClockRestartsWithEachByte() throws Exception {
    try (HttpTestBackend a = new HttpTestBackend("127.0.0.1", HttpTestBackend.mirror());
        LoadBalancer pool = Fixtures.pool(strictListener("l7-body-trickle").requestTimeout(Duration.ofSeconds(3)),
            Backend.of("a", a.host(), a.port()));
        ListenerServer server = Fixtures.server(pool).build().start();
        RawHttpClient c = RawHttpClient.connect(server.localAddress())) {
      c.send("POST /slow HTTP/1.1\r\nHost: x\r\nContent-Length: 8\r\n\r\n");
      // Each byte comes well within the 3 s timeout; the whole body takes longer than it.
      for (int i = 0; i < 8; i++) {
        pause(Duration.ofMillis(500));
        c.send(String.valueOf(i));
      }
      Response r = c.read();
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.bodyText()).endsWith("\r\n\r\n01234567");
      assertThat(server.metrics().failures(FailureCause.CLIENT_TIMEOUT)).isZero();
    }
  }

  @Test
  void aSilentBackend_isStillBlamed_504AndEjected() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    try (HttpTestBackend a = new HttpTestBackend("127.0.0.1", (req, s, out) -> {
          try {
            release.await(30, TimeUnit.SECONDS); // the whole request arrived; the answer never comes
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          return false;
        });
        LoadBalancer pool = Fixtures.pool(strictListener("l7-silent-backend"), Backend.of("a", a.host(), a.port()));
        ListenerServer server = Fixtures.server(pool).build().start();
        RawHttpClient c = RawHttpClient.connect(server.localAddress())) {
      Response r = c.send("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc").read();
      assertThat(r.status()).isEqualTo(504);
      assertThat(r.bodyText()).isEqualTo("504 Gateway Timeout: the backend did not answer within 1s\n");
      assertThat(server.metrics().failures(FailureCause.TIMEOUT)).isEqualTo(1);
      assertThat(server.metrics().failures(FailureCause.CLIENT_TIMEOUT)).isZero();
      Await.until("the backend is ejected", () -> pool.view().get(0).ejected());
      release.countDown();
    }
  }
}
