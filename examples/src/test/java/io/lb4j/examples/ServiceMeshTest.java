package io.lb4j.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.lb4j.api.LoadBalancer;
import io.lb4j.api.health.HealthCheckPolicy;
import io.lb4j.impl.LoadBalancers;
import io.lb4j.testing.Await;
import io.lb4j.testing.BackendFleet;
import io.lb4j.testing.Behavior;
import io.lb4j.testing.FleetExtension;
import io.lb4j.testing.HttpTestBackend;
import io.lb4j.testing.PoolClient;
import io.lb4j.testing.TrafficAssertions;
import java.time.Duration;
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
      PoolClient client = PoolClient.of(lb); // a backend per request, a real GET, the outcome in a CallLog
      Await.until("three healthy backends", () -> PoolClient.healthy(lb) == 3, Duration.ofSeconds(30),
          () -> lb.view().toString());
      client.send(300);
      TrafficAssertions.assertSharesMatchWeights(fleet.fleet(), 0.1); // round robin: 1/3 each

      HttpTestBackend b = fleet.http("b");
      long brokeAt = System.nanoTime();
      b.set(Behavior.status(503));           // the application fails...
      b.setHealth(Behavior.status(503));     // ...and so does its health check
      client.sendUntil(() -> PoolClient.healthy(lb) == 2);
      long detectedAt = System.nanoTime();
      client.send(300);

      TrafficAssertions.assertNoHitsAfter(b, detectedAt);
      client.calls().assertNoFailuresOutside(brokeAt, Duration.ofNanos(detectedAt - brokeAt));
      // --- end of README testing ---
      assertThat(fleet.http("a").requests().after(detectedAt)).hasSizeGreaterThan(100);
      assertThat(fleet.http("c").requests().after(detectedAt)).hasSizeGreaterThan(100);
      assertThat(client.calls().calls()).hasSizeGreaterThanOrEqualTo(600);
    }
  }
}
