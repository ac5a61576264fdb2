package io.lb4j.benchmarks.scheduler;

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

/**
 * Throughput of one pick (plus release, for the connection-counting schedulers) for every lb4j
 * scheduler, the {@code AtomicLong}-over-array baseline and the peers, in one JMH run. Threads are set on
 * the command line ({@code -t 1}, {@code -t 2}); all threads share one scheduler, as a gateway does.
 *
 * <p>Run (from the repository root, after {@code mvn -B -pl lb-benchmarks -am package -DskipTests}):
 *
 * <pre>
 * java -jar lb-benchmarks/target/benchmarks.jar SchedulerPickBenchmark -f 1 -wi 3 -w 1s -i 5 -r 1s -t 1 \
 *     -prof gc -p type=LB4J_WRR,BASELINE_ATOMIC_ARRAY -p backends=10,10000
 * </pre>
 *
 * <p>{@code lb-benchmarks/run-schedulers.sh} runs the whole table of the module's README.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class SchedulerPickBenchmark {

  @Param({"BASELINE_ATOMIC_ARRAY", "LB4J_WRR", "LB4J_RR", "LB4J_WLC", "LB4J_P2C", "LB4J_SCH", "LB4J_TCH",
      "GRPC_STATIC_STRIDE", "DUBBO_ROUND_ROBIN", "DUBBO_CONSISTENT_HASH", "DUBBO_LEAST_ACTIVE", "ARMERIA_WRR",
      "ARMERIA_STICKY", "NGINX_SWRR_LOCKED"})
  PickerType type;

  @Param({"10", "100", "1000", "10000"})
  int backends;

  /** "random": weights 1-100; "coarse": weights from 100, 50, 20, 10. */
  @Param({"random"})
  String weights;

  Picker picker;

  /** Per-thread key cursor, so hash schedulers see many keys without a shared counter. */
  @State(Scope.Thread)
  public static class Keys {
    int next;
  }

  @Setup(Level.Trial)
  public void setUp() {
    picker = type.create(new BackendSet(backends, weights));
    for (int i = 0; i < BackendSet.KEYS; i++) {
      picker.pick(i); // build lazy structures (Dubbo's hash ring, Armeria's tables) outside the measurement
    }
  }

  @Benchmark
  public Object pick(Keys keys) {
    return picker.pick(keys.next++);
  }
}
