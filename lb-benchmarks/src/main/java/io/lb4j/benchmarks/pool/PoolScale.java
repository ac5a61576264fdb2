package io.lb4j.benchmarks.pool;

import io.lb4j.api.Backend;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.RequestContext;
import io.lb4j.api.Selection;
import io.lb4j.api.health.HealthCheckPolicy;
import io.lb4j.api.health.HealthStatus;
import io.lb4j.benchmarks.health.HealthCheckLoad.Acceptors;
import io.lb4j.impl.LoadBalancers;
import io.lb4j.impl.HealthCheckMetrics;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A load harness for the pool at scale (not JMH: it measures whole control-path operations and a running
 * pool, not a method). Three measures, each against the target of issue 8:
 *
 * <ol>
 *   <li><b>build</b>: build and start a pool of N backends (checks disabled, then TCP checks enabled);
 *       target under 200 ms for 10,000.
 *   <li><b>setBackends</b>: a whole-list update of N backends of which C changed (a third weight changes,
 *       a third removed, a third added); target under 50 ms for 10,000 with 1,000 changed.
 *   <li><b>mass outage</b>: N real TCP backends on loopback (127.1.x.y) checked every 2 s with
 *       thresholds 1; half of them stop listening at once. Reported: the time from the kill to the last of
 *       the N/2 transitions being published, the delay between each transition and its publication (the
 *       pool delivers a transition's event only after publishing it), and the probe thread's lateness
 *       over the outage; targets: all published within one check interval of their detection, p99
 *       lateness under 50 ms.
 * </ol>
 *
 * <p>Run (after {@code mvn -B -pl lb-benchmarks -am package -DskipTests}):
 * <pre>
 * ulimit -n 20000
 * java -cp lb-benchmarks/target/benchmarks.jar io.lb4j.benchmarks.pool.PoolScale 10000 1000 7
 * </pre>
 * Arguments: backends (10000), changed per update (1000), repetitions for the medians (7).
 */
public final class PoolScale {

  private PoolScale() {}

  /**
   * Runs the three measures and prints the results.
   *
   * @param args backends, changed per update, repetitions
   * @throws Exception when the harness cannot run (too few file descriptors)
   */
  public static void main(String[] args) throws Exception {
    // Errors only: 5,000 WARN lines for 5,000 transitions would measure the logger, not the pool.
    System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "error");
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
    int changed = args.length > 1 ? Integer.parseInt(args[1]) : 1_000;
    int reps = args.length > 2 ? Integer.parseInt(args[2]) : 7;
    System.out.printf("pool scale: %d backends, %d changed per update, %d repetitions, %s%n", n, changed, reps,
        Runtime.version());
    build(n, reps, HealthCheckPolicy.disabled(), "checks disabled");
    build(n, reps, HealthCheckPolicy.defaults(), "TCP checks");
    setBackends(n, changed, reps);
    massOutage(n);
  }

  private static List<Backend> backends(int n) {
    List<Backend> list = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      list.add(Backend.of("b" + i, "127.1." + (i / 250) + "." + (1 + i % 250), 1 + i % 60_000, 1 + i % 100));
    }
    return list;
  }

  private static void build(int n, int reps, HealthCheckPolicy policy, String label) {
    List<Backend> list = backends(n);
    long[] nanos = new long[reps + 2];
    for (int r = 0; r < nanos.length; r++) { // the first two warm the JIT up
      long t0 = System.nanoTime();
      LoadBalancer lb = LoadBalancers.builder().healthCheck(policy).backends(list).build().start();
      nanos[r] = System.nanoTime() - t0;
      lb.close();
    }
    report("build+start " + n + " (" + label + ")", Arrays.copyOfRange(nanos, 2, nanos.length), 200);
  }

  private static void setBackends(int n, int changed, int reps) {
    List<Backend> base = backends(n);
    try (LoadBalancer lb = LoadBalancers.builder().healthCheck(HealthCheckPolicy.disabled()).backends(base).build()) {
      SplittableRandom random = new SplittableRandom(42);
      long[] nanos = new long[reps + 2];
      int fresh = n;
      List<Backend> current = base;
      for (int r = 0; r < nanos.length; r++) {
        List<Backend> next = new ArrayList<>(current);
        Set<Integer> touched = new HashSet<>();
        while (touched.size() < changed) {
          touched.add(random.nextInt(next.size()));
        }
        List<Integer> indexes = new ArrayList<>(touched);
        for (int k = 0; k < indexes.size(); k++) {
          int i = indexes.get(k);
          if (k % 3 == 0) {
            next.set(i, next.get(i).withWeight(1 + (next.get(i).weight() % 100)));
          } else if (k % 3 == 1) {
            next.set(i, null); // removed
          } else {
            next.add(Backend.of("b" + fresh, "127.2." + (fresh / 250 % 250) + "." + (1 + fresh % 250), 8080));
            fresh++;
            next.set(i, null);
          }
        }
        next.removeIf(b -> b == null);
        long t0 = System.nanoTime();
        lb.setBackends(next);
        nanos[r] = System.nanoTime() - t0;
        current = next;
      }
      report("setBackends " + n + " with " + changed + " changed", Arrays.copyOfRange(nanos, 2, nanos.length), 50);
    }
  }

  private static void massOutage(int n) throws Exception {
    Duration interval = Duration.ofSeconds(2);
    HealthCheckPolicy policy = HealthCheckPolicy.builder().interval(interval).healthyThreshold(1)
        .unhealthyThreshold(1).build();
    try (Acceptors servers = new Acceptors(n, 2)) {
      List<Backend> list = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        list.add(Backend.of("b" + i, servers.host(i), servers.port(i)));
      }
      CountDownLatch allHealthy = new CountDownLatch(n);
      CountDownLatch halfDown = new CountDownLatch(n / 2);
      ConcurrentLinkedQueue<long[]> published = new ConcurrentLinkedQueue<>(); // {transition at, published at} micros
      try (LoadBalancer lb = LoadBalancers.builder().name("outage").healthCheck(policy).maxProbesInFlight(1024)
          .backends(list).build()) {
        lb.onHealthChanged(e -> {
          if (e.transition().to() == HealthStatus.HEALTHY) {
            allHealthy.countDown();
          } else {
            published.add(new long[] {micros(e.transition().at()), micros(Instant.now())});
            halfDown.countDown();
          }
        });
        lb.start();
        if (!allHealthy.await(60, TimeUnit.SECONDS)) {
          System.out.printf("mass outage: only %d of %d backends became healthy; aborted%n", n - allHealthy.getCount(), n);
          return;
        }
        HealthCheckMetrics quietStart = LoadBalancers.healthCheckMetrics(lb);
        Thread.sleep(interval.toMillis() * 2); // a steady-state baseline: two intervals, nothing failing
        HealthCheckMetrics before = LoadBalancers.healthCheckMetrics(lb);
        HealthCheckMetrics quiet = before.since(quietStart);
        long killedAt = micros(Instant.now());
        for (int i = 0; i < n; i += 2) {
          servers.kill(i);
        }
        boolean all = halfDown.await(60, TimeUnit.SECONDS);
        HealthCheckMetrics during = LoadBalancers.healthCheckMetrics(lb).since(before);
        long[] delays = published.stream().mapToLong(p -> p[1] - p[0]).sorted().toArray();
        long lastPublished = published.stream().mapToLong(p -> p[1]).max().orElse(killedAt);
        long lastDetected = published.stream().mapToLong(p -> p[0]).max().orElse(killedAt);
        int wrongPicks = 0;
        for (int i = 0; i < 20_000; i++) {
          try (Selection s = lb.select(RequestContext.EMPTY)) {
            int index = Integer.parseInt(s.backend().id().substring(1));
            if (index % 2 == 0) {
              wrongPicks++;
            }
          }
        }
        System.out.printf("mass outage: %d of %d backends killed at once, interval %s: all %d transitions published: %s%n",
            n / 2, n, interval, delays.length, all);
        System.out.printf("  kill -> last transition detected %d ms, -> last published %d ms (last detection -> its"
            + " publication %d ms)%n", (lastDetected - killedAt) / 1000, (lastPublished - killedAt) / 1000,
            (lastPublished - lastDetected) / 1000);
        System.out.printf("  transition -> publication delay: p50 %.1f ms, p99 %.1f ms, max %.1f ms (target: within"
            + " one interval, %d ms)%n", pct(delays, 50) / 1000.0, pct(delays, 99) / 1000.0,
            delays.length == 0 ? 0 : delays[delays.length - 1] / 1000.0, interval.toMillis());
        System.out.printf("  probe thread lateness during the outage: p50 %d ms, p99 %d ms (target p99 < 50 ms);"
            + " before it: p50 %d ms, p99 %d ms (histogram capped at 102 ms)%n",
            during.latenessPercentile(50).toMillis(), during.latenessPercentile(99).toMillis(),
            quiet.latenessPercentile(50).toMillis(), quiet.latenessPercentile(99).toMillis());
        System.out.printf("  20,000 selects after the outage picked a killed backend %d times%n", wrongPicks);
      }
    }
  }

  private static long micros(Instant at) {
    return at.getEpochSecond() * 1_000_000L + at.getNano() / 1_000;
  }

  private static long pct(long[] sorted, double p) {
    if (sorted.length == 0) {
      return 0;
    }
    return sorted[(int) Math.min(sorted.length - 1, Math.ceil(p / 100 * sorted.length) - 1)];
  }

  private static void report(String what, long[] nanos, long targetMillis) {
    long[] sorted = nanos.clone();
    Arrays.sort(sorted);
    double median = sorted[sorted.length / 2] / 1e6;
    System.out.printf("%s: median %.1f ms, min %.1f ms, max %.1f ms over %d runs (target < %d ms: %s)%n", what,
        median, sorted[0] / 1e6, sorted[sorted.length - 1] / 1e6, sorted.length, targetMillis,
        median < targetMillis ? "met" : "NOT met");
  }
}
