package io.lb4j.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lb4j.testing.Toxic.Direction;
import java.io.IOException;
import java.net.ConnectException;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Every toxic of the fault proxy, observed from a real client through the proxy to a real echo server. */
class FaultProxyTest {

  private static final Duration DEADLINE = Duration.ofSeconds(30);

  private TcpTestBackend upstream;
  private FaultProxy proxy;

  @BeforeEach
  void start() {
    upstream = TcpTestBackend.builder("upstream").build().start();
    proxy = FaultProxy.to(upstream.address()).start();
  }

  @AfterEach
  void stop() {
    proxy.close();
    upstream.close();
    assertThat(RawClient.threadsOf("proxy")).isEmpty();
  }

  private RawClient client(int readTimeoutMillis) {
    return new RawClient(proxy.address(), readTimeoutMillis);
  }

  @Test
  void withoutToxics_bytesGoThroughBothWays() throws IOException {
    try (RawClient c = client(RawClient.PATIENT_MILLIS)) {
      c.send("hello");
      assertThat(c.readExactly(5)).isEqualTo("hello");
    }
    assertThat(proxy.address().getAddress().isLoopbackAddress()).isTrue();
  }

  @Test
  void concurrentClientsGetExactlyTheirOwnBytesBack() throws Exception {
    int threads = 8;
    int rounds = 50;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<Integer>> results = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        String id = "client-" + t + ";";
        results.add(pool.submit(() -> {
          int echoed = 0;
          try (RawClient c = client(RawClient.PATIENT_MILLIS)) {
            for (int i = 0; i < rounds; i++) {
              c.send(id);
              echoed += c.readExactly(id.length()).equals(id) ? 1 : 0;
            }
          }
          return echoed;
        }));
      }
      int echoed = 0;
      for (Future<Integer> f : results) {
        echoed += f.get(30, TimeUnit.SECONDS);
      }
      assertThat(echoed).isEqualTo(threads * rounds);
      assertThat(upstream.connections().count()).isEqualTo(threads);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void latency_delaysEachChunk() throws IOException {
    proxy.add(Toxic.latency(Direction.DOWNSTREAM, Duration.ofMinutes(1), Duration.ofSeconds(1)));
    try (RawClient c = client(300)) {
      c.send("slow");
      assertThatThrownBy(() -> c.readExactly(4)).isInstanceOf(SocketTimeoutException.class);
    }
  }

  @Test
  void timeoutWithoutDelay_dropsDataUntilRemoved() throws IOException {
    proxy.add(Toxic.timeout(Direction.UPSTREAM, Duration.ZERO));
    try (RawClient c = client(300)) {
      c.send("lost");
      assertThatThrownBy(() -> c.readExactly(4)).isInstanceOf(SocketTimeoutException.class);
      assertThat(proxy.remove("timeout_upstream")).isTrue();
      c.socket.setSoTimeout(RawClient.PATIENT_MILLIS);
      c.send("kept");
      assertThat(c.readExactly(4)).isEqualTo("kept");
    }
  }

  @Test
  void timeoutWithDelay_closesTheConnection() throws IOException {
    proxy.add(Toxic.timeout(Direction.UPSTREAM, Duration.ofMillis(50)));
    try (RawClient c = client(RawClient.PATIENT_MILLIS)) {
      // Nothing sent: bytes arriving after the proxy closed would be answered with a reset instead of the FIN.
      assertThat(c.readToEnd()).isEmpty();
    }
  }

  @Test
  void resetPeer_resetsTheClient() throws IOException {
    proxy.add(Toxic.resetPeer(Direction.UPSTREAM, Duration.ZERO));
    try (RawClient c = client(RawClient.PATIENT_MILLIS)) {
      assertThatThrownBy(c::readToEnd).isInstanceOf(SocketException.class).hasMessageContaining("reset");
    }
  }

