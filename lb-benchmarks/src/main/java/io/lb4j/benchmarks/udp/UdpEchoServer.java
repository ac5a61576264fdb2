package io.lb4j.benchmarks.udp;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.Set;

/**
 * The comparison's backend: one thread echoing every datagram to its sender, on a blocking socket (the
 * cheapest server the JDK has; the same for every proxy measured).
 *
 * <pre>java -cp lb-benchmarks/target/benchmarks.jar io.lb4j.benchmarks.udp.UdpComparison echo [--port 0]</pre>
 */
final class UdpEchoServer {
  private UdpEchoServer() {}

  static void run(Options o) throws IOException {
    int port = o.intValue("--port", 0, 0, 65535);
    try (DatagramChannel ch = DatagramChannel.open(StandardProtocolFamily.INET)) {
      ch.setOption(StandardSocketOptions.SO_RCVBUF, 4 << 20);
      ch.bind(new InetSocketAddress("127.0.0.1", port));
      InetSocketAddress bound = (InetSocketAddress) ch.getLocalAddress();
      System.out.println("listening 127.0.0.1:" + bound.getPort());
      System.out.flush();
      ByteBuffer buf = ByteBuffer.allocateDirect(65_536);
      while (true) {
        buf.clear();
        SocketAddress from = ch.receive(buf);
        buf.flip();
        ch.send(buf, from);
      }
    }
  }

  static Set<String> options() {
    return Set.of("--port");
  }
}
