package io.lb4j.benchmarks.load;

import io.lb4j.api.load.LoadAwarePolicy;
import java.time.Duration;
import java.util.Locale;

/**
 * How many weight-update periods it takes for a backend that spends three times the CPU per request to lose
 * its extra traffic, lb4j beside gRPC-java's weighted_round_robin, in the same closed loop: three backends, a
 * fixed offered load split by the current weights, each backend reporting what it served over the last period
 * (qps, and CPU from a meter that is either exact for the period or smoothed over several, as CPU meters are).
 * Target: weights 3:3:1, so the slow backend's share falls from 1/3 to 1/7 (14.3%).
 *
 * <p>A simulation on a virtual clock (one period = 1 s), so its figures do not depend on the machine: they
 * count periods, not seconds. gRPC's share is counted over 100,000 picks of its own static stride scheduler,
 * lb4j's is its weight over the total (its weighted round robin is exact per cycle).
 *
 * <pre>
 * java -cp lb-benchmarks/target/benchmarks.jar io.lb4j.benchmarks.load.LoadAwareConvergence [periods]
 * </pre>
 */
public final class LoadAwareConvergence {

  private static final double[] CPU_SECONDS_PER_REQUEST = {0.001, 0.001, 0.003};
  private static final double OFFERED_RPS = 200;
  private static final double TARGET = 1.0 / 7;
  private static final double TOLERANCE = 0.01;
  private static final long PERIOD_NANOS = Duration.ofSeconds(1).toNanos();

  private LoadAwareConvergence() {}

  /** One run's outcome. */
  record Result(int settledAt, double lowest, double last) {}

  /**
   * Runs one scenario.
   *
   * @param type whose calculator
   * @param policy blackout, expiry, penalty
   * @param smoothing the weight of the past in each CPU meter (0: exact for the last period)
   * @param periods how many periods to run
   * @return the first period from which the slow backend's share stays within a point of 1/7 (-1: never),
   *     its lowest share and its last
   */
  static Result run(WeightCalculator.Type type, LoadAwarePolicy policy, double smoothing, int periods) {
    long[] now = {0};
    double[] meter = new double[3];
    double[] slowShare = new double[periods];
    try (WeightCalculator calculator = type.create(3, policy, () -> now[0])) {
      double[] shares = {1.0 / 3, 1.0 / 3, 1.0 / 3};
      for (int p = 0; p < periods; p++) {
        slowShare[p] = shares[2];
        now[0] += PERIOD_NANOS;
        for (int i = 0; i < 3; i++) {
          double rps = OFFERED_RPS * shares[i];
          meter[i] = smoothing * meter[i] + (1 - smoothing) * rps * CPU_SECONDS_PER_REQUEST[i];
          calculator.report(i, meter[i], rps, 0);
        }
        calculator.update();
        shares = calculator.shares();
      }
    }
    int settled = -1;
    for (int p = periods - 1; p >= 0 && Math.abs(slowShare[p] - TARGET) < TOLERANCE; p--) {
      settled = p;
    }
    double lowest = 1;
    for (double s : slowShare) {
      lowest = Math.min(lowest, s);
    }
    return new Result(settled, lowest, slowShare[periods - 1]);
  }

  /**
   * Prints the table.
   *
   * @param args optionally the number of periods per run (default 60)
   */
  public static void main(String[] args) {
    int periods = args.length > 0 ? Integer.parseInt(args[0]) : 60;
    LoadAwarePolicy defaults = LoadAwarePolicy.backendReports();
    LoadAwarePolicy noBlackout = defaults.toBuilder().blackoutPeriod(Duration.ZERO).build();
    System.out.printf(Locale.ROOT, "%-10s %-9s %-9s %18s %18s%n", "blackout", "meter", "impl",
        "settled at period", "lowest share");
    for (LoadAwarePolicy policy : new LoadAwarePolicy[] {defaults, noBlackout}) {
      for (double smoothing : new double[] {0, 0.5, 0.8}) {
        for (WeightCalculator.Type type : WeightCalculator.Type.values()) {
          Result r = run(type, policy, smoothing, periods);
          System.out.printf(Locale.ROOT, "%-10s %-9s %-9s %18s %17.1f%%%n",
              policy.blackoutPeriod().isZero() ? "off" : policy.blackoutPeriod().toSeconds() + " s",
              smoothing == 0 ? "exact" : "ewma " + smoothing, type,
              r.settledAt() < 0 ? "not in " + periods : Integer.toString(r.settledAt()), 100 * r.lowest());
        }
      }
    }
    System.out.printf(Locale.ROOT, "target share %.1f%%, settled = within %.0f point of it from then on%n",
        100 * TARGET, 100 * TOLERANCE);
  }
}
