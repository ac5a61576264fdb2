package io.lb4j.impl;

import static org.assertj.core.api.Assertions.assertThat;

import io.lb4j.api.Backend;
import io.lb4j.api.Listener;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.Protocol;
import io.lb4j.api.health.HealthCheckPolicy;
import io.lb4j.testing.TcpTestBackend;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 18 item 11: every pool used to start up to three threads of its own (pool, DNS, health), 150 for a
 * gateway of 50 listeners. Pools now share one control thread, one DNS thread and one health-check thread.
 */
class SharedThreadsTest {

  private static final HealthCheckPolicy FAST_TCP = HealthCheckPolicy.builder()
      .interval(Duration.ofMillis(50)).responseTimeout(Duration.ofSeconds(5))
      .unhealthyThreshold(1).healthyThreshold(1).build();

  @Test
  void fiftyPools_runOnThreeSharedThreads_andNoneSurvivesTheLastClose() throws Exception {
    List<LoadBalancer> pools = new ArrayList<>();
    try (TcpTestBackend server = TcpBackend.start("127.0.0.1")) {
      try {
        for (int i = 0; i < 50; i++) {
          Listener listener = Listener.builder("listener-" + i, Protocol.TCP, 0).healthCheck(FAST_TCP)
              .drainTimeout(Duration.ofSeconds(30)).slowStartWindow(Duration.ofSeconds(30)).build();
          pools.add(LoadBalancers.builder(listener)
              .backend(Backend.of("ip", "127.0.0.1", server.port()))
              .backend(Backend.of("name", "localhost", server.port())) // a host name: looked up on lb4j-dns
              .build().start());
        }
        for (LoadBalancer lb : pools) {
          assertThat(lb.awaitHealthy(1, Await.DEADLINE)).as(lb.name()).isTrue();
        }
        assertThat(LoadBalancerTest.lb4jThreads()).as("the threads of 50 started pools")
            .allMatch(n -> n.equals("lb4j-control") || n.equals("lb4j-dns") || n.equals("lb4j-health-io"))
            .hasSizeLessThanOrEqualTo(3)
            .contains("lb4j-control", "lb4j-health-io");
      } finally {
        pools.forEach(LoadBalancer::close);
      }
    }
    Await.until("no lb4j thread after the last pool closed", () -> LoadBalancerTest.lb4jThreads().isEmpty());
  }
}
