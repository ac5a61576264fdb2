package io.lb4j.impl.listener;

import static io.lb4j.impl.listener.Fixtures.pool;
import static io.lb4j.impl.listener.UdpListenerTest.server;
import static io.lb4j.impl.listener.UdpListenerTest.udp;
import static org.assertj.core.api.Assertions.assertThat;

import io.lb4j.api.LoadBalancer;
import io.lb4j.testing.UdpTestBackend;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;

/**
 * Clients blast datagrams without waiting for replies into a listener on one loop, in front of a backend with a
 * tiny receive buffer: datagrams are lost, and every one of them is accounted for. Each datagram the clients
 * sent is forwarded, dropped by the listener with a cause, or dropped by the kernel on the listener's sockets
 * (its metrics), and each the listener forwarded reaches the backend or the backend's own kernel buffer
 * (counted by the kernel); the same holds on the way back. The test waits until those sums hold: a loss that
 * nothing counts would keep them apart and fail it.
 */
class UdpOverloadTest {

  @Test
  void overload_everyLostDatagramIsCountedSomewhere() throws Exception {
    // The backend's socket holds a few datagrams at most (Linux doubles the 4 KiB asked for).
    try (UdpTestBackend backend = UdpTestBackend.echo("tiny", "127.0.0.1", 4096);
        LoadBalancer pool = pool(udp("udp-overload"), backend.backend());
        ListenerServer server = server(pool).eventLoops(1)
            .udp(UdpSettings.builder().flowIdleTimeout(Duration.ofSeconds(600)).build()).build().start()) {
      int clients = 8;
      int perClient = 5000;
      List<UdpClient> sockets = new ArrayList<>();
      for (int i = 0; i < clients; i++) {
        sockets.add(new UdpClient(server.localAddress()));
      }
      LongAdder sent = new LongAdder();
      LongAdder received = new LongAdder();
      AtomicLong damaged = new AtomicLong();
      ExecutorService exec = Executors.newFixedThreadPool(2 * clients);
      try {
        List<Future<?>> senders = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
          UdpClient c = sockets.get(i);
          int id = i;
          exec.submit(() -> {
            try {
              byte[] reply;
              while ((reply = c.receive(60_000)) != null) {
                if (!UdpClient.intact(reply)) {
                  damaged.incrementAndGet();
                }
                received.increment();
              }
            } catch (Exception closed) {
              // the socket closed at the end of the test
            }
          });
          senders.add(exec.submit(() -> {
            Random random = new Random(id);
            for (int k = 0; k < perClient; k++) {
              c.send(UdpClient.datagram(1200, k, random));
              sent.increment();
            }
            return null;
          }));
        }
        for (Future<?> f : senders) {
          f.get(120, TimeUnit.SECONDS);
        }
        Set<Integer> clientPorts = new HashSet<>();
        sockets.forEach(s -> clientPorts.add(s.port()));
        int listenerPort = server.localAddress().getPort();
        Await.until("every datagram accounted for", () -> {
          UdpMetrics m = server.udpMetrics();
          long backendKernel = UdpKernelDrops.sum(Set.of(backend.port()));
          long clientKernel = UdpKernelDrops.sum(clientPorts);
          boolean toBackend = m.datagramsIn() == backend.received() + backendKernel;
          boolean toClients = m.datagramsOut() == received.sum() + clientKernel;
          boolean throughListener = sent.sum() + backend.sent()
              == m.datagramsIn() + m.datagramsOut() + m.droppedTotal() + m.kernelReceiveDrops();
          return toBackend && toClients && throughListener;
        });
        UdpMetrics m = server.udpMetrics();
        long lost = sent.sum() - received.sum();
        assertThat(lost).as("an overload loses datagrams").isPositive();
        assertThat(damaged.get()).isZero();
        assertThat(sent.sum()).isEqualTo((long) clients * perClient);
        assertThat(m.kernelReceiveDrops()).isGreaterThanOrEqualTo(UdpKernelDrops.sum(Set.of(listenerPort)));
      } finally {
        sockets.forEach(UdpClient::close);
        exec.shutdownNow();
      }
    }
  }
}
