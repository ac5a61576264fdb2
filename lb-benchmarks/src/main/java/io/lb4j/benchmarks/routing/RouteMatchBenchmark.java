package io.lb4j.benchmarks.routing;

import io.lb4j.api.routing.ForwardingRules;
import io.lb4j.impl.routing.PathNormalizer;
import io.lb4j.impl.routing.Route;
import io.lb4j.impl.routing.RouteTable;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cost of matching one request to a server group ({@link RouteTable}), on a normalized path
 * ({@code match}: must allocate nothing, shown by {@code -prof gc}'s {@code gc.alloc.rate.norm} of 0 B/op) and
 * from a raw path that needs normalizing ({@code normalizeAndMatch}: dot segments and escapes, into a reused
 * builder).
 *
 * <p>Rules: {@code rules} in all, a third each exact hosts ({@code svcN.example.com} with a prefix
 * {@code /api/vN}), wildcards ({@code *.regionN.example.com}, {@code /}) and rules for any host
 * ({@code /static/N}), and a default group. Requests: 1,024 generated in {@code @Setup}, a mix of exact,
 * wildcard, any-host and default matches with paths 3-6 segments deep.
 *
 * <pre>
 * java -jar lb-benchmarks/target/benchmarks.jar RouteMatchBenchmark -prof gc
 * java -jar lb-benchmarks/target/benchmarks.jar RouteMatchBenchmark -f 1 -wi 1 -w 1s -i 1 -r 1s -prof gc  # a smoke run
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RouteMatchBenchmark {

  /** How many rules the table holds. */
  @Param({"12", "1200"})
  public int rules;

  private static final int REQUESTS = 1024;
  private RouteTable table;
  private final String[] hosts = new String[REQUESTS];
  private final String[] paths = new String[REQUESTS];
  private final String[] rawPaths = new String[REQUESTS];
  private final StringBuilder scratch = new StringBuilder(128);
  private int next;

  /** Builds the table and the requests. */
  @Setup
  public void setUp() {
    int third = rules / 3;
    ForwardingRules.Builder b = ForwardingRules.builder().defaultGroup("web");
    for (int i = 0; i < third; i++) {
      b.rule("svc" + i + ".example.com", "/api/v" + i, "svc" + i);
      b.rule("*.region" + i + ".example.com", "/", "region" + i);
      b.rule(null, "/static/" + i, "static" + (i % 8));
    }
    table = RouteTable.of(b.build());
    SplittableRandom r = new SplittableRandom(24);
    for (int i = 0; i < REQUESTS; i++) {
      int k = r.nextInt(Math.max(1, third));
      switch (i % 4) {
        case 0:
          hosts[i] = "svc" + k + ".example.com";
          paths[i] = "/api/v" + k + "/users/" + r.nextInt(100_000);
          break;
        case 1:
          hosts[i] = "edge" + r.nextInt(50) + ".region" + k + ".example.com:443";
          paths[i] = "/app/page/" + r.nextInt(1000) + "/index.html";
          break;
        case 2:
          hosts[i] = "cdn.other.test";
          paths[i] = "/static/" + k + "/js/app.js";
          break;
        default:
          hosts[i] = "unknown.test";
          paths[i] = "/not/routed/" + r.nextInt(1000);
      }
      rawPaths[i] = "/x/.." + paths[i].replace("/", "//").replaceFirst("a", "%61");
    }
  }

  /** One match on a normalized path. */
  @Benchmark
  public Route match() {
    int i = next++ & (REQUESTS - 1);
    return table.match(hosts[i], paths[i]);
  }

  /** Normalizing a raw path (dot segments, {@code //}, an escape), then matching. */
  @Benchmark
  public Route normalizeAndMatch() {
    int i = next++ & (REQUESTS - 1);
    return table.route(hosts[i], rawPaths[i], PathNormalizer.strict(), scratch);
  }
}
