package io.lb4j.benchmarks.load;

import io.lb4j.api.Backend;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.health.HealthCheckPolicy;
import io.lb4j.api.load.LoadAwarePolicy;
import io.lb4j.api.scheduler.SchedulingAlgorithm;
import io.lb4j.impl.LoadBalancers;
import io.lb4j.impl.client.BalancedHttpClient;
import io.lb4j.testing.Behavior;
import io.lb4j.testing.HttpTestBackend;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Issue 22's fleet, shown with the test kit: three backends on loopback, one of which spends three times the
 * CPU per request, under a fixed offered load; the same traffic balanced four ways, in interleaved rounds:
 *
 * <ul>
 *   <li>{@code loadaware}: weighted round robin with {@code LoadAwarePolicy.backendReports()} as shipped
 *       (1 s updates, 10 s blackout): the backends' {@code endpoint-load-metrics} set the weights;
 *   <li>{@code latency}: weighted round robin with {@code LoadAwarePolicy.observedLatency()} as shipped;
 *   <li>{@code wrr}: static weighted round robin (equal weights), lb4j's default;
 *   <li>{@code p2c}: least-request power of two choices.
 * </ul>
 *
 * <p><b>The backends</b> are {@link HttpTestBackend}s with one core each ({@code cores(1)}): a request waits
 * for the core, then burns its CPU cost on it ({@code Behavior.cpu}, 1, 1 and 3 ms by default), so the
 * expensive backend saturates at a third of the rate and queues. Each reports its load over a 1 s window
 * ({@code loadReports}), utilization and qps over the same window.
 *
 * <p><b>The load</b> is open-loop: requests are sent at a fixed rate by one pacing thread through a
 * {@code BalancedHttpClient} ({@code sendAsync}), whatever the answers do, and each latency is measured from
 * the time the request was due (no coordinated omission). The first {@code warmup} seconds are not measured:
 * they cover the blackout of the shipped policy. Printed per mode: p50, p99, p99.9 and the expensive
 * backend's share of the measured requests; per round and as medians over the rounds, with the ratios of
 * {@code loadaware}'s p99 to the others'. For {@code loadaware}, the expensive backend's share second by second
 * of the first round shows how many update periods the weights take.
 *
 * <p>Run (after {@code mvn -B -pl lb-benchmarks -am package -DskipTests}), in a quiet window:
 * <pre>
 * java -cp lb-benchmarks/target/benchmarks.jar io.lb4j.benchmarks.load.LoadAwareFleet \
 *     rate=300 warmup=15 seconds=30 rounds=3 costs=1,1,3 modes=loadaware,latency,wrr,p2c
 * </pre>
 * A check that it works: {@code rate=100 warmup=12 seconds=3 rounds=1}. Every loop is bounded by its count
 * of requests and by time. The burnt CPU is about {@code rate x mean cost} (half a core at the defaults).
 */
public final class LoadAwareFleet {

  private static final Duration DRAIN = Duration.ofSeconds(30);

  private LoadAwareFleet() {}

  /** One mode's measured requests. */
  record Result(String mode, long[] latencyNanos, long sent, long failed, double expensiveShare, double[] perSecond) {
    long percentile(double p) {
      if (latencyNanos.length == 0) {
        return 0;
      }
      int i = (int) Math.min(latencyNanos.length - 1, Math.ceil(p / 100 * latencyNanos.length) - 1);
      return latencyNanos[Math.max(0, i)];
    }
  }