  @Test
  void resetPeerAfterATimeout_letsDataThroughUntilThen() throws IOException {
    try (RawClient c = client(RawClient.PATIENT_MILLIS)) {
      proxy.add(Toxic.resetPeer(Direction.UPSTREAM, Duration.ofMinutes(5)));
      c.send("first");
      assertThat(c.readExactly(5)).as("data flows while the reset is pending").isEqualTo("first");
      proxy.removeAll();
      proxy.add(Toxic.resetPeer(Direction.UPSTREAM, Duration.ofMillis(100)));
      assertThatThrownBy(c::readToEnd).isInstanceOf(SocketException.class).hasMessageContaining("reset");
    }
  }

  @Test
  void timedToxicsActOnIdleConnections_fromTheMomentTheyAreAdded() throws Exception {
    try (RawClient one = client(RawClient.PATIENT_MILLIS); RawClient two = client(RawClient.PATIENT_MILLIS)) {
      upstream.connections().await(2, DEADLINE); // both connections are proxied, and idle
      proxy.add(Toxic.timeout(Direction.DOWNSTREAM, Duration.ofMillis(50)));
      assertThat(one.readToEnd()).isEmpty();
      assertThat(two.readToEnd()).isEmpty();
    }
    proxy.removeAll();
    try (RawClient idle = client(RawClient.PATIENT_MILLIS)) {
      upstream.connections().await(3, DEADLINE);
      proxy.add(Toxic.resetPeer(Direction.DOWNSTREAM, Duration.ZERO));
      assertThatThrownBy(idle::readToEnd).isInstanceOf(SocketException.class).hasMessageContaining("reset");
      try (RawClient fresh = client(RawClient.PATIENT_MILLIS)) {
        assertThatThrownBy(fresh::readToEnd).isInstanceOf(SocketException.class).hasMessageContaining("reset");
      }
    }
  }

  @Test
  void limitData_closesAfterTheLimit() throws IOException {
    proxy.add(Toxic.limitData(Direction.DOWNSTREAM, 3));
    try (RawClient c = client(RawClient.PATIENT_MILLIS)) {
      c.send("abcdef");
      assertThat(c.readToEnd()).isEqualTo("abc");
    }
  }

  @Test
  void limitDataUpstream_letsTheServerSeeOnlyTheLimit() throws Exception {
    proxy.add(Toxic.limitData(Direction.UPSTREAM, 5));
    try (RawClient c = client(RawClient.PATIENT_MILLIS)) {
      c.send("0123456789");
      RecordedConnection conn = upstream.connections().await(1, DEADLINE).get(0);
      Await.until("the upstream to see the proxy close", conn::clientClosed);
      assertThat(conn.bytesReceived()).isEqualTo(5);
    }
  }

  @Test
  void slicer_cutsDataIntoSlices() throws IOException {
    proxy.add(Toxic.slicer(Direction.DOWNSTREAM, 3, 1, Duration.ofMillis(100)));
    try (RawClient c = client(RawClient.PATIENT_MILLIS)) {
      c.send("abcdefghijklmnopqrstuvwxyz");
      assertThat(c.readExactly(26)).isEqualTo("abcdefghijklmnopqrstuvwxyz");
      // At least seven slices 100 ms apart: one read taking them all would need a client stalled for 600 ms.
      assertThat(c.reads.size()).isGreaterThan(1);
    }
  }

  @Test
  void bandwidth_limitsTheRate() throws IOException {
    proxy.add(Toxic.bandwidth(Direction.DOWNSTREAM, 2000));
    try (RawClient c = client(RawClient.PATIENT_MILLIS)) {
      long start = System.nanoTime();
      c.send("z".repeat(3000));
      assertThat(c.readExactly(3000)).hasSize(3000);
      // A bound the limiter guarantees and a loaded machine can only make easier: 3,000 bytes at 2,000 B/s
      // are not all sent before 1.45 s.
      assertThat((System.nanoTime() - start) / 1_000_000).isGreaterThanOrEqualTo(1400);
    }
  }

