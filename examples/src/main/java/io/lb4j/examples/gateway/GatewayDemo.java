package io.lb4j.examples.gateway;

import io.lb4j.api.Backend;
import io.lb4j.api.Listener;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.LoadBalancerEvent;
import io.lb4j.api.Protocol;
import io.lb4j.api.health.HealthCheckPolicy;
import io.lb4j.api.health.HealthCheckType;
import io.lb4j.api.health.HealthStatus;
import io.lb4j.api.health.HealthTransition;
import io.lb4j.api.persistence.SessionPersistence;
import io.lb4j.api.routing.ForwardingRules;
import io.lb4j.api.routing.Routing;
import io.lb4j.api.routing.ServerGroup;
import io.lb4j.impl.LoadBalancers;
import io.lb4j.impl.listener.ListenerServer;
import io.lb4j.testing.Behavior;
import io.lb4j.testing.HttpTestBackend;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * {@code java -jar lb-gateway.jar demo}: three HTTP backends on loopback (weights 3, 2, 1) behind a Layer-7
 * and a Layer-4 lb4j listener, driven by a plain HTTP client through the reference's behaviours, phase by
 * phase: weighted shares, a sticky browser, a backend failing (its transition, its cause, traffic moving, no
 * failed request), every backend down (502 with the reason), the backends back, a slow backend (504), an
 * oversized header (431), a request that loops back to the gateway (508), and a third listener with server
 * groups: a Host and path rule (normalized paths, 400 for an encoded slash) and a standby group that takes
 * the traffic while its group is down and gives it back.
 *
 * <p>Returns 0 when every phase behaved as printed, 1 otherwise.
 */
final class GatewayDemo {

  private static final Duration DEADLINE = Duration.ofSeconds(30);
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(1);
  private static final int MAX_HEADER_BYTES = 8 * 1024;
  private static final String BACKEND_HEADER = "x-backend";

  private final PrintStream out;
  private final PlainHttpClient client = new PlainHttpClient(5_000);
  private final List<HttpTestBackend> backends = new ArrayList<>();
  private final ConcurrentLinkedQueue<HealthTransition> transitions = new ConcurrentLinkedQueue<>();
  private final List<AutoCloseable> resources = new ArrayList<>();
  private InetSocketAddress web;
  private InetSocketAddress tcp;
  private LoadBalancer webPool;
  private HealthCheckPolicy check;

  private GatewayDemo(PrintStream out) {
    this.out = out;
  }

  /** Runs the demo; returns the exit code. */
  static int run(PrintStream out) {
    GatewayDemo demo = new GatewayDemo(out);
    try {
      return demo.phases() ? 0 : 1;
    } catch (Exception e) {
      out.println("demo failed: " + e);
      e.printStackTrace(out);
      return 1;
    } finally {
      demo.shutdown();
    }
  }

  private boolean phases() throws Exception {
    start();
    boolean ok = true;
    ok &= shares("Phase 1: weighted shares, 600 requests as new clients", 600);
    ok &= stickyBrowserAndFailover();
    ok &= allDown();
    ok &= rejoin();
    ok &= slowBackend();
    ok &= oversizedHeader();
    ok &= loop();
    ok &= groups();
    out.println();
    out.println(ok ? "Every phase behaved as expected." : "Some phase did not behave as expected (see above).");
    return ok;
  }

  private void start() throws Exception {
    int[] weights = {3, 2, 1};
    for (int i = 0; i < weights.length; i++) {
      String name = "app-" + (i + 1);
      HttpTestBackend b = HttpTestBackend.builder(name).weight(weights[i]).build().start();
      b.set(Behavior.builder().header("X-Backend", name).body("hello from " + name + "\n").build());
      backends.add(b);
      resources.add(b);
    }
    check = HealthCheckPolicy.builder().type(HealthCheckType.HTTP).path("/health")
        .interval(Duration.ofMillis(100)).responseTimeout(Duration.ofMillis(500))
        .healthyThreshold(2).unhealthyThreshold(2).build();
    Listener l7 = Listener.builder("web", Protocol.HTTP, 0)
        .healthCheck(check)
        .sessionPersistence(SessionPersistence.insertCookie(Duration.ofMinutes(30)))
        .requestTimeout(REQUEST_TIMEOUT)
        .maxRequestHeaderSize(MAX_HEADER_BYTES)
        .build();
    Listener l4 = Listener.builder("tcp", Protocol.TCP, 0)
        .healthCheck(check.toBuilder().type(HealthCheckType.TCP).build())
        .build();
    webPool = pool(l7);
    webPool.onHealthChanged(event -> transitions.add(event.transition()));
    web = serve(webPool);
    tcp = serve(pool(l4));
    out.println("lb4j gateway demo");
    out.println("  Layer 7: " + l7);
    out.println("  Layer 4: " + l4);
    out.println();
    out.print(TextTable.render(rows(new String[] {"backend", "address", "weight"},
        backends.stream().map(b -> new String[] {b.name(), b.host() + ":" + b.port(), String.valueOf(b.weight())})
            .toList())));
    out.println();
    check(await(() -> webPool.view().stream().allMatch(v -> v.health() == HealthStatus.HEALTHY)),
        "every backend passed its health checks");
  }

