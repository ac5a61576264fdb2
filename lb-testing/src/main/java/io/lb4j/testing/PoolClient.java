package io.lb4j.testing;

import io.lb4j.api.LoadBalancer;
import io.lb4j.api.Outcome;
import io.lb4j.api.RequestContext;
import io.lb4j.api.Selection;
import io.lb4j.api.health.HealthStatus;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Objects;
import java.util.function.BooleanSupplier;

/**
 * A client of a client-side pool for service-mesh tests: for each request it selects a backend, sends a real
 * HTTP {@code GET} with the JDK's {@code HttpClient}, reports the outcome to the pool and records it in a
 * {@link CallLog} (200 is a success, anything else or an I/O error a failure naming the backend).
 *
 * <pre>{@code
 * PoolClient client = PoolClient.of(lb);
 * Await.until("three healthy backends", () -> PoolClient.healthy(lb) == 3);
 * client.send(300);
 * client.calls().assertNoFailures();
 * }</pre>
 *
 * <p>Requests are sent one at a time on the calling thread. Thread-safe as far as the log is: one thread sends.
 *
 * @since 0.1.0
 */
public final class PoolClient {

  /** The most requests {@link #sendUntil} sends before it gives up. */
  public static final int MAX_REQUESTS_UNTIL = 100_000;
  /** How long {@link #sendUntil} sends before it gives up. */
  public static final Duration MAX_TIME_UNTIL = Duration.ofSeconds(30);

  private final LoadBalancer lb;
  private final String path;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final CallLog calls = new CallLog();

  private PoolClient(LoadBalancer lb, String path) {
    this.lb = Objects.requireNonNull(lb, "lb");
    this.path = Objects.requireNonNull(path, "path");
  }

  /**
   * A client sending {@code GET /api} through {@code lb}.
   *
   * @param lb a started pool
   * @return the client
   */
  public static PoolClient of(LoadBalancer lb) {
    return new PoolClient(lb, "/api");
  }

  /**
   * A client sending {@code GET path} through {@code lb}.
   *
   * @param lb a started pool
   * @param path the request target, starting with {@code /}
   * @return the client
   */
  public static PoolClient of(LoadBalancer lb, String path) {
    if (!path.startsWith("/")) {
      throw new IllegalArgumentException("poolClient.path must start with '/', was '" + path + "'");
    }
    return new PoolClient(lb, path);
  }

  /**
   * How many of the pool's backends can take traffic by health: healthy and not ejected.
   *
   * @param lb the pool
   * @return the count
   */
  public static long healthy(LoadBalancer lb) {
    return lb.view().stream().filter(v -> v.health() == HealthStatus.HEALTHY && !v.ejected()).count();
  }

  /**
   * Every request sent and its outcome.
   *
   * @return the log
   */
  public CallLog calls() {
    return calls;
  }

  /**
   * Sends {@code requests} requests, one after the other.
   *
   * @param requests how many
   * @throws InterruptedException when the thread is interrupted
   */
  public void send(int requests) throws InterruptedException {
    for (int i = 0; i < requests; i++) {
      sendOne();
    }
  }

  /**
   * Sends requests until {@code done} holds, at most {@link #MAX_REQUESTS_UNTIL} of them within
   * {@link #MAX_TIME_UNTIL}.
   *
   * @param done checked before each request
   * @throws InterruptedException when the thread is interrupted
   * @throws AssertionError when {@code done} still does not hold at either limit, with the pool's view
   */
  public void sendUntil(BooleanSupplier done) throws InterruptedException {
    long deadline = System.nanoTime() + MAX_TIME_UNTIL.toNanos();
    for (int i = 0; !done.getAsBoolean(); i++) {
      if (i == MAX_REQUESTS_UNTIL || System.nanoTime() - deadline > 0) {
        throw new AssertionError("still not done after " + i + " requests: " + lb.view());
      }
      sendOne();
    }
  }

  private void sendOne() throws InterruptedException {
    long start = System.nanoTime();
    try (Selection s = lb.select(RequestContext.builder().build())) {
      if (!s.hasBackend()) {
        calls.failure(start, "no backend: " + s.reason());
        return;
      }
      InetSocketAddress to = s.address();
      HttpRequest request = HttpRequest.newBuilder(
              URI.create("http://" + to.getAddress().getHostAddress() + ":" + to.getPort() + path))
          .timeout(Duration.ofSeconds(10)).build();
      try {
        HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
        lb.report(s, Outcome.httpStatus(r.statusCode(), Duration.ofNanos(System.nanoTime() - start)));
        if (r.statusCode() == 200) {
          calls.success(start);
        } else {
          calls.failure(start, s.backend().id() + ": HTTP " + r.statusCode());
        }
      } catch (IOException e) {
        Outcome.Kind kind = e instanceof HttpTimeoutException ? Outcome.Kind.TIMEOUT
            : e instanceof ConnectException ? Outcome.Kind.CONNECT_FAILURE : Outcome.Kind.RESET;
        lb.report(s, Outcome.failure(kind, Duration.ofNanos(System.nanoTime() - start)));
        calls.failure(start, s.backend().id() + ": " + e);
      }
    }
  }

  /** The pool and the path. */
  @Override
  public String toString() {
    return "PoolClient[" + lb.name() + " GET " + path + ", " + calls.calls().size() + " calls]";
  }
}
