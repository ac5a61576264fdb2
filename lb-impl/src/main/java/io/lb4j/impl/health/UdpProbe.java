package io.lb4j.impl.health;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.PortUnreachableException;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;

/**
 * The UDP check of one backend, the reference balancer's way: a datagram socket connected to the check port
 * sends the policy's request; the probe passes when a datagram comes back that contains the expected response
 * (or any datagram, when none is expected) and fails on an ICMP port unreachable (the connected socket reports
 * it as {@link PortUnreachableException}), on another answer, or on silence until the response timeout (the
 * probe loop's timer). Datagrams that do not match are not waited past: the first answer decides.
 *
 * <p>Stateless; called by the {@link ProbeLoop}'s thread only, with the target's socket in
 * {@link Target#datagram}.
 */
final class UdpProbe {
  /** The largest datagram read whole: anything longer is cut, and the expected bytes must be in what is read. */
  static final int MAX_RESPONSE = 65_536;

  static final String PORT_UNREACHABLE = "port unreachable (ICMP)";
  static final String UNEXPECTED = "unexpected UDP response";

  private UdpProbe() {}

  /**
   * Opens the socket, connects it to {@code t.checkAddress}, sends the request and waits for reads; null when
   * the request is on its way, else the failure's cause (the socket is closed by the caller).
   */
  static String start(Target t, PolicyView v, Selector selector) {
    try {
      DatagramChannel ch = DatagramChannel.open(t.checkAddress.getAddress() instanceof Inet6Address
          ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET);
      t.datagram = ch;
      ch.configureBlocking(false);
      ch.connect(t.checkAddress);
      t.key = ch.register(selector, SelectionKey.OP_READ, t);
      if (ch.write(ByteBuffer.wrap(v.udpRequest)) == 0) {
        return "UDP request not sent (send buffer full)";
      }
      return null;
    } catch (PortUnreachableException e) {
      return PORT_UNREACHABLE;
    } catch (IOException e) {
      return "UDP request failed: " + e.getMessage();
    }
  }

  /**
   * The socket is readable: the result's cause, {@link ProbeCauses#OK} when the answer passes, or null when
   * nothing was there after all (keep waiting).
   */
  static String read(Target t, PolicyView v, ByteBuffer buffer) {
    buffer.clear();
    SocketAddress from;
    try {
      from = t.datagram.receive(buffer);
    } catch (PortUnreachableException e) {
      return PORT_UNREACHABLE;
    } catch (IOException e) {
      return "UDP receive failed: " + e.getMessage();
    }
    if (from == null) {
      return null;
    }
    buffer.flip();
    return v.udpExpected == null || contains(buffer, v.udpExpected) ? ProbeCauses.OK : UNEXPECTED;
  }

  /** Whether {@code expected} occurs in {@code buf}'s remaining bytes; allocation-free. */
  static boolean contains(ByteBuffer buf, byte[] expected) {
    int start = buf.position();
    int last = buf.limit() - expected.length;
    for (int i = start; i <= last; i++) {
      int j = 0;
      while (j < expected.length && buf.get(i + j) == expected[j]) {
        j++;
      }
      if (j == expected.length) {
        return true;
      }
    }
    return false;
  }

  /** Closes the target's datagram socket, if any. */
  static void close(Target t) {
    DatagramChannel ch = t.datagram;
    if (ch != null) {
      t.datagram = null;
      try {
        ch.close();
      } catch (IOException ignored) {
        // gone either way
      }
    }
  }
}
