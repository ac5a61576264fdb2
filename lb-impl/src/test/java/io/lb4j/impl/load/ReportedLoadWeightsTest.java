package io.lb4j.impl.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.lb4j.api.load.LoadAwarePolicy;
import io.lb4j.api.load.LoadReport;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** gRPC's weighted_round_robin weights, driven by an injected clock: no threads, no sleeping. */
class ReportedLoadWeightsTest {

  private static final long SECOND = 1_000_000_000L;
  private static final List<String> ABC = List.of("a", "b", "c");

  /** Starts near the top of the long range, so every age crosses the overflow: only differences may count. */
  private long now = Long.MAX_VALUE - 30 * SECOND;
  private final ReportedLoadWeights weights = new ReportedLoadWeights(LoadAwarePolicy.backendReports());

  private void advance(Duration d) {
    now += d.toNanos();
  }

  private void reportAll(double cpuA, double cpuB, double cpuC) {
    weights.onReport("a", LoadReport.of(cpuA, 100, 0), now);
    weights.onReport("b", LoadReport.of(cpuB, 100, 0), now);
    weights.onReport("c", LoadReport.of(cpuC, 100, 0), now);
  }

  @Test
  void weightOf_isQpsOverUtilizationPlusPenalisedErrorShare() {
    assertThat(ReportedLoadWeights.weightOf(LoadReport.of(0.5, 100, 10), 1.0)).isCloseTo(100 / 0.6, within(1e-9));
    assertThat(ReportedLoadWeights.weightOf(LoadReport.of(0.5, 100, 10), 2.5)).isCloseTo(100 / 0.75, within(1e-9));
    assertThat(ReportedLoadWeights.weightOf(LoadReport.of(0.5, 100, 10), 0)).as("penalty 0 ignores errors")
        .isEqualTo(200);
    assertThat(ReportedLoadWeights.weightOf(new LoadReport(0.9, 0, 0.25, 100, 0, Map.of(), Map.of()), 1))
        .as("application utilization preferred").isEqualTo(400);
    assertThat(ReportedLoadWeights.weightOf(LoadReport.of(0.5, 0, 0), 1)).as("no qps").isZero();
    assertThat(ReportedLoadWeights.weightOf(LoadReport.of(0, 100, 0), 1)).as("no utilization").isZero();
  }

  @Test
  void blackout_weightsAreUsedOnlyTenSecondsAfterTheFirstReport() {
    reportAll(0.2, 0.2, 0.6);
    advance(Duration.ofSeconds(10).minusNanos(1));
    reportAll(0.2, 0.2, 0.6);

    LoadWeights during = weights.weights(ABC, now);
    assertThat(during.toArray()).containsExactly(100, 100, 100);
    assertThat(during.equalFallback()).isTrue();
    assertThat(during.notYetUsable()).isEqualTo(3);

    advance(Duration.ofNanos(1));
    LoadWeights after = weights.weights(ABC, now);
    assertThat(after.toArray()).containsExactly(100, 100, 33);
    assertThat(after.usable()).isEqualTo(3);
    assertThat(after.equalFallback()).isFalse();
  }

  @Test
  void blackoutOff_usesTheFirstReport() {
    ReportedLoadWeights w = new ReportedLoadWeights(LoadAwarePolicy.builder().blackoutPeriod(Duration.ZERO).build());
    w.onReport("a", LoadReport.of(0.1, 100, 0), now);
    w.onReport("b", LoadReport.of(0.4, 100, 0), now);
    assertThat(w.weights(List.of("a", "b"), now).toArray()).containsExactly(100, 25);
  }

  @Test
  void expiry_aReportThreeMinutesOldFallsBackToTheMeanAndResumingServesANewBlackout() {
    reportAll(0.2, 0.2, 0.2);
    advance(Duration.ofSeconds(10));
    weights.onReport("a", LoadReport.of(0.1, 100, 0), now); // a: 1000, b and c: 500 from their first report
    long lastOfB = now - Duration.ofSeconds(10).toNanos();
    now = lastOfB + Duration.ofMinutes(3).toNanos() - 1;
    weights.onReport("a", LoadReport.of(0.1, 100, 0), now);
    weights.onReport("c", LoadReport.of(0.2, 100, 0), now);
    assertThat(weights.weights(ABC, now).toArray()).as("b's report is one nanosecond from expiry")
        .containsExactly(100, 50, 50);

    advance(Duration.ofNanos(1));
    LoadWeights expired = weights.weights(ABC, now);
    assertThat(expired.toArray()).as("b gets the mean of 1000 and 500").containsExactly(100, 75, 50);
    assertThat(expired.stale()).isEqualTo(1);
    assertThat(expired.usable()).isEqualTo(2);

    weights.onReport("b", LoadReport.of(0.4, 100, 0), now);
    assertThat(weights.weights(ABC, now).toArray()).as("b reports again: a new blackout").containsExactly(100, 75, 50);
    assertThat(weights.weights(ABC, now).notYetUsable()).isEqualTo(1);
    advance(Duration.ofSeconds(10));
    weights.onReport("a", LoadReport.of(0.1, 100, 0), now);
    weights.onReport("c", LoadReport.of(0.2, 100, 0), now);
    assertThat(weights.weights(ABC, now).toArray()).containsExactly(100, 25, 50);
  }

  @Test
  void ignoredReports_neitherChangeTheWeightNorKeepItFresh() {
    weights.onReport("a", LoadReport.of(0.5, 100, 0), now);
    assertThat(weights.onReport("a", LoadReport.of(0.5, 0, 0), now + SECOND)).isZero();
    assertThat(weights.onReport("a", LoadReport.of(0, 100, 0), now + SECOND)).isZero();
    assertThat(weights.usableWeight("a", now + 10 * SECOND)).isEqualTo(200);
    assertThat(weights.usableWeight("a", now + Duration.ofMinutes(3).toNanos())).as("expired from the first report")
        .isZero();
  }

