package io.lb4j.impl;

import static org.assertj.core.api.Assertions.assertThat;

import io.lb4j.api.Backend;
import io.lb4j.api.BackendView;
import io.lb4j.api.Listener;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.Protocol;
import io.lb4j.api.health.HealthCheckPolicy;
import io.lb4j.api.load.LoadAwarePolicy;
import io.lb4j.api.load.LoadReport;
import io.lb4j.impl.client.BalancedHttpClient;
import io.lb4j.impl.listener.ListenerServer;
import io.lb4j.impl.load.ReportedLoadWeights;
import io.lb4j.testing.Behavior;
import io.lb4j.testing.HttpTestBackend;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Load reports end to end on loopback: real backends send ORCA's {@code endpoint-load-metrics}, the Layer-7
 * listener and {@code BalancedHttpClient} read it off real responses, and the pool's weights follow. The pool's
 * clock is a {@link ManualTimeSource} where exact weights are expected (an update runs when the test moves it),
 * and the real clock where the backends compute their own load from the CPU they burn.
 */
class LoadAwareLoopbackTest {

  private static final LoadAwarePolicy NO_BLACKOUT = LoadAwarePolicy.builder().blackoutPeriod(Duration.ZERO).build();
  private static final String LIGHT = "TEXT cpu_utilization=0.2, rps_fractional=100, eps=0";
  private static final String HEAVY = "TEXT cpu_utilization=0.6, rps_fractional=100, eps=0";

  private final ManualTimeSource time = ManualTimeSource.startingAt(Instant.parse("2030-01-01T00:00:00Z"));
  private final List<AutoCloseable> resources = new ArrayList<>();

  @AfterEach
  void close() throws Exception {
    for (int i = resources.size() - 1; i >= 0; i--) {
      resources.get(i).close();
    }
  }

  private <T extends AutoCloseable> T closing(T resource) {
    resources.add(resource);
    return resource;
  }

  private HttpTestBackend backend(String name, String report) {
    HttpTestBackend b = closing(HttpTestBackend.builder(name).build().start());
    if (report != null) {
      b.set(Behavior.builder().header(LoadReport.HEADER, report).body("ok").build());
    }
    return b;
  }

  private static Backend member(HttpTestBackend b) {
    return Backend.of(b.name(), b.host(), b.port());
  }

  private static Map<String, Integer> weights(LoadBalancer pool) {
    Map<String, Integer> w = new HashMap<>();
    for (BackendView v : pool.view()) {
      w.put(v.backend().id(), v.effectiveWeight());
    }
    return w;
  }

