package io.lb4j.benchmarks.listener;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;

/**
 * A one-thread NIO backend on loopback for the harnesses, so that thousands of backend connections cost
 * no thread each: {@code http} answers every request head with a 2-byte {@code 200} (keep-alive; request
 * bodies are not supported), otherwise it echoes bytes. Closed with {@link #close()}.
 */
final class HarnessBackend implements AutoCloseable {
  private static final byte[] OK = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".getBytes(StandardCharsets.US_ASCII);

  private final Selector selector;
  private final ServerSocketChannel server;
  private final boolean http;
  private final Thread thread;
  private volatile boolean closed;

  HarnessBackend(boolean http) throws IOException {
    this.http = http;
    this.selector = Selector.open();
    this.server = ServerSocketChannel.open();
    server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4096);
    server.configureBlocking(false);
    server.register(selector, SelectionKey.OP_ACCEPT);
    thread = new Thread(this::run, "harness-backend");
    thread.setDaemon(true);
    thread.start();
  }

  int port() {
    return server.socket().getLocalPort();
  }

  private void run() {
    ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
    while (!closed) {
      try {
        selector.select();
        Iterator<SelectionKey> it = selector.selectedKeys().iterator();
        while (it.hasNext()) {
          SelectionKey key = it.next();
          it.remove();
          if (key.isAcceptable()) {
            SocketChannel c = server.accept();
            if (c != null) {
              c.configureBlocking(false);
              c.register(selector, SelectionKey.OP_READ, new int[1]);
            }
          } else if (key.isReadable()) {
            serve(key, buf);
          }
        }
      } catch (IOException e) {
        if (!closed) {
          System.err.println("harness backend: " + e);
        }
      }
    }
  }

  /** Reads what arrived; answers each complete head (counted by its blank line) or echoes. */
  private void serve(SelectionKey key, ByteBuffer buf) {
    SocketChannel c = (SocketChannel) key.channel();
    try {
      buf.clear();
      int n = c.read(buf);
      if (n < 0) {
        key.cancel();
        c.close();
        return;
      }
      buf.flip();
      if (!http) {
        c.write(buf); // small loopback echoes fit the socket buffer
        return;
      }
      int[] state = (int[]) key.attachment(); // how many bytes of CRLFCRLF matched so far
      while (buf.hasRemaining()) {
        byte b = buf.get();
        int s = state[0];
        state[0] = (b == '\r' && (s == 0 || s == 2)) || (b == '\n' && (s == 1 || s == 3)) ? s + 1 : b == '\r' ? 1 : 0;
        if (state[0] == 4) {
          state[0] = 0;
          c.write(ByteBuffer.wrap(OK));
        }
      }
    } catch (IOException e) {
      key.cancel();
      try {
        c.close();
      } catch (IOException ignored) {
        // gone
      }
    }
  }

  @Override
  public void close() throws IOException {
    closed = true;
    selector.wakeup();
    try {
      thread.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (SelectionKey k : selector.keys()) {
      k.channel().close();
    }
    selector.close();
  }
}
