package io.lb4j.impl.listener;

import io.lb4j.api.Outcome;
import io.lb4j.api.RequestContext;
import io.lb4j.api.Selection;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Selects a backend through the pool and connects to it, for one Layer-4 connection or one Layer-7
 * request: a failed or timed-out connect is reported to the pool and the next backend the pool selects is
 * tried, up to {@code maxConnectAttempts}; the pool never offers a backend that already failed for this
 * request, even to a sticky session, which moves to the new backend with a new cookie. Layer 7 first takes an idle keep-alive connection from its loop's pool.
 *
 * <p>Owned by one connection and used on its loop's thread only. The connecting channel is registered with
 * the owner as its key's handler; the owner passes {@code OP_CONNECT} readiness to {@link #finishConnect()}
 * and its deadline sweep to {@link #checkTimeout(long)}.
 */
final class BackendDialer {
  private static final Logger log = LoggerFactory.getLogger(BackendDialer.class);

  /** What the dialer tells its connection. */
  interface Events {
    /** {@code backend} is connected (or was taken idle from the pool) for {@link #selection()}. */
    void backendReady(BackendConnection backend) throws IOException;

    /** No backend can be reached: {@code NO_BACKEND} with the pool's reason, or {@code CONNECT_FAILED}. */
    void backendUnavailable(FailureCause cause, String reason) throws IOException;
  }

  private final ProxyContext ctx;
  private final EventLoop loop;
  private final IoHandler owner;
  private final Events events;
  /** Idle keep-alive connections (Layer 7), or null (Layer 4). */
  private final BackendConnectionPool idle;
  private final List<String> tried = new ArrayList<>(2);
  private RequestContext request;
  private int attempts;
  private Selection selection;
  private BackendConnection connecting;
  private long connectStart;

  BackendDialer(ProxyContext ctx, EventLoop loop, IoHandler owner, Events events, BackendConnectionPool idle) {
    this.ctx = ctx;
    this.loop = loop;
    this.owner = owner;
    this.events = events;
    this.idle = idle;
  }

  /** The current selection (the backend being connected or serving), or null. */
  Selection selection() {
    return selection;
  }

  /** True while a new connection waits for {@code OP_CONNECT}. */
  boolean connecting(SelectionKey key) {
    return connecting != null && connecting.key == key;
  }

  boolean isConnecting() {
    return connecting != null;
  }

  /** Starts over for a new request or connection. */
  void dial(RequestContext request) throws IOException {
    this.request = request;
    this.attempts = 0;
    this.tried.clear();
    next();
  }

  private void next() throws IOException {
    while (attempts < ctx.maxConnectAttempts) {
      attempts++;
      Selection s = ctx.pool.select(request, tried);
      if (!s.hasBackend()) {
        if (!tried.isEmpty()) {
          break; // every other backend is out too: the connect failures are the cause, not the pool
        }
        events.backendUnavailable(FailureCause.NO_BACKEND, s.reason().description());
        return;
      }
      if (attempts > 1) {
        ctx.metrics.retry();
      }
      selection = s;
      tried.add(s.backend().id());
      InetSocketAddress address;
      try {
        address = ProxyContext.addressOf(s);
      } catch (IOException e) {
        failed(e.toString());
        continue;
      }
      BackendConnection pooled = idle == null ? null : idle.take(address);
      if (pooled != null) {
        pooled.key.attach(owner);
        events.backendReady(pooled);
        return;
      }
      if (open(address)) {
        return;
      }
    }
    events.backendUnavailable(FailureCause.CONNECT_FAILED,
        "no backend accepted the connection after " + tried.size() + " attempts");
  }

  /**
   * Opens a new connection to {@code address} for the current selection (also to replace a stale pooled
   * one); false when it failed at once, already reported.
   */
  private boolean open(InetSocketAddress address) throws IOException {
    SocketChannel channel = SocketChannel.open();
    try {
      channel.configureBlocking(false);
      channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
      connectStart = System.nanoTime();
      boolean done = channel.connect(address);
      SelectionKey key = channel.register(loop.selector(), done ? 0 : SelectionKey.OP_CONNECT, owner);
      connecting = new BackendConnection(channel, key, address, idle);
    } catch (IOException e) {
      TcpProxyConnection.closeQuietly(channel);
      failed(e.toString());
      return false;
    }
    if (!connecting.channel.isConnectionPending()) {
      established();
    }
    return true;
  }

  /** A stale pooled connection failed before any response byte: one fresh connection to the same backend. */
  void reopen(InetSocketAddress address) throws IOException {
    if (!open(address)) {
      next();
    }
  }

  /** {@code OP_CONNECT} readiness of the connecting channel. */
  void finishConnect() throws IOException {
    try {
      connecting.channel.finishConnect();
    } catch (IOException e) {
      failed(e.toString());
      next();
      return;
    }
    established();
  }

  private void established() throws IOException {
    BackendConnection c = connecting;
    connecting = null;
    c.key.interestOps(0);
    ctx.pool.report(selection, Outcome.success(Duration.ofNanos(System.nanoTime() - connectStart)));
    events.backendReady(c);
  }

  /** Gives up a connect that takes longer than the connect timeout and tries the next backend. */
  void checkTimeout(long nowNanos) throws IOException {
    if (connecting != null && nowNanos - connectStart > ctx.connectTimeoutNanos) {
      failed("connect timeout after " + Duration.ofNanos(ctx.connectTimeoutNanos).toMillis() + "ms");
      next();
    }
  }

  private void failed(String cause) {
    log.debug("{}: connect to {} failed: {}", ctx.listener.name(), selection.backend().authority(), cause);
    ctx.pool.report(selection, Outcome.failure(Outcome.Kind.CONNECT_FAILURE,
        Duration.ofNanos(System.nanoTime() - connectStart)));
    releaseSelection();
    if (connecting != null) {
      connecting.close(loop.buffers());
      connecting = null;
    }
  }

  /** Ends the request's use of its backend (idempotent). */
  void releaseSelection() {
    if (selection != null) {
      selection.release();
      selection = null;
    }
  }

  /** Closes a pending connect and releases the selection (the owner is closing). */
  void close() {
    if (connecting != null) {
      connecting.close(loop.buffers());
      connecting = null;
    }
    releaseSelection();
  }
}
