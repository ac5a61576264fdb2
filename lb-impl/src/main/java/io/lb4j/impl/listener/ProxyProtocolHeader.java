package io.lb4j.impl.listener;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** Writes PROXY protocol headers (HAProxy's proxy-protocol.txt, versions 1 and 2) for TCP over IPv4/IPv6. */
final class ProxyProtocolHeader {
  private static final byte[] V2_SIGNATURE = {
      0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};

  private ProxyProtocolHeader() {}

  /** Puts the header for a connection from {@code client} to {@code local} into {@code out}. */
  static void write(ProxyProtocol version, InetSocketAddress client, InetSocketAddress local, ByteBuffer out) {
    InetAddress src = client.getAddress();
    InetAddress dst = local.getAddress();
    boolean v4 = src instanceof Inet4Address && dst instanceof Inet4Address;
    if (version == ProxyProtocol.V1) {
      String line = "PROXY " + (v4 ? "TCP4 " : "TCP6 ") + src.getHostAddress() + ' ' + dst.getHostAddress()
          + ' ' + client.getPort() + ' ' + local.getPort() + "\r\n";
      out.put(line.getBytes(StandardCharsets.US_ASCII));
    } else if (version == ProxyProtocol.V2) {
      byte[] s = v4 ? src.getAddress() : v6(src);
      byte[] d = v4 ? dst.getAddress() : v6(dst);
      out.put(V2_SIGNATURE);
      out.put((byte) 0x21); // version 2, command PROXY
      out.put((byte) (v4 ? 0x11 : 0x21)); // TCP over IPv4 / IPv6
      out.putShort((short) (s.length + d.length + 4));
      out.put(s).put(d);
      out.putShort((short) client.getPort()).putShort((short) local.getPort());
    }
  }

  /** An IPv4 address as IPv4-mapped IPv6 when the other side is IPv6. */
  private static byte[] v6(InetAddress a) {
    byte[] b = a.getAddress();
    if (b.length == 16) {
      return b;
    }
    byte[] m = new byte[16];
    m[10] = (byte) 0xff;
    m[11] = (byte) 0xff;
    System.arraycopy(b, 0, m, 12, 4);
    return m;
  }
}