  private LoadBalancer pool(Listener listener) {
    LoadBalancers.Builder builder = LoadBalancers.builder(listener);
    backends.forEach(b -> builder.backend(Backend.of(b.name(), b.host(), b.port(), b.weight())));
    LoadBalancer pool = builder.build().start();
    resources.add(pool);
    return pool;
  }

  private InetSocketAddress serve(LoadBalancer pool) throws IOException {
    ListenerServer server = ListenerServer.builder(pool).bindAddress(InetAddress.getLoopbackAddress())
        .eventLoops(1).build().start();
    resources.add(0, () -> server.stop(Duration.ofSeconds(2)));
    return server.localAddress();
  }

  private boolean shares(String title, int requests) throws IOException {
    out.println(title);
    Map<String, Integer> l7 = count(web, requests);
    Map<String, Integer> l4 = count(tcp, requests);
    int total = backends.stream().mapToInt(HttpTestBackend::weight).sum();
    List<String[]> rows = new ArrayList<>();
    boolean ok = true;
    for (HttpTestBackend b : backends) {
      double expected = 100.0 * b.weight() / total;
      double got7 = 100.0 * l7.getOrDefault(b.name(), 0) / requests;
      double got4 = 100.0 * l4.getOrDefault(b.name(), 0) / requests;
      rows.add(new String[] {b.name(), String.valueOf(b.weight()), pct(expected), pct(got7), pct(got4)});
      ok &= Math.abs(got7 - expected) <= 2 && Math.abs(got4 - expected) <= 2;
    }
    out.print(TextTable.render(rows(new String[] {"backend", "weight", "expected", "Layer 7", "Layer 4"}, rows)));
    return check(ok, "each backend's share is within 2 points of its weight, on both listeners");
  }

  private Map<String, Integer> count(InetSocketAddress listener, int requests) throws IOException {
    Map<String, Integer> counts = new LinkedHashMap<>();
    for (int i = 0; i < requests; i++) {
      PlainHttpClient.Response r = client.get(listener, "/");
      counts.merge(r.headers().getOrDefault(BACKEND_HEADER, "status " + r.status()), 1, Integer::sum);
    }
    return counts;
  }

  private boolean stickyBrowserAndFailover() throws IOException {
    out.println();
    out.println("Phase 2: a browser keeps its session cookie");
    PlainHttpClient.Response first = client.get(web, "/");
    String cookie = first.headers().get("set-cookie").split(";", 2)[0];
    String home = first.headers().get(BACKEND_HEADER);
    int stayed = 0;
    for (int i = 0; i < 20; i++) {
      if (home.equals(client.get(web, "/", "Cookie: " + cookie).headers().get(BACKEND_HEADER))) {
        stayed++;
      }
    }
    out.printf("  cookie %s...: %d of 20 requests went to %s%n", cookie.substring(0, Math.min(28, cookie.length())),
        stayed, home);
    boolean ok = check(stayed == 20, "the browser stays on its backend");

    out.println();
    out.println("Phase 3: stop " + home + ", the browser's backend, while traffic flows");
    HttpTestBackend victim = backend(home);
    transitions.clear();
    victim.stop();
    int before = 0;
    int failedBefore = 0;
    while (transitions.stream().noneMatch(t -> t.to() == HealthStatus.UNHEALTHY) && before < 10_000) {
      failedBefore += client.get(web, "/").status() == 200 ? 0 : 1;
      before++;
    }
    HealthTransition down = transitions.stream().filter(t -> t.to() == HealthStatus.UNHEALTHY).findFirst()
        .orElse(null);
    ok &= check(down != null, home + " is marked unhealthy");
    if (down == null) {
      return false;
    }
    out.printf("  health: %s %s -> %s (%s)%n", home, down.from(), down.to(), down.cause());
    Map<String, Integer> after = count(web, 300);
    out.printf("  while detecting: %d requests, %d failed (connect refused is retried on another backend)%n",
        before, failedBefore);
    out.printf("  after: 300 requests, %s%n", after);
    ok &= check(!after.containsKey(home) && after.keySet().stream().noneMatch(k -> k.startsWith("status")),
        "no request goes to " + home + " and none fails");
    PlainHttpClient.Response moved = client.get(web, "/", "Cookie: " + cookie);
    out.printf("  the browser's next request: %s, new cookie: %s%n", moved.headers().get(BACKEND_HEADER),
        moved.headers().containsKey("set-cookie"));
    ok &= check(moved.status() == 200 && !home.equals(moved.headers().get(BACKEND_HEADER))
        && moved.headers().containsKey("set-cookie"), "the browser moves to a healthy backend with a new cookie");
    return ok;
  }

