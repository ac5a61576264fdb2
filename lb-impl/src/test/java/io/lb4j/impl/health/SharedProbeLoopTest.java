package io.lb4j.impl.health;

import static io.lb4j.api.health.HealthStatus.HEALTHY;
import static org.assertj.core.api.Assertions.assertThat;

import io.lb4j.api.Backend;
import io.lb4j.api.health.HealthCheckPolicy;
import io.lb4j.impl.health.Loopback.Transitions;
import io.lb4j.testing.TcpTestBackend;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The one probe loop every checker of the process shares (issue 18 item 11). */
class SharedProbeLoopTest {

  private static final HealthCheckPolicy FAST = HealthCheckPolicy.builder().interval(Duration.ofMillis(20))
      .responseTimeout(Duration.ofSeconds(5)).unhealthyThreshold(1).healthyThreshold(1).build();

  @Test
  void aLoopKilledByAnError_isNotHandedOutAgain_andItsCheckersStillClose() throws Exception {
    try (TcpTestBackend server = Loopback.tcp(Loopback.nextHost())) {
      CountDownLatch thrown = new CountDownLatch(1);
      HealthChecker doomed = HealthChecker.builder(FAST).build();
      doomed.onTransition(t -> {
        thrown.countDown();
        throw new Error("a listener that throws an Error (not a RuntimeException) ends the loop");
      });
      doomed.add(Backend.of("a", server.host(), server.port()));
      doomed.start();
      assertThat(thrown.await(30, TimeUnit.SECONDS)).isTrue();
      Loopback.await("the loop ended", () -> HealthCheckerTcpTest.healthThreads().isEmpty());

      Transitions transitions = new Transitions();
      HealthChecker next = HealthChecker.builder(FAST).build();
      next.onTransition(transitions);
      next.add(Backend.of("b", server.host(), server.port()));
      next.start();
      assertThat(transitions.next().to()).as("a new checker gets a working loop").isEqualTo(HEALTHY);

      doomed.close(); // returns although its loop can no longer run the removal
      next.close();
    }
    Loopback.await("no probe thread left", () -> HealthCheckerTcpTest.healthThreads().isEmpty());
  }
}
