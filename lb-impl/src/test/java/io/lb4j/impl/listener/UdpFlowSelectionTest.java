package io.lb4j.impl.listener;

import static io.lb4j.impl.listener.Fixtures.pool;
import static io.lb4j.impl.listener.UdpListenerTest.server;
import static io.lb4j.impl.listener.UdpListenerTest.udp;
import static org.assertj.core.api.Assertions.assertThat;

import io.lb4j.api.LoadBalancer;
import io.lb4j.api.persistence.SessionPersistence;
import io.lb4j.api.scheduler.SchedulingAlgorithm;
import io.lb4j.testing.UdpTestBackend;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Which backend a UDP flow goes to: each scheduler through the pool's select, a flow keeping its backend for its
 * life, and source-IP persistence. Backends answer with their name, so each client sees where its flow went.
 */
class UdpFlowSelectionTest {

  private static final String[] ADDRESSES = {"127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4"};

  private static String ask(UdpClient c) throws Exception {
    byte[] reply = c.request(new byte[] {1});
    assertThat(reply).as("a reply").isNotNull();
    return new String(reply, StandardCharsets.US_ASCII);
  }

  @ParameterizedTest
  @EnumSource(value = SchedulingAlgorithm.class, names = {"WEIGHTED_ROUND_ROBIN", "ROUND_ROBIN", "SOURCE_IP_HASH",
      "CONSISTENT_HASH"})
  void eachScheduler_placesFlowsAndAFlowKeepsItsBackend(SchedulingAlgorithm scheduler) throws Exception {
    try (UdpTestBackend a = UdpTestBackend.echo("a").reply("a"); UdpTestBackend b = UdpTestBackend.echo("b").reply("b");
        LoadBalancer pool = pool(udp("udp-" + scheduler.code()).scheduler(scheduler), a.backend(), b.backend());
        // One loop: one thread selects, so round robin's picks alternate exactly (each thread has its own stripe).
        ListenerServer server = server(pool).eventLoops(1)
            .udp(UdpSettings.builder().flowIdleTimeout(Duration.ofMillis(300)).build()).build().start()) {
      List<UdpClient> clients = new ArrayList<>();
      try {
        for (String address : ADDRESSES) {
          for (int p = 0; p < 3; p++) {
            clients.add(new UdpClient(server.localAddress(), address));
          }
        }
        Map<UdpClient, String> first = new HashMap<>();
        for (UdpClient c : clients) {
          first.put(c, ask(c));
        }
        for (UdpClient c : clients) {
          for (int i = 0; i < 5; i++) {
            assertThat(ask(c)).as("a flow's datagrams all go to its backend").isEqualTo(first.get(c));
          }
        }
        switch (scheduler) {
          case ROUND_ROBIN:
          case WEIGHTED_ROUND_ROBIN:
            // Flows opened one after the other alternate between two backends of equal weight.
            assertThat(first.values().stream().filter("a"::equals).count()).isEqualTo(6);
            break;
          case SOURCE_IP_HASH:
            for (int i = 0; i < clients.size(); i += 3) {
              assertThat(new HashSet<>(List.of(first.get(clients.get(i)), first.get(clients.get(i + 1)),
                  first.get(clients.get(i + 2)))))
                  .as("one client address, one backend").hasSize(1);
            }
            break;
          default:
            // Consistent hash on the four-tuple: a flow opened again after it expired finds the same backend.
            Await.until("every flow expired", () -> server.udpMetrics().flowsActive() == 0);
            for (UdpClient c : clients) {
              assertThat(ask(c)).isEqualTo(first.get(c));
            }
            assertThat(server.udpMetrics().flowsTotal()).isEqualTo(2L * clients.size());
        }
      } finally {
        clients.forEach(UdpClient::close);
      }
    }
  }

  @Test
  void sourceIpPersistence_keepsEveryFlowOfAClientAddressOnOneBackend() throws Exception {
    try (UdpTestBackend a = UdpTestBackend.echo("a").reply("a"); UdpTestBackend b = UdpTestBackend.echo("b").reply("b");
        LoadBalancer pool = pool(udp("udp-sticky").scheduler(SchedulingAlgorithm.ROUND_ROBIN)
            .sessionPersistence(SessionPersistence.sourceIp(Duration.ofSeconds(600))), a.backend(), b.backend());
        ListenerServer server = server(pool).build().start()) {
      Set<String> used = new HashSet<>();
      for (String address : ADDRESSES) {
        Set<String> backends = new HashSet<>();
        for (int p = 0; p < 4; p++) {
          try (UdpClient c = new UdpClient(server.localAddress(), address)) {
            backends.add(ask(c));
          }
        }
        assertThat(backends).as("flows of " + address).hasSize(1);
        used.addAll(backends);
      }
      // Round robin places the four addresses' first flows on both backends.
      assertThat(used).containsExactlyInAnyOrder("a", "b");
      assertThat(server.udpMetrics().flowsTotal()).isEqualTo(16);
    }
  }
}
