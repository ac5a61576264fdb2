package io.lb4j.benchmarks.udp;

import io.lb4j.api.Backend;
import io.lb4j.api.Listener;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.Protocol;
import io.lb4j.api.health.HealthCheckPolicy;
import io.lb4j.impl.LoadBalancers;
import io.lb4j.impl.listener.ListenerServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CountDownLatch;

/**
 * The processes of the UDP comparison ({@code lb-benchmarks/run-udp-comparison.sh}), by first argument:
 *
 * <ul>
 *   <li>{@code echo [--port 0]}: the UDP echo backend ({@link UdpEchoServer}).</li>
 *   <li>{@code lb4j --backend 127.0.0.1:PORT [--port 0] [--event-loops 1]}: an lb4j UDP listener with its
 *       defaults (flows idle 60 s, datagrams up to 65,507 bytes, 10,000 flows; health checks off, as nginx's
 *       {@code stream} proxy has none), printing {@code listening 127.0.0.1:PORT} once it reads.</li>
 *   <li>{@code load --target 127.0.0.1:PORT [--clients 16] [--seconds 10] [--payload 64] [--warmup 2]}: the
 *       request-reply load ({@link UdpLoad}), printing one result line.</li>
 * </ul>
 *
 * <pre>
 * java -cp lb-benchmarks/target/benchmarks.jar io.lb4j.benchmarks.udp.UdpComparison lb4j --backend 127.0.0.1:9000
 * </pre>
 */
public final class UdpComparison {
  private UdpComparison() {}

  /**
   * Runs one of the processes.
   *
   * @param args the process and its options, above
   * @throws Exception when the process fails
   */
  public static void main(String[] args) throws Exception {
    System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    String mode = args.length > 0 ? args[0] : "";
    try {
      switch (mode) {
        case "echo":
          UdpEchoServer.run(Options.parse(args, 1, UdpEchoServer.options()));
          return;
        case "lb4j":
          lb4j(Options.parse(args, 1, Set.of("--backend", "--port", "--event-loops")));
          return;
        case "load":
          UdpLoad.run(Options.parse(args, 1, UdpLoad.options()));
          return;
        default:
          throw new IllegalArgumentException("the first argument must be echo, lb4j or load, was '" + mode + "'");
      }
    } catch (IllegalArgumentException e) {
      System.err.println("udp comparison: " + e.getMessage());
      System.exit(2);
    }
  }

  private static void lb4j(Options o) throws InterruptedException {
    InetSocketAddress backend = o.address("--backend");
    int port = o.intValue("--port", 0, 0, 65535);
    int loops = o.intValue("--event-loops", 1, 1, 256);
    Listener listener = Listener.builder("bench-udp", Protocol.UDP, port).healthCheck(HealthCheckPolicy.disabled())
        .build();
    LoadBalancer pool = LoadBalancers.builder(listener)
        .backend(Backend.of("b0", backend.getHostString(), backend.getPort())).build().start();
    ListenerServer server = ListenerServer.builder(pool).bindAddress(InetAddress.getLoopbackAddress())
        .eventLoops(loops).build().start();
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      System.out.println("lb4j udp metrics: " + server.udpMetrics());
      server.stop(Duration.ZERO);
      pool.close();
      stopped.countDown();
    }, "lb4j-udp-launcher-stop"));
    System.out.println("listening 127.0.0.1:" + server.localAddress().getPort());
    System.out.flush();
    stopped.await();
  }
}
