package io.lb4j.impl.listener;

import static io.lb4j.impl.listener.Fixtures.LOOPBACK;
import static io.lb4j.impl.listener.Fixtures.pool;
import static io.lb4j.impl.listener.Fixtures.readAll;
import static io.lb4j.impl.listener.Fixtures.server;
import static io.lb4j.impl.listener.Fixtures.tcp;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.lb4j.api.Backend;
import io.lb4j.api.LoadBalancer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * How a Layer-4 connection ends: the last end of stream is passed on by closing (the loop closes a channel
 * once its next select deregistered it, {@link EventLoop#closeAfterSelect}), and IPv4 traffic uses IPv4
 * sockets ({@link Sockets}).
 */
class TcpConnectionEndTest {

  /**
   * The backend speaks first and half-closes; the client reads to the end and closes; the listener then ends
   * the backend side with its close. That close must reach the backend while the loop has nothing else to
   * do (an idle timeout of ten minutes is its only timer), as an orderly end of stream, not a reset.
   */
  @Test
  void lastEndOfStream_reachesTheBackendAtOnceOnAnIdleLoop_asAnOrderlyClose() throws Exception {
    try (ServerSocket backend = new ServerSocket(0, 50, LOOPBACK);
        LoadBalancer pool = pool(tcp("l4-end").idleTimeout(Duration.ofMinutes(10)),
            Backend.of("a", "127.0.0.1", backend.getLocalPort()));
        ListenerServer server = server(pool).eventLoops(1).build().start()) {
      CompletableFuture<Integer> backendSaw = CompletableFuture.supplyAsync(() -> {
        try (Socket s = backend.accept()) {
          s.setSoTimeout(60_000);
          s.getOutputStream().write("hello".getBytes(StandardCharsets.US_ASCII));
          s.shutdownOutput();
          return s.getInputStream().read(); // -1 once the listener's close arrives; a reset would throw
        } catch (IOException e) {
          throw new IllegalStateException(e);
        }
      }, runnable -> new Thread(runnable, "server-first-backend").start());
      try (Socket client = new Socket(LOOPBACK, server.localAddress().getPort())) {
        client.setSoTimeout(60_000);
        assertThat(new String(readAll(client.getInputStream()), StandardCharsets.US_ASCII)).isEqualTo("hello");
      }
      assertThat(backendSaw.get(30, TimeUnit.SECONDS)).isEqualTo(-1);
      Await.until("the connection is closed", () -> server.metrics().connectionsActive() == 0);
    }
  }

  @Test
  void ipv4Listener_andItsBackendConnections_useIpv4Sockets() throws Exception {
    Path tcp4 = Path.of("/proc/net/tcp");
    assumeTrue(Files.isReadable(tcp4), "reads Linux's socket table");
    try (ServerSocket backend = new ServerSocket(0, 50, LOOPBACK);
        LoadBalancer pool = pool(tcp("l4-ipv4"), Backend.of("a", "127.0.0.1", backend.getLocalPort()));
        ListenerServer server = server(pool).build().start();
        Socket client = new Socket(LOOPBACK, server.localAddress().getPort());
        Socket accepted = backend.accept()) {
      String listening = hexPort(server.localAddress());
      String backendPort = hexPort(new InetSocketAddress(LOOPBACK, backend.getLocalPort()));
      // Columns: sl local_address rem_address st ...; st 0A is LISTEN. An IPv4-mapped socket would be in tcp6.
      assertThat(rows(tcp4)).anyMatch(r -> r[1].endsWith(listening) && r[3].equals("0A"));
      assertThat(rows(tcp4)).as("the listener's connection to the backend")
          .anyMatch(r -> r[2].endsWith(backendPort) && r[1].endsWith(hexPort(
              new InetSocketAddress(LOOPBACK, accepted.getPort()))));
    }
  }

  private static List<String[]> rows(Path table) throws IOException {
    return Files.readAllLines(table).stream().skip(1).map(l -> l.trim().split("\\s+")).toList();
  }

  private static String hexPort(InetSocketAddress address) {
    return ":" + String.format(Locale.ROOT, "%04X", address.getPort());
  }
}
