package io.lb4j.impl.listener;

import static io.lb4j.impl.listener.Fixtures.LOOPBACK;
import static io.lb4j.impl.listener.Fixtures.backend;
import static io.lb4j.impl.listener.Fixtures.exchange;
import static io.lb4j.impl.listener.Fixtures.pool;
import static io.lb4j.impl.listener.Fixtures.tcp;
import static org.assertj.core.api.Assertions.assertThat;

import io.lb4j.api.LoadBalancer;
import io.lb4j.api.PeakBandwidth;
import io.lb4j.impl.listener.BandwidthMetrics.Direction;
import io.lb4j.testing.UdpTestBackend;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Peak bandwidth on running listeners, with the buckets' clock held still by the test: the listener forwards
 * exactly what the shared bucket grants, whichever loop or connection reads, stops reading while it is empty
 * (back-pressure, not buffering), starts again when time moves, and lets everything through once the cap is
 * lifted, without dropping a connection. No assertion depends on how fast anything runs.
 */
class PeakBandwidthListenerTest {

  private static final int BURST = (int) TokenBucket.MIN_BURST_BYTES; // the bucket of a 1 Mbit/s cap

  @Test
  void tcp_readsExactlyWhatTheSharedBucketGrantsAcrossLoopsThenAllOnceLifted() throws Exception {
    ManualNanoClock clock = new ManualNanoClock();
    try (EchoBackend a = EchoBackend.echo("127.0.0.1");
        LoadBalancer pool = pool(tcp("bw-tcp").peakBandwidth(PeakBandwidth.builder().upstreamMbps(1).build()),
            backend("a", a));
        ListenerServer server = Fixtures.server(pool).eventLoops(2).bufferSize(4096).bandwidthClock(clock).build()
            .start()) {
      BandwidthLimiter.Direction up = server.bandwidthLimiter().upstream;
      int connections = 4;
      ExecutorService exec = Executors.newFixedThreadPool(connections);
      try {
        List<byte[]> payloads = new ArrayList<>();
        List<Future<byte[]>> echoed = new ArrayList<>();
        for (int i = 0; i < connections; i++) {
          byte[] p = new byte[256 * 1024 + i];
          new Random(i).nextBytes(p);
          payloads.add(p);
          echoed.add(exec.submit(() -> exchange(server.localAddress(), null, p)));
        }
        // Time stands still: the four connections (on two loops) read the one bucket dry and stop there.
        Await.until("the bucket spent and every byte read paid for", () -> {
          long tokens = up.available(clock.getAsLong());
          return server.metrics().bytesIn() + tokens == BURST && tokens < Throttle.MIN_READ;
        });
        Await.until("every connection held", () -> server.bandwidthMetrics().pauses(Direction.UPSTREAM) >= connections);
        assertThat(server.metrics().bytesIn()).isLessThanOrEqualTo(BURST);
        // Held by the budget, the connections hold no more buffers than their buffers in flight.
        assertThat(server.metrics().bufferMemoryBytes()).isLessThanOrEqualTo(2L * connections * 4096);

        clock.advance(Duration.ofMillis(50)); // 6,250 more bytes at 1 Mbit/s
        Await.until("the 50 ms worth read too", () -> {
          long tokens = up.available(clock.getAsLong());
          return server.metrics().bytesIn() + tokens == BURST + 6_250 && tokens < Throttle.MIN_READ;
        });

        server.setPeakBandwidth(PeakBandwidth.unlimited());
        for (int i = 0; i < connections; i++) {
          assertThat(echoed.get(i).get(120, TimeUnit.SECONDS)).as("connection " + i + " kept and complete")
              .isEqualTo(payloads.get(i));
        }
      } finally {
        exec.shutdownNow();
      }
      BandwidthMetrics m = server.bandwidthMetrics();
      assertThat(m.caps().isUnlimited()).isTrue();
      assertThat(m.bytesThrottled(Direction.UPSTREAM)).isPositive();
      assertThat(m.timeThrottled(Direction.UPSTREAM)).isPositive();
      assertThat(m.pauses(Direction.DOWNSTREAM)).isZero();
      assertThat(server.metrics().connectionsTotal()).isEqualTo(connections);
    }
  }

  @Test
  void http_aThrottledDownloadIsNeverABackendTimeout() throws Exception {
    ManualNanoClock clock = new ManualNanoClock();
    String body = "x".repeat(200 * 1024);
    try (HttpTestBackend a = HttpTestBackend.ok("127.0.0.1", body);
        LoadBalancer pool = pool(HttpListenerTest.http("bw-http").requestTimeout(Duration.ofSeconds(1))
            .peakBandwidth(PeakBandwidth.builder().downstreamMbps(1).build()), HttpListenerTest.backend("a", a));
        ListenerServer server = Fixtures.server(pool).eventLoops(1).bandwidthClock(clock).build().start();
        RawHttpClient c = RawHttpClient.connect(server.localAddress())) {
      BandwidthLimiter.Direction down = server.bandwidthLimiter().downstream;
      ExecutorService exec = Executors.newSingleThreadExecutor();
      try {
        Future<RawHttpClient.Response> response = exec.submit(
            () -> c.send("GET /big HTTP/1.1\r\nHost: bw\r\n\r\n").read());
        // The download is held for longer than the request timeout: the backend, which sent everything at once,
        // must not be blamed for the listener's own pause.
        Await.until("held past the request timeout", () -> down.available(clock.getAsLong()) < Throttle.MIN_READ
            && server.bandwidthMetrics().timeThrottled(Direction.DOWNSTREAM).compareTo(Duration.ofMillis(1500)) > 0);
        assertThat(response.isDone()).isFalse();
        server.setPeakBandwidth(PeakBandwidth.unlimited());
        RawHttpClient.Response r = response.get(60, TimeUnit.SECONDS);
        assertThat(r.status()).isEqualTo(200);
        assertThat(new String(r.body(), StandardCharsets.US_ASCII)).isEqualTo(body);
      } finally {
        exec.shutdownNow();
      }
      assertThat(server.metrics().gatewayTimeouts()).isZero();
      assertThat(server.bandwidthMetrics().bytesThrottled(Direction.DOWNSTREAM)).isPositive();
    }
  }