  private boolean allDown() throws IOException {
    out.println();
    out.println("Phase 4: every backend stopped");
    backends.stream().filter(HttpTestBackend::isRunning).forEach(HttpTestBackend::stop);
    boolean ok = check(await(() -> webPool.view().stream().allMatch(v -> v.health() == HealthStatus.UNHEALTHY)),
        "every backend is marked unhealthy");
    PlainHttpClient.Response r = client.get(web, "/");
    out.printf("  GET / -> %d %s%n", r.status(), r.body().trim());
    return check(r.status() == 502, "no healthy backend: 502 with the reason") & ok;
  }

  private boolean rejoin() throws IOException {
    out.println();
    out.println("Phase 5: the backends restart on the same addresses and rejoin");
    transitions.clear();
    backends.forEach(HttpTestBackend::start);
    boolean ok = check(await(() -> webPool.view().stream().allMatch(v -> v.health() == HealthStatus.HEALTHY)),
        "every backend is healthy again");
    transitions.stream().filter(t -> t.to() == HealthStatus.HEALTHY)
        .forEach(t -> out.printf("  health: %s %s -> %s (%s)%n", t.backend().id(), t.from(), t.to(), t.cause()));
    return shares("  shares after rejoining, 600 requests", 600) & ok;
  }

  private boolean slowBackend() throws IOException {
    out.println();
    out.println("Phase 6: /slow takes 3 s, longer than the listener's request timeout of "
        + REQUEST_TIMEOUT.toSeconds() + " s");
    for (HttpTestBackend b : backends) {
      Behavior normal = b.behavior();
      Behavior slow = normal.toBuilder().latency(Duration.ofSeconds(3)).build();
      b.dispatch(request -> request.path().equals("/slow") ? slow : normal);
    }
    PlainHttpClient.Response r = client.get(web, "/slow");
    out.printf("  GET /slow -> %d %s%n", r.status(), r.body().trim());
    return check(r.status() == 504, "a backend slower than the request timeout: 504");
  }

  private boolean oversizedHeader() throws IOException {
    out.println();
    out.println("Phase 7: a request header section larger than the listener's " + MAX_HEADER_BYTES + " bytes");
    PlainHttpClient.Response r = client.get(web, "/", "X-Large: " + "a".repeat(MAX_HEADER_BYTES));
    out.printf("  GET / with a %d-byte header -> %d %s%n", MAX_HEADER_BYTES + 9, r.status(), r.body().trim());
    return check(r.status() == 431, "oversized request headers: 431, never forwarded");
  }

  private boolean loop() throws IOException {
    out.println();
    out.println("Phase 8: a request that already passed this listener (a backend calling its own gateway)");
    PlainHttpClient.Response r = client.get(web, "/", "Via: 1.1 web");
    out.printf("  GET / with 'Via: 1.1 web' -> %d %s%n", r.status(), r.body().trim());
    return check(r.status() == 508, "a loop back to the gateway: 508, never forwarded");
  }

