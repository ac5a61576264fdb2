package io.lb4j.impl.client;

import static io.lb4j.impl.client.Pools.listener;
import static io.lb4j.impl.client.Pools.pool;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lb4j.api.Listener;
import io.lb4j.api.Protocol;
import io.lb4j.api.health.HealthCheckPolicy;
import io.lb4j.impl.LoadBalancers;
import java.net.http.HttpRequest;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class BalancedHttpClientBuilderTest {

  @Test
  void setters_rejectValuesPastTheirEdges_withTheFieldAndValue() {
    try (CountingLoadBalancer lb = pool(listener().build())) {
      BalancedHttpClient.Builder b = BalancedHttpClient.builder(lb);

      assertThatThrownBy(() -> b.attemptTimeout(Duration.ofMillis(9)))
          .hasMessage("client.attemptTimeout must be between 10ms and 180s, was 9ms");
      assertThatThrownBy(() -> b.attemptTimeout(Duration.ofSeconds(181)))
          .hasMessage("client.attemptTimeout must be between 10ms and 180s, was 181s");
      assertThatThrownBy(() -> b.deadline(Duration.ofMillis(9)))
          .hasMessage("client.deadline must be between 10ms and 600s, was 9ms");
      assertThatThrownBy(() -> b.deadline(Duration.ofSeconds(601)))
          .hasMessage("client.deadline must be between 10ms and 600s, was 601s");
      assertThatThrownBy(() -> b.hostHeader("api example"))
          .hasMessage("client.hostHeader must be 1-255 characters of a-z A-Z 0-9 '-' '.' ':' '[' ']', was 'api example'");
      assertThatThrownBy(() -> b.hostHeader("")).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> b.hostHeader("a".repeat(256))).isInstanceOf(IllegalArgumentException.class);

      BalancedHttpClient client = b.attemptTimeout(Duration.ofMillis(10)).deadline(Duration.ofSeconds(600))
          .hostHeader("a".repeat(255)).build();
      assertThat(client.attemptTimeout).isEqualTo(Duration.ofMillis(10));
      assertThat(client.deadline).isEqualTo(Duration.ofSeconds(600));
    }
  }

  @Test
  void defaults_takeTheListenersRequestTimeout() {
    try (CountingLoadBalancer lb = pool(listener().requestTimeout(Duration.ofSeconds(7)).build())) {
      BalancedHttpClient client = BalancedHttpClient.builder(lb).build();

      assertThat(client.deadline).isEqualTo(Duration.ofSeconds(7));
      assertThat(client.attemptTimeout).isEqualTo(Duration.ofSeconds(7));
      assertThat(client.retryPolicy).isEqualTo(RetryPolicy.defaults());
      assertThat(client.http.followRedirects()).isEqualTo(java.net.http.HttpClient.Redirect.NEVER);
      assertThat(client.http.connectTimeout()).contains(BalancedHttpClient.DEFAULT_CONNECT_TIMEOUT);
    }
  }

  @Test
  void build_rejectsAnAttemptTimeoutLongerThanTheDeadline() {
    try (CountingLoadBalancer lb = pool(listener().build())) {
      assertThatThrownBy(() -> BalancedHttpClient.builder(lb).attemptTimeout(Duration.ofSeconds(5))
          .deadline(Duration.ofSeconds(4)).build())
          .isInstanceOf(IllegalStateException.class)
          .hasMessage("client.attemptTimeout 5s must not exceed client.deadline 4s");
    }
  }

  @Test
  void build_rejectsALayer4Listener() {
    Listener tcp = Listener.builder("tcp", Protocol.TCP, 0).healthCheck(HealthCheckPolicy.disabled()).build();
    try (CountingLoadBalancer lb = pool(tcp)) {
      assertThatThrownBy(() -> BalancedHttpClient.builder(lb).build())
          .isInstanceOf(IllegalStateException.class)
          .hasMessage("client needs a listener with backend protocol HTTP or HTTPS, but listener.backendProtocol is TCP");
    }
  }

  @Test
  void backendProtocol_mustBeLayer7_andAgreeWithTheListener() {
    try (CountingLoadBalancer lb = pool(listener().build())) {
      assertThatThrownBy(() -> BalancedHttpClient.builder(lb).backendProtocol(Protocol.TCP))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("client.backendProtocol must be HTTP or HTTPS, was TCP");
      assertThatThrownBy(() -> BalancedHttpClient.builder(lb).backendProtocol(Protocol.HTTPS).build())
          .isInstanceOf(IllegalStateException.class)
          .hasMessage("client.backendProtocol HTTPS conflicts with listener.backendProtocol HTTP");
      assertThat(BalancedHttpClient.builder(lb).backendProtocol(Protocol.HTTP).build().uri("/"))
          .hasScheme("http");
    }
    try (CountingLoadBalancer clientPool = new CountingLoadBalancer(LoadBalancers.builder().name("secure").build())) {
      assertThat(BalancedHttpClient.builder(clientPool).backendProtocol(Protocol.HTTPS).build().uri("/x"))
          .isEqualTo(java.net.URI.create("https://secure/x"));
    }
  }

  @Test
  void build_rejectsAPoolNameThatCannotBeAHost() {
    try (CountingLoadBalancer lb = new CountingLoadBalancer(LoadBalancers.builder().name("my_pool").build())) {
      assertThatThrownBy(() -> BalancedHttpClient.builder(lb).build())
          .isInstanceOf(IllegalStateException.class)
          .hasMessage("client needs a pool name that is a host name, as requests name the pool as their host (labels "
              + "of a-z A-Z 0-9 '-', the last not all digits; no '_'), was 'my_pool'");
    }
    try (CountingLoadBalancer lb = new CountingLoadBalancer(LoadBalancers.builder().name("orders.eu-1").build())) {
      assertThat(BalancedHttpClient.builder(lb).build().uri("/")).hasHost("orders.eu-1");
    }
  }

  @Test
  void idempotency_followsTheMethod_theIdempotencyKey_andTheCallersRule() {
    try (CountingLoadBalancer lb = pool(listener().build())) {
      BalancedHttpClient byDefault = BalancedHttpClient.builder(lb).build();
      BalancedHttpClient custom = BalancedHttpClient.builder(lb)
          .idempotentWhen(r -> r.uri().getPath().startsWith("/search")).build();
      HttpRequest.BodyPublisher body = HttpRequest.BodyPublishers.ofString("x");

      for (String method : new String[] {"GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"}) {
        assertThat(byDefault.isIdempotent(HttpRequest.newBuilder(byDefault.uri("/")).method(method, body).build()))
            .as(method).isTrue();
      }
      assertThat(byDefault.isIdempotent(HttpRequest.newBuilder(byDefault.uri("/")).POST(body).build())).isFalse();
      assertThat(byDefault.isIdempotent(HttpRequest.newBuilder(byDefault.uri("/")).method("PATCH", body).build()))
          .isFalse();
      assertThat(byDefault.isIdempotent(HttpRequest.newBuilder(byDefault.uri("/")).header("Idempotency-Key", "k")
          .POST(body).build())).isTrue();
      assertThat(custom.isIdempotent(HttpRequest.newBuilder(custom.uri("/search")).POST(body).build())).isTrue();
      assertThat(custom.isIdempotent(HttpRequest.newBuilder(custom.uri("/orders")).POST(body).build())).isFalse();
    }
  }
}
