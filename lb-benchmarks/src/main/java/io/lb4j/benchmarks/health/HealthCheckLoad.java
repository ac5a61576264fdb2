package io.lb4j.benchmarks.health;

import io.lb4j.api.Backend;
import io.lb4j.api.health.HealthCheckPolicy;
import io.lb4j.api.health.HealthStatus;
import io.lb4j.impl.health.ProbeMetrics;
import io.lb4j.impl.health.HealthChecker;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.InetSocketAddress;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A load harness for active health checking (not JMH: it measures a running system, not a method).
 *
 * <p>Starts {@code N} TCP backends on loopback (127.1.x.y addresses, accepted by a few NIO acceptor
 * threads, not a thread per backend), checks them with one {@link HealthChecker} at the given interval
 * for {@code D} seconds and reports: probes/s achieved vs scheduled, the checker's CPU time as cores
 * used, its thread count, the p99 lateness of probe starts, the TIME_WAIT sockets left behind, and the
 * measured detection latency of backends that die mid-run (their listening socket is closed, so
 * probes are refused) against the bound {@code unhealthyThreshold x interval + timeout (+ jitter)}.
 *
 * <p>Run (after {@code mvn -B verify}; the harness is built but never run by the build):
 * <pre>
 * ulimit -n 20000
 * java -cp lb-benchmarks/target/benchmarks.jar io.lb4j.benchmarks.health.HealthCheckLoad 5000 60
 * </pre>
 * Arguments: backends (default 5000), seconds (default 60), interval in ms (default 1000), backends
 * killed mid-run (default 20).
 */
public final class HealthCheckLoad {

  private HealthCheckLoad() {}

  public static void main(String[] args) throws Exception {
    System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 5000;
    int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 60;
    long intervalMs = args.length > 2 ? Long.parseLong(args[2]) : 1000;
    int kills = args.length > 3 ? Integer.parseInt(args[3]) : 20;

    HealthCheckPolicy policy = HealthCheckPolicy.builder().interval(Duration.ofMillis(intervalMs)).build();
    System.out.printf("health check load: %d TCP backends, %s, %d s%n", n, policy, seconds);

    try (Acceptors backends = new Acceptors(n, 2)) {
      HealthChecker checker = HealthChecker.builder(policy).build();
      CountDownLatch allHealthy = new CountDownLatch(n);
      Map<String, Long> unhealthyAt = new ConcurrentHashMap<>();
      checker.onTransition(t -> {
        if (t.to() == HealthStatus.HEALTHY) {
          allHealthy.countDown();
        } else {
          unhealthyAt.putIfAbsent(t.backend().id(), System.nanoTime());
        }
      });
      for (int i = 0; i < n; i++) {
        checker.add(Backend.of("b" + i, backends.host(i), backends.port(i)));
      }
      long start = System.nanoTime();
      checker.start();
      boolean healthy = allHealthy.await(intervalMs * 3 + 30_000, TimeUnit.MILLISECONDS);
      System.out.printf("all %d backends healthy: %s after %d ms%n", n, healthy,
          (System.nanoTime() - start) / 1_000_000);

      // Measure from the end of the first full interval (the random initial offsets) to the end.
      long warmUp = Math.max(2 * intervalMs, Math.min(5_000, seconds * 1000L / 4));
      sleepUntil(start + TimeUnit.MILLISECONDS.toNanos(warmUp));
      ProbeMetrics m0 = checker.metrics();
      long cpu0 = healthThreadCpuNanos();
      long t0 = System.nanoTime();

      sleepUntil(start + TimeUnit.SECONDS.toNanos(seconds) / 2);
      long[] killedAt = new long[kills];
      String[] killedIds = new String[kills];
      for (int k = 0; k < kills; k++) {
        int i = (int) ((long) k * n / Math.max(1, kills));
        killedIds[k] = "b" + i;
        backends.kill(i);
        killedAt[k] = System.nanoTime();
      }

      sleepUntil(start + TimeUnit.SECONDS.toNanos(seconds));
      ProbeMetrics m1 = checker.metrics();
      long cpu1 = healthThreadCpuNanos();
      long t1 = System.nanoTime();
      int threads = healthThreadCount();
      long timeWait = timeWaitSockets();

      long bound = policy.unhealthyThreshold() * intervalMs + policy.responseTimeout().toMillis();
      long boundWithJitter = bound + policy.unhealthyThreshold() * intervalMs * policy.jitterPercent() / 100;
      long waitEnd = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(boundWithJitter + 5_000);
      while (unhealthyAt.size() < kills && System.nanoTime() < waitEnd) {
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
      }
      checker.close();

      ProbeMetrics period = m1.since(m0);
      double secs = (t1 - t0) / 1e9;
      double scheduled = n * 1000.0 / intervalMs;
      double achieved = period.probesStarted() / secs;
      double cores = (cpu1 - cpu0) / 1e9 / secs;
      long[] latencies = new long[kills];
      int detected = 0;
      for (int k = 0; k < kills; k++) {
        Long at = unhealthyAt.get(killedIds[k]);
        latencies[k] = at == null ? Long.MAX_VALUE : (at - killedAt[k]) / 1_000_000;
        if (at != null) {
          detected++;
        }
      }
      Arrays.sort(latencies);

      System.out.printf("measured over %.1f s%n", secs);
      System.out.printf("probes/s: %.0f achieved vs %.0f scheduled (%.2f%%)%n", achieved, scheduled,
          100 * achieved / scheduled);
      System.out.printf("probe start lateness: p50 %s, p99 %s, p99.9 %s, max %s (since start)%n",
          ms(period.latenessPercentile(50)), ms(period.latenessPercentile(99)),
          ms(period.latenessPercentile(99.9)), ms(m1.maxLateness()));
      System.out.printf("probes: %d ok, %d failed, %d deferred by the in-flight cap%n",
          period.probesSucceeded(), period.probesFailed(), period.probesDeferred());
      System.out.printf("checker CPU: %.3f cores; checker threads: %d%n", cores, threads);
      System.out.printf("TIME_WAIT sockets on the box at the end: %d%n", timeWait);
      System.out.printf("detection of %d killed backends (connection refused): %d detected, min %d ms, "
          + "median %d ms, max %d ms; bound unhealthyThreshold x interval + timeout = %d ms "
          + "(+ jitter: %d ms)%n", kills, detected, latencies[0], latencies[kills / 2],
          latencies[kills - 1], bound, boundWithJitter);
    }
  }

