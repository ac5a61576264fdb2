package io.lb4j.impl.listener;

import static io.lb4j.impl.listener.Fixtures.LOOPBACK;
import static io.lb4j.impl.listener.Fixtures.backend;
import static io.lb4j.impl.listener.Fixtures.exchange;
import static io.lb4j.impl.listener.Fixtures.pool;
import static io.lb4j.impl.listener.Fixtures.server;
import static io.lb4j.impl.listener.Fixtures.tcp;
import static org.assertj.core.api.Assertions.assertThat;

import io.lb4j.api.Backend;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.persistence.SessionPersistence;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class TcpListenerTest {

  @Test
  void relay_keepsLargeRandomPayloadsIntactBothWaysOverManyConcurrentConnections() throws Exception {
    try (EchoBackend a = EchoBackend.echo("127.0.0.1"); EchoBackend b = EchoBackend.echo("127.0.0.2");
        LoadBalancer pool = pool(tcp("l4-bulk"), backend("a", a), backend("b", b));
        ListenerServer server = server(pool).bufferSize(4096).build().start()) {
      int connections = 24;
      ExecutorService clients = Executors.newFixedThreadPool(connections);
      try {
        List<Future<Boolean>> results = new ArrayList<>();
        for (int i = 0; i < connections; i++) {
          int seed = i;
          results.add(clients.submit(() -> {
            byte[] payload = new byte[512 * 1024 + seed * 997]; // odd sizes: chunks never line up with buffers
            new Random(seed).nextBytes(payload);
            byte[] echoed = exchange(server.localAddress(), null, payload);
            return MessageDigest.isEqual(sha256(payload), sha256(echoed)) && echoed.length == payload.length;
          }));
        }
        for (Future<Boolean> r : results) {
          assertThat(r.get(120, TimeUnit.SECONDS)).isTrue();
        }
      } finally {
        clients.shutdownNow();
      }
      assertThat(a.accepted.get() + b.accepted.get()).isEqualTo(connections);
      assertThat(a.accepted.get()).isPositive();
      assertThat(b.accepted.get()).isPositive();
      Await.until("connections closed", () -> server.metrics().connectionsActive() == 0);
      ListenerMetrics m = server.metrics();
      long expected = 0;
      for (int i = 0; i < connections; i++) {
        expected += 512 * 1024 + i * 997;
      }
      assertThat(m.connectionsTotal()).isEqualTo(connections);
      assertThat(m.bytesIn()).isEqualTo(expected);
      assertThat(m.bytesOut()).isEqualTo(expected);
    }
  }

  @Test
  void halfClose_isPassedOnBothWays() throws Exception {
    // The echo backend ends its output only after our end of stream reached it, and we read to its end of
    // stream: both half-closes must cross the listener for this exchange to finish.
    try (EchoBackend a = EchoBackend.echo("127.0.0.1");
        LoadBalancer pool = pool(tcp("l4-half"), backend("a", a));
        ListenerServer server = server(pool).build().start()) {
      byte[] received = exchange(server.localAddress(), null, "ping".getBytes(StandardCharsets.US_ASCII));
      assertThat(new String(received, StandardCharsets.US_ASCII)).isEqualTo("ping");
    }
  }

  @Test
  void backPressure_stopsReadingTheClientWhileTheBackendDoesNotRead() throws Exception {
    try (EchoBackend a = EchoBackend.echo("127.0.0.1");
        LoadBalancer pool = pool(tcp("l4-pressure"), backend("a", a));
        ListenerServer server = server(pool).eventLoops(1).bufferSize(4096).build().start()) {
      a.holdReading();
      byte[] payload = new byte[16 * 1024 * 1024];
      new Random(7).nextBytes(payload);
      ExecutorService exec = Executors.newSingleThreadExecutor();
      try {
        Future<byte[]> echoed = exec.submit(() -> exchange(server.localAddress(), null, payload));
        Await.until("the listener read part of the payload", () -> server.metrics().bytesIn() > 256 * 1024);
        // One connection, one loop: at most one buffer per direction, however much the client pushes.
        assertThat(server.metrics().bufferMemoryBytes()).isLessThanOrEqualTo(2 * 4096);
        assertThat(server.metrics().bytesIn()).isLessThan(payload.length);
        a.resumeReading();
        assertThat(echoed.get(120, TimeUnit.SECONDS)).isEqualTo(payload);
        assertThat(server.metrics().bufferMemoryBytes()).isLessThanOrEqualTo(2 * 4096);
      } finally {
        exec.shutdownNow();
      }
    }
  }

  @Test
  void connectRefused_isRetriedOnTheNextBackend() throws Exception {
    int deadPort;
    try (ServerSocket s = new ServerSocket(0, 1, LOOPBACK)) {
      deadPort = s.getLocalPort();
    }
    try (EchoBackend alive = EchoBackend.echo("127.0.0.1");
        LoadBalancer pool = pool(tcp("l4-retry"), Backend.of("dead", "127.0.0.1", deadPort), backend("alive", alive));
        ListenerServer server = server(pool).build().start()) {
      for (int i = 0; i < 6; i++) {
        assertThat(exchange(server.localAddress(), null, new byte[] {(byte) i})).containsExactly((byte) i);
      }
      assertThat(alive.accepted.get()).isEqualTo(6);
      assertThat(server.metrics().retries()).isGreaterThanOrEqualTo(1);
      assertThat(server.metrics().failures(FailureCause.CONNECT_FAILED)).isZero();
    }
  }

  @Test
  void allConnectsRefused_closesTheClientAndCountsIt() throws Exception {
    int deadPort;
    try (ServerSocket s = new ServerSocket(0, 1, LOOPBACK)) {
      deadPort = s.getLocalPort();
    }
    try (LoadBalancer pool = pool(tcp("l4-refused"), Backend.of("dead", "127.0.0.1", deadPort));
        ListenerServer server = server(pool).build().start()) {
      assertThat(exchange(server.localAddress(), null, new byte[] {1})).isEmpty();
      Await.until("the connection is closed", () -> server.metrics().connectionsActive() == 0);
      assertThat(server.metrics().failures(FailureCause.CONNECT_FAILED)).isEqualTo(1);
    }
  }

  @Test
  void noBackend_closesTheClientAndCountsTheCause() {
    try (LoadBalancer pool = pool(tcp("l4-empty"));
        ListenerServer server = server(pool).build().start()) {
      assertThat(exchange(server.localAddress(), null, new byte[] {1})).isEmpty();
      Await.until("the failure is counted", () -> server.metrics().failures(FailureCause.NO_BACKEND) == 1);
      assertThat(server.metrics().badGateway()).isEqualTo(1);
    }
  }

  @Test
  void sourceIpPersistence_keepsEachClientAddressOnOneBackend() throws Exception {
    try (EchoBackend a = EchoBackend.named("127.0.0.1", "a"); EchoBackend b = EchoBackend.named("127.0.0.1", "b");
        LoadBalancer pool = pool(tcp("l4-sticky").sessionPersistence(SessionPersistence.sourceIp(Duration.ofMinutes(5))),
            backend("a", a), backend("b", b));
        ListenerServer server = server(pool).build().start()) {
      for (String client : new String[] {"127.0.0.2", "127.0.0.3", "127.0.0.4"}) {
        InetAddress from = InetAddress.getByName(client);
        String first = greeting(exchange(server.localAddress(), from, new byte[0]));
        for (int i = 0; i < 5; i++) {
          assertThat(greeting(exchange(server.localAddress(), from, new byte[0]))).as(client).isEqualTo(first);
        }
      }
    }
  }

  private static String greeting(byte[] received) {
    String s = new String(received, StandardCharsets.US_ASCII);
    return s.substring(0, s.indexOf('\n'));
  }

  @Test
  void proxyProtocolV1_tellsTheBackendTheClientAddress() throws Exception {
    try (EchoBackend a = EchoBackend.echo("127.0.0.1");
        LoadBalancer pool = pool(tcp("l4-ppv1"), backend("a", a));
        ListenerServer server = server(pool).proxyProtocol(ProxyProtocol.V1).build().start();
        Socket s = new Socket()) {
      s.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.5"), 0));
      s.connect(server.localAddress(), 30_000);
      s.setSoTimeout(30_000);
      String expected = "PROXY TCP4 127.0.0.5 127.0.0.1 " + s.getLocalPort() + " " + server.localAddress().getPort()
          + "\r\n";
      byte[] got = s.getInputStream().readNBytes(expected.length());
      assertThat(new String(got, StandardCharsets.US_ASCII)).isEqualTo(expected);
    }
  }

  @Test
  void proxyProtocolV2_sendsTheBinaryHeaderBeforeTheClientBytes() throws Exception {
    try (EchoBackend a = EchoBackend.echo("127.0.0.1");
        LoadBalancer pool = pool(tcp("l4-ppv2"), backend("a", a));
        ListenerServer server = server(pool).proxyProtocol(ProxyProtocol.V2).build().start();
        Socket s = new Socket()) {
      s.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.6"), 0));
      s.connect(server.localAddress(), 30_000);
      s.setSoTimeout(30_000);
      s.getOutputStream().write("hello".getBytes(StandardCharsets.US_ASCII));
      InputStream in = s.getInputStream();
      byte[] header = in.readNBytes(28);
      int cp = s.getLocalPort();
      int lp = server.localAddress().getPort();
      assertThat(header).containsExactly(0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A,
          0x21, 0x11, 0x00, 0x0C, 127, 0, 0, 6, 127, 0, 0, 1, (byte) (cp >> 8), (byte) cp, (byte) (lp >> 8),
          (byte) lp);
      assertThat(new String(in.readNBytes(5), StandardCharsets.US_ASCII)).isEqualTo("hello");
    }
  }

  @Test
  void connectTimeout_countsAsAFailedConnectAndMovesOn() throws Exception {
    // A backend whose accept queue is full: Linux drops further SYNs, so a connect hangs until our timeout.
    try (ServerSocket stuck = new ServerSocket(0, 1, LOOPBACK); EchoBackend alive = EchoBackend.named("127.0.0.1", "alive")) {
      List<Socket> fillers = Fixtures.fillAcceptQueue(stuck);
      try {
        try (LoadBalancer pool = pool(tcp("l4-ctimeout"), Backend.of("stuck", "127.0.0.1", stuck.getLocalPort()),
                backend("alive", alive));
            ListenerServer server = server(pool).connectTimeout(Duration.ofMillis(200)).build().start()) {
          for (int i = 0; i < 4; i++) {
            assertThat(greeting(exchange(server.localAddress(), null, new byte[0]))).isEqualTo("alive");
          }
          assertThat(server.metrics().retries()).isGreaterThanOrEqualTo(1);
          assertThat(server.metrics().failures(FailureCause.CONNECT_FAILED)).isZero();
        }
      } finally {
        Fixtures.closeAll(fillers);
      }
    }
  }

  @Test
  void idleTimeout_closesAConnectionWithNoTrafficBothWays() throws Exception {
    try (EchoBackend a = EchoBackend.echo("127.0.0.1");
        LoadBalancer pool = pool(tcp("l4-idle").idleTimeout(Duration.ofSeconds(10)), backend("a", a));
        ListenerServer server = server(pool).build().start();
        Socket client = new Socket(LOOPBACK, server.localAddress().getPort())) {
      client.setSoTimeout(60_000);
      client.getOutputStream().write(9);
      assertThat(client.getInputStream().read()).isEqualTo(9);
      long start = System.nanoTime();
      assertThat(client.getInputStream().read()).isEqualTo(-1); // blocks until the listener closes us
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofSeconds(9));
      Await.until("the connection is closed", () -> server.metrics().connectionsActive() == 0);
    }
  }

  private static byte[] sha256(byte[] data) throws Exception {
    return MessageDigest.getInstance("SHA-256").digest(data);
  }
}
