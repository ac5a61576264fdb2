package io.lb4j.examples;

import io.lb4j.api.Backend;
import io.lb4j.api.BackendView;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.LoadBalancerEvent;
import io.lb4j.api.Outcome;
import io.lb4j.api.RequestContext;
import io.lb4j.api.Selection;
import io.lb4j.api.health.HealthCheckPolicy;
import io.lb4j.api.health.HealthCheckType;
import io.lb4j.api.health.HealthStatus;
import io.lb4j.api.persistence.SessionPersistence;
import io.lb4j.impl.LoadBalancers;
import io.lb4j.impl.client.BalancedHttpClient;
import io.lb4j.impl.client.NoBackendException;
import io.lb4j.impl.client.RequestFailedException;
import io.lb4j.impl.diagnostics.Diagnostics;
import io.lb4j.impl.diagnostics.FindingCode;
import io.lb4j.impl.diagnostics.Report;
import io.lb4j.impl.diagnostics.Severity;
import io.lb4j.testing.HttpTestBackend;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * The README's main job: client-side load balancing against three real HTTP backends on loopback.
 *
 * <ol>
 *   <li>Starts backends with weights 3, 2 and 1 and a load balancer with HTTP health checks every 100 ms
 *       and inserted-cookie session persistence.
 *   <li>Sends requests as new clients through {@link BalancedHttpClient} (select, send, report and
 *       release in one call) and prints each backend's share next to the expected one.
 *   <li>A browser-like client keeps its cookie and stays on one backend (select, send, report by hand).
 *   <li>Stops that backend: requests sent before the health checks notice still all succeed (the client
 *       retries a refused connection on another backend); prints the health transition and its cause,
 *       shows traffic moving away and the browser's session moving to another backend.
 *   <li>Restarts it and shows it rejoin.
 * </ol>
 *
 * <p>Exits 0 when every phase behaved as described, 1 otherwise. Runs in a few seconds.
 */
public final class Demo {

  private static final Duration DEADLINE = Duration.ofSeconds(30);
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(2);

  private final HttpClient http = HttpClient.newBuilder()
      .connectTimeout(Duration.ofSeconds(2)).version(HttpClient.Version.HTTP_1_1).build();
  private final ConcurrentLinkedQueue<LoadBalancerEvent> events = new ConcurrentLinkedQueue<>();
  private final List<HttpTestBackend> backends = new ArrayList<>();
  private LoadBalancer lb;
  private BalancedHttpClient client;

  private Demo() {}

  /** Runs the demo; exits 0 on success. */
  public static void main(String[] args) {
    System.exit(run());
  }

  /** Runs the demo and returns its exit code: 0 when every phase behaved as described, 1 otherwise. */
  public static int run() {
    int status;
    Demo demo = new Demo();
    try {
      status = demo.runPhases() ? 0 : 1;
    } catch (Exception e) {
      e.printStackTrace();
      status = 1;
    } finally {
      demo.shutdown();
    }
    return status;
  }

