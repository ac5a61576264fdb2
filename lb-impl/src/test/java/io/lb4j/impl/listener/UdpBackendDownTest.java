package io.lb4j.impl.listener;

import static io.lb4j.impl.listener.UdpListenerTest.server;
import static io.lb4j.impl.listener.UdpListenerTest.udp;
import static org.assertj.core.api.Assertions.assertThat;

import io.lb4j.api.BackendView;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.health.HealthCheckPolicy;
import io.lb4j.api.health.OutlierDetectionPolicy;
import io.lb4j.api.scheduler.SchedulingAlgorithm;
import io.lb4j.impl.LoadBalancers;
import io.lb4j.testing.UdpTestBackend;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A UDP backend whose port is closed: its host answers ICMP port unreachable, the flow counts it, reports a
 * connect failure to the pool (passive health checking ejects the backend) and moves to another backend.
 */
class UdpBackendDownTest {

  /** Sends until a reply comes: a client's own retry, as UDP protocols do; bounded. */
  private static String askWithRetries(UdpClient c, byte value) throws Exception {
    for (int attempt = 0; attempt < 50; attempt++) {
      c.send(new byte[] {value});
      byte[] reply = c.receive(500);
      if (reply != null) {
        return new String(reply, StandardCharsets.US_ASCII);
      }
    }
    throw new AssertionError("no reply after 50 attempts");
  }

  @Test
  void portUnreachable_isCountedReportedAndTheFlowMovesToAnotherBackend() throws Exception {
    UdpTestBackend dead = UdpTestBackend.echo("dead");
    dead.stop(); // the port is closed: datagrams to it get ICMP port unreachable
    try (UdpTestBackend alive = UdpTestBackend.echo("alive").reply("alive");
        LoadBalancer pool = LoadBalancers.builder(udp("udp-down").scheduler(SchedulingAlgorithm.ROUND_ROBIN)
            .healthCheck(HealthCheckPolicy.disabled())
            .outlierDetection(OutlierDetectionPolicy.builder().consecutiveFailures(1)
                .baseEjectionTime(Duration.ofSeconds(60)).build())
            .build()).backend(dead.backend()).backend(alive.backend()).build().start();
        ListenerServer server = server(pool).build().start()) {
      // Round robin sends the first flow to "dead" (added first); later flows alternate until it is ejected.
      for (int i = 0; i < 6; i++) {
        try (UdpClient c = new UdpClient(server.localAddress())) {
          assertThat(askWithRetries(c, (byte) i)).isEqualTo("alive");
          assertThat(askWithRetries(c, (byte) (i + 100))).isEqualTo("alive");
        }
      }
      UdpMetrics m = server.udpMetrics();
      assertThat(m.portUnreachable()).isGreaterThanOrEqualTo(1);
      assertThat(m.flowsMoved()).isEqualTo(m.portUnreachable());
      BackendView deadView = pool.view().stream().filter(v -> v.backend().id().equals("dead")).findFirst().orElseThrow();
      assertThat(deadView.ejected()).as("the pool heard of the failure").isTrue();
      assertThat(dead.received()).isZero();
    } finally {
      dead.close();
    }
  }

  @Test
  void everyBackendUnreachable_endsTheFlowAndCountsTheDatagram() throws Exception {
    UdpTestBackend d1 = UdpTestBackend.echo("d1");
    UdpTestBackend d2 = UdpTestBackend.echo("d2");
    d1.stop();
    d2.stop();
    try (LoadBalancer pool = LoadBalancers.builder(udp("udp-all-down").healthCheck(HealthCheckPolicy.disabled())
            .build()).backend(d1.backend()).backend(d2.backend()).build().start();
        ListenerServer server = server(pool).build().start();
        UdpClient c = new UdpClient(server.localAddress())) {
      // Each datagram reaches a closed port, whose ICMP error moves the flow to the other backend, then ends it:
      // sent until the listener has given up on a flow at least once (bounded).
      for (int i = 0; i < 200 && server.udpMetrics().flowsFailed() == 0; i++) {
        c.send(new byte[] {(byte) i});
        assertThat(c.receive(50)).isNull();
      }
      UdpMetrics m = server.udpMetrics();
      assertThat(m.flowsFailed()).isPositive();
      assertThat(m.portUnreachable()).isGreaterThanOrEqualTo(2 * m.flowsFailed());
      assertThat(m.flowsMoved()).isGreaterThanOrEqualTo(m.flowsFailed());
      assertThat(m.datagramsOut()).isZero();
    } finally {
      d1.close();
      d2.close();
    }
  }
}
