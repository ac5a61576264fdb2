package io.lb4j.benchmarks.client;

import com.sun.net.httpserver.HttpServer;
import io.lb4j.api.Backend;
import io.lb4j.api.LoadBalancer;
import io.lb4j.impl.LoadBalancers;
import io.lb4j.impl.client.BalancedHttpClient;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What {@code BalancedHttpClient} costs over the JDK's {@code HttpClient} alone under concurrency: the two
 * side by side in one run, against one fast backend on loopback, at each thread count (1 and 8 by default),
 * in interleaved rounds, reporting throughput, p99 latency and CPU time per request, and their ratios
 * (balanced / bare) as medians over the rounds.
 *
 * <p>Both send the same GET with the same settings: the bare client is built exactly as
 * {@code BalancedHttpClient} builds its default one (HTTP/1.1, no redirects, connect timeout 2 s) and
 * sends a prebuilt request to the backend's address; the balanced client is the shipped default
 * ({@code BalancedHttpClient.builder(pool).build()} over {@code LoadBalancers.builder()} with its defaults:
 * round robin, TCP health checks) and sends a prebuilt request to the pool. Each caller thread sends
 * synchronously ({@code send}) in a closed loop, as a request-per-thread application does.
 *
 * <p><b>CPU per request</b> is this process's CPU time ({@code OperatingSystemMXBean.getProcessCpuTime}:
 * the callers, the {@code HttpClient}'s threads, lb4j, the JIT and the GC) over the requests completed, so
 * the backend must run in another process: by default a child JVM running {@link FastBackend} (the JDK's
 * {@code HttpServer}, a 2-byte body); {@code --backend host:port} names one already running (nginx, for
 * example, as in issue 25). <b>Allocation</b> is the callers' allocated bytes per request
 * ({@code com.sun.management.ThreadMXBean}): what lb4j adds on the calling thread, independent of load.
 *
 * <p>Run (after {@code mvn -B -pl lb-benchmarks -am package -DskipTests}), in a quiet window:
 * <pre>
 * java -cp lb-benchmarks/target/benchmarks.jar io.lb4j.benchmarks.client.ClientOverhead \
 *     --threads 1,8 --seconds 10 --rounds 5 --warmup 10
 * </pre>
 * A short check that it works: {@code --seconds 1 --rounds 1 --warmup 1}. Every loop is bounded by the
 * measurement time.
 */
public final class ClientOverhead {

  private ClientOverhead() {}

  /** One measurement: requests, errors, process CPU nanoseconds, caller-allocated bytes, latency histogram. */
  record Result(long requests, long errors, double seconds, long cpuNanos, long allocatedBytes, Histogram latency) {
    double throughput() {
      return requests / seconds;
    }

    double cpuMicrosPerRequest() {
      return cpuNanos / 1000.0 / Math.max(1, requests);
    }

    double bytesPerRequest() {
      return allocatedBytes / (double) Math.max(1, requests);
    }
  }

  /** How a request is sent. */
  interface Sender {
    int send() throws Exception;
  }

