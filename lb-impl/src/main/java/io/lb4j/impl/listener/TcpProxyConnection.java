package io.lb4j.impl.listener;

import io.lb4j.api.Outcome;
import io.lb4j.api.RequestContext;
import io.lb4j.api.Selection;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Layer-4 connection: a client socket relayed to a backend socket, both owned by one loop.
 *
 * <p>Each direction has at most one pooled buffer. The loop reads a side only while that side's buffer is
 * empty, so a slow reader stops the other side from being read (back-pressure: the kernel's socket
 * buffers fill and TCP flow control slows the fast peer), and memory per connection is at most two
 * buffers. An end of stream is passed on as a half-close ({@code shutdownOutput}) once the buffered bytes
 * are written; the connection closes when both directions have ended, on an error, or when idle for the
 * listener's idle timeout.
 *
 * <p>The backend is selected through the pool with the client's address (source-IP persistence applies),
 * and a failed connect is reported and retried on another backend, up to the configured attempts.
 */
final class TcpProxyConnection extends IoHandler {
  private static final Logger log = LoggerFactory.getLogger(TcpProxyConnection.class);

  private final ProxyContext ctx;
  private final EventLoop loop;
  private final BufferPool buffers;
  private final SocketChannel client;
  private final SelectionKey clientKey;
  private final InetSocketAddress clientAddress;
  private final RequestContext request;
  private final List<String> triedBackends = new ArrayList<>(2);
  private SocketChannel backend;
  private SelectionKey backendKey;
  private Selection selection;
  private int attempts;
  private boolean connected;
  private long connectStart;
  private long lastActivity;
  /** Bytes from client to backend, ready to write, or null. */
  private ByteBuffer up;
  /** Bytes from backend to client, ready to write, or null. */
  private ByteBuffer down;
  private boolean clientEof;
  private boolean backendEof;
  private boolean backendOutputShut;
  private boolean clientOutputShut;
  private boolean closed;

  private TcpProxyConnection(ProxyContext ctx, EventLoop loop, SocketChannel client) throws IOException {
    this.ctx = ctx;
    this.loop = loop;
    this.buffers = loop.buffers();
    this.client = client;
    this.clientAddress = (InetSocketAddress) client.getRemoteAddress();
    this.request = RequestContext.ofClient(clientAddress.getAddress());
    this.clientKey = client.register(loop.selector(), 0, this);
    this.lastActivity = System.nanoTime();
  }

  /** Takes over an accepted client channel; runs on {@code loop}. */
  static void open(ProxyContext ctx, EventLoop loop, SocketChannel client) {
    ctx.metrics.connectionOpened();
    try {
      new TcpProxyConnection(ctx, loop, client).connectNext();
    } catch (IOException e) {
      ctx.metrics.connectionClosed();
      closeQuietly(client);
    }
  }

  private void connectNext() {
    while (attempts < ctx.maxConnectAttempts) {
      attempts++;
      Selection s = ctx.pool.select(request);
      if (!s.hasBackend()) {
        ctx.metrics.failure(FailureCause.NO_BACKEND);
        log.debug("{}: no backend for {}: {}", ctx.listener.name(), clientAddress, s.reason().description());
        close(false);
        return;
      }
      if (triedBackends.contains(s.backend().id())) {
        s.release(); // the pool offers a backend that already failed (sticky session): try once more
        continue;
      }
      if (attempts > 1) {
        ctx.metrics.retry();
      }
      selection = s;
      triedBackends.add(s.backend().id());
      try {
        backend = SocketChannel.open();
        backend.configureBlocking(false);
        backend.setOption(StandardSocketOptions.TCP_NODELAY, true);
        connectStart = System.nanoTime();
        if (backend.connect(ProxyContext.addressOf(s))) {
          backendKey = backend.register(loop.selector(), 0, this);
          connected();
        } else {
          backendKey = backend.register(loop.selector(), SelectionKey.OP_CONNECT, this);
        }
        return;
      } catch (IOException e) {
        connectFailed(e.toString());
        if (closed) {
          return;
        }
      }
    }
    ctx.metrics.failure(FailureCause.CONNECT_FAILED);
    close(false);
  }

  private void connectFailed(String cause) {
    log.debug("{}: connect to {} failed: {}", ctx.listener.name(), selection.backend().authority(), cause);
    ctx.pool.report(selection, Outcome.failure(Outcome.Kind.CONNECT_FAILURE, since(connectStart)));
    selection.release();
    selection = null;
    if (backendKey != null) {
      backendKey.cancel();
      backendKey = null;
    }
    closeQuietly(backend);
    backend = null;
  }

  private void connected() throws IOException {
    connected = true;
    ctx.pool.report(selection, Outcome.success(since(connectStart)));
    if (ctx.proxyProtocol != ProxyProtocol.NONE) {
      up = buffers.acquire();
      ProxyProtocolHeader.write(ctx.proxyProtocol, clientAddress, (InetSocketAddress) client.getLocalAddress(), up);
      up.flip();
      flushUp();
    }
    updateInterest();
  }

