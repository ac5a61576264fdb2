package io.lb4j.impl.listener;

import static org.assertj.core.api.Assertions.assertThat;

import io.lb4j.api.LoadBalancer;
import io.lb4j.api.PeakBandwidth;
import io.lb4j.impl.listener.BandwidthMetrics.Direction;
import io.lb4j.impl.listener.H2TestClient.Response;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Peak bandwidth holds HTTP/2 streams as it holds HTTP/1.1 requests, with the buckets' clock held still by the
 * test: the listener stops reading the throttled side, blames no one for the time the cap held it, and lets
 * everything through once the cap is lifted. No assertion depends on how fast anything runs.
 */
class Http2PeakBandwidthTest {

  @Test
  void aThrottledHttp2Download_isNeverABackendTimeout() throws Exception {
    ManualNanoClock clock = new ManualNanoClock();
    String body = "x".repeat(200 * 1024);
    try (HttpTestBackend a = HttpTestBackend.ok("127.0.0.1", body);
        LoadBalancer pool = Fixtures.pool(HttpListenerTest.http("bw-h2").requestTimeout(Duration.ofSeconds(1))
            .peakBandwidth(PeakBandwidth.builder().downstreamMbps(1).build()), HttpListenerTest.backend("a", a));
        ListenerServer server = Fixtures.server(pool).eventLoops(1).bandwidthClock(clock).build().start();
        H2TestClient c = H2TestClient.connect(server.localAddress())) {
      BandwidthLimiter.Direction down = server.bandwidthLimiter().downstream;
      CompletableFuture<Response> response = c.send(H2TestClient.request("GET", "/big"), null);
      Await.until("held past the request timeout", () -> down.available(clock.getAsLong()) < Throttle.MIN_READ
          && server.bandwidthMetrics().timeThrottled(Direction.DOWNSTREAM).compareTo(Duration.ofMillis(1500)) > 0);
      assertThat(response.isDone()).isFalse();
      server.setPeakBandwidth(PeakBandwidth.unlimited());
      Response r = response.get(60, TimeUnit.SECONDS);
      assertThat(r.status()).isEqualTo(200);
      assertThat(new String(r.body(), StandardCharsets.US_ASCII)).isEqualTo(body);
      assertThat(server.metrics().gatewayTimeouts()).isZero();
      assertThat(server.bandwidthMetrics().bytesThrottled(Direction.DOWNSTREAM)).isPositive();
    }
  }

  @Test
  void aThrottledHttp2Upload_isNeverAClientTimeout() throws Exception {
    ManualNanoClock clock = new ManualNanoClock();
    byte[] body = "y".repeat(100 * 1024).getBytes(StandardCharsets.US_ASCII);
    try (HttpTestBackend a = new HttpTestBackend("127.0.0.1", HttpTestBackend.mirror());
        LoadBalancer pool = Fixtures.pool(HttpListenerTest.http("bw-h2-up").requestTimeout(Duration.ofSeconds(1))
            .peakBandwidth(PeakBandwidth.builder().upstreamMbps(1).build()), HttpListenerTest.backend("a", a));
        ListenerServer server = Fixtures.server(pool).eventLoops(1).bandwidthClock(clock).build().start();
        H2TestClient c = H2TestClient.connect(server.localAddress())) {
      BandwidthLimiter.Direction up = server.bandwidthLimiter().upstream;
      CompletableFuture<Response> response = c.send(H2TestClient.request("POST", "/up"), body);
      Await.until("held past the request timeout", () -> up.available(clock.getAsLong()) < Throttle.MIN_READ
          && server.bandwidthMetrics().timeThrottled(Direction.UPSTREAM).compareTo(Duration.ofMillis(1500)) > 0);
      assertThat(response.isDone()).isFalse();
      server.setPeakBandwidth(PeakBandwidth.unlimited());
      Response r = response.get(60, TimeUnit.SECONDS);
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.bodyText()).endsWith(new String(body, StandardCharsets.US_ASCII));
      assertThat(server.metrics().failures(FailureCause.CLIENT_TIMEOUT)).isZero();
      assertThat(server.bandwidthMetrics().bytesThrottled(Direction.UPSTREAM)).isPositive();
    }
  }
}