  private static int[] expected(String... reports) {
    ReportedLoadWeights calculator = new ReportedLoadWeights(NO_BLACKOUT);
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < reports.length; i++) {
      ids.add("b" + i);
      calculator.onReport("b" + i, io.lb4j.impl.load.OrcaLoadReportParser.strict().parse(reports[i]), 0);
    }
    return calculator.weights(ids, 0).toArray();
  }

  @Test
  void theLayer7Listener_readsEachResponsesReport_andTheWeightsFollowAtTheNextUpdate() throws Exception {
    HttpTestBackend a = backend("a", LIGHT);
    HttpTestBackend b = backend("b", LIGHT);
    HttpTestBackend c = backend("c", HEAVY);
    Listener listener = Listener.builder("l7-load", Protocol.HTTP, 0).healthCheck(HealthCheckPolicy.disabled()).build();
    LoadBalancer pool = closing(LoadBalancers.builder(listener).loadAware(NO_BLACKOUT).timeSource(time).seed(1)
        .backend(member(a)).backend(member(b)).backend(member(c)).build().start());
    ListenerServer server = closing(ListenerServer.builder(pool).bindAddress(InetAddress.getLoopbackAddress())
        .eventLoops(1).build().start());
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    URI uri = URI.create("http://127.0.0.1:" + server.localAddress().getPort() + "/work");

    for (int i = 0; i < 3; i++) { // one request each: equal weights before any update
      assertThat(http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString()).statusCode())
          .isEqualTo(200);
    }
    time.advance(Duration.ofSeconds(1));

    int[] w = expected(LIGHT, LIGHT, HEAVY);
    assertThat(w).containsExactly(100, 100, 33);
    assertThat(weights(pool)).containsEntry("a", w[0]).containsEntry("b", w[1]).containsEntry("c", w[2]);
    long before = a.requests().count() + b.requests().count() + c.requests().count();
    for (int i = 0; i < 233; i++) { // one cycle of the new schedule
      http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.discarding());
    }
    assertThat(a.requests().count() + b.requests().count() + c.requests().count()).isEqualTo(before + 233);
    assertThat(c.requests().count()).as("the heavy backend's share of the cycle").isEqualTo(1 + 33);

    c.set(Behavior.builder().header(LoadReport.HEADER, "TEXT cpu_utilization=0.6, rps=100").body("ok").build());
    for (int i = 0; i < 233; i++) {
      http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.discarding());
    }
    time.advance(Duration.ofSeconds(1));
    LoadAwareMetrics.BackendLoad heavy = LoadBalancers.loadAwareMetrics(pool).orElseThrow().backend("c");
    assertThat(heavy.malformedReports()).isEqualTo(33);
    assertThat(heavy.lastMalformedReason()).isEqualTo("endpoint-load-metrics key must be one of cpu_utilization,"
        + " mem_utilization, application_utilization, rps_fractional, eps, utilization.<name>,"
        + " named_metrics.<name>, was 'rps'");
    assertThat(weights(pool)).as("the last good report still counts").containsEntry("c", 33);
  }

  @Test
  void balancedHttpClient_readsEachResponsesReport_andCountsOneSentTwiceAsMalformed() throws Exception {
    HttpTestBackend a = backend("a", LIGHT);
    HttpTestBackend c = backend("c", HEAVY);
    LoadBalancer pool = closing(LoadBalancers.builder().name("client-load").healthCheck(HealthCheckPolicy.disabled())
        .loadAware(NO_BLACKOUT).timeSource(time).seed(1).backend(member(a)).backend(member(c)).build().start());
    BalancedHttpClient client = BalancedHttpClient.builder(pool).build();
    for (int i = 0; i < 2; i++) {
      assertThat(client.send(HttpRequest.newBuilder(client.uri("/work")).build(),
          HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
    }
    time.advance(Duration.ofSeconds(1));
    int[] w = expected(LIGHT, HEAVY);
    assertThat(weights(pool)).containsEntry("a", w[0]).containsEntry("c", w[1]);
    assertThat(w[1]).isEqualTo(33);

    a.set(Behavior.builder().header(LoadReport.HEADER, LIGHT).header("Endpoint-Load-Metrics", HEAVY).build());
    for (int i = 0; i < 10; i++) {
      client.send(HttpRequest.newBuilder(client.uri("/work")).build(), HttpResponse.BodyHandlers.discarding());
    }
    LoadAwareMetrics.BackendLoad light = LoadBalancers.loadAwareMetrics(pool).orElseThrow().backend("a");
    assertThat(light.malformedReports()).isPositive();
    assertThat(light.lastMalformedReason())
        .isEqualTo("endpoint-load-metrics must appear at most once in a response, appeared 2 times");
  }

  @Test
  void backendsThatBurnThreeTimesTheCpu_reportIt_andLoseTheirExtraShare() throws Exception {
    List<HttpTestBackend> fleet = new ArrayList<>();
    for (String name : List.of("a", "b", "c")) {
      HttpTestBackend b = closing(HttpTestBackend.builder(name).cores(1).loadReports(Duration.ofMillis(500))
          .build().start());
      b.set(Behavior.builder().cpu(Duration.ofMillis(name.equals("c") ? 3 : 1)).build());
      fleet.add(b);
    }
    LoadAwarePolicy policy = LoadAwarePolicy.builder().blackoutPeriod(Duration.ZERO)
        .weightUpdatePeriod(Duration.ofMillis(100)).build();
    LoadBalancer pool = closing(LoadBalancers.builder().name("cpu").healthCheck(HealthCheckPolicy.disabled())
        .loadAware(policy).backends(fleet.stream().map(LoadAwareLoopbackTest::member).toList()).build().start());
    BalancedHttpClient client = BalancedHttpClient.builder(pool).build();
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    int sent = 0;
    // Bounded in count and time: stops as soon as the weights show the heavy backend, or fails.
    while (!heavyWeighedDown(pool)) {
      assertThat(sent).as("requests sent before the weights followed").isLessThan(20_000);
      assertThat(System.nanoTime() - deadline).as("time left").isNegative();
      client.send(HttpRequest.newBuilder(client.uri("/work")).build(), HttpResponse.BodyHandlers.discarding());
      sent++;
    }
    LoadAwareMetrics m = LoadBalancers.loadAwareMetrics(pool).orElseThrow();
    assertThat(m.backend("c").lastReport().cpuUtilization()).isPositive();
    assertThat(m.backend("c").reports()).isPositive();
  }

  /** The heavy backend's load weight is at most 60% of the lighter ones' (its target is a third). */
  private static boolean heavyWeighedDown(LoadBalancer pool) {
    LoadAwareMetrics m = LoadBalancers.loadAwareMetrics(pool).orElseThrow();
    int light = Math.min(m.backend("a").loadWeight(), m.backend("b").loadWeight());
    int heavy = m.backend("c").loadWeight();
    return m.usable() == 3 && heavy > 0 && heavy * 10 <= light * 6;
  }
}
