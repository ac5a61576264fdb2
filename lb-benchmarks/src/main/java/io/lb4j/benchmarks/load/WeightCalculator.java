package io.lb4j.benchmarks.load;

import io.grpc.services.MetricReport;
import io.grpc.xds.GrpcWrrWeights;
import io.lb4j.api.load.LoadAwarePolicy;
import io.lb4j.api.load.LoadReport;
import io.lb4j.impl.load.LoadWeights;
import io.lb4j.impl.load.ReportedLoadWeights;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * One load-aware weight calculator behind a tiny adapter, lb4j's or gRPC's, so that the benchmarks and the
 * simulation run both through the same calls: a report per backend, an update per period, the resulting
 * shares. Single-threaded, like the code it wraps.
 */
public interface WeightCalculator extends AutoCloseable {

  /** Backend {@code index} reports CPU utilization, qps and eps. */
  void report(int index, double cpu, double qps, double eps);

  /** One period's update; returns what a picker would use (for the benchmark's blackhole). */
  Object update();

  /** The share of picks each backend gets from the last {@link #update}. */
  double[] shares();

  @Override
  void close();

  /** The implementations. */
  enum Type {
    /** lb4j's {@link ReportedLoadWeights}, weights scaled to 1-100 for its weighted round robin. */
    LB4J {
      @Override
      WeightCalculator create(int backends, LoadAwarePolicy policy, LongSupplier clock) {
        return new Lb4j(backends, policy, clock);
      }
    },
    /** gRPC-java's weighted_round_robin child state and static stride scheduler (grpc-xds). */
    GRPC {
      @Override
      WeightCalculator create(int backends, LoadAwarePolicy policy, LongSupplier clock) {
        return new Grpc(backends, policy, clock);
      }
    };

    abstract WeightCalculator create(int backends, LoadAwarePolicy policy, LongSupplier clock);
  }

  /**
   * lb4j's calculator as the pool runs it: each backend's state kept beside it (on the pool's member), so that
   * neither a report nor an update looks it up by id. Its shares are the exact shares of its weighted round
   * robin, weight over total.
   */
  final class Lb4j implements WeightCalculator {
    private final ReportedLoadWeights weights;
    private final List<ReportedLoadWeights.State> states = new ArrayList<>();
    private final LongSupplier clock;
    private LoadWeights last;

    Lb4j(int backends, LoadAwarePolicy policy, LongSupplier clock) {
      this.weights = new ReportedLoadWeights(policy);
      this.clock = clock;
      for (int i = 0; i < backends; i++) {
        states.add(weights.newState());
      }
    }

    @Override
    public void report(int index, double cpu, double qps, double eps) {
      weights.onReport(states.get(index), LoadReport.of(cpu, qps, eps), clock.getAsLong());
    }

    @Override
    public Object update() {
      last = weights.weightsOf(states, clock.getAsLong());
      return last;
    }

    @Override
    public double[] shares() {
      double total = 0;
      for (int i = 0; i < last.size(); i++) {
        total += last.weight(i);
      }
      double[] shares = new double[last.size()];
      for (int i = 0; i < shares.length; i++) {
        shares[i] = last.weight(i) / total;
      }
      return shares;
    }

    @Override
    public void close() {}
  }

  /** gRPC's code; its shares are counted over 100,000 picks of its static stride scheduler. */
  final class Grpc implements WeightCalculator {
    private static final int PICKS = 100_000;
    private final GrpcWrrWeights weights;
    private final int backends;
    private Object scheduler;

    Grpc(int backends, LoadAwarePolicy policy, LongSupplier clock) {
      this.backends = backends;
      this.weights = new GrpcWrrWeights(backends, policy.blackoutPeriod().toNanos(),
          policy.weightExpirationPeriod().toNanos(), (float) policy.errorUtilizationPenalty(), clock);
    }

    @Override
    public void report(int index, double cpu, double qps, double eps) {
      MetricReport report = GrpcWrrWeights.report(cpu, qps, eps);
      weights.onReport(index, report);
    }

    @Override
    public Object update() {
      scheduler = weights.update();
      return scheduler;
    }

    @Override
    public double[] shares() {
      int[] counts = new int[backends];
      for (int i = 0; i < PICKS; i++) {
        counts[GrpcWrrWeights.pick(scheduler)]++;
      }
      double[] shares = new double[backends];
      for (int i = 0; i < backends; i++) {
        shares[i] = (double) counts[i] / PICKS;
      }
      return shares;
    }

    @Override
    public void close() {
      weights.close();
    }
  }
}