  private boolean runPhases() throws Exception {
    long started = System.nanoTime();
    boolean ok = true;
    backends.add(HttpTestBackend.builder("b1").host("127.0.0.1").build().start());
    backends.add(HttpTestBackend.builder("b2").host("127.0.0.2").build().start());
    backends.add(HttpTestBackend.builder("b3").host("127.0.0.3").build().start());
    int[] weights = {3, 2, 1};

    // A client-side pool: the settings go to the pool builder, no listener to invent.
    List<Backend> members = new ArrayList<>();
    for (int i = 0; i < backends.size(); i++) {
      HttpTestBackend b = backends.get(i);
      members.add(Backend.of(b.name(), b.host(), b.port(), weights[i]));
    }
    lb = LoadBalancers.builder().name("demo")
        .healthCheck(HealthCheckPolicy.builder().type(HealthCheckType.HTTP).path("/health")
            .interval(Duration.ofMillis(100)).responseTimeout(Duration.ofMillis(500))
            .unhealthyThreshold(2).healthyThreshold(2).build())
        .sessionPersistence(SessionPersistence.insertCookie(Duration.ofMinutes(10)))
        .backends(members)
        .build();
    lb.subscribe(events::add);
    lb.start();
    client = BalancedHttpClient.builder(lb).httpClient(http).attemptTimeout(REQUEST_TIMEOUT).build();
    System.out.println("lb4j demo: client-side pool '" + lb.name() + "', " + lb.healthCheck());
    System.out.println();

    ok &= await("all backends healthy", () -> lb.view().stream().allMatch(v -> v.health() == HealthStatus.HEALTHY));

    System.out.println("Phase 1: 3000 requests from new clients, weights 3:2:1");
    Map<String, Integer> counts = sendAsNewClients(3000);
    ok &= printShares(counts, null);

    System.out.println("Phase 2: a browser keeps its session cookie");
    Selection first = lb.select(RequestContext.EMPTY);
    String cookie = cookieOf(first.setCookie());
    String home = first.backend().id();
    send(first);
    int stayed = 0;
    for (int i = 0; i < 20; i++) {
      Selection s = lb.select(RequestContext.builder().cookieHeader(cookie).build());
      if (s.backend().id().equals(home)) {
        stayed++;
      }
      send(s);
    }
    System.out.printf("  cookie %s...%n  the browser stayed on %s for %d of 20 requests%n%n",
        cookie.substring(0, Math.min(cookie.length(), 32)), home, stayed);
    ok &= check(stayed == 20, "the browser stays on its backend");

    System.out.println("Phase 3: stop " + home + " (the browser's backend)");
    HttpTestBackend victim = backends.stream().filter(b -> b.name().equals(home)).findFirst().orElseThrow();
    events.clear();
    victim.stop();
    counts = sendAsNewClients(300);
    long failed = counts.keySet().stream().filter(k -> k.startsWith("(")).mapToInt(counts::get).sum();
    System.out.printf("  300 requests sent right after the stop, while the health checks find out: %d failed"
        + " (a refused connection is retried on another backend)%n", failed);
    ok &= check(failed == 0, "no request fails while " + home + " is down");
    ok &= await(home + " marked unhealthy", () -> status(home) == HealthStatus.UNHEALTHY);
    printHealthEvents();
    counts = sendAsNewClients(1200);
    ok &= printShares(counts, home);
    Selection moved = lb.select(RequestContext.builder().cookieHeader(cookie).build());
    System.out.printf("  the browser's next request: sent to %s, session moved: %s, new cookie set: %s%n%n",
        moved.backend().id(), moved.sessionMoved(), moved.setCookie() != null);
    ok &= check(moved.sessionMoved() && !moved.backend().id().equals(home) && moved.setCookie() != null,
        "the browser is re-picked to a healthy backend and gets a new cookie");
    send(moved);
    ok &= printDiagnostics(home);

    System.out.println("Phase 4: restart " + home);
    events.clear();
    victim.start();
    ok &= await(home + " healthy again", () -> status(home) == HealthStatus.HEALTHY);
    printHealthEvents();
    counts = sendAsNewClients(3000);
    ok &= printShares(counts, null);

    printView();
    System.out.printf("Done in %.1f s: %s%n", (System.nanoTime() - started) / 1e9, ok ? "every phase behaved as expected" : "SOME CHECKS FAILED");
    return ok;
  }

  /** Sends {@code n} GETs through the balanced client, each as a new client; counts them by backend. */
  private Map<String, Integer> sendAsNewClients(int n) throws InterruptedException {
    Map<String, Integer> counts = new LinkedHashMap<>();
    for (HttpTestBackend b : backends) {
      counts.put(b.name(), 0);
    }
    HttpRequest request = HttpRequest.newBuilder(client.uri("/")).GET().build();
    for (int i = 0; i < n; i++) {
      try {
        HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
        String key = response.statusCode() == 200 ? response.body().trim().substring("hello from ".length())
            : "(HTTP " + response.statusCode() + ")";
        counts.merge(key, 1, Integer::sum);
      } catch (NoBackendException e) {
        counts.merge("(none: " + e.reason().description() + ")", 1, Integer::sum);
      } catch (RequestFailedException e) {
        counts.merge("(failed: " + e.stopReason().description() + ")", 1, Integer::sum);
      } catch (IOException e) {
        counts.merge("(failed: " + e + ")", 1, Integer::sum);
      }
    }
    return counts;
  }

