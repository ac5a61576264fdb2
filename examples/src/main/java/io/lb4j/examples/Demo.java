package io.lb4j.examples;

import io.lb4j.api.Listener;
import io.lb4j.api.Protocol;
import io.lb4j.api.health.HealthCheckPolicy;
import io.lb4j.api.persistence.SessionPersistence;
import java.time.Duration;

/**
 * The README's main job. For now it builds a listener the way a user would and prints it; the
 * client-side demo with real backends replaces it once the load balancer facade exists.
 */
public final class Demo {

  private Demo() {}

  /** Builds an HTTP listener with health checks and cookie persistence and prints it. */
  public static void main(String[] args) {
    Listener listener = Listener.builder("web", Protocol.HTTP, 8080)
        .healthCheck(HealthCheckPolicy.http().toBuilder()
            .path("/health")
            .interval(Duration.ofMillis(200))
            .build())
        .sessionPersistence(SessionPersistence.insertCookie(Duration.ofMinutes(30)))
        .build();
    System.out.println(listener);
  }
}
