package io.lb4j.benchmarks.diagnostics;

import io.lb4j.api.Backend;
import io.lb4j.api.Listener;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.Protocol;
import io.lb4j.api.health.HealthCheckPolicy;
import io.lb4j.impl.LoadBalancers;
import io.lb4j.impl.diagnostics.Diagnostics;
import io.lb4j.impl.diagnostics.FindingCode;
import io.lb4j.impl.diagnostics.Report;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cost of one diagnostics examination of a pool on a host whose socket tables are long, as in a TIME_WAIT
 * pile-up (the reference's cause 15): {@code net/tcp} and {@code net/tcp6} with {@code sockets} lines each, half
 * of them in TIME_WAIT towards the pool's backend. The gateway examines every pool every 30 s, so this is what
 * a pile-up costs it, in time and bytes per examination. The files come from a fake {@code /proc} tree
 * ({@code Diagnostics.Builder.procRoot}), so the figure does not depend on the machine's own sockets. Run:
 * <pre>
 * java -jar lb-benchmarks/target/benchmarks.jar HostExaminationBenchmark -prof gc
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class HostExaminationBenchmark {

  /** Lines in each of net/tcp and net/tcp6. */
  @Param({"30000"})
  int sockets;

  private Path proc;
  private LoadBalancer pool;
  private Diagnostics diagnostics;

  @Setup
  public void setUp() throws IOException {
    proc = Files.createTempDirectory("lb4j-proc");
    for (String iface : List.of("all", "default", "lo")) {
      write("sys/net/ipv4/conf/" + iface + "/rp_filter", List.of("0"));
    }
    write("sys/net/core/somaxconn", List.of("4096"));
    write("sys/net/ipv4/ip_local_port_range", List.of("32768\t60999"));
    write("sys/net/ipv4/tcp_tw_reuse", List.of("2"));
    write("net/netstat", List.of("TcpExt: ListenOverflows ListenDrops", "TcpExt: 0 0"));
    write("net/route", List.of("Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask"));
    // The backend is 127.0.0.1:8080: 0100007F:1F90 in the kernel's (little-endian) order.
    List<String> v4 = new ArrayList<>();
    List<String> v6 = new ArrayList<>();
    v4.add("  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode");
    v6.add("  sl  local_address                         remote_address                        st tx_queue"
        + " rx_queue tr tm->when retrnsmt   uid  timeout inode");
    for (int i = 0; i < sockets; i++) {
      String state = i % 2 == 0 ? "06" : "01";
      String port = String.format("%04X", 32768 + i % 28000);
      v4.add(String.format("%6d: 0100007F:%s 0100007F:1F90 %s 00000000:00000000 03:00001234 00000000     0"
          + "        0 0 3 0000000000000000", i, port, state));
      v6.add(String.format("%6d: 0000000000000000FFFF00000100007F:%s 0000000000000000FFFF00000100007F:1F90 %s"
          + " 00000000:00000000 03:00001234 00000000     0        0 0 3 0000000000000000", i, port, state));
    }
    write("net/tcp", v4);
    write("net/tcp6", v6);
    Listener listener = Listener.builder("bench", Protocol.TCP, 0).healthCheck(HealthCheckPolicy.disabled()).build();
    pool = LoadBalancers.builder(listener).backend(Backend.of("a", "127.0.0.1", 8080)).build().start();
    diagnostics = Diagnostics.builder().procRoot(proc).build();
    Report check = diagnostics.examine(pool);
    if (check.findings(FindingCode.TIME_WAIT_PILE_UP).isEmpty()) {
      throw new IllegalStateException("the fake tables should report a TIME_WAIT pile-up: " + check.findings());
    }
  }

  private void write(String relative, List<String> lines) throws IOException {
    Path p = proc.resolve(relative);
    Files.createDirectories(p.getParent());
    Files.write(p, lines);
  }

  @TearDown
  public void tearDown() throws IOException {
    pool.close();
    try (Stream<Path> files = Files.walk(proc)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.delete(p);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    }
  }

  /** One examination of the pool, host findings included. */
  @Benchmark
  public Report examine() {
    return diagnostics.examine(pool);
  }
}
