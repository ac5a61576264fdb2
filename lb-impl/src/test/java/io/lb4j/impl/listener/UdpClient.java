package io.lb4j.impl.listener;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.CRC32;

/**
 * A UDP client for listener tests: a socket bound to a loopback address (127.0.0.1 or another 127.x) and
 * connected to the listener, so the kernel delivers only datagrams from the listener's address and port.
 * Datagrams it builds carry a sequence number and a CRC32 of their payload, so every reply is checked end to end.
 */
final class UdpClient implements AutoCloseable {
  final DatagramSocket socket;
  private final byte[] in = new byte[70_000];

  UdpClient(InetSocketAddress listener, String from) {
    try {
      socket = new DatagramSocket(new InetSocketAddress(InetAddress.getByName(from), 0));
      socket.connect(listener);
      socket.setSoTimeout(30_000);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  UdpClient(InetSocketAddress listener) {
    this(listener, "127.0.0.1");
  }

  int port() {
    return socket.getLocalPort();
  }

  void send(byte[] datagram) throws IOException {
    socket.send(new DatagramPacket(datagram, datagram.length));
  }

  /** The next datagram, or null when none came within {@code timeoutMillis}. */
  byte[] receive(int timeoutMillis) throws IOException {
    socket.setSoTimeout(timeoutMillis);
    DatagramPacket p = new DatagramPacket(in, in.length);
    try {
      socket.receive(p);
    } catch (SocketTimeoutException e) {
      return null;
    }
    return Arrays.copyOf(p.getData(), p.getLength());
  }

  /** Sends {@code datagram} and returns the reply (waiting up to 30 s), or null. */
  byte[] request(byte[] datagram) throws IOException {
    send(datagram);
    return receive(30_000);
  }

  /**
   * A datagram of {@code size} bytes (at least 12): a sequence number, a CRC32 of the rest, then random
   * bytes from {@code random}.
   */
  static byte[] datagram(int size, long seq, Random random) {
    byte[] d = new byte[size];
    random.nextBytes(d);
    for (int i = 0; i < 8; i++) {
      d[i] = (byte) (seq >>> (56 - 8 * i));
    }
    CRC32 crc = new CRC32();
    crc.update(d, 12, size - 12);
    long c = crc.getValue();
    for (int i = 0; i < 4; i++) {
      d[8 + i] = (byte) (c >>> (24 - 8 * i));
    }
    return d;
  }

  /** Whether {@code d}'s CRC32 matches its payload. */
  static boolean intact(byte[] d) {
    if (d == null || d.length < 12) {
      return false;
    }
    CRC32 crc = new CRC32();
    crc.update(d, 12, d.length - 12);
    long c = crc.getValue();
    for (int i = 0; i < 4; i++) {
      if (d[8 + i] != (byte) (c >>> (24 - 8 * i))) {
        return false;
      }
    }
    return true;
  }

  /** The sequence number of a datagram built by {@link #datagram}. */
  static long seq(byte[] d) {
    long s = 0;
    for (int i = 0; i < 8; i++) {
      s = (s << 8) | (d[i] & 0xff);
    }
    return s;
  }

  @Override
  public void close() {
    socket.close();
  }
}