  @Override
  void ready(SelectionKey key) {
    try {
      if (key == backendKey) {
        if (key.isConnectable()) {
          try {
            backend.finishConnect();
          } catch (IOException e) {
            connectFailed(e.getMessage());
            connectNext();
            return;
          }
          connected();
          return;
        }
        if (key.isWritable()) {
          flushUp();
        }
        if (key.isValid() && key.isReadable()) {
          readBackend();
        }
      } else {
        if (key.isWritable()) {
          flushDown();
        }
        if (key.isValid() && key.isReadable()) {
          readClient();
        }
      }
      if (!closed) {
        updateInterest();
      }
    } catch (IOException e) {
      log.debug("{}: connection from {} failed: {}", ctx.listener.name(), clientAddress, e.toString());
      close(true);
    } catch (RuntimeException e) {
      // A bug, not the peer: never leave the connection hanging (and its selection unreleased).
      log.error("{}: connection from {} failed unexpectedly", ctx.listener.name(), clientAddress, e);
      close(true);
    }
  }

  private void readClient() throws IOException {
    ByteBuffer b = buffers.acquire();
    int n = client.read(b);
    if (n < 0) {
      buffers.release(b);
      clientEof = true;
    } else if (n == 0) {
      buffers.release(b);
    } else {
      lastActivity = System.nanoTime();
      ctx.metrics.bytesIn(n);
      b.flip();
      up = b;
    }
    flushUp();
  }

  private void readBackend() throws IOException {
    ByteBuffer b = buffers.acquire();
    int n = backend.read(b);
    if (n < 0) {
      buffers.release(b);
      backendEof = true;
    } else if (n == 0) {
      buffers.release(b);
    } else {
      lastActivity = System.nanoTime();
      b.flip();
      down = b;
    }
    flushDown();
  }

  private void flushUp() throws IOException {
    if (up != null) {
      backend.write(up);
      if (up.hasRemaining()) {
        return;
      }
      buffers.release(up);
      up = null;
      lastActivity = System.nanoTime();
    }
    if (clientEof && !backendOutputShut) {
      backendOutputShut = true;
      backend.shutdownOutput();
      closeIfDone();
    }
  }

  private void flushDown() throws IOException {
    if (down != null) {
      int n = client.write(down);
      ctx.metrics.bytesOut(n);
      if (down.hasRemaining()) {
        return;
      }
      buffers.release(down);
      down = null;
      lastActivity = System.nanoTime();
    }
    if (backendEof && !clientOutputShut) {
      clientOutputShut = true;
      client.shutdownOutput();
      closeIfDone();
    }
  }

  private void closeIfDone() {
    if (backendOutputShut && clientOutputShut) {
      close(false);
    }
  }

  /** Reads a side only while the buffer towards the other side is empty: that is the back-pressure. */
  private void updateInterest() {
    if (!connected) {
      return;
    }
    int clientOps = (!clientEof && up == null ? SelectionKey.OP_READ : 0) | (down != null ? SelectionKey.OP_WRITE : 0);
    int backendOps = (!backendEof && down == null ? SelectionKey.OP_READ : 0) | (up != null ? SelectionKey.OP_WRITE : 0);
    if (clientKey.interestOps() != clientOps) {
      clientKey.interestOps(clientOps);
    }
    if (backendKey.interestOps() != backendOps) {
      backendKey.interestOps(backendOps);
    }
  }

  @Override
  void checkTimeouts(long nowNanos) {
    if (closed) {
      return;
    }
    if (!connected && backend != null) {
      if (nowNanos - connectStart > ctx.connectTimeoutNanos) {
        connectFailed("connect timeout after " + Duration.ofNanos(ctx.connectTimeoutNanos).toMillis() + "ms");
        connectNext();
      }
    } else if (nowNanos - lastActivity > ctx.idleTimeoutNanos) {
      log.debug("{}: closing connection from {} idle for {}", ctx.listener.name(), clientAddress,
          ctx.listener.idleTimeout());
      close(false);
    }
  }

  @Override
  void closeNow() {
    close(false);
  }

  /** Closes both sides; {@code abort} resets the client (an error, not an orderly end). */
  private void close(boolean abort) {
    if (closed) {
      return;
    }
    closed = true;
    if (abort) {
      try {
        client.setOption(StandardSocketOptions.SO_LINGER, 0);
      } catch (IOException | RuntimeException ignored) {
        // already closed
      }
    }
    clientKey.cancel();
    closeQuietly(client);
    if (backendKey != null) {
      backendKey.cancel();
    }
    closeQuietly(backend);
    buffers.release(up);
    buffers.release(down);
    up = null;
    down = null;
    if (selection != null) {
      selection.release();
    }
    ctx.metrics.connectionClosed();
  }

  private static Duration since(long startNanos) {
    return Duration.ofNanos(System.nanoTime() - startNanos);
  }

  static void closeQuietly(SocketChannel c) {
    if (c != null) {
      try {
        c.close();
      } catch (IOException ignored) {
        // nothing left to do with a channel that cannot close
      }
    }
  }
}
