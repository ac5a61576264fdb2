package io.lb4j.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.lb4j.api.Backend;
import io.lb4j.api.Listener;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.Protocol;
import io.lb4j.api.RequestContext;
import io.lb4j.api.Selection;
import io.lb4j.api.health.HealthCheckPolicy;
import io.lb4j.api.load.LoadAwarePolicy;
import io.lb4j.impl.LoadBalancers;
import io.lb4j.impl.client.BalancedHttpClient;
import io.lb4j.impl.client.RetryPolicy;
import io.lb4j.impl.listener.ListenerServer;
import io.lb4j.testing.Await;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

class MicrometerMetricsTest {

  @Test
  void bind_publishesPicksActiveHealthAndNoBackendCounts() {
    Listener listener = Listener.builder("metrics", Protocol.TCP, 0)
        .healthCheck(HealthCheckPolicy.disabled()).build();
    try (LoadBalancer lb = LoadBalancers.builder(listener)
        .backend(Backend.of("a", "127.0.0.1", 1, 1)).build().start()) {
      SimpleMeterRegistry registry = new SimpleMeterRegistry();
      MicrometerMetrics.bind(lb, registry);

      Selection held = lb.select(RequestContext.EMPTY);
      lb.select(RequestContext.EMPTY).release();

      assertThat(registry.get("lb4j.backend.picks").tag("backend", "a").functionCounter().count()).isEqualTo(2.0);
      assertThat(registry.get("lb4j.backend.active").tag("backend", "a").gauge().value()).isEqualTo(1.0);
      assertThat(registry.get("lb4j.backend.healthy").tag("backend", "a").gauge().value()).isEqualTo(1.0);
      held.release();
      assertThat(registry.get("lb4j.backend.active").tag("backend", "a").gauge().value()).isZero();

      lb.setWeight("a", 0);
      assertThat(lb.select(RequestContext.EMPTY).hasBackend()).isFalse();
      // The event comes from the pool's control thread, never the selecting one.
      Await.until("the no-backend count", () -> registry.find("lb4j.no_backend").tag("reason", "ALL_DRAINED")
          .counter() != null);
      assertThat(registry.get("lb4j.no_backend").tag("reason", "ALL_DRAINED").counter().count()).isEqualTo(1.0);
      assertThat(registry.get("lb4j.backend.weight").tag("backend", "a").gauge().value()).isZero();
    }
  }

  @Test
  void bind_givesBackendsThatJoinLaterTheirMeters_andTakesThemFromBackendsThatLeave() {
    // Bound at start, the gateway's /metrics showed nothing for backends a reload or a discovery source added.
    Listener listener = Listener.builder("metrics-later", Protocol.TCP, 0)
        .healthCheck(HealthCheckPolicy.disabled()).build();
    try (LoadBalancer lb = LoadBalancers.builder(listener)
        .backend(Backend.of("a", "127.0.0.1", 1, 1)).build().start()) {
      SimpleMeterRegistry registry = new SimpleMeterRegistry();
      MicrometerMetrics.bind(lb, registry);

      lb.addBackend(Backend.of("b", "127.0.0.1", 2, 1));
      Await.until("b's meters", () -> registry.find("lb4j.backend.picks").tag("backend", "b")
          .functionCounter() != null);
      lb.setWeight("a", 0);
      lb.select(RequestContext.EMPTY).release();
      assertThat(registry.get("lb4j.backend.picks").tag("backend", "b").functionCounter().count()).isEqualTo(1.0);
      assertThat(registry.get("lb4j.backend.weight").tag("backend", "b").gauge().value()).isEqualTo(1.0);

      assertThat(lb.removeBackend("b")).isTrue();
      Await.until("b's meters gone", () -> registry.find("lb4j.backend.picks").tag("backend", "b")
          .functionCounter() == null);
      assertThat(registry.find("lb4j.backend.active").tag("backend", "b").meters()).isEmpty();
      assertThat(registry.find("lb4j.backend.healthy").tag("backend", "b").meters()).isEmpty();
      assertThat(registry.find("lb4j.backend.weight").tag("backend", "b").meters()).isEmpty();
      assertThat(registry.find("lb4j.backend.picks").tag("backend", "a").functionCounter()).isNotNull();
    }
  }

