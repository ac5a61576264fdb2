package io.lb4j.impl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lb4j.api.Backend;
import io.lb4j.api.BackendView;
import io.lb4j.api.Listener;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.Outcome;
import io.lb4j.api.Protocol;
import io.lb4j.api.RequestContext;
import io.lb4j.api.Selection;
import io.lb4j.api.health.HealthCheckPolicy;
import io.lb4j.api.health.HealthStatus;
import io.lb4j.api.scheduler.NoBackendReason;
import io.lb4j.api.scheduler.SchedulingAlgorithm;
import io.lb4j.impl.listener.ListenerServer;
import io.lb4j.testing.TcpTestBackend;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Misuse gets a clear answer (issue 18 item 8): nulls refused with the parameter's name, as lb-api's package
 * documentation promises; one lifecycle rule; a pool that was not started says so; pools log under their own
 * names. And the per-pick handle: a backend added again starts at zero (item 7).
 */
class PoolMisuseTest {

  private static final HealthCheckPolicy FAST_TCP = HealthCheckPolicy.builder()
      .interval(Duration.ofMillis(20)).responseTimeout(Duration.ofSeconds(5))
      .unhealthyThreshold(1).healthyThreshold(1).build();

  private final List<AutoCloseable> closeables = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = closeables.size() - 1; i >= 0; i--) {
      closeables.get(i).close();
    }
  }

  private <T extends AutoCloseable> T closing(T c) {
    closeables.add(c);
    return c;
  }

  private LoadBalancer pool() {
    return closing(LoadBalancers.builder().healthCheck(HealthCheckPolicy.disabled())
        .backend(Backend.of("a", "127.0.0.1", 1)).build().start());
  }

  private static void refusesNull(ThrowingCallable call, String parameter) {
    assertThatThrownBy(call).isInstanceOf(NullPointerException.class).hasMessage(parameter);
  }

  @Test
  void everyParameter_refusesNull_withItsName() {
    LoadBalancer lb = pool();
    Selection s = lb.select(RequestContext.EMPTY);
    refusesNull(() -> lb.select(null), "context");
    refusesNull(() -> lb.select(null, List.of()), "context");
    refusesNull(() -> lb.select(RequestContext.EMPTY, null), "excludedBackendIds");
    refusesNull(() -> lb.report(null, Outcome.success()), "selection");
    refusesNull(() -> lb.report(s, null), "outcome");
    refusesNull(() -> lb.observeSetCookie(null, "a=b"), "selection");
    refusesNull(() -> lb.observeSetCookie(s, null), "setCookieHeader");
    refusesNull(() -> lb.addBackend(null), "backend");
    refusesNull(() -> lb.removeBackend(null), "backendId");
    refusesNull(() -> lb.setBackends(null), "backends");
    refusesNull(() -> lb.setWeight(null, 1), "backendId");
    refusesNull(() -> lb.setEnabled(null, true), "backendId");
    refusesNull(() -> lb.setHealthCheck(null), "healthCheck");
    refusesNull(() -> lb.healthHistory(null, Instant.EPOCH, Instant.MAX), "backendId");
    refusesNull(() -> lb.healthHistory("a", null, Instant.MAX), "from");
    refusesNull(() -> lb.healthHistory("a", Instant.EPOCH, null), "to");
    refusesNull(() -> lb.subscribe(null), "consumer");
    refusesNull(() -> lb.awaitAnyHealthy(null), "timeout");
    refusesNull(() -> lb.awaitHealthy(1, null), "timeout");
    s.release();
    assertThat(lb.view()).singleElement().extracting(BackendView::activeConnections).isEqualTo(0);
  }

  @Test
  void badArguments_areRefusedBeforeTheyReachThePool_andChangeNothing() {
    LoadBalancer lb = pool();
    assertThatThrownBy(() -> lb.setWeight("a", 101)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("backend.weight must be between 0 and 100, was 101");
    assertThatThrownBy(() -> lb.setWeight("nope", 5)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("backendId must name a member of the pool, was 'nope'");
    assertThatThrownBy(() -> lb.addBackend(Backend.of("a", "127.0.0.1", 9))).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("backend.id must be unique in the pool, was 'a' (already a member)");
    assertThat(lb.view()).singleElement().satisfies(v -> {
      assertThat(v.backend().port()).isEqualTo(1);
      assertThat(v.backend().weight()).isEqualTo(100);
    });
  }

  @Test
  void lifecycle_startTwiceIsFine_startAfterCloseIsRefused_closeTwiceIsFine() {
    LoadBalancer lb = pool();
    assertThat(lb.start()).isSameAs(lb);
    lb.close();
    lb.close();
    assertThatThrownBy(lb::start).isInstanceOf(IllegalStateException.class)
        .hasMessage("load balancer 'client' is closed");
    assertThatThrownBy(() -> lb.setWeight("a", 3)).isInstanceOf(IllegalStateException.class)
        .hasMessage("load balancer 'client' is closed");
    assertThat(lb.select(RequestContext.EMPTY).reason()).isEqualTo(NoBackendReason.CLOSED);
  }

  @Test
  void listenerServer_followsTheSameLifecycleRule() {
    LoadBalancer lb = closing(LoadBalancers.builder(Listener.builder("same-rule", Protocol.TCP, 0)
        .healthCheck(HealthCheckPolicy.disabled()).build()).build().start());
    ListenerServer server = closing(ListenerServer.builder(lb).bindAddress(java.net.InetAddress.getLoopbackAddress())
        .eventLoops(1).build());
    assertThat(server.start()).isSameAs(server);
    assertThat(server.start()).isSameAs(server); // a second start does nothing, like LoadBalancer.start()
    server.close();
    server.close();
    assertThatThrownBy(server::start).isInstanceOf(IllegalStateException.class)
        .hasMessage("listener same-rule is STOPPED: a stopped server cannot be started again, build a new one");
  }

  @Test
  void listenerServer_ofAClientSidePool_isRefusedWithAReason() {
    LoadBalancer orders = closing(LoadBalancers.builder().name("orders").build());
    assertThatThrownBy(() -> ListenerServer.builder(orders)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("pool must be built for a listener (LoadBalancers.builder(listener)) to be served by a "
            + "ListenerServer, was the client-side pool 'orders'");
  }

  @Test
  void select_beforeStart_saysNotStarted_andAfterStartTheChecksDecide() throws Exception {
    TcpTestBackend a = closing(TcpBackend.start("127.0.0.1"));
    LoadBalancer lb = closing(LoadBalancers.builder().healthCheck(FAST_TCP)
        .backend(Backend.of("a", a.host(), a.port())).build());
    assertThat(lb.select(RequestContext.EMPTY).reason()).isEqualTo(NoBackendReason.NOT_STARTED);
    lb.start();
    assertThat(lb.awaitHealthy(1, Await.DEADLINE)).isTrue();
    try (Selection s = lb.select(RequestContext.EMPTY)) {
      assertThat(s.backend().id()).isEqualTo("a");
    }
  }

  /** Regression (issue 18 item 7): release was keyed by Backend, so a re-added id inherited old releases. */
  @ParameterizedTest
  @EnumSource(value = SchedulingAlgorithm.class, names = {"WEIGHTED_LEAST_CONNECTIONS", "LEAST_REQUEST_P2C",
      "WEIGHTED_ROUND_ROBIN"})
  void reAddedBackend_startsAtZero_andAReleaseOfItsPredecessorsRequestDoesNotLowerItsCount(
      SchedulingAlgorithm algorithm) {
    LoadBalancer lb = closing(LoadBalancers.builder().healthCheck(HealthCheckPolicy.disabled()).scheduler(algorithm)
        .backend(Backend.of("a", "127.0.0.1", 1)).build().start());
    Selection old1 = lb.select(RequestContext.EMPTY);
    Selection old2 = lb.select(RequestContext.EMPTY);
    lb.removeBackend("a"); // no drain timeout: it leaves at once, its two requests still open
    lb.addBackend(Backend.of("a", "127.0.0.1", 1));
    assertThat(active(lb)).as("a new membership starts at zero").isZero();

    Selection fresh = lb.select(RequestContext.EMPTY);
    old1.release();
    old2.release();
    assertThat(active(lb)).as("the old requests end on the old membership's count").isEqualTo(1);
    fresh.release();
    assertThat(active(lb)).isZero();
  }

  private static int active(LoadBalancer lb) {
    return lb.view().get(0).activeConnections();
  }

  /**
   * Issue 18 item 8 and issue 19 "Log lines name their listener": two pools with a backend of the same id
   * used to log the same health-transition line.
   */
  @Test
  void healthTransitionLines_nameTheirPool() throws Exception {
    TcpTestBackend one = closing(TcpBackend.start("127.0.0.1"));
    TcpTestBackend two = closing(TcpBackend.start("127.0.0.2"));
    LoadBalancer orders = closing(LoadBalancers.builder().name("orders").healthCheck(FAST_TCP)
        .backend(Backend.of("a", one.host(), one.port())).build().start());
    LoadBalancer billing = closing(LoadBalancers.builder().name("billing").healthCheck(FAST_TCP)
        .backend(Backend.of("a", two.host(), two.port())).build().start());
    assertThat(orders.awaitHealthy(1, Await.DEADLINE)).isTrue();
    assertThat(billing.awaitHealthy(1, Await.DEADLINE)).isTrue();
    PrintStream err = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8)); // slf4j-simple writes WARN here
    try {
      one.stop();
      two.stop();
      Await.until("both unhealthy", () -> orders.view().get(0).health() == HealthStatus.UNHEALTHY
          && billing.view().get(0).health() == HealthStatus.UNHEALTHY);
    } finally {
      System.setErr(err);
    }
    String lines = captured.toString(StandardCharsets.UTF_8);
    assertThat(lines).contains("load balancer 'orders': backend a (127.0.0.1:" + one.port() + ") is now UNHEALTHY")
        .contains("load balancer 'billing': backend a (127.0.0.2:" + two.port() + ") is now UNHEALTHY");
  }
}
