package io.lb4j.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Assertions pass on matching traffic and fail with messages that show what was observed. */
class TrafficAssertionsTest {

  private static Map<String, Integer> map(Object... kv) {
    Map<String, Integer> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put((String) kv[i], (Integer) kv[i + 1]);
    }
    return m;
  }

  @Test
  void sharesWithinTolerancePass() {
    assertThatCode(() -> TrafficAssertions.assertShares(map("a", 740, "b", 260), map("a", 3, "b", 1), 0.02))
        .doesNotThrowAnyException();
  }

  @Test
  void sharesOutsideToleranceFail_showingTheDistribution() {
    assertThatThrownBy(() -> TrafficAssertions.assertShares(map("a", 612, "b", 388), map("a", 3, "b", 1), 0.05))
        .isInstanceOf(AssertionError.class)
        .hasMessage("traffic shares are not within 5.0 points of the weights (1000 hits in total):"
            + "%n  a            weight 3    expected  75.0%%  observed  61.2%% (612)  <- off"
            + "%n  b            weight 1    expected  25.0%%  observed  38.8%% (388)  <- off", new Object[0]);
  }

  @Test
  void noTrafficAndUnexpectedBackendsFail() {
    assertThatThrownBy(() -> TrafficAssertions.assertShares(map("a", 0), map("a", 1), 0.1))
        .hasMessageStartingWith("traffic shares are not within 10.0 points of the weights (0 hits in total):");
    assertThatThrownBy(() -> TrafficAssertions.assertShares(map("a", 5, "x", 5), map("a", 1), 0.5))
        .hasMessageContaining("x            weight -    expected   0.0%  observed  50.0% (5)  <- off");
  }

  @Test
  void fleetSharesAreReadFromTheRecordings() throws IOException {
    try (BackendFleet fleet = BackendFleet.builder().http("w3", 3).http("w1", 1).build().start()) {
      for (int i = 0; i < 3; i++) {
        RawClient.get(fleet.http("w3"), "/");
      }
      RawClient.get(fleet.http("w1"), "/");
      TrafficAssertions.assertSharesMatchWeights(fleet, 0.0);
      RawClient.get(fleet.http("w1"), "/");
      assertThatThrownBy(() -> TrafficAssertions.assertSharesMatchWeights(fleet, 0.01))
          .hasMessageContaining("observed  60.0% (3)");
    }
  }

  @Test
  void noHitsAfterAMoment() throws Exception {
    try (HttpTestBackend b = HttpTestBackend.builder("late").build().start()) {
      RawClient.get(b, "/early");
      b.requests().await(1, Duration.ofSeconds(30));
      long mark = System.nanoTime();
      TrafficAssertions.assertNoHitsAfter(b, mark);
      RawClient.get(b, "/late");
      assertThatThrownBy(() -> TrafficAssertions.assertNoHitsAfter(b, mark))
          .hasMessageStartingWith("backend late got 1 of its 2 hits after the given moment, first ones:")
          .hasMessageContaining(": GET /late");
    }
  }

  @Test
  void callLogFailuresInsideTheWindowPass_outsideFailWithTheirTimes() {
    CallLog log = new CallLog();
    long t0 = 1_000_000_000L;
    log.success(t0 - 5_000_000);
    log.failure(t0 + 100_000_000, "HTTP 503");
    log.success(t0 + 3_000_000_000L);
    log.assertNoFailuresOutside(t0, Duration.ofSeconds(2));
    log.failure(t0 + 2_500_000_000L, "connect refused");
    log.failure(t0 - 1_000_000, "timeout");
    assertThat(log.failures()).hasSize(3);
    assertThatThrownBy(() -> log.assertNoFailuresOutside(t0, Duration.ofSeconds(2)))
        .hasMessage("2 of 5 calls failed outside the window [0, +2000 ms] (3 failed in all), first ones:"
            + "%n  at +2500 ms: connect refused%n  at -1 ms: timeout", new Object[0]);
    assertThatThrownBy(log::assertNoFailures).hasMessageStartingWith("3 of 5 calls failed, first ones:");
  }

  @Test
  void awaitReturnsOnceTheConditionHolds_andFailsWithTheObservedState() {
    AtomicInteger polls = new AtomicInteger();
    Await.until("three polls", () -> polls.incrementAndGet() >= 3);
    assertThat(polls).hasValue(3);
    assertThatThrownBy(() -> Await.until("never", () -> false, Duration.ofMillis(20), () -> "a=1, b=0"))
        .isInstanceOf(AssertionError.class)
        .hasMessage("timed out after 20ms waiting for never; observed: a=1, b=0");
  }
}