  @Test
  void slowClose_delaysTheEndOfStream() throws IOException {
    upstream.mode(TcpTestBackend.Mode.CLOSE);
    try (RawClient c = client(RawClient.PATIENT_MILLIS)) {
      assertThat(c.readToEnd()).isEmpty(); // without the toxic the close goes through
    }
    proxy.add(Toxic.slowClose(Direction.DOWNSTREAM, Duration.ofMinutes(1)));
    try (RawClient c = client(300)) {
      assertThatThrownBy(c::readToEnd).isInstanceOf(SocketTimeoutException.class);
    }
  }

  @Test
  void toxicityZero_neverApplies_andHalfAppliesToAboutHalfTheConnections() throws IOException {
    proxy.add(Toxic.limitData(Direction.DOWNSTREAM, 0).withToxicity(0.0));
    try (RawClient c = client(RawClient.PATIENT_MILLIS)) {
      c.send("ok");
      assertThat(c.readExactly(2)).isEqualTo("ok");
    }
    proxy.removeAll();
    proxy.add(Toxic.limitData(Direction.DOWNSTREAM, 0).withToxicity(0.5));
    int cut = 0;
    for (int i = 0; i < 100; i++) {
      try (RawClient c = client(RawClient.PATIENT_MILLIS)) {
        c.send("1");
        cut += c.readToEndOrFirstByte().isEmpty() ? 1 : 0;
      }
    }
    // Binomial(100, 0.5): 50 +- 5 (one sigma); 20..80 is six sigmas.
    assertThat(cut).isBetween(20, 80);
  }

  @Test
  void disable_closesConnectionsAndRefuses_enableListensOnTheSamePort() throws IOException {
    int port = proxy.port();
    try (RawClient c = client(RawClient.PATIENT_MILLIS)) {
      c.send("a");
      assertThat(c.readExactly(1)).isEqualTo("a");
      proxy.disable();
      assertThat(c.readToEnd()).isEmpty();
    }
    assertThatThrownBy(() -> new Socket(proxy.host(), port).close()).isInstanceOf(ConnectException.class);
    proxy.enable();
    assertThat(proxy.port()).isEqualTo(port);
    try (RawClient c = client(RawClient.PATIENT_MILLIS)) {
      c.send("b");
      assertThat(c.readExactly(1)).isEqualTo("b");
    }
  }

  @Test
  void unreachableUpstream_resetsTheClient() throws IOException {
    upstream.stop();
    try (RawClient c = client(RawClient.PATIENT_MILLIS)) {
      assertThatThrownBy(c::readToEnd).isInstanceOf(SocketException.class).hasMessageContaining("reset");
    }
  }

  @Test
  void toxicsAreValidated_andNamesAreUnique() {
    proxy.add(Toxic.latency(Direction.UPSTREAM, Duration.ZERO, Duration.ZERO));
    assertThatThrownBy(() -> proxy.add(Toxic.latency(Direction.UPSTREAM, Duration.ofMillis(1), Duration.ZERO)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("toxic latency_upstream is already present; remove it or name the new one with Toxic.named");
    proxy.add(Toxic.latency(Direction.UPSTREAM, Duration.ofMillis(1), Duration.ZERO).named("second"));
    assertThat(proxy.toxics()).extracting(Toxic::name).containsExactly("latency_upstream", "second");
    assertThatThrownBy(() -> Toxic.slicer(Direction.UPSTREAM, 3, 3, Duration.ZERO))
        .hasMessage("toxic.variationBytes must be between 0 and 2, was 3");
    assertThatThrownBy(() -> Toxic.bandwidth(Direction.UPSTREAM, 0))
        .hasMessage("toxic.bytesPerSecond must be between 1 and 1073741824, was 0");
    assertThatThrownBy(() -> Toxic.limitData(Direction.UPSTREAM, 1).withToxicity(-0.1))
        .hasMessage("toxic.toxicity must be between 0.0 and 1.0, was -0.1");
    assertThatThrownBy(() -> Toxic.timeout(Direction.UPSTREAM, Duration.ofMinutes(10)))
        .hasMessage("toxic.timeout must be between 0s and 300s, was 600s");
  }
}