  @Test
  void http_aThrottledUploadIsNeverAClientTimeout() throws Exception {
    ManualNanoClock clock = new ManualNanoClock();
    String body = "y".repeat(100 * 1024);
    try (HttpTestBackend a = new HttpTestBackend("127.0.0.1", HttpTestBackend.mirror());
        LoadBalancer pool = pool(HttpListenerTest.http("bw-upload").requestTimeout(Duration.ofSeconds(1))
            .peakBandwidth(PeakBandwidth.builder().upstreamMbps(1).build()), HttpListenerTest.backend("a", a));
        ListenerServer server = Fixtures.server(pool).eventLoops(1).bandwidthClock(clock).build().start();
        RawHttpClient c = RawHttpClient.connect(server.localAddress())) {
      BandwidthLimiter.Direction up = server.bandwidthLimiter().upstream;
      ExecutorService exec = Executors.newSingleThreadExecutor();
      try {
        Future<RawHttpClient.Response> response = exec.submit(() -> c.send("POST /up HTTP/1.1\r\nHost: bw\r\n"
            + "Content-Length: " + body.length() + "\r\n\r\n" + body).read());
        // The client sent its whole body at once; the listener holds it back for longer than the request
        // timeout: that must not become a 408 for a client that is not silent.
        Await.until("held past the request timeout", () -> up.available(clock.getAsLong()) < Throttle.MIN_READ
            && server.bandwidthMetrics().timeThrottled(Direction.UPSTREAM).compareTo(Duration.ofMillis(1500)) > 0);
        assertThat(server.metrics().bytesIn()).isLessThanOrEqualTo(BURST);
        assertThat(response.isDone()).isFalse();
        server.setPeakBandwidth(PeakBandwidth.unlimited());
        RawHttpClient.Response r = response.get(60, TimeUnit.SECONDS);
        assertThat(r.status()).isEqualTo(200);
        assertThat(new String(r.body(), StandardCharsets.US_ASCII)).endsWith(body);
      } finally {
        exec.shutdownNow();
      }
      assertThat(server.metrics().failures(FailureCause.CLIENT_TIMEOUT)).isZero();
      assertThat(server.bandwidthMetrics().bytesThrottled(Direction.UPSTREAM)).isPositive();
    }
  }

  @Test
  void udp_dropsAndCountsDatagramsOverTheBudget() throws Exception {
    ManualNanoClock clock = new ManualNanoClock();
    try (UdpTestBackend a = UdpTestBackend.echo("a");
        LoadBalancer pool = pool(UdpListenerTest.udp("bw-udp").peakBandwidth(PeakBandwidth.builder().upstreamMbps(1)
            .build()), a.backend());
        ListenerServer server = UdpListenerTest.server(pool).bandwidthClock(clock).build().start();
        UdpClient client = new UdpClient(server.localAddress())) {
      for (int i = 0; i < BURST / 1000; i++) {
        assertThat(client.request(new byte[1000])).as("datagram " + i).hasSize(1000);
      }
      client.send(new byte[1000]); // 384 tokens left: dropped, not queued
      Await.until("the datagram over the budget counted",
          () -> server.udpMetrics().dropped(UdpMetrics.DropCause.OVER_BANDWIDTH_UPSTREAM) == 1);
      BandwidthMetrics m = server.bandwidthMetrics();
      assertThat(m.datagramsDropped(Direction.UPSTREAM)).isEqualTo(1);
      assertThat(m.bytesThrottled(Direction.UPSTREAM)).isEqualTo(1000);
      clock.advance(Duration.ofMillis(5)); // 625 bytes: 1,009 tokens
      assertThat(client.request(new byte[1000])).hasSize(1000);
      assertThat(a.received()).isEqualTo(BURST / 1000 + 1);
    }
  }

  @Test
  void setPeakBandwidth_isLoggedAndReadBack() {
    try (LoadBalancer pool = pool(tcp("bw-set"));
        ListenerServer server = Fixtures.server(pool).bindAddress(LOOPBACK).build().start()) {
      assertThat(server.peakBandwidth().isUnlimited()).isTrue();
      server.setPeakBandwidth(PeakBandwidth.total(100));
      assertThat(server.peakBandwidth()).isEqualTo(PeakBandwidth.total(100));
      assertThat(server.bandwidthMetrics().caps()).isEqualTo(PeakBandwidth.total(100));
    }
  }
}
