package io.lb4j.impl.listener;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.channels.Channel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/**
 * Opens TCP sockets of the family their address needs. The JDK's default socket is IPv6 and carries IPv4 as
 * mapped addresses ({@code ::ffff:127.0.0.1}), which costs a {@code setsockopt} per socket and takes the
 * kernel's IPv6 path for IPv4 traffic; an IPv4 address gets an IPv4 socket instead, as nginx and HAProxy
 * open them; and closes them. Stateless.
 */
final class Sockets {
  private Sockets() {}

  /** A socket to connect to {@code address}: IPv4 for an IPv4 address, the JDK's default otherwise. */
  static SocketChannel connecting(InetSocketAddress address) throws IOException {
    return address.getAddress() instanceof Inet4Address
        ? SocketChannel.open(StandardProtocolFamily.INET)
        : SocketChannel.open();
  }

  /**
   * A server socket to bind {@code address}: IPv4 for a specific IPv4 address; the JDK's default for a
   * wildcard ({@code 0.0.0.0} then also accepts IPv6 clients, as it always did) and for IPv6.
   */
  static ServerSocketChannel listening(InetSocketAddress address) throws IOException {
    return address.getAddress() instanceof Inet4Address && !address.getAddress().isAnyLocalAddress()
        ? ServerSocketChannel.open(StandardProtocolFamily.INET)
        : ServerSocketChannel.open();
  }

  /**
   * Sends {@code channel}'s FIN before it is closed by {@link EventLoop#closeAfterSelect}, where the end was not
   * passed on yet: a peer whose bytes were not all read then sees an orderly end of stream before the reset
   * that closing with unread bytes sends, as when the JDK closed a registered channel (it shut the output
   * down first). Failures are ignored: the peer may be gone already.
   */
  static void endOutputBeforeClose(SocketChannel channel) {
    try {
      channel.shutdownOutput();
    } catch (IOException | RuntimeException ignored) {
      // not connected any more: the close below is all there is to do
    }
  }

  /** Closes {@code channel} (null: nothing), ignoring a failure: nothing is left to do with it then. */
  static void closeQuietly(Channel channel) {
    if (channel != null) {
      try {
        channel.close();
      } catch (IOException ignored) {
        // nothing left to do with a channel that cannot close
      }
    }
  }
}