  @Test
  void bindFleet_givesBackendsThatJoinLaterTheirLoadMeters_andTakesThemFromBackendsThatLeave() {
    Listener listener = Listener.builder("metrics-fleet", Protocol.TCP, 0)
        .healthCheck(HealthCheckPolicy.disabled()).build();
    try (LoadBalancer lb = LoadBalancers.builder(listener).loadAware(LoadAwarePolicy.backendReports())
        .backend(Backend.of("a", "127.0.0.1", 1, 1)).build().start()) {
      SimpleMeterRegistry registry = new SimpleMeterRegistry();
      MicrometerMetrics.bindFleet(lb, registry);
      assertThat(registry.get("lb4j.backend.load_weight").tag("backend", "a").gauge().value()).isPositive();

      lb.addBackend(Backend.of("b", "127.0.0.1", 2, 1));
      Await.until("b's load meters", () -> registry.find("lb4j.backend.load_reports").tag("backend", "b")
          .functionCounter() != null);
      Await.until("b's load weight", () -> registry.get("lb4j.backend.load_weight").tag("backend", "b").gauge()
          .value() > 0);
      assertThat(registry.get("lb4j.backend.load_reports").tag("backend", "b").functionCounter().count()).isZero();

      assertThat(lb.removeBackend("b")).isTrue();
      Await.until("b's load meters gone", () -> registry.find("lb4j.backend.load_reports").tag("backend", "b")
          .functionCounter() == null);
      for (String name : new String[] {"lb4j.backend.load_weight", "lb4j.backend.load_utilization",
          "lb4j.backend.load_reports_malformed"}) {
        assertThat(registry.find(name).tag("backend", "b").meters()).as(name).isEmpty();
      }
      assertThat(registry.find("lb4j.backend.load_weight").tag("backend", "a").gauge()).isNotNull();
    }
  }

  @Test
  void bindClient_publishesRetriesAndRetryOverflow() throws Exception {
    // Issue 25 item 2: running out of retry budget showed in no metric.
    try (io.lb4j.testing.HttpTestBackend a = io.lb4j.testing.HttpTestBackend.builder("a").build().start();
        io.lb4j.testing.HttpTestBackend b = io.lb4j.testing.HttpTestBackend.builder("b").build().start();
        LoadBalancer lb = LoadBalancers.builder().name("orders").healthCheck(HealthCheckPolicy.disabled())
            .backend(a.backend()).backend(b.backend()).build().start()) {
      a.set(io.lb4j.testing.Behavior.status(503));
      b.set(io.lb4j.testing.Behavior.status(503));
      BalancedHttpClient client = BalancedHttpClient.builder(lb).retryPolicy(RetryPolicy.builder().maxAttempts(2)
          .initialBackoff(java.time.Duration.ZERO).maxBackoff(java.time.Duration.ZERO).budgetRatio(0).budgetBurst(1)
          .build()).build();
      SimpleMeterRegistry registry = new SimpleMeterRegistry();
      MicrometerMetrics.bind(client, registry);

      for (int i = 0; i < 4; i++) {
        assertThat(client.send(java.net.http.HttpRequest.newBuilder(client.uri("/")).build(),
            java.net.http.HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(503);
      }

      assertThat(registry.get("lb4j.client.requests").tag("pool", "orders").functionCounter().count()).isEqualTo(4.0);
      assertThat(registry.get("lb4j.client.attempts").functionCounter().count()).isEqualTo(5.0);
      assertThat(registry.get("lb4j.client.retries").tag("kind", "retry").functionCounter().count()).isEqualTo(1.0);
      assertThat(registry.get("lb4j.client.retry_overflow").tag("kind", "retry").functionCounter().count())
          .isEqualTo(3.0);
      assertThat(registry.get("lb4j.client.retry_overflow").tag("kind", "requeue").functionCounter().count())
          .isZero();
      assertThat(registry.get("lb4j.client.retry_budget.tokens").tag("kind", "retry").gauge().value()).isZero();
      assertThat(registry.get("lb4j.client.retry_budget.tokens").tag("kind", "requeue").gauge().value())
          .isEqualTo(10.0);
    }
  }

  @Test
  void bindListener_publishesResponsesAndFailuresByCause() throws Exception {
    Listener listener = Listener.builder("metrics-l7", Protocol.HTTP, 0).healthCheck(HealthCheckPolicy.disabled()).build();
    try (LoadBalancer lb = LoadBalancers.builder(listener).build().start();
        ListenerServer server = ListenerServer.builder(lb).bindAddress(java.net.InetAddress.getLoopbackAddress())
            .eventLoops(1).build().start()) {
      SimpleMeterRegistry registry = new SimpleMeterRegistry();
      MicrometerMetrics.bind(server, registry);
      java.net.http.HttpResponse<String> r = java.net.http.HttpClient.newHttpClient().send(
          java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + server.localAddress().getPort()
              + "/")).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(502);
      assertThat(registry.get("lb4j.listener.failures").tag("cause", "NO_BACKEND").functionCounter().count())
          .isEqualTo(1.0);
      assertThat(registry.get("lb4j.listener.responses").tag("class", "5xx").functionCounter().count()).isEqualTo(1.0);
      assertThat(registry.get("lb4j.listener.connections").functionCounter().count()).isEqualTo(1.0);
      assertThat(registry.get("lb4j.listener.backend_connections_opened").functionCounter().count()).isZero();
      assertThat(registry.get("lb4j.listener.accept_pauses").tag("reason", "connection_cap").functionCounter()
          .count()).isZero();
      // The JDK client asked for h2c by Upgrade, which the listener strips: HTTP/1.1, no HTTP/2 connection.
      assertThat(registry.get("lb4j.listener.http2.connections").functionCounter().count()).isZero();
      assertThat(registry.get("lb4j.listener.http2.streams").functionCounter().count()).isZero();
    }
  }
}
