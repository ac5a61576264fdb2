package io.lb4j.benchmarks.load;

import io.lb4j.api.load.LoadAwarePolicy;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * What load-aware weights cost, lb4j beside gRPC-java's weighted_round_robin in one run: {@code report} applies
 * one backend's report (the weight formula and its bookkeeping; gRPC's includes building its
 * {@code MetricReport}, lb4j's its {@code LoadReport}), {@code update} is one period's work for the whole pool
 * (every backend's weight with blackout and expiry, the mean fallback, the floor and cap, the scaling; gRPC's
 * also builds its static stride scheduler, lb4j's stops at the 1-100 weights its scheduler takes). Every
 * backend reported, past its blackout, with load drawn from a skewed distribution.
 *
 * <p>Run (from the repository root, after {@code mvn -B -pl lb-benchmarks -am package -DskipTests}):
 *
 * <pre>
 * java -jar lb-benchmarks/target/benchmarks.jar LoadWeightsBenchmark -f 1 -wi 3 -w 1s -i 5 -r 1s -prof gc
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class LoadWeightsBenchmark {

  @Param({"LB4J", "GRPC"})
  WeightCalculator.Type type;

  @Param({"10", "100", "1000"})
  int backends;

  private long now;
  private WeightCalculator calculator;
  private double[] cpu;
  private double[] qps;
  private int next;

  @Setup(Level.Trial)
  public void setUp() {
    calculator = type.create(backends, LoadAwarePolicy.backendReports(), () -> now);
    SplittableRandom random = new SplittableRandom(22);
    cpu = new double[backends];
    qps = new double[backends];
    for (int i = 0; i < backends; i++) {
      cpu[i] = 0.05 + Math.pow(random.nextDouble(), 3) * 0.9;
      qps[i] = 10 + random.nextInt(990);
      calculator.report(i, cpu[i], qps[i], random.nextInt(5));
    }
    now += TimeUnit.SECONDS.toNanos(11); // past the 10 s blackout
    for (int i = 0; i < backends; i++) {
      calculator.report(i, cpu[i], qps[i], 0);
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    calculator.close();
  }

  @Benchmark
  public void report() {
    int i = next;
    next = i + 1 == backends ? 0 : i + 1;
    calculator.report(i, cpu[i], qps[i], 1);
  }

  @Benchmark
  public Object update() {
    return calculator.update();
  }
}
