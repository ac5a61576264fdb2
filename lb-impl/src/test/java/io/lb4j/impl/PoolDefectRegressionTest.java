package io.lb4j.impl;

import static org.assertj.core.api.Assertions.assertThat;

import io.lb4j.api.Backend;
import io.lb4j.api.Listener;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.Protocol;
import io.lb4j.api.RequestContext;
import io.lb4j.api.Selection;
import io.lb4j.api.health.HealthCheckPolicy;
import io.lb4j.api.health.HealthStatus;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** One regression test per defect of issue 8, named after it. */
class PoolDefectRegressionTest {

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

  private static void awaitHealth(LoadBalancer lb, String id, HealthStatus status) {
    Await.until(id + " " + status, () -> lb.view().stream()
        .anyMatch(v -> v.backend().id().equals(id) && v.health() == status));
  }

  @Test
  void defect1_listenerBackendPort_isThePortOfTrafficAndOfChecks() {
    TcpBackend open = closing(TcpBackend.start("127.0.0.1"));
    int ownPortClosed = LoadBalancerTest.closedPort();
    Listener listener = Listener.builder("web", Protocol.TCP, 0).backendPort(open.port()).healthCheck(FAST_TCP)
        .build();
    LoadBalancer lb = closing(LoadBalancers.builder(listener)
        .backend(Backend.of("a", "127.0.0.1", ownPortClosed)).build().start());

    awaitHealth(lb, "a", HealthStatus.HEALTHY); // probed on the listener's backend port, which is open
    try (Selection s = lb.select(RequestContext.EMPTY)) {
      assertThat(s.address()).isEqualTo(new InetSocketAddress("127.0.0.1", open.port()));
    }
  }

  @Test
  void defect1_healthCheckPortOverride_stillWinsOverTheListenerBackendPort() {
    TcpBackend checkPort = closing(TcpBackend.start("127.0.0.1"));
    int trafficPortClosed = LoadBalancerTest.closedPort();
    HealthCheckPolicy policy = FAST_TCP.toBuilder().port(checkPort.port()).build();
    Listener listener = Listener.builder("web", Protocol.TCP, 0).backendPort(trafficPortClosed)
        .healthCheck(policy).build();
    LoadBalancer lb = closing(LoadBalancers.builder(listener)
        .backend(Backend.of("a", "127.0.0.1", LoadBalancerTest.closedPort())).build().start());

    awaitHealth(lb, "a", HealthStatus.HEALTHY);
    try (Selection s = lb.select(RequestContext.EMPTY)) {
      assertThat(s.address().getPort()).isEqualTo(trafficPortClosed);
    }
  }
}
