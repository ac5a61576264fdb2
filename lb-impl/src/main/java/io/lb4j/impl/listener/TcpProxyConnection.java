package io.lb4j.impl.listener;

import io.lb4j.api.RequestContext;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
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
 * <p>A listener's peak bandwidth gates each direction's reads ({@link Throttle}): over the budget a side is
 * not read, as when the other side's buffer is full, until the tokens are there.
 *
 * <p>The backend is selected through the pool with the client's address (source-IP persistence applies),
 * and a failed connect is reported and retried on another backend, up to the configured attempts.
 */
final class TcpProxyConnection extends IoHandler {
  private static final Logger log = LoggerFactory.getLogger(TcpProxyConnection.class);
  /** Buffers moved per readiness event and direction at most, so one busy connection cannot hog its loop. */
  static final int MAX_READS_PER_EVENT = 16;

  private final ProxyContext ctx;
  private final EventLoop loop;
  private final BufferPool buffers;
  private final SocketChannel client;
  private final SelectionKey clientKey;
  private final InetSocketAddress clientAddress;
  private final BackendDialer dialer;
  /** Peak bandwidth: client-to-backend and backend-to-client reads. */
  private final Throttle upThrottle;
  private final Throttle downThrottle;
  private BackendConnection backend;
  private long lastActivity;
  /** Bytes from client to backend, ready to write, or null. */
  private ByteBuffer up;
  /** Bytes from backend to client, ready to write, or null. */
  private ByteBuffer down;
  private boolean clientEof;
  private boolean backendEof;
  /** A read after the backend's bytes found nothing once: it keeps the connection open between messages. */
  private boolean backendStaysOpen;
  private boolean backendOutputShut;
  private boolean clientOutputShut;
  private boolean closed;

  private TcpProxyConnection(ProxyContext ctx, EventLoop loop, SocketChannel client) throws IOException {
    this.ctx = ctx;
    this.loop = loop;
    this.buffers = loop.buffers();
    this.client = client;
    this.clientAddress = (InetSocketAddress) client.getRemoteAddress();
    this.clientKey = client.register(loop.selector(), 0, this);
    this.dialer = new BackendDialer(ctx, loop, this, null);
    this.lastActivity = System.nanoTime();
    this.upThrottle = new Throttle(ctx.bandwidth.upstream, loop, this::resumeReading);
    this.downThrottle = new Throttle(ctx.bandwidth.downstream, loop, this::resumeReading);
  }

  /** Takes over an accepted client channel; runs on {@code loop}. */
  static void open(ProxyContext ctx, EventLoop loop, SocketChannel client) {
    ctx.metrics.connectionOpened();
    TcpProxyConnection c;
    try {
      c = new TcpProxyConnection(ctx, loop, client);
    } catch (IOException e) {
      ctx.connectionClosed();
      Sockets.closeQuietly(client);
      return;
    }
    try {
      // A Layer-4 listener has no rule: every connection goes to its default group.
      c.dialed(c.dialer.dial(RequestContext.ofClient(c.clientAddress.getAddress()), ctx.routes().fallback));
    } catch (IOException e) {
      c.close(true);
    }
    c.armTimer();
  }

  /** Acts on a step of the dialer: relay once connected, close when no backend can be reached. */
  private void dialed(BackendDialer.Result result) throws IOException {
    if (result == BackendDialer.Result.READY) {
      backendReady(dialer.connection());
    } else if (result == BackendDialer.Result.UNAVAILABLE) {
      ctx.metrics.failure(dialer.failureCause());
      log.debug("{}: no backend for {}: {}", ctx.listener.name(), clientAddress, dialer.failureReason());
      close(false);
    }
  }

  private void backendReady(BackendConnection connected) throws IOException {
    backend = connected;
    if (ctx.proxyProtocol != ProxyProtocol.NONE) {
      up = buffers.acquire();
      ProxyProtocolHeader.write(ctx.proxyProtocol, clientAddress, (InetSocketAddress) client.getLocalAddress(), up);
      up.flip();
      flushUp();
    }
    if (up == null) {
      // The client usually sent its first bytes while the backend connected: read them now rather than after
      // another select (HAProxy's speculative read); a client that waits for the server costs one empty read.
      readClient();
    }
    updateInterest();
  }

