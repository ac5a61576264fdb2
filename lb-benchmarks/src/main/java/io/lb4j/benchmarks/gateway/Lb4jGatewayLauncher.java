package io.lb4j.benchmarks.gateway;

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
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;

/**
 * Starts an lb4j listener on loopback in front of the given backends for {@code run-gateway-comparison.sh},
 * prints {@code listening 127.0.0.1:PORT} once it accepts, and runs until the process is terminated (a
 * shutdown hook stops the listener with a one-second grace, then closes the pool).
 *
 * <pre>
 * java -cp lb-benchmarks/target/benchmarks.jar io.lb4j.benchmarks.gateway.Lb4jGatewayLauncher \
 *     --layer 7 --backend 127.0.0.1:8080 [--port 0] [--event-loops 1] [--health on] [--max-idle 64]
 * </pre>
 *
 * <ul>
 *   <li>{@code --layer 7}: an HTTP listener (requests proxied, backend connections pooled); {@code 4}: a TCP
 *       listener (connections relayed).</li>
 *   <li>{@code --event-loops}: event-loop threads (default 1, the same worker count as each peer).</li>
 *   <li>{@code --health on}: the pool checks its backends as a gateway would (Layer 7: {@code HEAD /}, Layer 4:
 *       a TCP connect; every 2 s, lb4j's defaults); {@code off}: every backend is always eligible.</li>
 *   <li>{@code --max-idle}: Layer 7, idle backend connections kept per backend and loop (default 64, the
 *       comparison's client connection count, as nginx's {@code keepalive 64}).</li>
 * </ul>
 *
 * <p>The access log is off (as in the peers' configurations) unless {@code -Dlb4j.accessLog=on}.
 */
public final class Lb4jGatewayLauncher {
  private Lb4jGatewayLauncher() {}

  /**
   * Runs the launcher.
   *
   * @param args the options above
   * @throws InterruptedException when interrupted while serving
   */
  public static void main(String[] args) throws InterruptedException {
    if (!"on".equals(System.getProperty("lb4j.accessLog"))) {
      // slf4j-simple reads its levels once, when the first logger is made: set before any lb4j class logs.
      System.setProperty("org.slf4j.simpleLogger.log.io.lb4j.access", "warn");
    }
    LauncherArgs options;
    String layer;
    int port;
    int eventLoops;
    boolean health;
    int maxIdle;
    try {
      options = LauncherArgs.parse(args, Set.of("--layer", "--port", "--event-loops", "--health", "--max-idle"));
      layer = options.choice("--layer", "7", Set.of("4", "7"));
      port = options.intValue("--port", 0, 0, 65535);
      eventLoops = options.intValue("--event-loops", 1, 1, 256);
      health = options.choice("--health", "on", Set.of("on", "off")).equals("on");
      maxIdle = options.intValue("--max-idle", 64, 0, 10_000);
    } catch (IllegalArgumentException e) {
      System.err.println("lb4j gateway launcher: " + e.getMessage());
      System.exit(2);
      return;
    }
    boolean http = layer.equals("7");
    HealthCheckPolicy check = !health ? HealthCheckPolicy.disabled()
        : http ? HealthCheckPolicy.http() : HealthCheckPolicy.defaults();
    Listener listener = Listener.builder("bench-l" + layer, http ? Protocol.HTTP : Protocol.TCP, port)
        .healthCheck(check)
        .build();
    List<Backend> backends = new ArrayList<>();
    for (InetSocketAddress address : options.backends()) {
      backends.add(Backend.of("b" + backends.size(), address.getHostString(), address.getPort()));
    }
    LoadBalancer pool = LoadBalancers.builder(listener).backends(backends).build().start();
    ListenerServer server = ListenerServer.builder(pool)
        .bindAddress(InetAddress.getLoopbackAddress())
        .eventLoops(eventLoops)
        .maxIdleConnectionsPerBackend(maxIdle)
        .build()
        .start();
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      server.stop(Duration.ofSeconds(1));
      pool.close();
      stopped.countDown();
    }, "lb4j-launcher-stop"));
    InetSocketAddress bound = server.localAddress();
    System.out.println("listening " + bound.getAddress().getHostAddress() + ":" + bound.getPort());
    stopped.await();
  }
}
