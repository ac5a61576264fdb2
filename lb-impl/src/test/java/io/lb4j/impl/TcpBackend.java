package io.lb4j.impl;

import io.lb4j.testing.TcpTestBackend;

/**
 * Loopback TCP backends for the pool tests, from lb4j's test kit: each accepts connections and closes them at once
 * (an orderly FIN, as a server with nothing to say); stopped, its port refuses connections; started again, it
 * listens on the same port.
 */
final class TcpBackend {

  private TcpBackend() {}

  /** A started backend on {@code host}, any port. */
  static TcpTestBackend start(String host) {
    return start(host, 0);
  }

  /** A started backend on {@code host:port}; port 0 lets the OS choose. */
  static TcpTestBackend start(String host, int port) {
    return TcpTestBackend.builder("tcp-" + host).host(host).port(port).mode(TcpTestBackend.Mode.CLOSE).build()
        .start();
  }
}