  @Override
  void ready(SelectionKey key) {
    try {
      if (dialer.connecting(key)) {
        dialed(dialer.finishConnect());
        return;
      }
      if (backend != null && key == backend.key) {
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
        armTimer();
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

  /**
   * Reads from the client and writes on to the backend, up to {@link #MAX_READS_PER_EVENT} buffers in one
   * readiness event while the backend keeps taking them (a bulk transfer then costs one select per
   * {@code MAX_READS_PER_EVENT} buffers, as Netty's {@code maxMessagesPerRead}); stops as soon as the
   * backend cannot take more, which is the back-pressure, and after a read that did not fill its buffer (the
   * socket is drained: a request then costs one read, not a second one that returns nothing, as Netty's and
   * HAProxy's loops do).
   */
  private void readClient() throws IOException {
    for (int i = 0; i < MAX_READS_PER_EVENT && up == null && !clientEof; i++) {
      int allowed = upThrottle.allowance(buffers.bufferSize());
      if (allowed == 0) {
        break; // over the peak bandwidth: read again when the throttle resumes
      }
      ByteBuffer b = buffers.acquire();
      b.limit(allowed);
      int n = client.read(b);
      upThrottle.consumed(n);
      if (n <= 0) {
        buffers.release(b);
        clientEof = n < 0;
        if (n == 0) {
          break;
        }
      } else {
        lastActivity = System.nanoTime();
        ctx.metrics.bytesIn(n);
        b.flip();
        up = b;
        if (n < allowed) {
          break; // a short read: the client's socket is drained (the level-triggered selector reports more)
        }
      }
      flushUp();
    }
    flushUp();
  }

  /**
   * The backend-to-client twin of {@link #readClient()}, with an adaptive short-read stop: a backend often
   * closes right after its last bytes (a connection per request), and reading on after a short read finds
   * that end at once instead of after another select. Once such a read finds nothing, the backend evidently
   * keeps its connection open between messages (keep-alive), and from then on a short read ends the event,
   * as on the client side: one read per message, not a second one that returns nothing. (HAProxy learns the
   * same from {@code EPOLLRDHUP}, which Java's selector does not report.)
   */
  private void readBackend() throws IOException {
    for (int i = 0; i < MAX_READS_PER_EVENT && down == null && !backendEof; i++) {
      int allowed = downThrottle.allowance(buffers.bufferSize());
      if (allowed == 0) {
        break;
      }
      ByteBuffer b = buffers.acquire();
      b.limit(allowed);
      int n = backend.channel.read(b);
      downThrottle.consumed(n);
      if (n <= 0) {
        buffers.release(b);
        backendEof = n < 0;
        if (n == 0) {
          backendStaysOpen |= i > 0; // bytes, then nothing: no end of stream right after a message
          break;
        }
      } else {
        lastActivity = System.nanoTime();
        b.flip();
        down = b;
        if (n < allowed && backendStaysOpen) {
          break; // drained, and this backend does not close after its messages: wait for the selector
        }
      }
      flushDown();
    }
    flushDown();
  }

  private void flushUp() throws IOException {
    if (up != null) {
      backend.channel.write(up);
      if (up.hasRemaining()) {
        return;
      }
      buffers.release(up);
      up = null;
      lastActivity = System.nanoTime();
    }
    if (clientEof && !backendOutputShut) {
      backendOutputShut = true;
      if (!clientOutputShut) {
        backend.channel.shutdownOutput();
      } // else the other direction ended too: the close sends the FIN, one system call fewer
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
      if (!backendOutputShut) {
        client.shutdownOutput();
      } // else the other direction ended too: the close sends the FIN, one system call fewer
      closeIfDone();
    }
  }

  private void closeIfDone() {
    if (backendOutputShut && clientOutputShut) {
      close(false);
    }
  }

  /**
   * Reads a side only while the buffer towards the other side is empty and the peak bandwidth allows: that is
   * the back-pressure.
   */
  private void updateInterest() {
    if (backend == null) {
      return;
    }
    int clientOps = (!clientEof && up == null && !upThrottle.paused() ? SelectionKey.OP_READ : 0)
        | (down != null ? SelectionKey.OP_WRITE : 0);
    int backendOps = (!backendEof && down == null && !downThrottle.paused() ? SelectionKey.OP_READ : 0)
        | (up != null ? SelectionKey.OP_WRITE : 0);
    if (clientKey.interestOps() != clientOps) {
      clientKey.interestOps(clientOps);
    }
    if (backend.key.interestOps() != backendOps) {
      backend.key.interestOps(backendOps);
    }
  }

  /**
   * Arms this connection's one timer for its next deadline, the connect timeout or the idle timeout, unless
   * it is armed earlier already (it then re-checks and re-arms when it fires: activity costs no heap work).
   */
  private void armTimer() {
    if (!closed) {
      loop.armBy(this, dialer.isConnecting() ? dialer.connectDeadline() : activeSince() + ctx.idleTimeoutNanos);
    }
  }

  /** The last activity, counting the time a throttle held a side as activity (a held sender is not idle). */
  private long activeSince() {
    return downThrottle.activeSince(upThrottle.activeSince(lastActivity));
  }

  /** A throttle's budget refilled: read that side again. */
  private void resumeReading() {
    if (!closed) {
      updateInterest();
    }
  }

  @Override
  void checkTimeouts(long nowNanos) {
    if (closed) {
      return;
    }
    if (dialer.isConnecting()) {
      try {
        dialed(dialer.checkTimeout(nowNanos));
      } catch (IOException e) {
        close(true);
      }
    } else if (nowNanos - activeSince() >= ctx.idleTimeoutNanos) {
      log.debug("{}: closing connection from {} idle for {}", ctx.listener.name(), clientAddress,
          ctx.listener.idleTimeout());
      close(false);
    }
    armTimer();
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
    loop.cancel(this);
    if (abort) {
      try {
        client.setOption(StandardSocketOptions.SO_LINGER, 0);
      } catch (IOException | RuntimeException ignored) {
        // already closed
      }
    }
    if (!abort && !clientOutputShut) {
      Sockets.endOutputBeforeClose(client); // ended early (no backend, idle): a FIN first
    }
    clientKey.cancel();
    loop.closeAfterSelect(client);
    if (backend != null) {
      if (!backendOutputShut) {
        Sockets.endOutputBeforeClose(backend.channel);
      }
      backend.closeAfterSelect(buffers, loop);
    }
    dialer.close();
    upThrottle.close();
    downThrottle.close();
    buffers.release(up);
    buffers.release(down);
    up = null;
    down = null;
    ctx.connectionClosed();
  }
}
