package io.lb4j.benchmarks.client;

import com.sun.net.httpserver.HttpServer;
import io.lb4j.api.Backend;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.Outcome;
import io.lb4j.api.RequestContext;
import io.lb4j.api.Selection;
import io.lb4j.api.health.HealthCheckPolicy;
import io.lb4j.impl.LoadBalancers;
import io.lb4j.impl.client.BalancedHttpClient;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
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

/**
 * What {@code BalancedHttpClient} adds to a request: one GET to a real backend on loopback, sent five
 * ways in one run, so that the ratios are what counts.
 *
 * <ul>
 *   <li>{@code JDK_DIRECT}: the JDK's {@code HttpClient.send} to a fixed backend, no balancing: the floor.
 *   <li>{@code JDK_DIRECT_ASYNC}: {@code HttpClient.sendAsync(...).get()}, the floor of the async path.
 *   <li>{@code LB4J_BY_HAND}: select, send with the same {@code HttpClient}, report, release, written out
 *       as the README's quick start does.
 *   <li>{@code LB4J_BALANCED}: {@code BalancedHttpClient.send} over the same pool and client.
 *   <li>{@code LB4J_BALANCED_ASYNC}: {@code BalancedHttpClient.sendAsync(...).get()}.
 * </ul>
 *
 * <p>Two backends (the JDK's {@code HttpServer} on 127.0.0.1 and 127.0.0.2, a 2-byte body), round robin,
 * health checks off, HTTP/1.1 keep-alive. Sample time mode reports the median (p0.50) per request. Run:
 * <pre>
 * java -jar lb-benchmarks/target/benchmarks.jar HttpClientBenchmark -f 1 -wi 3 -w 2s -i 5 -r 2s -t 1
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class HttpClientBenchmark {

  /** How a request is sent. */
  public enum Sender { JDK_DIRECT, JDK_DIRECT_ASYNC, LB4J_BY_HAND, LB4J_BALANCED, LB4J_BALANCED_ASYNC }

  /** The sender measured. */
  @Param
  public Sender sender;

  private final List<HttpServer> servers = new ArrayList<>();
  private ExecutorService serverThreads;
  private LoadBalancer pool;
  private HttpClient http;
  private BalancedHttpClient balanced;
  private HttpRequest direct;
  private HttpRequest poolRequest;

  /** Starts the backends, the pool and the clients. */
  @Setup(Level.Trial)
  public void setUp() throws IOException {
    System.setProperty("sun.net.httpserver.nodelay", "true"); // no Nagle delay on keep-alive responses
    serverThreads = Executors.newFixedThreadPool(4);
    LoadBalancers.Builder builder = LoadBalancers.builder().name("bench").healthCheck(HealthCheckPolicy.disabled());
    for (String host : new String[] {"127.0.0.1", "127.0.0.2"}) {
      HttpServer server = HttpServer.create(new InetSocketAddress(host, 0), 128);
      server.createContext("/", exchange -> {
        byte[] body = "ok".getBytes(StandardCharsets.US_ASCII);
        exchange.sendResponseHeaders(200, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(body);
        }
      });
      server.setExecutor(serverThreads);
      server.start();
      servers.add(server);
      builder.backend(Backend.of(host, host, server.getAddress().getPort()));
    }
    pool = builder.build();
    http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();
    balanced = BalancedHttpClient.builder(pool).httpClient(http).build();
    direct = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + servers.get(0).getAddress().getPort() + "/"))
        .timeout(Duration.ofSeconds(10)).build();
    poolRequest = HttpRequest.newBuilder(balanced.uri("/")).build();
  }

  /** Stops everything. */
  @TearDown(Level.Trial)
  public void tearDown() {
    pool.close();
    servers.forEach(s -> s.stop(0));
    serverThreads.shutdownNow();
  }

  /**
   * One request, sent the way {@link #sender} says.
   *
   * @return the status, so that nothing is optimised away
   * @throws Exception when the request fails
   */
  @Benchmark
  public int get() throws Exception {
    switch (sender) {
      case JDK_DIRECT:
        return http.send(direct, HttpResponse.BodyHandlers.ofString()).statusCode();
      case JDK_DIRECT_ASYNC:
        return http.sendAsync(direct, HttpResponse.BodyHandlers.ofString()).get().statusCode();
      case LB4J_BY_HAND:
        return byHand();
      case LB4J_BALANCED:
        return balanced.send(poolRequest, HttpResponse.BodyHandlers.ofString()).statusCode();
      default:
        return balanced.sendAsync(poolRequest, HttpResponse.BodyHandlers.ofString()).get().statusCode();
    }
  }

  private int byHand() throws IOException, InterruptedException {
    long start = System.nanoTime();
    try (Selection s = pool.select(RequestContext.EMPTY)) {
      InetSocketAddress address = s.address();
      HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + address.getAddress().getHostAddress() + ":"
          + address.getPort() + "/")).timeout(Duration.ofSeconds(10)).build();
      HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
      pool.report(s, Outcome.httpStatus(response.statusCode(), Duration.ofNanos(System.nanoTime() - start)));
      return response.statusCode();
    }
  }
}
