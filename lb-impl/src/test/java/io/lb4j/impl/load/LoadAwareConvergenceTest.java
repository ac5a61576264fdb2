package io.lb4j.impl.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.lb4j.api.load.LoadAwarePolicy;
import io.lb4j.api.load.LoadReport;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The scenario in a closed loop, without threads: three backends, one of which spends three times the
 * CPU per request; a fixed offered load is split by the weights; each backend reports what it served in the
 * last period. The slow backend's share must fall to its target, 1/7 (weights 3:3:1), and stay there.
 */
class LoadAwareConvergenceTest {

  private static final List<String> IDS = List.of("a", "b", "slow");
  private static final double[] CPU_SECONDS_PER_REQUEST = {0.001, 0.001, 0.003};
  private static final double OFFERED_RPS = 200;
  private static final long PERIOD = Duration.ofSeconds(1).toNanos();

  /**
   * Runs {@code periods} update periods; {@code smoothing} is the weight of the past in each backend's CPU
   * meter (0: it reports the last period's CPU; 0.5: an average that halves the old value each period, as
   * CPU meters smooth). Returns the slow backend's share in each period.
   */
  private static double[] run(LoadAwarePolicy policy, double smoothing, int periods) {
    ReportedLoadWeights weights = new ReportedLoadWeights(policy);
    double[] meter = new double[3];
    double[] slowShare = new double[periods];
    long now = 0;
    int[] w = {100, 100, 100};
    for (int p = 0; p < periods; p++) {
      double total = w[0] + w[1] + w[2];
      slowShare[p] = w[2] / total;
      now += PERIOD;
      for (int i = 0; i < 3; i++) {
        double rps = OFFERED_RPS * w[i] / total;
        meter[i] = smoothing * meter[i] + (1 - smoothing) * rps * CPU_SECONDS_PER_REQUEST[i];
        weights.onReport(IDS.get(i), LoadReport.of(meter[i], rps, 0), now);
      }
      w = weights.weights(IDS, now).toArray();
    }
    return slowShare;
  }

  @Test
  void slowBackend_getsEqualTrafficDuringTheBlackoutThenItsTargetShareAtOnce() {
    double[] share = run(LoadAwarePolicy.backendReports(), 0, 20);
    for (int p = 0; p <= 10; p++) {
      assertThat(share[p]).as("period %d, blackout", p).isCloseTo(1.0 / 3, within(1e-9));
    }
    for (int p = 11; p < 20; p++) {
      assertThat(share[p]).as("period %d", p).isCloseTo(1.0 / 7, within(0.005));
    }
  }

  /**
   * A CPU meter that averages over several periods while qps covers the last one: the formula then compares
   * numbers from different windows, and the share swings below its target before it settles (gRPC's formula
   * has the same property; backends should report both over one window). The swing is damped and bounded.
   */
  @Test
  void smoothedCpuMeter_undershootsThenSettlesWithinTenPeriods() {
    LoadAwarePolicy noBlackout = LoadAwarePolicy.builder().blackoutPeriod(Duration.ZERO).build();
    double[] share = run(noBlackout, 0.5, 30);
    int settled = -1;
    for (int p = share.length - 1; p >= 0 && Math.abs(share[p] - 1.0 / 7) < 0.01; p--) {
      settled = p;
    }
    assertThat(settled).as("first period from which the share stays within a point of 1/7").isBetween(1, 10);
    for (double s : share) {
      assertThat(s).as("the swing is bounded").isBetween(0.09, 1.0 / 3 + 1e-9);
    }
  }
}
