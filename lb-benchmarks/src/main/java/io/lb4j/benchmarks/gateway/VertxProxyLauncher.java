package io.lb4j.benchmarks.gateway;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.httpproxy.HttpProxy;
import java.net.InetSocketAddress;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The Java peer of {@code run-gateway-comparison.sh}: Vert.x's {@code vertx-http-proxy} reverse proxy on
 * loopback, with one event loop and a keep-alive upstream pool, in front of one backend. Prints
 * {@code listening 127.0.0.1:PORT} once it accepts and runs until the process is terminated.
 *
 * <pre>
 * java -cp lb-benchmarks/target/benchmarks.jar io.lb4j.benchmarks.gateway.VertxProxyLauncher \
 *     --backend 127.0.0.1:8080 [--port 0] [--event-loops 1] [--pool 64]
 * </pre>
 *
 * <p>{@code --pool}: the upstream pool's maximum of HTTP/1.1 connections (default 64, the comparison's client
 * connection count, as nginx's {@code keepalive 64}; lb4j's gateway keeps what the load needs by default).
 * The transport is Java NIO, as lb4j's.
 */
public final class VertxProxyLauncher {
  private VertxProxyLauncher() {}

  /**
   * Runs the launcher.
   *
   * @param args the options above
   * @throws Exception when the proxy cannot start, or interrupted while serving
   */
  public static void main(String[] args) throws Exception {
    LauncherArgs options;
    int port;
    int eventLoops;
    int poolSize;
    try {
      options = LauncherArgs.parse(args, Set.of("--port", "--event-loops", "--pool"));
      port = options.intValue("--port", 0, 0, 65535);
      eventLoops = options.intValue("--event-loops", 1, 1, 256);
      poolSize = options.intValue("--pool", 64, 1, 10_000);
      if (options.backends().size() != 1) {
        throw new IllegalArgumentException("--backend must be given once (the proxy has one origin), was "
            + options.backends().size() + " times");
      }
    } catch (IllegalArgumentException e) {
      System.err.println("vert.x proxy launcher: " + e.getMessage());
      System.exit(2);
      return;
    }
    InetSocketAddress origin = options.backends().get(0);
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(eventLoops));
    HttpClient upstream = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true),
        new PoolOptions().setHttp1MaxSize(poolSize));
    HttpProxy proxy = HttpProxy.reverseProxy(upstream);
    proxy.origin(origin.getPort(), origin.getHostString());
    HttpServer server = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(port))
        .requestHandler(proxy);
    server.listen().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        vertx.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
      } catch (Exception e) {
        System.err.println("vert.x proxy launcher: close: " + e);
      }
      stopped.countDown();
    }, "vertx-launcher-stop"));
    System.out.println("listening 127.0.0.1:" + server.actualPort());
    stopped.await();
  }
}