  private static String ms(Duration d) {
    return String.format("%.1f ms", d.toNanos() / 1e6);
  }

  private static void sleepUntil(long nanoTime) {
    long left;
    while ((left = nanoTime - System.nanoTime()) > 0) {
      LockSupport.parkNanos(left);
    }
  }

  private static long healthThreadCpuNanos() {
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    long total = 0;
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.getName().startsWith("lb4j-health-")) {
        long cpu = mx.getThreadCpuTime(t.getId());
        if (cpu > 0) {
          total += cpu;
        }
      }
    }
    return total;
  }

  private static int healthThreadCount() {
    int count = 0;
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.getName().startsWith("lb4j-health-")) {
        count++;
      }
    }
    return count;
  }

  /** TIME_WAIT entries (state 06) in /proc/net/tcp, or -1 where unavailable. */
  private static long timeWaitSockets() {
    try {
      return Files.readAllLines(Path.of("/proc/net/tcp")).stream().skip(1)
          .filter(l -> l.trim().split("\\s+")[3].equals("06")).count();
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /**
   * N listening sockets on 127.1.x.y served by a few selector threads that accept and close; shared with
   * the pool harness ({@code io.lb4j.benchmarks.pool.PoolScale}). Not thread-safe except {@link #kill}.
   */
  public static final class Acceptors implements AutoCloseable {
    private final ServerSocketChannel[] channels;
    private final Selector[] selectors;
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean running = true;

    /**
     * Opens {@code n} listening sockets served by {@code threadCount} acceptor threads.
     *
     * @param n how many backends
     * @param threadCount how many acceptor threads
     * @throws IOException when a socket cannot be bound (raise {@code ulimit -n})
     */
    public Acceptors(int n, int threadCount) throws IOException {
      channels = new ServerSocketChannel[n];
      selectors = new Selector[threadCount];
      for (int s = 0; s < threadCount; s++) {
        selectors[s] = Selector.open();
      }
      for (int i = 0; i < n; i++) {
        ServerSocketChannel ch = ServerSocketChannel.open();
        ch.bind(new InetSocketAddress("127.1." + (i / 250) + "." + (1 + i % 250), 0), 128);
        ch.configureBlocking(false);
        ch.register(selectors[i % threadCount], SelectionKey.OP_ACCEPT);
        channels[i] = ch;
      }
      for (int s = 0; s < threadCount; s++) {
        Selector sel = selectors[s];
        Thread t = new Thread(() -> acceptLoop(sel), "backend-acceptor-" + s);
        t.setDaemon(true);
        t.start();
        threads.add(t);
      }
    }

    /**
     * The address of backend {@code i}.
     *
     * @param i the backend's index
     * @return its loopback address
     */
    public String host(int i) {
      return "127.1." + (i / 250) + "." + (1 + i % 250);
    }

    /**
     * The port of backend {@code i}.
     *
     * @param i the backend's index
     * @return its port
     */
    public int port(int i) {
      return channels[i].socket().getLocalPort();
    }

    /**
     * Closes backend {@code i}'s listening socket: its probes are refused from now on.
     *
     * @param i the backend's index
     * @throws IOException when closing fails
     */
    public void kill(int i) throws IOException {
      channels[i].close();
      selectors[i % selectors.length].wakeup(); // the fd is released when the selector deregisters it
    }

    private void acceptLoop(Selector sel) {
      try {
        while (running) {
          sel.select(key -> {
            ServerSocketChannel ch = (ServerSocketChannel) key.channel();
            try {
              SocketChannel c;
              while ((c = ch.accept()) != null) {
                c.close();
              }
            } catch (IOException ignored) {
              // A probe that reset before accept: nothing to do.
            }
          });
        }
      } catch (IOException | RuntimeException e) {
        if (running) {
          e.printStackTrace();
        }
      }
    }

    @Override
    public void close() throws IOException {
      running = false;
      for (Selector s : selectors) {
        s.wakeup();
      }
      for (ServerSocketChannel ch : channels) {
        ch.close();
      }
      for (Selector s : selectors) {
        s.close();
      }
    }
  }
}
