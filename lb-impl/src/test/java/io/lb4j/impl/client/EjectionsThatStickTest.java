package io.lb4j.impl.client;

import static io.lb4j.impl.client.Pools.get;
import static org.assertj.core.api.Assertions.assertThat;

import io.lb4j.api.Backend;
import io.lb4j.api.BackendView;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.Outcome;
import io.lb4j.api.health.HealthCheckPolicy;
import io.lb4j.api.health.HealthCheckType;
import io.lb4j.api.health.HealthStatus;
import io.lb4j.api.health.HealthTransition;
import io.lb4j.api.health.OutlierDetectionPolicy;
import io.lb4j.api.scheduler.SchedulingAlgorithm;
import io.lb4j.impl.LoadBalancers;
import io.lb4j.impl.ManualTimeSource;
import io.lb4j.impl.client.HttpTestBackend.Behaviour;
import io.lb4j.testing.Behavior;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 25 item 5: an ejection lasts until something that can see its cause ends it. Client-side pools
 * with the default TCP check (or an HTTP check), outlier detection with its defaults (5 failures, 30s
 * doubling to 300s, 3 trial calls) and a {@link ManualTimeSource}: ejection times move only when the test
 * says, while real probes run against real sockets, so nothing here depends on how fast the machine is.
 */
class EjectionsThatStickTest {

  private static final Instant START = Instant.parse("2030-01-01T00:00:00Z");
  private static final Duration BASE = OutlierDetectionPolicy.DEFAULT_BASE_EJECTION_TIME;
  private static final RetryPolicy NO_BACKOFF = RetryPolicy.builder().initialBackoff(Duration.ZERO)
      .maxBackoff(Duration.ZERO).budgetRatio(1.0).budgetBurst(1000).build();

  /** The pool inside the counting wrapper, for its health-check counters. */
  private LoadBalancer inner;

  private CountingLoadBalancer pool(ManualTimeSource time, HealthCheckPolicy check, Backend... backends) {
    inner = LoadBalancers.builder().name("web").timeSource(time).healthCheck(check)
        .outlierDetection(OutlierDetectionPolicy.builder().build()).scheduler(SchedulingAlgorithm.ROUND_ROBIN)
        .backends(List.of(backends)).seed(7).build();
    CountingLoadBalancer lb = new CountingLoadBalancer(inner);
    lb.start();
    Pools.await("every backend healthy", () -> lb.view().stream().allMatch(v -> v.health() == HealthStatus.HEALTHY));
    return lb;
  }

  private static BackendView view(LoadBalancer lb, String id) {
    return lb.view().stream().filter(v -> v.backend().id().equals(id)).findFirst().orElseThrow();
  }

  /** Sends GETs until {@code id} is ejected, reconciling the pool after each; returns how many it took. */
  private static int sendUntilEjected(BalancedHttpClient client, CountingLoadBalancer lb, ManualTimeSource time,
      String id) throws Exception {
    for (int i = 1; i <= 40; i++) {
      assertThat(client.send(get(client, "/"), BodyHandlers.ofString()).statusCode()).isEqualTo(200);
      time.advance(Duration.ZERO); // the pool applies the detector's verdict at once
      if (view(lb, id).ejected()) {
        return i;
      }
    }
    throw new AssertionError(id + " was not ejected after 40 requests: " + lb.view());
  }

  private void awaitProbes(int more) {
    long before = LoadBalancers.healthCheckMetrics(inner).probesSucceeded();
    Pools.await(more + " more passing probes", () -> LoadBalancers.healthCheckMetrics(inner).probesSucceeded()
        >= before + more);
  }

