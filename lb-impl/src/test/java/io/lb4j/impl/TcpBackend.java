package io.lb4j.impl;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * A real TCP backend on loopback for tests: accepts connections (and closes them) until stopped; can be
 * restarted on the same port. Stopped, its port refuses connections.
 */
final class TcpBackend implements AutoCloseable {
  private final String host;
  private int port;
  private volatile ServerSocket socket;
  private Thread acceptor;

  TcpBackend(String host) {
    this(host, 0);
  }

  /** A backend on {@code host:port}; port 0 lets the OS choose. */
  TcpBackend(String host, int port) {
    this.host = host;
    this.port = port;
    start();
  }

  static TcpBackend start(String host) {
    return new TcpBackend(host);
  }

  synchronized void start() {
    try {
      ServerSocket s = new ServerSocket();
      s.setReuseAddress(true);
      s.bind(new InetSocketAddress(InetAddress.getByName(host), port), 50);
      port = s.getLocalPort();
      socket = s;
      acceptor = new Thread(() -> acceptLoop(s), "test-backend-" + host + ":" + port);
      acceptor.setDaemon(true);
      acceptor.start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void acceptLoop(ServerSocket s) {
    while (!s.isClosed()) {
      try (Socket c = s.accept()) {
        c.shutdownOutput(); // an orderly close (FIN), as a server that has nothing to say does
      } catch (IOException closed) {
        return;
      }
    }
  }

  synchronized void stop() {
    try {
      socket.close();
      acceptor.join(10_000);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  String host() {
    return host;
  }

  int port() {
    return port;
  }

  @Override
  public void close() {
    stop();
  }
}
