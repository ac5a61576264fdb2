package io.lb4j.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ConnectException;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Every mode of the TCP backend, observed from a real client on loopback. */
class TcpTestBackendTest {

  private static final Duration DEADLINE = Duration.ofSeconds(30);

  @Test
  void echoesAndRecordsTheConnection() throws Exception {
    try (TcpTestBackend b = TcpTestBackend.builder("echo").build().start(); RawClient c = RawClient.to(b)) {
      c.send("ping");
      assertThat(c.readExactly(4)).isEqualTo("ping");
      RecordedConnection conn = b.connections().await(1, DEADLINE).get(0);
      assertThat(conn.remote().getPort()).isEqualTo(c.socket.getLocalPort());
      Await.until("4 bytes counted", () -> conn.bytesReceived() == 4);
      c.close();
      Await.until("the backend to see the client close", conn::clientClosed);
    }
  }

  @Test
  void closeMode_endsTheStreamRightAway() throws IOException {
    try (TcpTestBackend b = TcpTestBackend.builder("closing").mode(TcpTestBackend.Mode.CLOSE).build().start();
        RawClient c = RawClient.to(b)) {
      assertThat(c.readToEnd()).isEmpty();
    }
  }

  @Test
  void resetMode_resetsTheConnection() throws IOException {
    try (TcpTestBackend b = TcpTestBackend.builder("resetting").build().start()) {
      b.mode(TcpTestBackend.Mode.RESET);
      try (RawClient c = RawClient.to(b)) {
        assertThatThrownBy(c::readToEnd).isInstanceOf(SocketException.class).hasMessageContaining("reset");
      }
    }
  }

  @Test
  void blackholeMode_neverAnswers_andSeesTheClientGiveUp() throws Exception {
    try (TcpTestBackend b = TcpTestBackend.builder("hung").mode(TcpTestBackend.Mode.BLACKHOLE).build().start();
        RawClient c = new RawClient(b.address(), 200)) {
      c.send("anyone?");
      assertThatThrownBy(c::readToEnd).isInstanceOf(SocketTimeoutException.class);
      RecordedConnection conn = b.connections().await(1, DEADLINE).get(0);
      assertThat(conn.clientClosed()).isFalse();
      c.close();
      Await.until("the backend to see the client close", conn::clientClosed);
      assertThat(conn.bytesReceived()).isEqualTo(7);
    }
  }

  @Test
  void stoppedRefuses_thenRestartsOnTheSamePort_andResetRestoresTheInitialMode() throws IOException {
    try (TcpTestBackend b = TcpTestBackend.builder("bouncing").build().start()) {
      int port = b.port();
      b.mode(TcpTestBackend.Mode.CLOSE);
      b.stop();
      assertThatThrownBy(() -> new Socket(b.host(), port).close()).isInstanceOf(ConnectException.class);
      b.reset();
      assertThat(b.isRunning()).isTrue();
      assertThat(b.port()).isEqualTo(port);
      assertThat(b.mode()).isEqualTo(TcpTestBackend.Mode.ECHO);
      assertThat(b.connections().count()).isZero();
    }
  }

  @Test
  void explicitHostAndPortAreUsed_andTheBackendValueMatches() throws IOException {
    try (TcpTestBackend b = TcpTestBackend.builder("placed").host("127.0.0.77").weight(7).build().start()) {
      assertThat(b.backend().host()).isEqualTo("127.0.0.77");
      assertThat(b.backend().port()).isEqualTo(b.port());
      assertThat(b.backend().weight()).isEqualTo(7);
      assertThat(b.backend().id()).isEqualTo("placed");
    }
  }

  @Test
  void bindFailureNamesTheAddress() {
    try (TcpTestBackend first = TcpTestBackend.builder("first").host("127.0.0.78").build().start();
        TcpTestBackend second = TcpTestBackend.builder("second").host("127.0.0.78").port(first.port()).build()) {
      assertThatThrownBy(second::start).hasMessageStartingWith(
          "test backend second cannot bind 127.0.0.78:" + first.port() + ": ");
    }
  }

  @Test
  void noThreadSurvivesStop_withClientsConnected() throws Exception {
    TcpTestBackend b = TcpTestBackend.builder("tcpleak").mode(TcpTestBackend.Mode.BLACKHOLE).build().start();
    try (RawClient one = RawClient.to(b); RawClient two = RawClient.to(b)) {
      b.connections().await(2, DEADLINE);
      b.stop();
      assertThat(RawClient.threadsOf("tcpleak")).isEmpty();
      assertThat(one.readToEnd()).isEmpty();
    }
  }