  @Test
  void floorAndCap_keepEveryWeightWithinATenthAndTenTimesTheMean() {
    ReportedLoadWeights w = new ReportedLoadWeights(LoadAwarePolicy.builder().blackoutPeriod(Duration.ZERO).build());
    List<String> ids = new java.util.ArrayList<>();
    for (int i = 0; i < 20; i++) {
      ids.add("b" + i);
      // b0 claims a weight of 1000, the others 1: the mean is 50.95
      w.onReport("b" + i, LoadReport.of(i == 0 ? 0.1 : 100, 100, 0), now);
    }
    int[] bounded = w.weights(ids, now).toArray();
    assertThat(bounded[0]).isEqualTo(100); // capped at 509.5
    for (int i = 1; i < 20; i++) {
      assertThat(bounded[i]).as("raised to the floor, 5.095 = a hundredth of the cap").isEqualTo(1);
    }

    ReportedLoadWeights floorOnly = new ReportedLoadWeights(LoadAwarePolicy.builder().blackoutPeriod(Duration.ZERO)
        .build());
    floorOnly.onReport("a", LoadReport.of(100, 100, 0), now); // 1
    floorOnly.onReport("b", LoadReport.of(1, 100, 0), now); // 100
    floorOnly.onReport("c", LoadReport.of(1, 100, 0), now); // 100
    assertThat(floorOnly.weights(ABC, now).toArray()).as("1 raised to 6.7, a tenth of the mean 67")
        .containsExactly(7, 100, 100);
  }

  @Test
  void errorPenalty_lowersTheWeightOfABackendThatFails() {
    ReportedLoadWeights w = new ReportedLoadWeights(LoadAwarePolicy.builder().blackoutPeriod(Duration.ZERO).build());
    w.onReport("a", LoadReport.of(0.5, 100, 0), now);
    w.onReport("b", LoadReport.of(0.5, 100, 50), now); // half its requests fail: 100 / (0.5 + 0.5)
    assertThat(w.weights(List.of("a", "b"), now).toArray()).containsExactly(100, 50);
  }

  @Test
  void unknownBackends_getTheMeanAndCountAsNotYetUsable() {
    ReportedLoadWeights w = new ReportedLoadWeights(LoadAwarePolicy.builder().blackoutPeriod(Duration.ZERO).build());
    w.onReport("a", LoadReport.of(0.1, 100, 0), now); // 1000
    w.onReport("b", LoadReport.of(0.5, 100, 0), now); // 200
    LoadWeights lw = w.weights(ABC, now);
    assertThat(lw.toArray()).containsExactly(100, 20, 60);
    assertThat(lw.notYetUsable()).isEqualTo(1);
    assertThat(lw.size()).isEqualTo(3);
    assertThat(lw.weight(2)).isEqualTo(60);
    assertThat(lw).hasToString("LoadWeights[100, 20, 60]{usable=2, notYetUsable=1, stale=0}");
    assertThat(w.weights(List.of(), now).size()).isZero();
  }

  @Test
  void restartBlackout_makesAReturningBackendWaitAgain() {
    reportAll(0.2, 0.2, 0.6);
    advance(Duration.ofSeconds(10));
    assertThat(weights.weights(ABC, now).toArray()).containsExactly(100, 100, 33);

    weights.restartBlackout("c");
    weights.restartBlackout("nobody");
    assertThat(weights.weights(ABC, now).toArray()).as("c waits: the mean").containsExactly(100, 100, 100);
    weights.onReport("c", LoadReport.of(0.6, 100, 0), now);
    advance(Duration.ofSeconds(10));
    assertThat(weights.weights(ABC, now).toArray()).containsExactly(100, 100, 33);
  }

  @Test
  void forgetAndRetainOnly_dropDepartedBackends() {
    reportAll(0.2, 0.2, 0.2);
    assertThat(weights.tracked()).isEqualTo(3);
    weights.forget("a");
    assertThat(weights.tracked()).isEqualTo(2);
    weights.retainOnly(List.of("c", "d"));
    assertThat(weights.tracked()).isEqualTo(1);
    weights.retainOnly(Set.of());
    assertThat(weights.tracked()).isZero();
    assertThat(weights.usableWeight("c", now)).isZero();
  }

  @Test
  void stateObjects_giveTheSameWeightsAsIds_throughBlackoutExpiryAndRestart() {
    ReportedLoadWeights byState = new ReportedLoadWeights(LoadAwarePolicy.backendReports());
    List<ReportedLoadWeights.State> states = List.of(byState.newState(), byState.newState(), byState.newState());
    double[][] cpu = {{0.2, 0.2, 0.6}, {0.3, 0.2, 0.9}, {0.3, 0.1, 0.9}};
    for (int second = 0; second < 200; second++) {
      double[] c = cpu[second / 70];
      if (second != 120) { // one second without reports...
        reportAll(c[0], c[1], c[2]);
        for (int i = 0; i < 3; i++) {
          byState.onReport(states.get(i), LoadReport.of(c[i], 100, 0), now);
        }
      }
      if (second == 150) { // ...and a restart of b's blackout
        weights.restartBlackout("b");
        byState.restartBlackout(states.get(1));
      }
      assertThat(byState.weightsOf(states, now).toArray()).as("second %d", second)
          .containsExactly(weights.weights(ABC, now).toArray());
      advance(Duration.ofSeconds(1));
    }
    List<ReportedLoadWeights.State> withNew = List.of(states.get(0), byState.newState());
    assertThat(byState.weightsOf(withNew, now).notYetUsable()).as("a state that never reported").isEqualTo(1);
  }
}
