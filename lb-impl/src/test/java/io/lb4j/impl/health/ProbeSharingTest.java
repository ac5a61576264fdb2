package io.lb4j.impl.health;

import static io.lb4j.api.health.HealthStatus.HEALTHY;
import static io.lb4j.api.health.HealthStatus.UNHEALTHY;
import static org.assertj.core.api.Assertions.assertThat;

import io.lb4j.api.Backend;
import io.lb4j.api.health.HealthCheckPolicy;
import io.lb4j.impl.health.Loopback.Transitions;
import io.lb4j.testing.TcpTestBackend;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A backend in several server groups is checked once per distinct check (issue 24): checkers with the same
 * check of the same address share one probe, whose results reach every checker; a different check is its own
 * probe; when the probing checker lets go, another takes over.
 */
class ProbeSharingTest {

  private static final HealthCheckPolicy FAST = HealthCheckPolicy.builder().interval(Duration.ofMillis(20))
      .responseTimeout(Duration.ofSeconds(5)).unhealthyThreshold(1).healthyThreshold(1).build();

  @Test
  void sameCheckOfTheSameBackend_isOneProbe_whoseResultsReachBothCheckers() throws Exception {
    try (TcpTestBackend server = Loopback.tcp(Loopback.nextHost());
        HealthChecker a = HealthChecker.builder(FAST).name("web/a").build();
        HealthChecker b = HealthChecker.builder(FAST).name("web/b").build()) {
      Transitions ta = new Transitions();
      Transitions tb = new Transitions();
      a.onTransition(ta);
      b.onTransition(tb);
      a.add(Backend.of("app-1", server.host(), server.port()));
      b.add(Backend.of("shared-app", server.host(), server.port())); // another id, the same address and check
      a.start();
      b.start();
      assertThat(ta.next().to()).isEqualTo(HEALTHY);
      assertThat(tb.next().to()).isEqualTo(HEALTHY);
      Loopback.await("20 probes", () -> a.metrics().probesSucceeded() + b.metrics().probesSucceeded() >= 20);

      long before = a.metrics().probesStarted() + b.metrics().probesStarted();
      Loopback.await("the backend accepted every probe started", () -> server.connections().count() >= before);
      int connections = server.connections().count();
      long after = a.metrics().probesStarted() + b.metrics().probesStarted();
      assertThat(Math.min(a.metrics().probesStarted(), b.metrics().probesStarted()))
          .as("one checker probes, the other only takes its results").isZero();
      assertThat(connections).as("the backend saw one connection per probe, not one per checker")
          .isBetween((int) before, (int) after);

      server.stop();
      assertThat(ta.next().to()).isEqualTo(UNHEALTHY);
      assertThat(tb.next().to()).as("the shared probe's failure reaches the other checker").isEqualTo(UNHEALTHY);
      assertThat(b.lastResult("shared-app")).isEqualTo(a.lastResult("app-1")).contains("refused");
    }
  }

  @Test
  void anotherCheck_isAProbeOfItsOwn() throws Exception {
    HealthCheckPolicy slower = FAST.toBuilder().interval(Duration.ofMillis(30)).build();
    try (TcpTestBackend server = Loopback.tcp(Loopback.nextHost());
        HealthChecker a = HealthChecker.builder(FAST).build();
        HealthChecker b = HealthChecker.builder(slower).build()) {
      a.add(Backend.of("x", server.host(), server.port()));
      b.add(Backend.of("x", server.host(), server.port()));
      a.start();
      b.start();
      Loopback.await("both probe", () -> a.metrics().probesSucceeded() >= 3 && b.metrics().probesSucceeded() >= 3);
    }
  }

  @Test
  void theProbingCheckerLetsGo_theOtherTakesOverTheProbes() throws Exception {
    try (TcpTestBackend server = Loopback.tcp(Loopback.nextHost());
        HealthChecker b = HealthChecker.builder(FAST).build()) {
      Transitions tb = new Transitions();
      b.onTransition(tb);
      HealthChecker a = HealthChecker.builder(FAST).build();
      a.add(Backend.of("x", server.host(), server.port()));
      a.start();
      Loopback.await("a probes", () -> a.metrics().probesSucceeded() >= 1);
      b.add(Backend.of("x", server.host(), server.port()));
      b.start();
      assertThat(tb.next().to()).isEqualTo(HEALTHY);
      assertThat(b.metrics().probesStarted()).as("b joined a's probes").isZero();

      a.close();
      Loopback.await("b probes on its own", () -> b.metrics().probesSucceeded() >= 3);
      server.stop();
      assertThat(tb.next().to()).isEqualTo(UNHEALTHY);
    }
  }

  @Test
  void aPolicyChange_leavesTheSharedProbe() throws Exception {
    try (TcpTestBackend server = Loopback.tcp(Loopback.nextHost());
        HealthChecker a = HealthChecker.builder(FAST).build();
        HealthChecker b = HealthChecker.builder(FAST).build()) {
      a.add(Backend.of("x", server.host(), server.port()));
      b.add(Backend.of("x", server.host(), server.port()));
      a.start();
      b.start();
      Loopback.await("probing", () -> a.metrics().probesSucceeded() + b.metrics().probesSucceeded() >= 3);
      HealthChecker follower = a.metrics().probesStarted() == 0 ? a : b;
      follower.setPolicy(FAST.toBuilder().interval(Duration.ofMillis(25)).build());
      Loopback.await("the follower probes on its own", () -> follower.metrics().probesSucceeded() >= 3);
    }
  }
}
