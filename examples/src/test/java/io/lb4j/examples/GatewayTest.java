package io.lb4j.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.lb4j.api.Backend;
import io.lb4j.api.Listener;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.Protocol;
import io.lb4j.api.health.HealthCheckPolicy;
import io.lb4j.impl.LoadBalancers;
import io.lb4j.impl.listener.ListenerServer;
import io.lb4j.testing.HttpTestBackend;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Keeps README's gateway compiling and true: the block between the markers is the README snippet. */
class GatewayTest {

  @Test
  void readmeGateway_forwardsToHealthyBackends_and502sWhenNoneIsLeft() throws Exception {
    HttpClient client = HttpClient.newHttpClient();
    try (HttpTestBackend a = HttpTestBackend.builder("a").host("127.0.0.1").build().start();
        HttpTestBackend b = HttpTestBackend.builder("b").host("127.0.0.2").build().start()) {
      int portA = a.port();
      int portB = b.port();
      // --- README gateway ---
      Listener listener = Listener.builder("gateway", Protocol.HTTP, 0) // 0: a free port; say 8080 in production
          .healthCheck(HealthCheckPolicy.http().toBuilder().path("/health").interval(Duration.ofMillis(200)).build())
          .build();
      try (LoadBalancer pool = LoadBalancers.builder(listener)
              .backend(Backend.of("a", "127.0.0.1", portA))
              .backend(Backend.of("b", "127.0.0.2", portB))
              .build().start();
          ListenerServer gateway = ListenerServer.builder(pool).build().start()) {
        pool.awaitAnyHealthy(Duration.ofSeconds(10));
        // HTTP/1.1 clients now reach the backends through gateway.localAddress().getPort()
      // --- end of README gateway ---
        URI uri = URI.create("http://127.0.0.1:" + gateway.localAddress().getPort() + "/hello");
        Set<String> answers = new HashSet<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (answers.size() < 2 && System.nanoTime() < deadline) {
          HttpResponse<String> r = client.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
          assertThat(r.statusCode()).isEqualTo(200);
          answers.add(r.body().trim());
        }
        assertThat(answers).containsExactlyInAnyOrder("hello from a", "hello from b");
        // A response is counted once its last byte is written, which may be just after the client read it.
        long countedBy = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (gateway.metrics().responses(2) < 2 && System.nanoTime() < countedBy) {
          java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
        }
        assertThat(gateway.metrics().responses(2)).isGreaterThanOrEqualTo(2);

        a.stop();
        b.stop();
        long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        int status = 0;
        while (status != 502 && System.nanoTime() < until) {
          status = client.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString()).statusCode();
        }
        assertThat(status).isEqualTo(502);
      }
    }
  }
}