  public static void main(String[] args) throws Exception {
    System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    int[] threads = {1, 8};
    int seconds = 10;
    int rounds = 5;
    int warmup = 10;
    String backendAddress = null;
    String only = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--threads" -> threads = Arrays.stream(args[++i].split(",")).mapToInt(Integer::parseInt).toArray();
        case "--seconds" -> seconds = Integer.parseInt(args[++i]);
        case "--rounds" -> rounds = Integer.parseInt(args[++i]);
        case "--warmup" -> warmup = Integer.parseInt(args[++i]);
        case "--backend" -> backendAddress = args[++i];
        case "--only" -> only = args[++i];
        default -> throw new IllegalArgumentException("unknown argument " + args[i]
            + " (expected --threads 1,8 --seconds 10 --rounds 5 --warmup 10 [--backend host:port]"
            + " [--only bare|balanced])");
      }
    }
    Process child = null;
    if (backendAddress == null) {
      child = FastBackend.spawn();
      backendAddress = FastBackend.awaitAddress(child);
    }
    try {
      if (only != null) {
        profile(backendAddress, only, threads[threads.length - 1], seconds);
      } else {
        run(backendAddress, threads, seconds, rounds, warmup);
      }
    } finally {
      if (child != null) {
        child.destroy();
        child.waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  private static void run(String address, int[] threadCounts, int seconds, int rounds, int warmup)
      throws Exception {
    String host = address.substring(0, address.lastIndexOf(':'));
    int port = Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
    System.out.printf(Locale.ROOT, "client overhead: backend %s, threads %s, %d s x %d rounds (warm-up %d s), %d"
        + " cores, %s%n", address, Arrays.toString(threadCounts), seconds, rounds, warmup,
        Runtime.getRuntime().availableProcessors(), System.getProperty("java.vm.version"));
    HttpClient bare = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .followRedirects(HttpClient.Redirect.NEVER).connectTimeout(BalancedHttpClient.DEFAULT_CONNECT_TIMEOUT).build();
    HttpRequest direct = HttpRequest.newBuilder(URI.create("http://" + host + ":" + port + "/")).build();
    try (LoadBalancer pool = LoadBalancers.builder().name("bench").backend(Backend.of("b", host, port)).build()
        .start()) {
      if (!pool.awaitAnyHealthy(Duration.ofSeconds(30))) {
        throw new IllegalStateException("the backend " + address + " never passed its health check");
      }
      BalancedHttpClient balanced = BalancedHttpClient.builder(pool).build();
      HttpRequest pooled = HttpRequest.newBuilder(balanced.uri("/")).build();
      Sender bareSender = () -> bare.send(direct, HttpResponse.BodyHandlers.ofString()).statusCode();
      Sender balancedSender = () -> balanced.send(pooled, HttpResponse.BodyHandlers.ofString()).statusCode();

      int maxThreads = Arrays.stream(threadCounts).max().orElse(1);
      measure(bareSender, maxThreads, warmup);
      measure(balancedSender, maxThreads, warmup);

      for (int threads : threadCounts) {
        Result[] bareResults = new Result[rounds];
        Result[] balancedResults = new Result[rounds];
        for (int r = 0; r < rounds; r++) {
          // Alternate which goes first, so neither always runs on a machine warmed (or loaded) by the other.
          if (r % 2 == 0) {
            bareResults[r] = measure(bareSender, threads, seconds);
            balancedResults[r] = measure(balancedSender, threads, seconds);
          } else {
            balancedResults[r] = measure(balancedSender, threads, seconds);
            bareResults[r] = measure(bareSender, threads, seconds);
          }
          System.out.printf(Locale.ROOT, "threads %d round %d: bare %s | balanced %s%n", threads, r + 1,
              describe(bareResults[r]), describe(balancedResults[r]));
        }
        summarize(threads, bareResults, balancedResults);
      }
    }
  }

  /**
   * {@code --only bare|balanced}: one sender alone for {@code seconds} (after as long a warm-up), for a
   * profiler (JFR, {@code perf}, {@code strace -c}) attached to this process.
   */
  private static void profile(String address, String only, int threads, int seconds) throws Exception {
    String host = address.substring(0, address.lastIndexOf(':'));
    int port = Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
    try (LoadBalancer pool = LoadBalancers.builder().name("bench").backend(Backend.of("b", host, port)).build()
        .start()) {
      pool.awaitAnyHealthy(Duration.ofSeconds(30));
      Sender sender;
      if (only.equals("bare")) {
        HttpClient bare = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .followRedirects(HttpClient.Redirect.NEVER).connectTimeout(BalancedHttpClient.DEFAULT_CONNECT_TIMEOUT)
            .build();
        HttpRequest direct = HttpRequest.newBuilder(URI.create("http://" + host + ":" + port + "/")).build();
        sender = () -> bare.send(direct, HttpResponse.BodyHandlers.ofString()).statusCode();
      } else {
        BalancedHttpClient balanced = BalancedHttpClient.builder(pool).build();
        HttpRequest pooled = HttpRequest.newBuilder(balanced.uri("/")).build();
        sender = () -> balanced.send(pooled, HttpResponse.BodyHandlers.ofString()).statusCode();
      }
      measure(sender, threads, seconds);
      System.out.printf(Locale.ROOT, "%s alone, %d threads: %s%n", only, threads, describe(measure(sender, threads,
          seconds)));
    }
  }

  private static String describe(Result r) {
    return String.format(Locale.ROOT, "%.0f req/s, p99 %.0f us, %.1f us CPU/req, %.0f B/req on the caller%s",
        r.throughput(), r.latency().quantileMicros(0.99), r.cpuMicrosPerRequest(), r.bytesPerRequest(),
        r.errors() > 0 ? ", " + r.errors() + " errors" : "");
  }

  private static void summarize(int threads, Result[] bare, Result[] balanced) {
    double[] throughput = new double[bare.length];
    double[] p99 = new double[bare.length];
    double[] cpu = new double[bare.length];
    for (int i = 0; i < bare.length; i++) {
      throughput[i] = balanced[i].throughput() / bare[i].throughput();
      p99[i] = balanced[i].latency().quantileMicros(0.99) / bare[i].latency().quantileMicros(0.99);
      cpu[i] = balanced[i].cpuMicrosPerRequest() / bare[i].cpuMicrosPerRequest();
    }
    System.out.printf(Locale.ROOT, "SUMMARY threads %d (medians over %d rounds): bare %.0f req/s, p99 %.0f us,"
            + " %.1f us CPU/req; balanced %.0f req/s, p99 %.0f us, %.1f us CPU/req; balanced/bare: throughput"
            + " %.3fx (rounds %.3f-%.3f), p99 %.2fx, CPU per request %+.1f%% (rounds %+.1f%% to %+.1f%%);"
            + " caller allocation %.0f vs %.0f B/req%n",
        threads, bare.length, median(bare, Result::throughput), median(bare, r -> r.latency().quantileMicros(0.99)),
        median(bare, Result::cpuMicrosPerRequest), median(balanced, Result::throughput),
        median(balanced, r -> r.latency().quantileMicros(0.99)), median(balanced, Result::cpuMicrosPerRequest),
        median(throughput), min(throughput), max(throughput), median(p99), (median(cpu) - 1) * 100,
        (min(cpu) - 1) * 100, (max(cpu) - 1) * 100, median(balanced, Result::bytesPerRequest),
        median(bare, Result::bytesPerRequest));
  }

  /** Runs {@code threads} closed-loop callers for {@code seconds} and returns what they did. */
  static Result measure(Sender sender, int threads, int seconds) throws Exception {
    com.sun.management.OperatingSystemMXBean os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    AtomicBoolean stop = new AtomicBoolean();
    CountDownLatch started = new CountDownLatch(threads);
    CountDownLatch go = new CountDownLatch(1);
    long[] requests = new long[threads];
    long[] errors = new long[threads];
    long[] allocated = new long[threads];
    Histogram[] latencies = new Histogram[threads];
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int id = t;
      latencies[t] = new Histogram();
      Thread w = new Thread(() -> {
        started.countDown();
        try {
          go.await();
        } catch (InterruptedException e) {
          return;
        }
        long before = mx.getCurrentThreadAllocatedBytes();
        long n = 0;
        long failed = 0;
        while (!stop.get()) {
          long start = System.nanoTime();
          try {
            if (sender.send() != 200) {
              failed++;
            }
          } catch (Exception e) {
            failed++;
          }
          latencies[id].record(System.nanoTime() - start);
          n++;
        }
        allocated[id] = mx.getCurrentThreadAllocatedBytes() - before;
        requests[id] = n;
        errors[id] = failed;
      }, "caller-" + t);
      workers.add(w);
      w.start();
    }
    started.await();
    long cpuBefore = os.getProcessCpuTime();
    long wallBefore = System.nanoTime();
    go.countDown();
    Thread.sleep(TimeUnit.SECONDS.toMillis(seconds));
    stop.set(true);
    for (Thread w : workers) {
      w.join(TimeUnit.SECONDS.toMillis(60));
    }
    long wall = System.nanoTime() - wallBefore;
    long cpu = os.getProcessCpuTime() - cpuBefore;
    Histogram all = new Histogram();
    for (Histogram h : latencies) {
      all.add(h);
    }
    return new Result(Arrays.stream(requests).sum(), Arrays.stream(errors).sum(), wall / 1e9, cpu,
        Arrays.stream(allocated).sum(), all);
  }

  private interface Metric {
    double of(Result r);
  }

  private static double median(Result[] results, Metric metric) {
    return median(Arrays.stream(results).mapToDouble(metric::of).toArray());
  }

  static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }

  private static double min(double[] values) {
    return Arrays.stream(values).min().orElse(Double.NaN);
  }

  private static double max(double[] values) {
    return Arrays.stream(values).max().orElse(Double.NaN);
  }

  /**
   * Latencies in microseconds with two significant digits: exact below 128 us, then 64 buckets per power
   * of two (within 1.6%). One per thread, merged after the measurement; allocation-free when recording.
   */
  static final class Histogram {
    private static final int SUB = 64;
    private final long[] counts = new long[128 + 40 * SUB];
    private long total;

    void record(long nanos) {
      long us = Math.max(0, nanos / 1000);
      counts[index(us)]++;
      total++;
    }

    private static int index(long us) {
      if (us < 128) {
        return (int) us;
      }
      int exp = 63 - Long.numberOfLeadingZeros(us); // 7 or more
      int mantissa = (int) ((us >>> (exp - 6)) & (SUB - 1));
      return Math.min(128 + (exp - 7) * SUB + mantissa, 128 + 40 * SUB - 1);
    }

    private static double value(int index) {
      if (index < 128) {
        return index;
      }
      int exp = (index - 128) / SUB + 7;
      int mantissa = (index - 128) % SUB;
      return (double) ((1L << exp) + ((long) mantissa << (exp - 6)));
    }

    void add(Histogram other) {
      for (int i = 0; i < counts.length; i++) {
        counts[i] += other.counts[i];
      }
      total += other.total;
    }

    double quantileMicros(double q) {
      long rank = (long) Math.ceil(q * total);
      long seen = 0;
      for (int i = 0; i < counts.length; i++) {
        seen += counts[i];
        if (seen >= rank && seen > 0) {
          return value(i);
        }
      }
      return Double.NaN;
    }
  }

  /**
   * The backend: the JDK's {@code HttpServer} on 127.0.0.1 answering {@code 200 ok} with keep-alive, in a
   * process of its own so that its CPU is not counted as the client's. Prints {@code LISTENING host:port}.
   */
  public static final class FastBackend {
    private FastBackend() {}

    public static void main(String[] args) throws IOException {
      System.setProperty("sun.net.httpserver.nodelay", "true"); // no Nagle delay on keep-alive responses
      HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 1024);
      byte[] body = "ok".getBytes(StandardCharsets.US_ASCII);
      server.createContext("/", exchange -> {
        exchange.sendResponseHeaders(200, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(body);
        }
      });
      server.setExecutor(Executors.newFixedThreadPool(4));
      server.start();
      System.out.println("LISTENING 127.0.0.1:" + server.getAddress().getPort());
      System.out.flush();
    }

    static Process spawn() throws IOException {
      String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
      return new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), FastBackend.class.getName())
          .redirectErrorStream(true).start();
    }

    static String awaitAddress(Process child) throws IOException {
      BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
      for (String line = out.readLine(); line != null; line = out.readLine()) {
        if (line.startsWith("LISTENING ")) {
          return line.substring("LISTENING ".length());
        }
      }
      throw new IOException("the backend process ended before it listened");
    }
  }
}