  @Test
  void connectionsUpToTheLimitAreServed_oneMoreIsClosedAtOnce() throws Exception {
    try (TcpTestBackend b = TcpTestBackend.builder("limited").maxConnections(2).build().start();
        RawClient one = RawClient.to(b); RawClient two = RawClient.to(b)) {
      one.send("1");
      two.send("2");
      assertThat(one.readExactly(1)).isEqualTo("1");
      assertThat(two.readExactly(1)).isEqualTo("2");
      try (RawClient three = RawClient.to(b)) {
        assertThat(three.readToEnd()).isEmpty();
      }
      assertThat(b.connections().count()).isEqualTo(2);
      one.close();
      Await.until("a free place after a client left", () -> {
        try (RawClient four = RawClient.to(b)) {
          four.send("4");
          return four.readToEndOrFirstByte().equals("4");
        } catch (IOException e) {
          return false;
        }
      });
    }
    assertThatThrownBy(() -> TcpTestBackend.builder("x").maxConnections(0))
        .hasMessage("backend.maxConnections must be between 1 and 4096, was 0");
  }

  @Test
  void echoFaults_resetOrCloseAfterBytes_resetBeforeAnswering() throws IOException {
    try (TcpTestBackend b = TcpTestBackend.builder("tcpfaults").build().start()) {
      b.fault(Fault.resetAfterBytes(3));
      try (RawClient c = RawClient.to(b)) {
        c.send("abcdef");
        assertThat(c.readExactly(3)).isEqualTo("abc");
        assertThatThrownBy(c::readToEnd).isInstanceOf(SocketException.class).hasMessageContaining("reset");
      }
      b.fault(Fault.closeAfterBytes(3));
      try (RawClient c = RawClient.to(b)) {
        c.send("ab");
        assertThat(c.readExactly(2)).isEqualTo("ab");
        c.send("cdef");
        assertThat(c.readToEnd()).isEqualTo("c");
      }
      b.fault(Fault.resetBeforeResponse());
      try (RawClient c = RawClient.to(b)) {
        c.send("x");
        assertThatThrownBy(c::readToEnd).isInstanceOf(SocketException.class).hasMessageContaining("reset");
        assertThat(c.reads).isEmpty();
      }
      b.fault(Fault.blackhole());
      try (RawClient c = new RawClient(b.address(), 200)) {
        c.send("x");
        assertThatThrownBy(c::readToEnd).isInstanceOf(SocketTimeoutException.class);
      }
    }
  }

  @Test
  void echoFaults_dribbleBandwidthAndLatency() throws IOException {
    try (TcpTestBackend b = TcpTestBackend.builder("tcpslow").build().start()) {
      b.fault(Fault.dribble(2, Duration.ofMillis(100)));
      try (RawClient c = RawClient.to(b)) {
        c.send("abcdefghij");
        assertThat(c.readExactly(10)).isEqualTo("abcdefghij");
        // Five chunks 100 ms apart: one read taking them all would need a client stalled for 400 ms.
        assertThat(c.reads.size()).isGreaterThan(1);
      }
      b.fault(Fault.bandwidth(2000));
      try (RawClient c = RawClient.to(b)) {
        long start = System.nanoTime();
        c.send("z".repeat(3000));
        assertThat(c.readExactly(3000)).hasSize(3000);
        // A bound the limiter guarantees and a loaded machine can only make easier: not before 1.45 s.
        assertThat((System.nanoTime() - start) / 1_000_000).isGreaterThanOrEqualTo(1400);
      }
      b.fault(Fault.none());
      b.latency(Duration.ofMinutes(1), Duration.ofSeconds(1));
      try (RawClient c = new RawClient(b.address(), 200)) {
        c.send("late");
        assertThatThrownBy(() -> c.readExactly(4)).isInstanceOf(SocketTimeoutException.class);
      }
      b.reset();
      try (RawClient c = RawClient.to(b)) {
        c.send("now");
        assertThat(c.readExactly(3)).isEqualTo("now");
      }
    }
  }

  @Test
  void httpOnlyFaultsAndOutOfRangeLatencyAreRefused() {
    try (TcpTestBackend b = TcpTestBackend.builder("tcpvalid").build()) {
      assertThatThrownBy(() -> b.fault(Fault.malformed("xyz")))
          .hasMessage("tcp fault must be none, blackhole, a reset, close after bytes, dribble or bandwidth, was "
              + "malformed 3 bytes");
      assertThatThrownBy(() -> b.latency(Duration.ZERO, Duration.ofMinutes(6)))
          .hasMessage("backend.jitter must be between 0s and 300s, was 360s");
      assertThat(b.fault()).isSameAs(Fault.none());
    }
  }
}
