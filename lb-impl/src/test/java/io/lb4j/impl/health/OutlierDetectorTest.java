package io.lb4j.impl.health;

import static io.lb4j.api.health.HealthStatus.HEALTHY;
import static io.lb4j.api.health.HealthStatus.UNHEALTHY;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.lb4j.api.Backend;
import io.lb4j.api.Outcome;
import io.lb4j.api.health.HealthCheckType;
import io.lb4j.api.health.HealthTransition;
import io.lb4j.api.health.OutlierDetectionPolicy;
import io.lb4j.impl.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class OutlierDetectorTest {

  private static final Outcome OK = Outcome.success();
  private static final Outcome HTTP_503 = Outcome.httpStatus(503, Duration.ofMillis(3));
  private static final Outcome TIMEOUT = Outcome.failure(Outcome.Kind.TIMEOUT, Duration.ofSeconds(1));
  private static final Outcome RESET = Outcome.failure(Outcome.Kind.RESET, Duration.ofMillis(1));
  private static final Outcome CONNECT_FAILURE = Outcome.failure(Outcome.Kind.CONNECT_FAILURE, Duration.ofMillis(1));

  private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
  private final List<HealthTransition> transitions = new ArrayList<>();

  private OutlierDetector detector(OutlierDetectionPolicy policy, int backends) {
    OutlierDetector d = new OutlierDetector(policy, clock);
    d.onTransition(transitions::add);
    for (int i = 0; i < backends; i++) {
      d.add(Backend.of("b" + i, "127.0.0.1", 8000 + i));
    }
    return d;
  }

  private static void fail(OutlierDetector d, String id, int times, Outcome outcome) {
    for (int i = 0; i < times; i++) {
      d.report(id, outcome);
    }
  }

  @Test
  void fiveConsecutiveFailures_ejectTheBackend_withTheLastFailureInTheCause() {
    OutlierDetector d = detector(OutlierDetectionPolicy.builder().build(), 1);
    fail(d, "b0", 4, TIMEOUT);
    assertThat(d.isEjected("b0")).isFalse();

    d.report("b0", HTTP_503);

    assertThat(d.isEjected("b0")).isTrue();
    assertThat(transitions).hasSize(1);
    HealthTransition t = transitions.get(0);
    assertThat(t.from()).isEqualTo(HEALTHY);
    assertThat(t.to()).isEqualTo(UNHEALTHY);
    assertThat(t.cause()).isEqualTo("ejected after 5 consecutive failures (last: HTTP 503)");
    assertThat(t.at()).isEqualTo(clock.instant());
  }

  @Test
  void aSuccess_resetsTheFailureStreak() {
    OutlierDetector d = detector(OutlierDetectionPolicy.builder().build(), 1);
    fail(d, "b0", 4, HTTP_503);
    d.report("b0", OK);
    fail(d, "b0", 4, HTTP_503);
    assertThat(d.isEjected("b0")).isFalse();
    assertThat(transitions).isEmpty();
  }

  @Test
  void failureRateRule_ejectsWhenTheWindowIsFullAndTheRateReached() {
    OutlierDetector d = detector(OutlierDetectionPolicy.builder().consecutiveFailures(1000)
        .failureRatePercent(50).slidingWindowSize(10).build(), 1);
    for (int i = 0; i < 9; i++) {
      d.report("b0", i % 2 == 0 ? TIMEOUT : OK);
    }
    assertThat(d.isEjected("b0")).isFalse();
    d.report("b0", OK);
    assertThat(d.isEjected("b0")).isTrue();
    assertThat(transitions.get(0).cause()).isEqualTo("ejected: 50% of the last 10 calls failed (last: timeout)");
  }

  @Test
  void maxEjectionPercent_capsEjections_butOneMayAlwaysBeEjected() {
    OutlierDetector d = detector(OutlierDetectionPolicy.builder().maxEjectionPercent(10).build(), 3);
    fail(d, "b0", 5, HTTP_503);
    fail(d, "b1", 5, HTTP_503);

    assertThat(d.isEjected("b0")).as("10% of 3 rounds to 0, yet one may be ejected").isTrue();
    assertThat(d.isEjected("b1")).isFalse();
    assertThat(d.ejectedCount()).isEqualTo(1);
    assertThat(transitions).extracting(t -> t.backend().id()).containsExactly("b0");
    assertThat(d.breaker("b1").getState()).isEqualTo(CircuitBreaker.State.CLOSED);
  }

  @Test
  void expiredEjectionWithNoTraffic_givesUpItsPlaceUnderTheCap() {
    // Regression: b0's ejection ran out but, with no report to start its trial, it kept the only
    // place under the cap for good, so b1 could never be ejected.
    OutlierDetector d = detector(OutlierDetectionPolicy.builder().maxEjectionPercent(10).build(), 3);
    fail(d, "b0", 5, HTTP_503);
    clock.advance(Duration.ofHours(2));

    fail(d, "b1", 5, HTTP_503);

    assertThat(d.isEjected("b1")).isTrue();
    assertThat(d.isEjected("b0")).isFalse();
    assertThat(d.ejectedCount()).isEqualTo(1);
    assertThat(transitions).extracting(t -> t.backend().id() + " " + t.to() + " " + t.cause()).containsExactly(
        "b0 UNHEALTHY ejected after 5 consecutive failures (last: HTTP 503)",
        "b0 HEALTHY ejection time ran out with no trial calls",
        "b1 UNHEALTHY ejected after 5 consecutive failures (last: HTTP 503)");
    assertThat(d.breaker("b0").getState()).isEqualTo(CircuitBreaker.State.CLOSED);

    fail(d, "b0", 5, HTTP_503);
    assertThat(d.isEjected("b0")).as("b1's ejection still holds the place").isFalse();
  }

  @Test
  void expiredEjectionInItsTrial_keepsItsPlaceUnderTheCap() {
    OutlierDetector d = detector(OutlierDetectionPolicy.builder().maxEjectionPercent(10).trialCalls(3).build(), 3);
    fail(d, "b0", 5, HTTP_503);
    clock.advance(Duration.ofHours(2));
    d.report("b0", OK); // the first of three trial calls

    fail(d, "b1", 5, HTTP_503);

    assertThat(d.isEjected("b1")).isFalse();
    assertThat(d.ejectedCount()).isEqualTo(1);
    assertThat(transitions).extracting(t -> t.backend().id()).containsExactly("b0");
  }

  @Test
  void maxEjectionPercent_allowsItsShareOfALargerPool() {
    OutlierDetector d = detector(OutlierDetectionPolicy.builder().maxEjectionPercent(20).build(), 10);
    for (int i = 0; i < 4; i++) {
      fail(d, "b" + i, 5, HTTP_503);
    }
    assertThat(d.ejectedCount()).isEqualTo(2);
    assertThat(transitions).extracting(t -> t.backend().id()).containsExactly("b0", "b1");
  }

  @Test
  void ejectionTime_growsWithEachFailedTrial_andIsCapped() {
    OutlierDetector d = detector(OutlierDetectionPolicy.builder().baseEjectionTime(Duration.ofSeconds(10))
        .maxEjectionTime(Duration.ofSeconds(25)).trialCalls(1).build(), 1);
    fail(d, "b0", 5, HTTP_503);

    assertEjectedFor(d, Duration.ofSeconds(10));
    d.report("b0", HTTP_503); // the failed trial call
    assertEjectedFor(d, Duration.ofSeconds(20));
    d.report("b0", HTTP_503);
    assertEjectedFor(d, Duration.ofSeconds(25));
    d.report("b0", HTTP_503);
    assertEjectedFor(d, Duration.ofSeconds(25));

    d.report("b0", OK); // a successful trial call
    assertThat(d.isEjected("b0")).isFalse();
    assertThat(d.ejectedCount()).isZero();
    assertThat(transitions).extracting(HealthTransition::to).containsExactly(UNHEALTHY, HEALTHY);
    assertThat(transitions.get(1).cause()).isEqualTo("returned after 1 trial calls");

    // Four ejections in a row: after four base ejection times back in service the count is spent.
    clock.advance(Duration.ofSeconds(40));
    fail(d, "b0", 5, HTTP_503);
    assertEjectedFor(d, Duration.ofSeconds(10));
  }

  @Test
  void repeatedEjections_growAsThePolicyStates_evenWhenACheckEndedTheFirst() {
    // Issue 25 item 5: a backend ejected again soon after it came back was out for the base time again.
    OutlierDetector d = detector(OutlierDetectionPolicy.builder().baseEjectionTime(Duration.ofSeconds(30))
        .maxEjectionTime(Duration.ofSeconds(300)).build(), 1);
    fail(d, "b0", 5, HTTP_503);
    assertEjectedForAndEnd(d, Duration.ofSeconds(30));
    d.activeCheckSucceeded("b0", HealthCheckType.HTTP); // ends the (expired) 5xx ejection: back in service
    assertThat(d.isEjected("b0")).isFalse();

    clock.advance(Duration.ofSeconds(5));
    fail(d, "b0", 5, HTTP_503);
    assertEjectedFor(d, Duration.ofSeconds(60));

    d.report("b0", OK); // three passing trial calls
    d.report("b0", OK);
    d.report("b0", OK);
    assertThat(d.isEjected("b0")).isFalse();
    clock.advance(Duration.ofSeconds(29)); // not yet one base time back: the count is still 2
    fail(d, "b0", 5, HTTP_503);
    assertEjectedFor(d, Duration.ofSeconds(90));
    d.report("b0", OK);
    d.report("b0", OK);
    d.report("b0", OK);

    clock.advance(Duration.ofSeconds(90)); // three base times back in service: the count is spent
    fail(d, "b0", 5, HTTP_503);
    assertEjectedFor(d, Duration.ofSeconds(30));
    assertThat(transitions).extracting(HealthTransition::to)
        .containsExactly(UNHEALTHY, HEALTHY, UNHEALTHY, HEALTHY, UNHEALTHY, HEALTHY, UNHEALTHY);
  }

  private void assertEjectedForAndEnd(OutlierDetector d, Duration duration) {
    assertThat(d.isEjected("b0")).isTrue();
    clock.advance(duration.minusMillis(1));
    assertThat(d.isEjected("b0")).isTrue();
  }

  @Test
  void tcpCheck_neverEndsATimeoutOr5xxEjection_onlyAConnectFailureOne() {
    // Issue 25 item 5: a passing TCP check ended the ejection of a backend that answered after 5s.
    OutlierDetector d = detector(OutlierDetectionPolicy.builder().build(), 3);
    fail(d, "b0", 5, TIMEOUT);
    d.activeCheckSucceeded("b0", HealthCheckType.TCP);
    assertThat(d.isEjected("b0")).isTrue();
    d.activeCheckSucceeded("b0", HealthCheckType.HTTP);
    assertThat(d.isEjected("b0")).as("no check can see a timeout").isTrue();
    assertThat(d.ejectionKinds("b0")).containsExactly(Outcome.Kind.TIMEOUT);
    d.remove("b0");

    fail(d, "b1", 5, HTTP_503);
    d.activeCheckSucceeded("b1", HealthCheckType.TCP);
    assertThat(d.isEjected("b1")).isTrue();
    d.remove("b1");

    fail(d, "b2", 5, CONNECT_FAILURE);
    d.activeCheckSucceeded("b2", HealthCheckType.TCP);
    assertThat(d.isEjected("b2")).isFalse();
    assertThat(transitions).extracting(HealthTransition::cause).containsExactly(
        "ejected after 5 consecutive failures (last: timeout)",
        "ejected after 5 consecutive failures (last: HTTP 503)",
        "ejected after 5 consecutive failures (last: connect failure)",
        "ejection ended early by a successful TCP check");
  }

  @Test
  void udpCheck_endsOnlyAPortUnreachableEjection_neverOneItCannotSee() {
    // A UDP listener reports ICMP port unreachable as a connect failure; a UDP check that got its answer shows
    // the port is open again, and nothing about 5xx, resets or slow answers.
    OutlierDetector d = detector(OutlierDetectionPolicy.builder().maxEjectionPercent(100).build(), 4);
    fail(d, "b0", 5, TIMEOUT);
    fail(d, "b1", 5, HTTP_503);
    fail(d, "b2", 5, RESET);
    fail(d, "b3", 5, CONNECT_FAILURE);
    for (String id : new String[] {"b0", "b1", "b2", "b3"}) {
      d.activeCheckSucceeded(id, HealthCheckType.UDP);
    }
    assertThat(d.isEjected("b0")).isTrue();
    assertThat(d.isEjected("b1")).isTrue();
    assertThat(d.isEjected("b2")).isTrue();
    assertThat(d.isEjected("b3")).isFalse();
    assertThat(transitions.get(transitions.size() - 1).cause())
        .isEqualTo("ejection ended early by a successful UDP check");
  }

  @Test
  void httpCheck_mayEndA5xxOrResetEjection_butNotOneTimeoutsTookPartIn() {
    OutlierDetector d = detector(OutlierDetectionPolicy.builder().maxEjectionPercent(100).build(), 3);
    fail(d, "b0", 3, HTTP_503);
    fail(d, "b0", 2, RESET);
    d.activeCheckSucceeded("b0", HealthCheckType.HTTP);
    assertThat(d.isEjected("b0")).isFalse();

    fail(d, "b1", 4, HTTP_503);
    fail(d, "b1", 1, TIMEOUT);
    assertThat(d.ejectionKinds("b1")).containsExactlyInAnyOrder(Outcome.Kind.SERVER_ERROR, Outcome.Kind.TIMEOUT);
    d.activeCheckSucceeded("b1", HealthCheckType.HTTP);
    assertThat(d.isEjected("b1")).isTrue();

    // Only the streak that ejected counts: a timeout before a success is forgotten.
    d.report("b2", TIMEOUT);
    d.report("b2", OK);
    fail(d, "b2", 5, HTTP_503);
    assertThat(d.ejectionKinds("b2")).containsExactly(Outcome.Kind.SERVER_ERROR);
    d.activeCheckSucceeded("b2", HealthCheckType.HTTP);
    assertThat(d.isEjected("b2")).isFalse();
  }

  @Test
  void failedTrialCalls_addTheirKindToTheEjection() {
    OutlierDetector d = detector(OutlierDetectionPolicy.builder().trialCalls(1).build(), 1);
    fail(d, "b0", 5, HTTP_503);
    clock.advance(OutlierDetectionPolicy.DEFAULT_BASE_EJECTION_TIME);
    d.report("b0", TIMEOUT); // the failed trial call: ejected again, now for a timeout too
    assertThat(d.isEjected("b0")).isTrue();
    d.activeCheckSucceeded("b0", HealthCheckType.HTTP);
    assertThat(d.isEjected("b0")).isTrue();
    assertThat(d.ejectionKinds("b0")).containsExactlyInAnyOrder(Outcome.Kind.SERVER_ERROR, Outcome.Kind.TIMEOUT);
  }

  private void assertEjectedFor(OutlierDetector d, Duration duration) {
    assertThat(d.isEjected("b0")).isTrue();
    clock.advance(duration.minusMillis(1));
    assertThat(d.isEjected("b0")).as("ejected until %s", duration).isTrue();
    clock.advance(Duration.ofMillis(1));
    assertThat(d.isEjected("b0")).as("free after %s", duration).isFalse();
  }

  @Test
  void reportsDuringTheEjection_doNotExtendIt() {
    OutlierDetector d = detector(OutlierDetectionPolicy.builder().baseEjectionTime(Duration.ofSeconds(10))
        .build(), 1);
    fail(d, "b0", 5, HTTP_503);
    fail(d, "b0", 20, HTTP_503);
    clock.advance(Duration.ofSeconds(10));
    assertThat(d.isEjected("b0")).isFalse();
  }

  @Test
  void successfulActiveCheck_endsTheEjectionEarly() {
    OutlierDetector d = detector(OutlierDetectionPolicy.builder().build(), 1);
    fail(d, "b0", 5, HTTP_503);

    d.activeCheckSucceeded("b0", HealthCheckType.HTTP);

    assertThat(d.isEjected("b0")).isFalse();
    assertThat(d.ejectedCount()).isZero();
    assertThat(transitions).extracting(HealthTransition::cause).containsExactly(
        "ejected after 5 consecutive failures (last: HTTP 503)",
        "ejection ended early by a successful HTTP check");
    assertThat(d.breaker("b0").getState()).isEqualTo(CircuitBreaker.State.CLOSED);
  }

  @Test
  void successfulActiveCheck_changesNothingWhenThePolicySaysSo() {
    OutlierDetector d = detector(OutlierDetectionPolicy.builder().activeCheckEndsEjection(false).build(), 1);
    fail(d, "b0", 5, HTTP_503);
    d.activeCheckSucceeded("b0", HealthCheckType.HTTP);
    assertThat(d.isEjected("b0")).isTrue();
    assertThat(transitions).hasSize(1);
  }

  @Test
  void remove_dropsTheBreaker_andFreesItsPlaceUnderTheCap() {
    OutlierDetector d = detector(OutlierDetectionPolicy.builder().maxEjectionPercent(10).build(), 3);
    fail(d, "b0", 5, HTTP_503);
    assertThat(d.breakerCount()).isEqualTo(3);

    d.remove("b0");

    assertThat(d.breakerCount()).isEqualTo(2);
    assertThat(d.breaker("b0")).isNull();
    assertThat(d.isEjected("b0")).isFalse();
    assertThat(d.ejectedCount()).isZero();
    fail(d, "b1", 5, HTTP_503);
    assertThat(d.isEjected("b1")).isTrue();
  }

  @Test
  void disabledPolicy_neverEjects() {
    OutlierDetector d = detector(OutlierDetectionPolicy.disabled(), 1);
    fail(d, "b0", 100, HTTP_503);
    assertThat(d.isEjected("b0")).isFalse();
    assertThat(transitions).isEmpty();
  }

  @Test
  void concurrentReports_neverEjectMoreThanTheCap_andEmitOneTransitionPerEjection() throws Exception {
    List<HealthTransition> seen = new CopyOnWriteArrayList<>();
    OutlierDetector d = tenBackendsCappedAtThree(seen);
    failAllFromFourThreadsAtOnce(d);
    assertThat(d.ejectedCount()).isEqualTo(3);
    assertThat(seen).hasSize(3).allMatch(t -> t.to() == UNHEALTHY);
    assertThat(seen).extracting(t -> t.backend().id()).doesNotHaveDuplicates();
  }

  @Test
  void concurrentReports_afterEjectionsRanOut_stillNeverEjectMoreThanTheCap() throws Exception {
    List<HealthTransition> seen = new CopyOnWriteArrayList<>();
    OutlierDetector d = tenBackendsCappedAtThree(seen);
    for (int i = 0; i < 3; i++) {
      fail(d, "b" + i, 5, HTTP_503);
    }
    // All three places are held by ejections whose time ran out: each new trip at the cap may end
    // them while their own reports start trials and re-eject them, all at once.
    clock.advance(Duration.ofHours(2));
    failAllFromFourThreadsAtOnce(d);
    assertThat(d.ejectedCount()).isEqualTo(3);
    int ejectedNow = 0;
    for (int i = 0; i < 10; i++) {
      ejectedNow += d.isEjected("b" + i) ? 1 : 0;
    }
    assertThat(ejectedNow).isEqualTo(3);
    long out = seen.stream().filter(t -> t.to() == UNHEALTHY).count();
    long back = seen.stream().filter(t -> t.to() == HEALTHY).count();
    assertThat(out - back).as("ejection events minus return events").isEqualTo(3);
  }

  @Test
  void unknownBackend_isIgnored() {
    OutlierDetector d = detector(OutlierDetectionPolicy.builder().build(), 0);
    fail(d, "ghost", 10, HTTP_503);
    assertThat(d.isEjected("ghost")).isFalse();
  }

  /** Four threads released together each report 200 rounds of 503s for b0-b9. */
  private static void failAllFromFourThreadsAtOnce(OutlierDetector d) throws InterruptedException {
    CountDownLatch go = new CountDownLatch(1);
    List<Thread> threads = new ArrayList<>();
    for (int k = 0; k < 4; k++) {
      Thread t = new Thread(() -> {
        try {
          go.await();
        } catch (InterruptedException e) {
          return;
        }
        for (int round = 0; round < 200; round++) {
          for (int i = 0; i < 10; i++) {
            d.report("b" + i, HTTP_503);
          }
        }
      });
      t.start();
      threads.add(t);
    }
    go.countDown();
    for (Thread t : threads) {
      t.join(60_000);
      assertThat(t.isAlive()).as("reporting thread finished within 60s").isFalse();
    }
  }

  /** A detector over b0-b9 with a 30% cap (three ejections), reporting transitions to {@code seen}. */
  private OutlierDetector tenBackendsCappedAtThree(List<HealthTransition> seen) {
    OutlierDetector d = new OutlierDetector(OutlierDetectionPolicy.builder().maxEjectionPercent(30).build(),
        clock);
    d.onTransition(seen::add);
    for (int i = 0; i < 10; i++) {
      d.add(Backend.of("b" + i, "127.0.0.1", 8000 + i));
    }
    return d;
  }
}
