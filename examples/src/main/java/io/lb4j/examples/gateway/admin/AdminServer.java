package io.lb4j.examples.gateway.admin;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.lb4j.examples.MicrometerMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's admin endpoint, on a port of its own (off unless the file has {@code admin:}, bound to
 * loopback unless it says otherwise):
 *
 * <ul>
 *   <li>{@code /status}: the status page for a person, redrawn every few seconds ({@link StatusPage});
 *   <li>{@code /status.json}: the same for tooling;
 *   <li>{@code /metrics}: every pool's and listener's counters in Prometheus' text format, through Micrometer's
 *       Prometheus registry ({@link MicrometerMetrics} binds them);
 *   <li>{@code /ready}: 200 when every listener runs and has a backend that can take traffic, else 503 with the
 *       reasons (what an orchestrator's readiness probe asks);
 *   <li>{@code /live}: 200 while the process answers (a liveness probe).
 * </ul>
 *
 * <p>Served by the JDK's own {@code com.sun.net.httpserver} on one daemon thread ({@code lb4j-admin}): no
 * dependency, and the admin traffic (a scrape every few seconds, a person's browser) never touches the
 * listeners' event loops. GET and HEAD only; anything else is 405.
 *
 * <p>Thread-safe. {@link #close()} stops it and its sampling thread.
 */
public final class AdminServer implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(AdminServer.class);
  /** How often the status samples its counters for the rates. */
  static final long SAMPLE_MILLIS = 2000;

  private final HttpServer server;
  private final ExecutorService handlers;
  private final ScheduledExecutorService sampler;
  private final GatewayStatus status;
  private final PrometheusMeterRegistry registry;

  private AdminServer(HttpServer server, ExecutorService handlers, ScheduledExecutorService sampler,
      GatewayStatus status, PrometheusMeterRegistry registry) {
    this.server = server;
    this.handlers = handlers;
    this.sampler = sampler;
    this.status = status;
    this.registry = registry;
  }

  /**
   * Binds {@code address:port} and serves what {@code served} lists.
   *
   * @throws IOException when the address cannot be bound (the port is in use)
   */
  public static AdminServer start(InetAddress address, int port, Supplier<List<GatewayStatus.Served>> served)
      throws IOException {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    for (GatewayStatus.Served s : served.get()) {
      MicrometerMetrics.bind(s.pool(), registry);
      MicrometerMetrics.bindFleet(s.pool().delegate(), registry);
      MicrometerMetrics.bind(s.server(), registry);
    }
    GatewayStatus status = new GatewayStatus(served);
    HttpServer server = HttpServer.create(new InetSocketAddress(address, port), 64);
    ExecutorService handlers = Executors.newSingleThreadExecutor(daemon("lb4j-admin"));
    ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor(daemon("lb4j-admin-sampler"));
    AdminServer admin = new AdminServer(server, handlers, sampler, status, registry);
    server.setExecutor(handlers);
    server.createContext("/", admin::handle);
    status.sample();
    sampler.scheduleWithFixedDelay(admin::sample, SAMPLE_MILLIS, SAMPLE_MILLIS, TimeUnit.MILLISECONDS);
    server.start();
    return admin;
  }

  private void sample() {
    try {
      status.sample();
    } catch (RuntimeException e) {
      log.warn("admin: sampling the status failed: {}", e.toString());
    }
  }

  private static java.util.concurrent.ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }

  /** Where the endpoint listens. */
  public InetSocketAddress address() {
    return server.getAddress();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String method = exchange.getRequestMethod();
      if (!method.equals("GET") && !method.equals("HEAD")) {
        exchange.getResponseHeaders().set("Allow", "GET, HEAD");
        send(exchange, 405, "text/plain; charset=utf-8", "method " + method + " is not allowed: GET or HEAD\n");
        return;
      }
      switch (exchange.getRequestURI().getPath()) {
        case "/" -> {
          exchange.getResponseHeaders().set("Location", "/status");
          send(exchange, 302, "text/plain; charset=utf-8", "see /status\n");
        }
        case "/status" -> send(exchange, 200, "text/html; charset=utf-8", StatusPage.html(status.snapshot()));
        case "/status.json" -> send(exchange, 200, "application/json", StatusPage.json(status.snapshot()));
        case "/metrics" -> send(exchange, 200, "text/plain; version=0.0.4; charset=utf-8", registry.scrape());
        case "/live" -> send(exchange, 200, "text/plain; charset=utf-8", "live\n");
        case "/ready" -> {
          List<String> notReady = status.snapshot().notReady();
          send(exchange, notReady.isEmpty() ? 200 : 503, "text/plain; charset=utf-8",
              notReady.isEmpty() ? "ready\n" : "not ready: " + String.join("; ", notReady) + "\n");
        }
        default -> send(exchange, 404, "text/plain; charset=utf-8",
            "no such page: /status, /status.json, /metrics, /ready and /live are\n");
      }
    } catch (RuntimeException e) {
      log.warn("admin: {} {} failed: {}", exchange.getRequestMethod(), exchange.getRequestURI(), e.toString(), e);
    }
  }

  private static void send(HttpExchange exchange, int status, String type, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", type);
    exchange.getResponseHeaders().set("Cache-Control", "no-store");
    boolean head = exchange.getRequestMethod().equals("HEAD");
    exchange.sendResponseHeaders(status, head ? -1 : bytes.length);
    if (!head) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    }
  }

  /** Stops serving (requests in flight get up to 1 s) and the sampling thread. */
  @Override
  public void close() {
    sampler.shutdownNow();
    server.stop(1);
    handlers.shutdownNow();
    try {
      handlers.awaitTermination(5, TimeUnit.SECONDS);
      sampler.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    registry.close();
  }
}
