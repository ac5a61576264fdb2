package io.lb4j.impl.listener;

import static io.lb4j.impl.listener.UdpListenerTest.server;
import static io.lb4j.impl.listener.UdpListenerTest.udp;
import static org.assertj.core.api.Assertions.assertThat;

import io.lb4j.api.BackendView;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.health.HealthCheckPolicy;
import io.lb4j.api.health.HealthCheckType;
import io.lb4j.api.health.HealthStatus;
import io.lb4j.impl.LoadBalancers;
import io.lb4j.testing.TcpTestBackend;
import io.lb4j.testing.UdpTestBackend;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A UDP listener's pool checked by UDP checks, or by TCP checks on another port, with traffic flowing. */
class UdpHealthCheckedListenerTest {

  private static HealthStatus health(LoadBalancer pool, String id) {
    return pool.view().stream().filter(v -> v.backend().id().equals(id)).map(BackendView::health).findFirst()
        .orElseThrow();
  }

  private static String ask(UdpClient c) throws Exception {
    return new String(c.request(new byte[] {1}), StandardCharsets.US_ASCII);
  }

  @Test
  void udpCheck_takesAStoppedBackendOutOfNewFlows() throws Exception {
    try (UdpTestBackend a = UdpTestBackend.echo("a").reply("a"); UdpTestBackend b = UdpTestBackend.echo("b").reply("b");
        LoadBalancer pool = LoadBalancers.builder(udp("udp-checked").healthCheck(HealthCheckPolicy.builder()
            .type(HealthCheckType.UDP).udpRequest("health").interval(Duration.ofMillis(50))
            .responseTimeout(Duration.ofMillis(500)).unhealthyThreshold(1).healthyThreshold(1).build()).build())
            .backend(a.backend()).backend(b.backend()).build().start();
        ListenerServer server = server(pool).build().start()) {
      Await.until("both backends checked healthy",
          () -> health(pool, "a") == HealthStatus.HEALTHY && health(pool, "b") == HealthStatus.HEALTHY);
      a.stop();
      Await.until("a unhealthy", () -> health(pool, "a") == HealthStatus.UNHEALTHY);
      assertThat(pool.view().get(0).lastCheck()).isEqualTo("port unreachable (ICMP)");
      for (int i = 0; i < 6; i++) {
        try (UdpClient c = new UdpClient(server.localAddress())) {
          assertThat(ask(c)).isEqualTo("b");
        }
      }
    }
  }

  @Test
  void tcpCheckOnAnotherPort_guardsAUdpListener() throws Exception {
    try (UdpTestBackend a = UdpTestBackend.echo("a").reply("a");
        TcpTestBackend sidecar = TcpTestBackend.builder("sidecar").host(a.host()).build().start();
        LoadBalancer pool = LoadBalancers.builder(udp("udp-tcp-checked").healthCheck(HealthCheckPolicy.builder()
            .port(sidecar.port()).interval(Duration.ofMillis(50)).unhealthyThreshold(1).healthyThreshold(1).build())
            .build()).backend(a.backend()).build().start();
        ListenerServer server = server(pool).build().start();
        UdpClient c = new UdpClient(server.localAddress())) {
      Await.until("a checked healthy over TCP", () -> health(pool, "a") == HealthStatus.HEALTHY);
      assertThat(ask(c)).isEqualTo("a");
      sidecar.stop();
      Await.until("a unhealthy", () -> health(pool, "a") == HealthStatus.UNHEALTHY);
      try (UdpClient late = new UdpClient(server.localAddress())) {
        late.send(new byte[] {2});
        Await.until("the new flow found no backend",
            () -> server.udpMetrics().dropped(UdpMetrics.DropCause.NO_BACKEND) == 1);
      }
    }
  }
}