  private boolean groups() throws IOException {
    out.println();
    out.println("Phase 9: server groups behind one listener: a Host and path rule, and a standby group");
    HttpTestBackend standby = HttpTestBackend.builder("standby-1").build().start();
    standby.set(Behavior.builder().header("X-Backend", "standby-1").body("sorry, from standby-1\n").build());
    resources.add(standby);
    HttpTestBackend api = backend("app-3");
    Routing routing = Routing.builder()
        .group(ServerGroup.builder("web").backend(of(backend("app-1"))).backend(of(backend("app-2"))).standby("dr")
            .build())
        .group(ServerGroup.builder("api").backend(of(api)).build())
        .group(ServerGroup.builder("dr").backend(of(standby)).build())
        .rules(ForwardingRules.builder().rule("api.example.com", "/v1", "api").defaultGroup("web").build())
        .build();
    ListenerServer server = ListenerServer.builder(Listener.builder("routed", Protocol.HTTP, 0).healthCheck(check)
            .build())
        .routing(routing).bindAddress(InetAddress.getLoopbackAddress()).eventLoops(1).build().start();
    resources.add(0, () -> server.stop(Duration.ofSeconds(2)));
    InetSocketAddress routed = server.localAddress();
    LoadBalancer web = server.group("web");
    boolean ok = check(await(() -> web.view().stream().allMatch(v -> v.health() == HealthStatus.HEALTHY)
        && server.group("api").view().get(0).health() == HealthStatus.HEALTHY), "the groups' backends are healthy");
    out.println("  rules: " + routing.rules().rules() + ", default group " + routing.rules().defaultGroup()
        + ", web's standby: dr");
    int before = api.requests().count();
    PlainHttpClient.Response r = client.getFrom(routed, "api.example.com", "/v1/../v1/%6frders?id=7");
    String forwarded = api.requests().count() > before ? api.requests().last().target() : "-";
    out.printf("  Host api.example.com, GET /v1/../v1/%%6frders?id=7 -> %s; the backend got %s%n",
        r.headers().get(BACKEND_HEADER), forwarded);
    ok &= check("app-3".equals(r.headers().get(BACKEND_HEADER)) && "/v1/orders?id=7".equals(forwarded),
        "the rule matched the normalized path, which is what the backend receives");
    PlainHttpClient.Response other = client.getFrom(routed, "www.example.com", "/v1/orders");
    out.printf("  Host www.example.com, GET /v1/orders -> %s (the default group)%n", other.headers().get(BACKEND_HEADER));
    PlainHttpClient.Response slash = client.getFrom(routed, "api.example.com", "/v1%2Forders");
    out.printf("  GET /v1%%2Forders -> %d %s%n", slash.status(), slash.body().trim());
    ok &= check(!"app-3".equals(other.headers().get(BACKEND_HEADER)) && other.status() == 200
        && slash.status() == 400, "other hosts go to the default group; an encoded '/' is refused with 400");

    ConcurrentLinkedQueue<String> switches = new ConcurrentLinkedQueue<>();
    web.onPriorityChanged(e -> switches.add("priority " + e.from() + " -> " + e.to()));
    backend("app-1").stop();
    backend("app-2").stop();
    ok &= check(await(() -> web.activePriority() == 1), "with app-1 and app-2 stopped, the standby takes over");
    Map<String, Integer> during = countFrom(routed, 20);
    out.printf("  while web's backends are down: 20 requests, %s; pool event: %s%n", during, switches);
    ok &= check(during.equals(Map.of("standby-1", 20)), "every request goes to the standby group");
    backend("app-1").start();
    backend("app-2").start();
    ok &= check(await(() -> web.activePriority() == 0 && web.view().stream().filter(v -> v.backend().priority() == 0)
        .allMatch(v -> v.health() == HealthStatus.HEALTHY)), "web's backends are back and take the traffic back");
    Map<String, Integer> after = countFrom(routed, 20);
    out.printf("  after: 20 requests, %s; pool events: %s%n", after, switches);
    return check(!after.containsKey("standby-1") && after.values().stream().mapToInt(Integer::intValue).sum() == 20
        && switches.size() == 2, "the standby gives the traffic back (one event for each switch)") & ok;
  }

  private Map<String, Integer> countFrom(InetSocketAddress listener, int requests) throws IOException {
    Map<String, Integer> counts = new LinkedHashMap<>();
    for (int i = 0; i < requests; i++) {
      PlainHttpClient.Response r = client.getFrom(listener, "www.example.com", "/");
      counts.merge(r.headers().getOrDefault(BACKEND_HEADER, "status " + r.status()), 1, Integer::sum);
    }
    return counts;
  }

  private static Backend of(HttpTestBackend b) {
    return Backend.of(b.name(), b.host(), b.port());
  }

  private HttpTestBackend backend(String name) {
    return backends.stream().filter(b -> b.name().equals(name)).findFirst().orElseThrow();
  }

  private boolean check(boolean ok, String what) {
    out.println((ok ? "  ok: " : "  FAILED: ") + what);
    return ok;
  }

  private static boolean await(BooleanSupplier condition) {
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        return false;
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
    }
    return true;
  }

  private static List<String[]> rows(String[] header, List<String[]> rows) {
    List<String[]> all = new ArrayList<>();
    all.add(header);
    all.addAll(rows);
    return all;
  }

  private static String pct(double value) {
    return String.format("%.1f%%", value);
  }

  private void shutdown() {
    for (AutoCloseable resource : resources) {
      try {
        resource.close();
      } catch (Exception e) {
        out.println("while stopping: " + e);
      }
    }
  }
}
