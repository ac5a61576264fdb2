package io.lb4j.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.lb4j.api.Backend;
import io.lb4j.api.Listener;
import io.lb4j.api.Protocol;
import io.lb4j.api.health.HealthCheckPolicy;
import io.lb4j.api.persistence.SessionPersistence;
import io.lb4j.api.scheduler.SchedulingAlgorithm;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Keeps README's quick start compiling and true: the body below is the README snippet. */
class QuickStartTest {

  @Test
  void readmeQuickStart_buildsAValidListener() {
    Listener listener = Listener.builder("web", Protocol.HTTP, 0)
        .scheduler(SchedulingAlgorithm.WEIGHTED_ROUND_ROBIN)
        .healthCheck(HealthCheckPolicy.http().toBuilder()
            .path("/health").interval(Duration.ofMillis(500)).build())
        .sessionPersistence(SessionPersistence.insertCookie(Duration.ofMinutes(30)))
        .build();
    List<Backend> backends = List.of(
        Backend.of("a", "127.0.0.1", 8081, 3),
        Backend.of("b", "127.0.0.1", 8082, 1));
    System.out.println(listener);   // every value was validated by build()

    assertThat(listener.healthCheck().path()).isEqualTo("/health");
    assertThat(backends).extracting(Backend::weight).containsExactly(3, 1);
  }
}
