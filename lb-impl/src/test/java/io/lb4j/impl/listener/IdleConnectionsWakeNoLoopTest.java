package io.lb4j.impl.listener;

import static org.assertj.core.api.Assertions.assertThat;

import io.lb4j.api.LoadBalancer;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/**
 * Defect 8 of issue 17, idle connections cost CPU: every 20 ms each loop copied all its keys and checked
 * each one. Now deadlines are timers on the loop's heap and the loop sleeps until the earliest one, so
 * idle keep-alive connections (and idle pooled backend connections) never wake it.
 */
class IdleConnectionsWakeNoLoopTest {

  private static final byte[] OK = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".getBytes(StandardCharsets.US_ASCII);
  private static final int CLIENTS = 50;

  @Test
  void idleKeepAliveConnections_doNotWakeTheLoop() throws Exception {
    List<RawHttpClient> clients = new ArrayList<>();
    try (HttpTestBackend a = new HttpTestBackend("127.0.0.1", (req, s, out) -> {
          out.write(OK);
          out.flush();
          return true;
        });
        LoadBalancer pool = Fixtures.pool(HttpListenerTest.http("l7-idle"), HttpListenerTest.backend("a", a));
        ListenerServer server = Fixtures.server(pool).eventLoops(1).keepAliveTimeout(Duration.ofSeconds(600))
            .backendIdleTimeout(Duration.ofSeconds(600)).build().start()) {
      try {
        for (int i = 0; i < CLIENTS; i++) {
          RawHttpClient c = RawHttpClient.connect(server.localAddress());
          clients.add(c);
          assertThat(c.send("GET /" + i + " HTTP/1.1\r\nHost: x\r\n\r\n").read().status()).isEqualTo(200);
        }
        Await.until("every response accounted", () -> server.metrics().responses(2) == CLIENTS);
        long before = server.loopTurns();

        // Half a second: the old sweep woke the loop 25 times in it; a timer-driven loop not once.
        LockSupport.parkNanos(Duration.ofMillis(500).toNanos());

        assertThat(server.loopTurns() - before).isZero();
        assertThat(server.metrics().connectionsActive()).isEqualTo(CLIENTS);
      } finally {
        for (RawHttpClient c : clients) {
          c.close();
        }
      }
    }
  }

  @Test
  void idleLayer4Connections_doNotWakeTheLoop() throws Exception {
    try (EchoBackend echo = EchoBackend.echo("127.0.0.1");
        LoadBalancer pool = Fixtures.pool(Fixtures.tcp("l4-idle"), Fixtures.backend("e", echo));
        ListenerServer server = Fixtures.server(pool).eventLoops(1).build().start()) {
      List<Socket> sockets = new ArrayList<>();
      try {
        for (int i = 0; i < CLIENTS; i++) {
          Socket s = new Socket(Fixtures.LOOPBACK, server.localAddress().getPort());
          sockets.add(s);
          s.getOutputStream().write('x');
          assertThat(s.getInputStream().read()).isEqualTo('x');
        }
        long before = server.loopTurns();

        LockSupport.parkNanos(Duration.ofMillis(500).toNanos());

        assertThat(server.loopTurns() - before).isZero();
      } finally {
        for (Socket s : sockets) {
          s.close();
        }
      }
    }
  }

  @Test
  void idleKeepAliveConnection_isClosedWhenItsTimerFires() throws Exception {
    try (HttpTestBackend a = new HttpTestBackend("127.0.0.1", (req, s, out) -> {
          out.write(OK);
          out.flush();
          return true;
        });
        LoadBalancer pool = Fixtures.pool(HttpListenerTest.http("l7-idle-close"), HttpListenerTest.backend("a", a));
        ListenerServer server = Fixtures.server(pool).eventLoops(1).keepAliveTimeout(Duration.ofSeconds(1))
            .build().start();
        RawHttpClient c = RawHttpClient.connect(server.localAddress())) {
      assertThat(c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n").read().status()).isEqualTo(200);

      // The listener closes the idle connection after the keep-alive timeout: the client reads the end.
      assertThat(c.socket.getInputStream().read()).isEqualTo(-1);
      Await.until("the connection is closed", () -> server.metrics().connectionsActive() == 0);
    }
  }
}
