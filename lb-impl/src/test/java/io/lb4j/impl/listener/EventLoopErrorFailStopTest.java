package io.lb4j.impl.listener;

import static io.lb4j.impl.listener.Fixtures.LOOPBACK;
import static io.lb4j.impl.listener.Fixtures.backend;
import static io.lb4j.impl.listener.Fixtures.listenerThreadsAlive;
import static io.lb4j.impl.listener.Fixtures.pool;
import static io.lb4j.impl.listener.Fixtures.server;
import static io.lb4j.impl.listener.Fixtures.tcp;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lb4j.api.LoadBalancer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Defect 1 of issue 17, heap exhaustion kills every event loop for good: the loop's catch-all logged with
 * an allocation and threw again, its thread died with channels open, and the process kept its port bound
 * answering nothing (a zombie a supervisor does not restart). Now an {@link Error} on a loop is fail-stop:
 * every connection closes, the listening socket closes, the state says FAILED, a prepared line is written,
 * the failure callback runs once, and {@code stop()} still returns. The small-heap proof with real
 * exhaustion is a harness ({@code lb-benchmarks}, {@code SmallHeapHarness}); here the Error is thrown on
 * the loop by a task and by a timer, the two ways foreign code runs there besides I/O events.
 */
class EventLoopErrorFailStopTest {

  @Test
  void outOfMemoryOnOneLoop_closesEveryConnection_stopsAccepting_andReportsFailed() throws Exception {
    ByteArrayOutputStream failLine = new ByteArrayOutputStream();
    AtomicInteger callbacks = new AtomicInteger();
    try (EchoBackend echo = EchoBackend.echo("127.0.0.1");
        LoadBalancer pool = pool(tcp("failstop"), backend("e", echo))) {
      ListenerServer server = server(pool).eventLoops(2).failStopLog(failLine).onFailure(callbacks::incrementAndGet)
          .build().start();
      List<Socket> clients = new ArrayList<>();
      try {
        for (int i = 0; i < 4; i++) { // round robin: two connections on each loop
          Socket s = new Socket(LOOPBACK, server.localAddress().getPort());
          s.setSoTimeout(30_000);
          clients.add(s);
          s.getOutputStream().write('a' + i);
          assertThat(s.getInputStream().read()).isEqualTo('a' + i);
        }

        OutOfMemoryError oom = new OutOfMemoryError("Java heap space (thrown by the test)");
        server.eventLoop(1).execute(() -> {
          throw oom;
        });

        Await.until("the listener reports FAILED", () -> server.state() == ListenerState.FAILED);
        assertThat(server.failureCause()).isSameAs(oom);
        for (Socket s : clients) {
          assertThat(endOfStreamOrReset(s)).as("a connection of the failed listener is closed").isTrue();
        }
        // The listening socket is registered with loop 0's selector: NIO releases it once that loop
        // deregisters the cancelled key, a moment after FAILED is published, so wait for the refusal.
        Await.until("new connections are refused", () -> connectRefused(server.localAddress().getPort()));
        Await.until("every loop thread ends", () -> !listenerThreadsAlive("failstop"));
        Await.until("the failure callback ran", () -> callbacks.get() == 1);
        assertThat(failLine.toString(StandardCharsets.UTF_8)).isEqualTo("lb4j: listener failstop FAILED: an event"
            + " loop ran out of memory (OutOfMemoryError); the listener closed its connections and stopped accepting"
            + " (state FAILED): restart the process\n");
        Await.until("the backend sees its connections closed", () -> echo.openConnections() == 0);

        server.stop(Duration.ofSeconds(5));

        assertThat(server.state()).isEqualTo(ListenerState.FAILED);
        assertThat(callbacks).hasValue(1);
      } finally {
        for (Socket s : clients) {
          s.close();
        }
        server.close();
      }
    }
  }

  @Test
  void errorInATimer_onTheAcceptingLoop_failsStopTheLayer7Listener() throws Exception {
    ByteArrayOutputStream failLine = new ByteArrayOutputStream();
    try (HttpTestBackend a = HttpTestBackend.ok("127.0.0.1", "ok");
        LoadBalancer pool = pool(HttpListenerTest.http("failstop-l7"), HttpListenerTest.backend("a", a));
        ListenerServer server = server(pool).eventLoops(1).failStopLog(failLine).build().start();
        RawHttpClient idle = RawHttpClient.connect(server.localAddress())) {
      assertThat(idle.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n").read().status()).isEqualTo(200);
      EventLoop loop = server.eventLoop(0);
      LoopTimer broken = new LoopTimer() {
        @Override
        void checkTimeouts(long nowNanos) {
          throw new StackOverflowError("thrown by the test");
        }
      };

      loop.execute(() -> loop.schedule(broken, System.nanoTime()));

      Await.until("the listener reports FAILED", () -> server.state() == ListenerState.FAILED);
      assertThat(endOfStreamOrReset(idle.socket)).isTrue();
      assertThat(failLine.toString(StandardCharsets.UTF_8))
          .startsWith("lb4j: listener failstop-l7 FAILED: an event loop hit an Error; ");
      Await.until("the loop thread ends", () -> !listenerThreadsAlive("failstop-l7"));
      assertThatThrownBy(() -> new Socket(LOOPBACK, server.localAddress().getPort()).close())
          .isInstanceOf(ConnectException.class);
    }
  }

  @Test
  void runtimeExceptionInATask_isLogged_andTheLoopKeepsServing() throws Exception {
    try (EchoBackend echo = EchoBackend.echo("127.0.0.1");
        LoadBalancer pool = pool(tcp("survives"), backend("e", echo));
        ListenerServer server = server(pool).eventLoops(1).build().start()) {
      server.eventLoop(0).execute(() -> {
        throw new IllegalStateException("a bug in a task (thrown by the test)");
      });

      assertThat(Fixtures.exchange(server.localAddress(), null, new byte[] {7})).containsExactly(7);
      assertThat(server.state()).isEqualTo(ListenerState.RUNNING);
    }
  }

  private static boolean connectRefused(int port) {
    try (Socket s = new Socket(LOOPBACK, port)) {
      return false;
    } catch (ConnectException e) {
      return true;
    } catch (IOException e) {
      throw new AssertionError("connecting failed otherwise than by a refusal", e);
    }
  }

  private static boolean endOfStreamOrReset(Socket s) throws IOException {
    try {
      return s.getInputStream().read() == -1;
    } catch (SocketException reset) {
      return true;
    }
  }
}
