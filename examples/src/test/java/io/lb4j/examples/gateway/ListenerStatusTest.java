package io.lb4j.examples.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.lb4j.api.Backend;
import io.lb4j.api.Listener;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.Protocol;
import io.lb4j.api.health.HealthCheckPolicy;
import io.lb4j.impl.LoadBalancers;
import io.lb4j.impl.listener.ListenerMetrics;
import io.lb4j.impl.listener.ListenerServer;
import io.lb4j.testing.HttpTestBackend;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The listeners' status lines: counters of a real listener, and backend connections opened per second. */
class ListenerStatusTest {

  @Test
  void lines_showBackendConnectionsOpenedAndTheirRateSinceThePreviousRefresh() throws Exception {
    Listener listener = Listener.builder("web", Protocol.HTTP, 0).healthCheck(HealthCheckPolicy.disabled()).build();
    try (HttpTestBackend a = HttpTestBackend.builder("a").host("127.0.0.8").build().start();
        LoadBalancer pool = LoadBalancers.builder(listener).backend(Backend.of("a", "127.0.0.8", a.port())).build()
            .start();
        ListenerServer server = ListenerServer.builder(pool).bindAddress(InetAddress.getLoopbackAddress())
            .eventLoops(1).maxIdleConnectionsPerBackend(0).build().start()) {
      ListenerStatus status = new ListenerStatus();
      PlainHttpClient client = new PlainHttpClient(10_000);
      InetSocketAddress to = server.localAddress();

      assertThat(status.lines(Map.of("web", server.metrics()), 0)).containsExactly(
          "status listener=web active=0 accepted=0 requests=0 backendOpened=0 backendOpenedPerSecond=- acceptPauses=0");
      for (int i = 0; i < 4; i++) {
        assertThat(client.get(to, "/").status()).isEqualTo(200); // no pooling here: one backend connection each
      }
      ListenerMetrics m = server.metrics();

      assertThat(status.lines(Map.of("web", m), 2_000_000_000L)).containsExactly(
          "status listener=web active=" + m.connectionsActive() + " accepted=4 requests=4 backendOpened=4"
              + " backendOpenedPerSecond=2.0 acceptPauses=0");
    }
  }
}
