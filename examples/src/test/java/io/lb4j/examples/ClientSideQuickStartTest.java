package io.lb4j.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.lb4j.api.Backend;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.health.HealthCheckPolicy;
import io.lb4j.api.health.HealthStatus;
import io.lb4j.impl.LoadBalancers;
import io.lb4j.impl.client.BalancedHttpClient;
import io.lb4j.testing.HttpTestBackend;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/** Keeps README's client-side snippet compiling and true: the block between the markers is the README snippet. */
class ClientSideQuickStartTest {

  @Test
  void readmeClientSide_sendsThroughThePool_andAStoppedBackendCostsNoError() throws Exception {
    try (HttpTestBackend a = HttpTestBackend.builder("a").host("127.0.0.1").build().start();
        HttpTestBackend b = HttpTestBackend.builder("b").host("127.0.0.2").build().start()) {
      int portA = a.port();
      int portB = b.port();
      // --- README client-side ---
      try (LoadBalancer pool = LoadBalancers.builder().name("orders")
          .healthCheck(HealthCheckPolicy.http().toBuilder().path("/health").interval(Duration.ofMillis(200)).build())
          .backend(Backend.of("a", "127.0.0.1", portA))
          .backend(Backend.of("b", "127.0.0.2", portB))
          .build().start()) {
        BalancedHttpClient client = BalancedHttpClient.builder(pool)
            .attemptTimeout(Duration.ofSeconds(2)) // one attempt; leaves time to retry a GET elsewhere
            .deadline(Duration.ofSeconds(5))       // the whole request, retries included
            .build();
        pool.awaitAnyHealthy(Duration.ofSeconds(10));
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(client.uri("/orders/42")).build(),
            HttpResponse.BodyHandlers.ofString());
        // --- end of README client-side ---
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).startsWith("hello from ");

        await(() -> pool.view().stream().allMatch(v -> v.health() == HealthStatus.HEALTHY));
        a.stop(); // refuses connections; the health checks have not noticed yet
        Set<String> servedBy = new HashSet<>();
        for (int i = 0; i < 10; i++) {
          HttpResponse<String> r = client.send(HttpRequest.newBuilder(client.uri("/orders/" + i)).build(),
              HttpResponse.BodyHandlers.ofString());
          assertThat(r.statusCode()).isEqualTo(200);
          servedBy.add(r.body().trim());
        }
        assertThat(servedBy).containsExactly("hello from b");
      }
    }
  }

  private static void await(BooleanSupplier condition) {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime() - deadline).as("waited 30s for every backend to be healthy").isNegative();
      LockSupport.parkNanos(5_000_000);
    }
  }
}
