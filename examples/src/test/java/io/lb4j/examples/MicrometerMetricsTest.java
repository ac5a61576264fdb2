package io.lb4j.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.lb4j.api.Backend;
import io.lb4j.api.Listener;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.Protocol;
import io.lb4j.api.RequestContext;
import io.lb4j.api.Selection;
import io.lb4j.api.health.HealthCheckPolicy;
import io.lb4j.impl.LoadBalancers;
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
      assertThat(registry.get("lb4j.no_backend").tag("reason", "ALL_DRAINED").counter().count()).isEqualTo(1.0);
      assertThat(registry.get("lb4j.backend.weight").tag("backend", "a").gauge().value()).isZero();
    }
  }
}
