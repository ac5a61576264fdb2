package io.lb4j.impl.listener;

import static io.lb4j.impl.listener.Fixtures.LOOPBACK;
import static io.lb4j.impl.listener.Fixtures.backend;
import static io.lb4j.impl.listener.Fixtures.listenerThreadsAlive;
import static io.lb4j.impl.listener.Fixtures.pool;
import static io.lb4j.impl.listener.Fixtures.server;
import static io.lb4j.impl.listener.Fixtures.tcp;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lb4j.api.Backend;
import io.lb4j.api.Listener;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.Protocol;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ListenerLifecycleTest {

  @Test
  void start_bindsAndReportsRunning_stop_leavesNoThreadBehind() throws Exception {
    try (EchoBackend a = EchoBackend.echo("127.0.0.1"); LoadBalancer pool = pool(tcp("life"), backend("a", a))) {
      ListenerServer server = server(pool).eventLoops(3).build();
      assertThat(server.state()).isEqualTo(ListenerState.NEW);
      server.start();
      assertThat(server.state()).isEqualTo(ListenerState.RUNNING);
      assertThat(server.localAddress().getPort()).isPositive();
      assertThat(listenerThreadsAlive("life")).isTrue();
      assertThat(Fixtures.exchange(server.localAddress(), null, new byte[] {42})).containsExactly(42);

      server.stop(Duration.ofSeconds(5));

      assertThat(server.state()).isEqualTo(ListenerState.STOPPED);
      assertThat(listenerThreadsAlive("life")).isFalse();
      assertThatThrownBy(() -> new Socket(LOOPBACK, server.localAddress().getPort()).close())
          .isInstanceOf(java.net.ConnectException.class);
    }
  }

  @Test
  void start_onAPortInUse_failsNamingListenerAddressAndCause() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, LOOPBACK);
        LoadBalancer fixed = pool(Listener.builder("busy", Protocol.TCP, taken.getLocalPort()))) {
      ListenerServer server = server(fixed).build();
      assertThatThrownBy(server::start)
          .isInstanceOf(UncheckedIOException.class)
          .hasCauseInstanceOf(BindException.class)
          .hasMessageStartingWith("listener busy cannot bind 127.0.0.1:" + taken.getLocalPort() + ": ")
          .hasMessageContaining("in use");
      assertThat(server.state()).isEqualTo(ListenerState.STOPPED);
      assertThat(listenerThreadsAlive("busy")).isFalse();
    }
  }

  @Test
  void stop_letsAnOpenConnectionFinishWithinTheGrace_thenCloses() throws Exception {
    try (EchoBackend a = EchoBackend.echo("127.0.0.1"); LoadBalancer pool = pool(tcp("grace"), backend("a", a));
        ListenerServer server = server(pool).build().start();
        Socket client = new Socket(LOOPBACK, server.localAddress().getPort())) {
      client.setSoTimeout(30_000);
      OutputStream out = client.getOutputStream();
      InputStream in = client.getInputStream();
      out.write(1);
      assertThat(in.read()).isEqualTo(1);
      CompletableFuture<Void> stopped = CompletableFuture.runAsync(() -> server.stop(Duration.ofSeconds(60)));
      Await.until("stopping", () -> server.state() == ListenerState.STOPPING);
      // Still relaying during the grace, but no longer accepting.
      out.write(2);
      assertThat(in.read()).isEqualTo(2);
      assertThatThrownBy(() -> new Socket(LOOPBACK, server.localAddress().getPort()).close())
          .isInstanceOf(java.net.ConnectException.class);
      client.shutdownOutput(); // the connection ends, so the grace ends early
      assertThat(in.read()).isEqualTo(-1);
      stopped.get(30, TimeUnit.SECONDS);
      assertThat(server.state()).isEqualTo(ListenerState.STOPPED);
      assertThat(listenerThreadsAlive("grace")).isFalse();
    }
  }

  @Test
  void stop_closesConnectionsStillOpenWhenTheGraceEnds() throws Exception {
    try (EchoBackend a = EchoBackend.echo("127.0.0.1"); LoadBalancer pool = pool(tcp("nograce"), backend("a", a));
        ListenerServer server = server(pool).build().start();
        Socket client = new Socket(LOOPBACK, server.localAddress().getPort())) {
      client.setSoTimeout(30_000);
      client.getOutputStream().write(1);
      assertThat(client.getInputStream().read()).isEqualTo(1);
      server.stop(Duration.ZERO);
      assertThat(client.getInputStream().read()).isEqualTo(-1);
      assertThat(server.metrics().connectionsActive()).isZero();
      assertThat(listenerThreadsAlive("nograce")).isFalse();
    }
  }

  @Test
  void build_rejectsABackendThatIsTheListenersOwnAddress() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, LOOPBACK)) {
      port = s.getLocalPort(); // a port nothing listens on once this closes
    }
    try (LoadBalancer loop = pool(Listener.builder("self", Protocol.TCP, port), Backend.of("me", "127.0.0.1", port))) {
      assertThatThrownBy(() -> server(loop).build())
          .isInstanceOf(IllegalStateException.class)
          .hasMessage("backend me (127.0.0.1:" + port + ") is listener self's own address: "
              + "requests would loop back to the listener");
    }
  }

  @Test
  void builder_rejectsValuesOutOfRange_namingFieldValueAndRange() {
    try (LoadBalancer pool = pool(tcp("cfg"))) {
      assertThatThrownBy(() -> ListenerServer.builder(pool).connectTimeout(Duration.ofMinutes(2)))
          .hasMessage("listenerServer.connectTimeout must be between 10ms and 60s, was 120s");
      assertThatThrownBy(() -> ListenerServer.builder(pool).eventLoops(0))
          .hasMessage("listenerServer.eventLoops must be between 1 and 256, was 0");
      assertThatThrownBy(() -> ListenerServer.builder(pool).maxConnectAttempts(11))
          .hasMessage("listenerServer.maxConnectAttempts must be between 1 and 10, was 11");
      assertThatThrownBy(() -> ListenerServer.builder(pool).bufferSize(4095))
          .hasMessage("listenerServer.bufferSize must be between 4096 and 1048576, was 4095");
      ListenerServer.builder(pool).bufferSize(4096).maxConnectAttempts(10).connectTimeout(Duration.ofMillis(10));
    }
  }
}
