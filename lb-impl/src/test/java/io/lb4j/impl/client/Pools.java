package io.lb4j.impl.client;

import io.lb4j.api.Backend;
import io.lb4j.api.Listener;
import io.lb4j.api.Protocol;
import io.lb4j.api.health.HealthCheckPolicy;
import io.lb4j.api.scheduler.SchedulingAlgorithm;
import io.lb4j.impl.LoadBalancers;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/** Pools of real loopback backends for the client tests, and a bounded wait. */
final class Pools {
  static final Duration DEADLINE = Duration.ofSeconds(30);

  private Pools() {}

  /**
   * A round-robin listener named {@code web} with health checks off, so every backend counts as
   * healthy and the client's retries alone decide whether a caller sees an error.
   */
  static Listener.Builder listener() {
    return Listener.builder("web", Protocol.HTTP, 0).healthCheck(HealthCheckPolicy.disabled())
        .scheduler(SchedulingAlgorithm.ROUND_ROBIN);
  }

  static CountingLoadBalancer pool(Listener listener, Backend... backends) {
    CountingLoadBalancer lb =
        new CountingLoadBalancer(LoadBalancers.builder(listener).backends(List.of(backends)).seed(7).build());
    lb.start();
    return lb;
  }

  static HttpRequest get(BalancedHttpClient client, String path) {
    return HttpRequest.newBuilder(client.uri(path)).GET().build();
  }

  static HttpRequest post(BalancedHttpClient client, String path) {
    return HttpRequest.newBuilder(client.uri(path)).POST(HttpRequest.BodyPublishers.ofString("order")).build();
  }

  static void await(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("timed out after " + DEADLINE.toSeconds() + "s waiting for: " + what);
      }
      LockSupport.parkNanos(2_000_000);
    }
  }
}