  /**
   * Runs the comparison.
   *
   * @param args {@code key=value}: rate, warmup, seconds, rounds, costs (ms, comma-separated, the last the
   *     expensive one), modes
   * @throws Exception when a backend cannot start
   */
  public static void main(String[] args) throws Exception {
    Map<String, String> a = new LinkedHashMap<>(Map.of("rate", "300", "warmup", "15", "seconds", "30", "rounds",
        "3", "costs", "1,1,3", "modes", "loadaware,latency,wrr,p2c"));
    for (String arg : args) {
      int eq = arg.indexOf('=');
      if (eq < 0 || !a.containsKey(arg.substring(0, eq))) {
        throw new IllegalArgumentException("arguments are key=value with keys " + a.keySet() + ", was '" + arg + "'");
      }
      a.put(arg.substring(0, eq), arg.substring(eq + 1));
    }
    int rate = Integer.parseInt(a.get("rate"));
    int warmup = Integer.parseInt(a.get("warmup"));
    int seconds = Integer.parseInt(a.get("seconds"));
    int rounds = Integer.parseInt(a.get("rounds"));
    double[] costs = Arrays.stream(a.get("costs").split(",")).mapToDouble(Double::parseDouble).toArray();
    List<String> modes = List.of(a.get("modes").split(","));
    System.out.printf(Locale.ROOT, "LoadAwareFleet: %d rps offered, %d s warm-up + %d s measured, %d rounds, CPU"
        + " per request %s ms, %d core each, JDK %s, %d CPUs%n", rate, warmup, seconds, rounds, a.get("costs"), 1,
        System.getProperty("java.version"), Runtime.getRuntime().availableProcessors());

    List<HttpTestBackend> fleet = new ArrayList<>();
    try {
      for (int i = 0; i < costs.length; i++) {
        HttpTestBackend b = HttpTestBackend.builder("b" + i).cores(1).loadReports(Duration.ofSeconds(1)).build()
            .start();
        b.set(Behavior.builder().cpu(Duration.ofNanos((long) (costs[i] * 1e6))).body("b" + i).build());
        fleet.add(b);
      }
      Map<String, List<Result>> results = new LinkedHashMap<>();
      for (int round = 1; round <= rounds; round++) {
        for (String mode : modes) {
          Result r = run(mode, fleet, rate, warmup, seconds);
          results.computeIfAbsent(mode, m -> new ArrayList<>()).add(r);
          System.out.printf(Locale.ROOT, "round %d %-9s p50 %7.2f ms  p99 %7.2f ms  p99.9 %7.2f ms  expensive"
              + " share %5.1f%%  sent %d failed %d%n", round, mode, r.percentile(50) / 1e6, r.percentile(99) / 1e6,
              r.percentile(99.9) / 1e6, 100 * r.expensiveShare(), r.sent(), r.failed());
          if (round == 1 && mode.equals("loadaware")) {
            StringBuilder s = new StringBuilder("  expensive backend's share, second by second:");
            for (double share : r.perSecond()) {
              s.append(String.format(Locale.ROOT, " %.0f", 100 * share));
            }
            System.out.println(s.append(" (%; weights from reports after the 10 s blackout, target ")
                .append(String.format(Locale.ROOT, "%.1f", 100 * target(costs))).append(")"));
          }
        }
      }
      summarize(results);
    } finally {
      fleet.forEach(HttpTestBackend::close);
    }
  }

  /** The expensive backend's share when every backend's weight is the inverse of its cost. */
  private static double target(double[] costs) {
    double sum = 0;
    for (double c : costs) {
      sum += 1 / c;
    }
    return (1 / costs[costs.length - 1]) / sum;
  }

  private static LoadBalancer pool(String mode, List<HttpTestBackend> fleet) {
    LoadBalancers.Builder b = LoadBalancers.builder().name("fleet-" + mode).healthCheck(HealthCheckPolicy.disabled());
    for (HttpTestBackend t : fleet) {
      b.backend(Backend.of(t.name(), t.host(), t.port()));
    }
    switch (mode) {
      case "loadaware" -> b.loadAware(LoadAwarePolicy.backendReports());
      case "latency" -> b.loadAware(LoadAwarePolicy.observedLatency());
      case "wrr" -> b.scheduler(SchedulingAlgorithm.WEIGHTED_ROUND_ROBIN);
      case "p2c" -> b.scheduler(SchedulingAlgorithm.LEAST_REQUEST_P2C);
      default -> throw new IllegalArgumentException("modes are loadaware, latency, wrr and p2c, was '" + mode + "'");
    }
    return b.build().start();
  }