  @Test
  void slowBackend_staysEjectedWhileTcpChecksPass_andTheSecondEjectionLastsTwiceAsLong() throws Exception {
    ManualTimeSource time = ManualTimeSource.startingAt(START);
    try (HttpTestBackend slow = new HttpTestBackend("slow", "127.0.0.2").behave(Behaviour.HANG);
        HttpTestBackend fast = new HttpTestBackend("fast", "127.0.0.3");
        CountingLoadBalancer lb = pool(time, HealthCheckPolicy.defaults(), slow.backend(), fast.backend())) {
      BalancedHttpClient client = BalancedHttpClient.builder(lb).retryPolicy(NO_BACKOFF)
          .attemptTimeout(Duration.ofMillis(300)).deadline(Duration.ofSeconds(60)).build();

      sendUntilEjected(client, lb, time, "slow");
      assertThat(lb.outcomes(Outcome.Kind.TIMEOUT)).isEqualTo(5);

      // The slow backend's port accepts connections, so TCP checks keep passing: they must not end it.
      awaitProbes(4);
      assertThat(view(lb, "slow").ejected()).isTrue();
      int before = slow.requests();
      for (int i = 0; i < 10; i++) {
        assertThat(client.send(get(client, "/"), BodyHandlers.ofString()).body()).isEqualTo("fast");
      }
      assertThat(slow.requests()).isEqualTo(before);
      time.advance(BASE.minusMillis(1));
      assertThat(view(lb, "slow").ejected()).as("out for the whole first ejection").isTrue();
      time.advance(Duration.ofMillis(1));
      assertThat(view(lb, "slow").ejected()).as("back for its trial calls after 30s").isFalse();

      sendUntilEjected(client, lb, time, "slow"); // its three trial calls time out
      assertThat(lb.outcomes(Outcome.Kind.TIMEOUT)).isEqualTo(8);
      awaitProbes(4);
      time.advance(BASE.multipliedBy(2).minusMillis(1));
      assertThat(view(lb, "slow").ejected()).as("out for the whole second ejection, twice the first").isTrue();
      time.advance(Duration.ofMillis(1));
      assertThat(view(lb, "slow").ejected()).isFalse();

      List<HealthTransition> history = lb.healthHistory("slow", START, time.instant().plusSeconds(1));
      assertThat(history).extracting(HealthTransition::cause)
          .contains("ejected after 5 consecutive failures (last: timeout)")
          .noneMatch(cause -> cause.startsWith("ejection ended early"));
      assertThat(lb.outstanding()).isZero();
    }
  }

  @Test
  void httpCheck_endsA5xxEjection_butNeverATimeoutOne() throws Exception {
    ManualTimeSource time = ManualTimeSource.startingAt(START);
    HealthCheckPolicy http = HealthCheckPolicy.builder().type(HealthCheckType.HTTP).path("/health").build();
    try (io.lb4j.testing.HttpTestBackend failing = io.lb4j.testing.HttpTestBackend.builder("failing").build().start();
        io.lb4j.testing.HttpTestBackend fast = io.lb4j.testing.HttpTestBackend.builder("fast").build().start();
        CountingLoadBalancer lb = pool(time, http, failing.backend(), fast.backend())) {
      BalancedHttpClient client = BalancedHttpClient.builder(lb).retryPolicy(NO_BACKOFF)
          .attemptTimeout(Duration.ofMillis(300)).deadline(Duration.ofSeconds(60)).build();

      // The application answers 503 while its health path answers 200: an HTTP check sees 5xx answers end.
      failing.set(Behavior.status(503));
      sendUntilEjected(client, lb, time, "failing");
      failing.set(Behavior.ok());
      // The transition is recorded by the pool's thread once the detector ended the ejection.
      Pools.await("an HTTP check ends the 5xx ejection", () -> endedEarly(lb, time) == 1);
      time.advance(Duration.ZERO);
      assertThat(view(lb, "failing").ejected()).isFalse();
      assertThat(lb.healthHistory("failing", START, time.instant().plusSeconds(1)))
          .extracting(HealthTransition::cause).contains("ejected after 5 consecutive failures (last: HTTP 503)",
              "ejection ended early by a successful HTTP check");
      long endedEarly = endedEarly(lb, time);

      // Now it answers too slowly: its health path still answers at once, which says nothing about that.
      failing.set(Behavior.builder().latency(Duration.ofSeconds(2)).build());
      sendUntilEjected(client, lb, time, "failing");
      awaitProbes(4);
      time.advance(Duration.ZERO);
      assertThat(view(lb, "failing").ejected()).isTrue();
      assertThat(lb.healthHistory("failing", START, time.instant().plusSeconds(1))).extracting(HealthTransition::cause)
          .contains("ejected after 5 consecutive failures (last: timeout)");
      assertThat(endedEarly(lb, time)).as("no check ended the timeout ejection").isEqualTo(endedEarly);
    }
  }

  private static long endedEarly(LoadBalancer lb, ManualTimeSource time) {
    return lb.healthHistory("failing", START, time.instant().plusSeconds(1)).stream()
        .filter(t -> t.cause().startsWith("ejection ended early")).count();
  }
}
