package io.lb4j.impl.listener;

import static io.lb4j.impl.listener.Fixtures.LOOPBACK;
import static io.lb4j.impl.listener.Fixtures.pool;
import static org.assertj.core.api.Assertions.assertThat;

import io.lb4j.api.Listener;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.Protocol;
import io.lb4j.testing.UdpTestBackend;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** UDP listeners on loopback: integrity, replies, expiry, limits, and stopping. */
class UdpListenerTest {

  static Listener.Builder udp(String name) {
    return Listener.builder(name, Protocol.UDP, 0);
  }

  static ListenerServer.Builder server(LoadBalancer pool) {
    return ListenerServer.builder(pool).bindAddress(LOOPBACK).eventLoops(2);
  }

  @Test
  void manyClients_everyDatagramArrivesIntactBothWays() throws Exception {
    try (UdpTestBackend a = UdpTestBackend.echo("a"); UdpTestBackend b = UdpTestBackend.echo("b");
        UdpTestBackend c = UdpTestBackend.echo("c");
        LoadBalancer pool = pool(udp("udp-integrity"), a.backend(), b.backend(), c.backend());
        ListenerServer server = server(pool).build().start()) {
      int clients = 24;
      int perClient = 150;
      ExecutorService exec = Executors.newFixedThreadPool(clients);
      long expectedBytes = 0;
      for (int i = 0; i < clients; i++) {
        for (int k = 0; k < perClient; k++) {
          expectedBytes += size(i, k);
        }
      }
      try {
        List<Future<Integer>> results = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
          int id = i;
          results.add(exec.submit(() -> {
            int good = 0;
            Random random = new Random(id);
            try (UdpClient client = new UdpClient(server.localAddress())) {
              for (int k = 0; k < perClient; k++) {
                byte[] sent = UdpClient.datagram(size(id, k), k, random);
                byte[] reply = client.request(sent);
                if (UdpClient.intact(reply) && UdpClient.seq(reply) == k && Arrays.equals(reply, sent)) {
                  good++;
                }
              }
            }
            return good;
          }));
        }
        for (Future<Integer> r : results) {
          assertThat(r.get(120, TimeUnit.SECONDS)).isEqualTo(perClient);
        }
      } finally {
        exec.shutdownNow();
      }
      long total = (long) clients * perClient;
      // The loop counts a reply once its send returned, which may be after the client already read it.
      long bytes = expectedBytes;
      Await.until("the last replies counted", () -> server.udpMetrics().datagramsOut() == total
          && server.metrics().bytesOut() == bytes);
      UdpMetrics m = server.udpMetrics();
      assertThat(m.datagramsIn()).isEqualTo(total);
      assertThat(m.datagramsOut()).isEqualTo(total);
      assertThat(m.droppedTotal()).isZero();
      assertThat(m.flowsTotal()).isEqualTo(clients);
      assertThat(m.flowsActive()).isEqualTo(clients);
      assertThat(a.received() + b.received() + c.received()).isEqualTo(total);
      assertThat(a.received()).isPositive();
      assertThat(b.received()).isPositive();
      assertThat(c.received()).isPositive();
      // One socket per flow towards its backend: each backend sees as many senders as it has flows.
      assertThat(a.senders().size() + b.senders().size() + c.senders().size()).isEqualTo(clients);
      ListenerMetrics lm = server.metrics();
      assertThat(lm.bytesIn()).isEqualTo(expectedBytes);
      assertThat(lm.bytesOut()).isEqualTo(expectedBytes);
      assertThat(lm.connectionsActive()).isEqualTo(clients);
    }
  }

  /** Sizes from 12 bytes to 9,000 (above a 1500-byte MTU: loopback carries them whole). */
  private static int size(int client, int k) {
    return 12 + (client * 7919 + k * 104_729) % 9000;
  }

  @Test
  void replies_comeFromTheListenersAddressAndPort() throws Exception {
    try (UdpTestBackend a = UdpTestBackend.echo("a");
        LoadBalancer pool = pool(udp("udp-source"), a.backend());
        ListenerServer server = server(pool).build().start();
        DatagramChannel client = DatagramChannel.open()) {
      client.bind(new InetSocketAddress(LOOPBACK, 0));
      client.send(ByteBuffer.wrap(new byte[] {1, 2, 3}), server.localAddress());
      ByteBuffer reply = ByteBuffer.allocate(16);
      InetSocketAddress from = (InetSocketAddress) client.receive(reply); // blocking: unconnected, any sender
      assertThat(from).isEqualTo(server.localAddress());
      assertThat(reply.flip().remaining()).isEqualTo(3);
    }
  }

  @Test
  void flows_expireAfterTheirIdleTimeout() throws Exception {
    try (UdpTestBackend a = UdpTestBackend.echo("a");
        LoadBalancer pool = pool(udp("udp-expiry"), a.backend());
        ListenerServer server = server(pool)
            .udp(UdpSettings.builder().flowIdleTimeout(Duration.ofMillis(200)).build()).build().start();
        UdpClient client = new UdpClient(server.localAddress())) {
      assertThat(client.request(new byte[] {7})).containsExactly(7);
      assertThat(server.udpMetrics().flowsTotal()).isEqualTo(1);
      Await.until("the idle flow to expire", () -> server.udpMetrics().flowsActive() == 0);
      assertThat(server.udpMetrics().flowsExpired()).isEqualTo(1);
      assertThat(server.metrics().connectionsActive()).isZero();
      // The client's next datagram opens a new flow (a new socket towards the backend).
      assertThat(client.request(new byte[] {8})).containsExactly(8);
      assertThat(server.udpMetrics().flowsTotal()).isEqualTo(2);
      assertThat(a.senders()).hasSize(2);
    }
  }

  @Test
  void datagramsAboveTheMaximum_areDroppedAndCountedEitherWay() throws Exception {
    try (UdpTestBackend a = UdpTestBackend.echo("a");
        LoadBalancer pool = pool(udp("udp-size"), a.backend());
        ListenerServer server = server(pool).udp(UdpSettings.builder().maxDatagramSize(1000).build()).build().start();
        UdpClient client = new UdpClient(server.localAddress())) {
      assertThat(client.request(new byte[1000])).hasSize(1000); // the edge passes
      client.send(new byte[1001]);
      Await.until("the large datagram counted",
          () -> server.udpMetrics().dropped(UdpMetrics.DropCause.CLIENT_TOO_LARGE) == 1);
      assertThat(a.received()).isEqualTo(1);
      // The backend answers with 1001 bytes: dropped on the way back, never cut to 1000.
      a.reply("x".repeat(1001));
      client.send(new byte[10]);
      Await.until("the large reply counted",
          () -> server.udpMetrics().dropped(UdpMetrics.DropCause.BACKEND_TOO_LARGE) == 1);
      a.reply("y".repeat(1000));
      assertThat(client.request(new byte[10])).hasSize(1000);
      // Counted once its send returned, which may be after the client read it.
      Await.until("the reply counted", () -> server.udpMetrics().datagramsOut() == 2);
      UdpMetrics m = server.udpMetrics();
      assertThat(m.datagramsIn()).isEqualTo(3);
      assertThat(m.datagramsOut()).isEqualTo(2);
      assertThat(m.droppedUpstream()).isEqualTo(1);
      assertThat(m.droppedDownstream()).isEqualTo(1);
    }
  }

  @Test
  void newFlowsOverTheCap_areDroppedAndCountedWhileOpenFlowsKeepWorking() throws Exception {
    try (UdpTestBackend a = UdpTestBackend.echo("a");
        LoadBalancer pool = pool(udp("udp-cap"), a.backend());
        ListenerServer server = server(pool).udp(UdpSettings.builder().maxFlows(3)
            .flowIdleTimeout(Duration.ofSeconds(600)).build()).build().start()) {
      List<UdpClient> clients = new ArrayList<>();
      try {
        for (int i = 0; i < 5; i++) {
          clients.add(new UdpClient(server.localAddress()));
        }
        for (int i = 0; i < 3; i++) {
          assertThat(clients.get(i).request(new byte[] {(byte) i})).containsExactly((byte) i);
        }
        clients.get(3).send(new byte[] {3});
        clients.get(4).send(new byte[] {4});
        clients.get(4).send(new byte[] {4});
        Await.until("three first datagrams of new flows dropped",
            () -> server.udpMetrics().dropped(UdpMetrics.DropCause.FLOW_LIMIT) == 3);
        assertThat(server.udpMetrics().flowsActive()).isEqualTo(3);
        for (int i = 0; i < 3; i++) {
          assertThat(clients.get(i).request(new byte[] {9})).containsExactly(9);
        }
        assertThat(a.received()).isEqualTo(6);
      } finally {
        clients.forEach(UdpClient::close);
      }
    }
  }

  @Test
  void stop_refusesNewFlowsAndLetsOpenOnesFinishWithinTheGrace() throws Exception {
    UdpTestBackend a = UdpTestBackend.echo("a");
    try (a; LoadBalancer pool = pool(udp("udp-stop"), a.backend())) {
      ListenerServer server = server(pool).udp(UdpSettings.builder().flowIdleTimeout(Duration.ofMillis(500)).build())
          .build().start();
      try (UdpClient client = new UdpClient(server.localAddress()); UdpClient late = new UdpClient(server.localAddress())) {
        assertThat(client.request(new byte[] {1})).containsExactly(1);
        ExecutorService exec = Executors.newSingleThreadExecutor();
        try {
          Future<?> stopped = exec.submit(() -> server.stop(Duration.ofSeconds(60)));
          Await.until("stopping", () -> server.state() == ListenerState.STOPPING);
          late.send(new byte[] {2});
          Await.until("the new flow refused", () -> server.udpMetrics().dropped(UdpMetrics.DropCause.STOPPING) == 1);
          assertThat(client.request(new byte[] {3})).containsExactly(3); // the open flow still forwards
          stopped.get(60, TimeUnit.SECONDS); // returns once the open flow went idle and expired
        } finally {
          exec.shutdownNow();
        }
        assertThat(server.state()).isEqualTo(ListenerState.STOPPED);
        assertThat(Fixtures.listenerThreadsAlive("udp-stop")).isFalse();
        assertThat(server.metrics().connectionsActive()).isZero();
      }
    }
  }
}
