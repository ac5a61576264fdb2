package io.lb4j.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Every mode of the UDP backend, and its stop, observed from a real client on loopback. */
class UdpTestBackendTest {

  private static String roundTrip(DatagramSocket s, InetSocketAddress to, String text) throws Exception {
    byte[] b = text.getBytes(StandardCharsets.US_ASCII);
    s.send(new DatagramPacket(b, b.length, to));
    DatagramPacket p = new DatagramPacket(new byte[2048], 2048);
    s.receive(p);
    return new String(p.getData(), 0, p.getLength(), StandardCharsets.US_ASCII);
  }

  @Test
  void echoesRepliesAndCounts() throws Exception {
    try (UdpTestBackend b = UdpTestBackend.echo("u1"); DatagramSocket s = new DatagramSocket()) {
      s.setSoTimeout(30_000);
      assertThat(roundTrip(s, b.address(), "ping")).isEqualTo("ping");
      b.reply("pong");
      assertThat(roundTrip(s, b.address(), "ping")).isEqualTo("pong");
      assertThat(b.received()).isEqualTo(2);
      assertThat(b.receivedBytes()).isEqualTo(8);
      assertThat(b.sent()).isEqualTo(2);
      assertThat(b.senders()).containsExactly(new InetSocketAddress("127.0.0.1", s.getLocalPort()));
      assertThat(b.backend().id()).isEqualTo("u1");
      assertThat(b.backend().port()).isEqualTo(b.port());
    }
  }

  @Test
  void silent_readsAndNeverAnswers() throws Exception {
    try (UdpTestBackend b = UdpTestBackend.echo("u2").mode(UdpTestBackend.Mode.SILENT);
        DatagramSocket s = new DatagramSocket()) {
      s.setSoTimeout(200);
      assertThatThrownBy(() -> roundTrip(s, b.address(), "ping")).isInstanceOf(SocketTimeoutException.class);
      Await.until("the datagram counted", () -> b.received() == 1);
      assertThat(b.sent()).isZero();
    }
  }

  @Test
  void stop_makesThePortUnreachableAndStartBindsItAgain() throws Exception {
    UdpTestBackend b = UdpTestBackend.echo("u3");
    int port = b.port();
    b.stop();
    try (DatagramChannel c = DatagramChannel.open()) {
      c.connect(b.address());
      c.configureBlocking(true);
      c.write(ByteBuffer.wrap(new byte[] {1}));
      assertThatThrownBy(() -> c.read(ByteBuffer.allocate(8))).isInstanceOf(PortUnreachableException.class);
    }
    b.start();
    try (DatagramSocket s = new DatagramSocket()) {
      s.setSoTimeout(30_000);
      assertThat(b.port()).isEqualTo(port);
      assertThat(roundTrip(s, b.address(), "back")).isEqualTo("back");
    } finally {
      b.close();
    }
  }
}
