package io.lb4j.examples;

import io.lb4j.api.BackendView;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.LoadBalancerEvent;
import io.lb4j.api.health.HealthStatus;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.function.ToDoubleFunction;

/**
 * Publishes a load balancer's counters to Micrometer. lb4j itself depends on no metrics library: its
 * {@link LoadBalancer#view()} and events carry the numbers, and a few lines like these bind them.
 *
 * <p>Meters (tagged {@code listener} and {@code backend}): {@code lb4j.backend.active} (gauge),
 * {@code lb4j.backend.picks} (function counter), {@code lb4j.backend.healthy} (1 or 0),
 * {@code lb4j.backend.weight} (effective weight), and {@code lb4j.no_backend} (counter, tagged
 * {@code reason}).
 */
public final class MicrometerMetrics {

  private MicrometerMetrics() {}

  /**
   * Binds gauges for every current backend of {@code lb} and a counter of "no eligible backend" events.
   * Call it again after adding backends.
   */
  public static void bind(LoadBalancer lb, MeterRegistry registry) {
    String listener = lb.listener().name();
    for (BackendView v : lb.view()) {
      String id = v.backend().id();
      Tags tags = Tags.of("listener", listener, "backend", id);
      Gauge.builder("lb4j.backend.active", lb, read(id, BackendView::activeConnections)).tags(tags).register(registry);
      FunctionCounter.builder("lb4j.backend.picks", lb, read(id, BackendView::picks)).tags(tags).register(registry);
      Gauge.builder("lb4j.backend.healthy", lb, read(id, x -> x.health() == HealthStatus.HEALTHY ? 1 : 0))
          .tags(tags).register(registry);
      Gauge.builder("lb4j.backend.weight", lb, read(id, BackendView::effectiveWeight)).tags(tags).register(registry);
    }
    lb.subscribe(event -> {
      if (event instanceof LoadBalancerEvent.NoEligibleBackend) {
        Counter.builder("lb4j.no_backend").tags("listener", listener, "reason",
            ((LoadBalancerEvent.NoEligibleBackend) event).reason().name()).register(registry).increment();
      }
    });
  }

  private static ToDoubleFunction<LoadBalancer> read(String id, ToDoubleFunction<BackendView> metric) {
    return lb -> {
      for (BackendView v : lb.view()) {
        if (v.backend().id().equals(id)) {
          return metric.applyAsDouble(v);
        }
      }
      return Double.NaN; // the backend left the pool
    };
  }
}