  /** One mode: warm-up and measurement at {@code rate}, open loop. */
  private static Result run(String mode, List<HttpTestBackend> fleet, int rate, int warmup, int seconds)
      throws Exception {
    try (LoadBalancer pool = pool(mode, fleet)) {
      BalancedHttpClient client = BalancedHttpClient.builder(pool).attemptTimeout(Duration.ofSeconds(10)).build();
      HttpRequest request = HttpRequest.newBuilder(client.uri("/work")).build();
      int total = rate * (warmup + seconds);
      long interval = 1_000_000_000L / rate;
      long[] latency = new long[total];
      byte[] backend = new byte[total];
      AtomicLong failed = new AtomicLong();
      List<CompletableFuture<?>> pending = new ArrayList<>(total);
      long start = System.nanoTime() + 10_000_000L;
      for (int i = 0; i < total; i++) {
        long due = start + i * interval;
        long wait = due - System.nanoTime();
        if (wait > 0) {
          LockSupport.parkNanos(wait);
        }
        int n = i;
        pending.add(client.sendAsync(request, HttpResponse.BodyHandlers.ofString()).whenComplete((response, error) -> {
          latency[n] = System.nanoTime() - due; // from when it was due: a late send counts against the balancer
          if (error != null || response.statusCode() != 200) {
            failed.incrementAndGet();
            backend[n] = -1;
          } else {
            backend[n] = (byte) (response.body().charAt(1) - '0');
          }
        }));
      }
      CompletableFuture.allOf(pending.toArray(new CompletableFuture<?>[0])).exceptionally(e -> null)
          .get(DRAIN.toSeconds(), TimeUnit.SECONDS);
      int measuredFrom = rate * warmup;
      long[] measured = Arrays.copyOfRange(latency, measuredFrom, total);
      Arrays.sort(measured);
      int expensive = fleet.size() - 1;
      long onExpensive = 0;
      for (int i = measuredFrom; i < total; i++) {
        onExpensive += backend[i] == expensive ? 1 : 0;
      }
      double[] perSecond = new double[warmup + seconds];
      for (int s = 0; s < perSecond.length; s++) {
        int count = 0;
        for (int i = s * rate; i < (s + 1) * rate; i++) {
          count += backend[i] == expensive ? 1 : 0;
        }
        perSecond[s] = (double) count / rate;
      }
      return new Result(mode, measured, total, failed.get(), (double) onExpensive / Math.max(1, total - measuredFrom),
          perSecond);
    } finally {
      LockSupport.parkNanos(Duration.ofSeconds(2).toNanos()); // the backends' 1 s load windows empty out
    }
  }

  private static void summarize(Map<String, List<Result>> results) {
    System.out.println("medians over the rounds:");
    Map<String, Double> p99 = new LinkedHashMap<>();
    for (Map.Entry<String, List<Result>> e : results.entrySet()) {
      double m50 = median(e.getValue().stream().mapToDouble(r -> r.percentile(50) / 1e6).toArray());
      double m99 = median(e.getValue().stream().mapToDouble(r -> r.percentile(99) / 1e6).toArray());
      double m999 = median(e.getValue().stream().mapToDouble(r -> r.percentile(99.9) / 1e6).toArray());
      double share = median(e.getValue().stream().mapToDouble(Result::expensiveShare).toArray());
      p99.put(e.getKey(), m99);
      System.out.printf(Locale.ROOT, "  %-9s p50 %7.2f ms  p99 %7.2f ms  p99.9 %7.2f ms  expensive share %5.1f%%%n",
          e.getKey(), m50, m99, m999, 100 * share);
    }
    Double ours = p99.get("loadaware");
    if (ours != null) {
      for (Map.Entry<String, Double> e : p99.entrySet()) {
        if (!e.getKey().equals("loadaware")) {
          System.out.printf(Locale.ROOT, "  p99 loadaware / %s: %.2f%n", e.getKey(), ours / e.getValue());
        }
      }
    }
  }

  private static double median(double[] values) {
    double[] v = values.clone();
    Arrays.sort(v);
    return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  }
}
