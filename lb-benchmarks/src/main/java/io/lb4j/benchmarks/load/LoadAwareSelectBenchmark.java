package io.lb4j.benchmarks.load;

import io.lb4j.api.Backend;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.Outcome;
import io.lb4j.api.RequestContext;
import io.lb4j.api.Selection;
import io.lb4j.api.health.HealthCheckPolicy;
import io.lb4j.api.load.LoadAwarePolicy;
import io.lb4j.api.load.LoadReport;
import io.lb4j.api.scheduler.Scheduler;
import io.lb4j.api.scheduler.SchedulingAlgorithm;
import io.lb4j.impl.LoadBalancers;
import io.lb4j.impl.scheduler.Schedulers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * What load-aware weights cost on the request path, as a pool runs them: the weights are updated every
 * 100 ms on the pool's control thread while the benchmark picks (so a rebuilt schedule is published many times
 * during a measurement), beside the same pool with static weights. With {@code -prof gc}: a pick allocates
 * nothing, a select allocates its handle only, the same with and without load-aware weights, and handing in a
 * report (a volatile write and a counter) or an outcome (three counters) adds nothing.
 *
 * <ul>
 *   <li>{@code PICK}: the pool's scheduler's {@code pick} alone (the scheduler the pool rebuilds).
 *   <li>{@code SELECT}: {@code select} + release.
 *   <li>{@code SELECT_AND_REPORT}: {@code select}, the response's report handed in ({@code reportLoad}, the
 *       report already parsed), release; with observed latency, the outcome ({@code report}) instead.
 * </ul>
 *
 * <p>{@code weights}: {@code STATIC} (wrr, no load-aware), {@code REPORTS}, {@code LATENCY}. 10 backends,
 * health checks off. Run:
 * <pre>
 * java -jar lb-benchmarks/target/benchmarks.jar LoadAwareSelectBenchmark -t 1 -prof gc
 * java -jar lb-benchmarks/target/benchmarks.jar LoadAwareSelectBenchmark -t 2 -prof gc
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class LoadAwareSelectBenchmark {

  /** The weights of the pool. */
  public enum Weights { STATIC, REPORTS, LATENCY }

  /** What one operation does. */
  public enum Operation { PICK, SELECT, SELECT_AND_REPORT }

  private static final int BACKENDS = 10;

  @Param
  Weights weights;

  @Param
  Operation operation;

  private LoadBalancer lb;
  private Scheduler scheduler;
  private Map<String, LoadReport> reports;
  private final Outcome outcome = Outcome.success(Duration.ofMillis(3));

  @Setup(Level.Trial)
  public void setUp() {
    List<Backend> backends = new ArrayList<>();
    reports = new HashMap<>();
    for (int i = 0; i < BACKENDS; i++) {
      Backend b = Backend.of("b" + i, "10.0.0." + (i + 1), 8080);
      backends.add(b);
      reports.put(b.id(), LoadReport.of(0.1 + 0.05 * i, 100, 0)); // parsed once: what a listener hands in
    }
    scheduler = Schedulers.create(SchedulingAlgorithm.WEIGHTED_ROUND_ROBIN, 1);
    LoadBalancers.Builder b = LoadBalancers.builder().name("bench").healthCheck(HealthCheckPolicy.disabled())
        .scheduler(scheduler).backends(backends).seed(1);
    LoadAwarePolicy.Builder policy = LoadAwarePolicy.builder().blackoutPeriod(Duration.ZERO)
        .weightUpdatePeriod(Duration.ofMillis(100));
    if (weights == Weights.REPORTS) {
      b.loadAware(policy.build());
    } else if (weights == Weights.LATENCY) {
      b.loadAware(policy.signal(LoadAwarePolicy.Signal.OBSERVED_LATENCY).build());
    }
    lb = b.build().start();
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    lb.close();
  }

  @Benchmark
  public void run(Blackhole bh) {
    switch (operation) {
      case PICK -> bh.consume(scheduler.pick(RequestContext.EMPTY));
      case SELECT -> {
        Selection s = lb.select(RequestContext.EMPTY);
        bh.consume(s.backend());
        s.release();
      }
      default -> {
        Selection s = lb.select(RequestContext.EMPTY);
        if (weights == Weights.LATENCY) {
          lb.report(s, outcome);
        } else {
          lb.reportLoad(s, reports.get(s.backend().id()));
        }
        s.release();
      }
    }
  }
}
