package io.lb4j.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.lb4j.api.LoadBalancer;
import io.lb4j.api.Outcome;
import io.lb4j.api.RequestContext;
import io.lb4j.api.Selection;
import io.lb4j.api.health.HealthCheckPolicy;
import io.lb4j.api.health.HealthStatus;
import io.lb4j.impl.LoadBalancers;
import io.lb4j.testing.Await;
import io.lb4j.testing.BackendFleet;
import io.lb4j.testing.Behavior;
import io.lb4j.testing.CallLog;
import io.lb4j.testing.FleetExtension;
import io.lb4j.testing.HttpTestBackend;
import io.lb4j.testing.TrafficAssertions;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A service-mesh test end to end, README's "Testing with lb4j": three real backends on loopback, a client-side
 * pool, one backend starts failing; traffic moves off it and no request fails outside the detection window.
 */
class ServiceMeshTest {

  // --- README testing ---
  @RegisterExtension
  final FleetExtension fleet = FleetExtension.of(BackendFleet.builder()
      .http("a", 1).http("b", 1).http("c", 1).build());

  @Test
  void trafficLeavesAFailingBackend_andNoRequestFailsOutsideTheDetectionWindow() throws Exception {
    try (LoadBalancer lb = LoadBalancers.builder().name("mesh") // a client-side pool
        .healthCheck(HealthCheckPolicy.http().toBuilder().path("/health")
            .interval(Duration.ofMillis(50)).responseTimeout(Duration.ofSeconds(5)).unhealthyThreshold(2).build())
        .backends(fleet.fleet().backends())
        .build().start()) {
      Client client = new Client(lb); // picks a backend per request, sends it, records the outcome in a CallLog
      Await.until("three healthy backends", () -> healthy(lb) == 3, Duration.ofSeconds(30),
          () -> lb.view().toString());
      client.send(300);
      TrafficAssertions.assertSharesMatchWeights(fleet.fleet(), 0.1); // round robin: 1/3 each

      HttpTestBackend b = fleet.http("b");
      long brokeAt = System.nanoTime();
      b.set(Behavior.status(503));           // the application fails...
      b.setHealth(Behavior.status(503));     // ...and so does its health check
      client.sendUntil(() -> healthy(lb) == 2);
      long detectedAt = System.nanoTime();
      client.send(300);

      TrafficAssertions.assertNoHitsAfter(b, detectedAt);
      client.calls.assertNoFailuresOutside(brokeAt, Duration.ofNanos(detectedAt - brokeAt));
      // --- end of README testing ---
      assertThat(fleet.http("a").requests().after(detectedAt)).hasSizeGreaterThan(100);
      assertThat(fleet.http("c").requests().after(detectedAt)).hasSizeGreaterThan(100);
      assertThat(client.calls.calls()).hasSizeGreaterThanOrEqualTo(600);
    }
  }

  private static long healthy(LoadBalancer lb) {
    return lb.view().stream().filter(v -> v.health() == HealthStatus.HEALTHY && !v.ejected()).count();
  }

  /** A client of the pool: picks a backend per request, sends a real HTTP request, reports and logs the outcome. */
  private static final class Client {
    private final LoadBalancer lb;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    final CallLog calls = new CallLog();

    Client(LoadBalancer lb) {
      this.lb = lb;
    }

    void send(int requests) throws InterruptedException {
      for (int i = 0; i < requests; i++) {
        sendOne();
      }
    }

    /** Sends requests until {@code done} holds; bounded by a 30 s deadline and 100,000 requests. */
    void sendUntil(BooleanSupplier done) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      for (int i = 0; !done.getAsBoolean(); i++) {
        if (i == 100_000 || System.nanoTime() - deadline > 0) {
          throw new AssertionError("not detected after " + i + " requests: " + lb.view());
        }
        sendOne();
      }
    }

    private void sendOne() throws InterruptedException {
      long start = System.nanoTime();
      try (Selection s = lb.select(RequestContext.builder().build())) {
        if (!s.hasBackend()) {
          calls.failure(start, "no backend: " + s.reason());
          return;
        }
        InetSocketAddress to = s.address();
        HttpRequest request = HttpRequest.newBuilder(
                URI.create("http://" + to.getAddress().getHostAddress() + ":" + to.getPort() + "/api"))
            .timeout(Duration.ofSeconds(10)).build();
        try {
          HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
          lb.report(s, Outcome.httpStatus(r.statusCode(), Duration.ofNanos(System.nanoTime() - start)));
          if (r.statusCode() == 200) {
            calls.success(start);
          } else {
            calls.failure(start, s.backend().id() + ": HTTP " + r.statusCode());
          }
        } catch (IOException e) {
          calls.failure(start, s.backend().id() + ": " + e);
        }
      }
    }
  }
}
