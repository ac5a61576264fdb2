package io.lb4j.impl.listener;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real TCP backend on loopback for listener tests: for each connection it optionally writes a greeting
 * line ({@code name\n}), then echoes every byte back, and after the client's end of stream ends its own
 * output (half-close). It records the first bytes of each connection (to check PROXY headers), can hold
 * reading until released (back-pressure), and stopped, its port refuses connections.
 */
final class EchoBackend implements AutoCloseable {
  private final String name;
  private final boolean greet;
  private final ServerSocket server;
  private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "echo-backend");
    t.setDaemon(true);
    return t;
  });
  private final List<Socket> open = new CopyOnWriteArrayList<>();
  final List<byte[]> firstBytes = new CopyOnWriteArrayList<>();
  final AtomicInteger accepted = new AtomicInteger();
  private volatile CountDownLatch readGate = new CountDownLatch(0);

  private EchoBackend(String host, String name, boolean greet) {
    this.name = name;
    this.greet = greet;
    try {
      server = new ServerSocket();
      server.bind(new InetSocketAddress(InetAddress.getByName(host), 0), 200);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    threads.execute(this::acceptLoop);
  }

  /** An echo backend on {@code host}. */
  static EchoBackend echo(String host) {
    return new EchoBackend(host, "echo", false);
  }

  /** An echo backend on {@code host} that first writes {@code name} and a newline. */
  static EchoBackend named(String host, String name) {
    return new EchoBackend(host, name, true);
  }

  /** Connections accepted and not yet ended. */
  int openConnections() {
    return open.size();
  }

  int port() {
    return server.getLocalPort();
  }

  String host() {
    return server.getInetAddress().getHostAddress();
  }

  /** Stops reading from connections until {@link #resumeReading()}. */
  void holdReading() {
    readGate = new CountDownLatch(1);
  }

  void resumeReading() {
    readGate.countDown();
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      try {
        Socket s = server.accept();
        accepted.incrementAndGet();
        open.add(s);
        threads.execute(() -> serve(s));
      } catch (IOException closed) {
        return;
      } catch (RuntimeException rejected) {
        return;
      }
    }
  }

  private void serve(Socket s) {
    try (s) {
      InputStream in = s.getInputStream();
      OutputStream out = s.getOutputStream();
      if (greet) {
        out.write((name + "\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
      }
      byte[] buf = new byte[32 * 1024];
      boolean first = true;
      while (true) {
        readGate.await(60, TimeUnit.SECONDS);
        int n = in.read(buf);
        if (n < 0) {
          break;
        }
        if (first) {
          firstBytes.add(java.util.Arrays.copyOf(buf, n));
          first = false;
        }
        out.write(buf, 0, n);
      }
      s.shutdownOutput();
    } catch (IOException | InterruptedException e) {
      // the peer went away; the test checks what it received
    } finally {
      open.remove(s);
    }
  }

  @Override
  public void close() {
    try {
      server.close();
      for (Socket s : open) {
        s.close();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    readGate.countDown();
    threads.shutdownNow();
    try {
      threads.awaitTermination(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