  /** Sends one GET to the selected backend, reports the outcome and releases the selection. */
  private boolean send(Selection s) throws InterruptedException {
    long start = System.nanoTime();
    try (s) {
      InetSocketAddress to = s.address(); // resolved by the pool, never by select
      HttpRequest request = HttpRequest.newBuilder(
              URI.create("http://" + to.getAddress().getHostAddress() + ":" + to.getPort() + "/"))
          .timeout(REQUEST_TIMEOUT).GET().build();
      HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
      lb.report(s, Outcome.httpStatus(response.statusCode(), Duration.ofNanos(System.nanoTime() - start)));
      return response.statusCode() == 200;
    } catch (HttpTimeoutException e) {
      lb.report(s, Outcome.failure(Outcome.Kind.TIMEOUT, Duration.ofNanos(System.nanoTime() - start)));
    } catch (ConnectException e) {
      lb.report(s, Outcome.failure(Outcome.Kind.CONNECT_FAILURE, Duration.ofNanos(System.nanoTime() - start)));
    } catch (IOException e) {
      lb.report(s, Outcome.failure(Outcome.Kind.RESET, Duration.ofNanos(System.nanoTime() - start)));
    }
    return false;
  }

  /** Prints shares next to the expected ones (by weight, among backends other than {@code down}). */
  private boolean printShares(Map<String, Integer> counts, String down) {
    int total = counts.values().stream().mapToInt(Integer::intValue).sum();
    int weightSum = lb.view().stream().filter(v -> !v.backend().id().equals(down))
        .mapToInt(v -> v.backend().weight()).sum();
    System.out.printf("  %-8s %6s %9s %9s %9s%n", "backend", "weight", "requests", "share", "expected");
    boolean ok = true;
    for (BackendView v : lb.view()) {
      String id = v.backend().id();
      int n = counts.getOrDefault(id, 0);
      double share = total == 0 ? 0 : 100.0 * n / total;
      double expected = id.equals(down) ? 0 : 100.0 * v.backend().weight() / weightSum;
      System.out.printf("  %-8s %6d %9d %8.1f%% %8.1f%%%n", id, v.backend().weight(), n, share, expected);
      ok &= Math.abs(share - expected) < 2.0;
    }
    counts.keySet().stream().filter(k -> k.startsWith("(")).forEach(k ->
        System.out.printf("  %-30s %d%n", k, counts.get(k)));
    System.out.println();
    return check(ok && counts.keySet().stream().noneMatch(k -> k.startsWith("(")),
        "every request was served and shares match the weights");
  }

  private void printHealthEvents() {
    for (LoadBalancerEvent e : events) {
      if (e instanceof LoadBalancerEvent.HealthChanged) {
        System.out.println("  health: " + ((LoadBalancerEvent.HealthChanged) e).transition());
      }
    }
  }

  private void printView() {
    System.out.println("Operator view");
    System.out.printf("  %-8s %-8s %-10s %7s %7s  %s%n", "backend", "state", "health", "weight", "picks", "last check");
    for (BackendView v : lb.view()) {
      System.out.printf("  %-8s %-8s %-10s %7d %7d  %s%n", v.backend().id(), v.state(), v.health(),
          v.effectiveWeight(), v.picks(), v.lastCheck());
    }
    System.out.println();
  }

  private HealthStatus status(String id) {
    return lb.view().stream().filter(v -> v.backend().id().equals(id)).findFirst().orElseThrow().health();
  }

  /** What diagnostics say while {@code stopped} is down: its warnings and errors, one line each. */
  private boolean printDiagnostics(String stopped) {
    Report report = Diagnostics.builder().build().examine(lb);
    System.out.println("  diagnostics (warnings and errors):");
    report.findings().stream().filter(f -> f.severity() != Severity.INFO)
        .forEach(f -> System.out.println("    " + f));
    System.out.println();
    return check(report.findings(FindingCode.BACKEND_UNHEALTHY).stream()
        .anyMatch(f -> f.subject().startsWith("backend " + stopped + " ")), "diagnostics name the stopped backend");
  }

  private static String cookieOf(String setCookie) {
    return setCookie.substring(0, setCookie.indexOf(';'));
  }

  private static boolean await(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        System.out.println("  FAILED: " + what + " did not happen within " + DEADLINE.toSeconds() + "s");
        return false;
      }
      LockSupport.parkNanos(5_000_000);
    }
    return true;
  }

  private static boolean check(boolean ok, String what) {
    if (!ok) {
      System.out.println("  FAILED: " + what);
    }
    return ok;
  }

  private void shutdown() {
    if (lb != null) {
      lb.close();
    }
    for (HttpTestBackend b : backends) {
      try {
        b.stop();
      } catch (RuntimeException ignored) {
        // already stopped
      }
    }
  }
}
