package io.lb4j.benchmarks.load;

import io.lb4j.api.load.LoadReport;
import io.lb4j.impl.load.OrcaLoadReportParser;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * The cost of reading one {@code endpoint-load-metrics} header on the response path: a typical report from a
 * String (the balanced client's headers) and from the bytes of a response head (the listener's), and a report
 * with named metrics. gRPC reads a binary proto instead, so there is no peer here. {@code -prof gc} shows the
 * allocation: the {@link LoadReport} only (64 bytes), plus a 24-byte view for bytes.
 *
 * <pre>
 * java -jar lb-benchmarks/target/benchmarks.jar OrcaParseBenchmark -f 1 -wi 3 -w 1s -i 5 -r 1s -prof gc
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class OrcaParseBenchmark {

  private static final String TYPICAL = "TEXT cpu_utilization=0.734, rps_fractional=1285.5, eps=2";
  private static final String NAMED = "TEXT application_utilization=0.61, rps_fractional=88, eps=0,"
      + " named_metrics.queue=14, named_metrics.cache_hit=0.93, utilization.disk=0.2";

  private final OrcaLoadReportParser parser = OrcaLoadReportParser.strict();
  private final byte[] head = ("HTTP/1.1 200 OK\r\nendpoint-load-metrics: " + TYPICAL + "\r\n\r\n")
      .getBytes(StandardCharsets.ISO_8859_1);
  private final int from = head.length - 4 - TYPICAL.length();

  @Benchmark
  public LoadReport typicalString() {
    return parser.parse(TYPICAL);
  }

  @Benchmark
  public LoadReport typicalBytes() {
    return parser.parse(head, from, head.length - 4);
  }

  @Benchmark
  public LoadReport namedMetrics() {
    return parser.parse(NAMED);
  }
}
