package io.lb4j.impl.listener;

import io.lb4j.api.LoadBalancer;
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
 * Selects a backend through a server group's pool and connects to it, for one Layer-4 connection or one Layer-7
 * request: a failed or timed-out connect is reported to the pool and the next backend the pool selects is
 * tried, up to {@code maxConnectAttempts}; the pool never offers a backend that already failed for this
 * request, even to a sticky session, which moves to the new backend with a new cookie. Layer 7 first takes
 * an idle keep-alive connection from its loop's pool. A socket that cannot be opened (out of file
 * descriptors) ends the dialling with {@code SOCKET_UNAVAILABLE}: a local shortage, blamed on no backend.
 *
 * <p>The request holds its group ({@link GroupPool#acquire()}) from {@link #dial} until it can select no more:
 * {@link #committed()} (a response head arrived, or a Layer-4 connection is established) or {@link #close()}.
 * Every select avoids what the request tried and what its routing generation hides ({@link Exclusions}).
 *
 * <p>Each step returns what happened ({@link Result}): the connection is {@link Result#READY} (take it with
 * {@link #connection()}), {@link Result#PENDING} (wait for {@code OP_CONNECT}), or no backend can be reached
 * ({@link Result#UNAVAILABLE}, with {@link #failureCause()} and {@link #failureReason()}).
 *
 * <p>Owned by one connection and used on its loop's thread only. The connecting channel is registered with
 * the owner as its key's handler; the owner passes {@code OP_CONNECT} readiness to {@link #finishConnect()},
 * arms its timer by {@link #connectDeadline()} and passes the timer's call to {@link #checkTimeout(long)}.
 */
final class BackendDialer {
  private static final Logger log = LoggerFactory.getLogger(BackendDialer.class);

  /** What a step of the dialer came to. */
  enum Result {
    /** A connection is ready for {@link #selection()}: take it with {@link #connection()}. */
    READY,
    /** A connect is in progress: wait for {@code OP_CONNECT} or the connect timeout. */
    PENDING,
    /** No backend can be reached: see {@link #failureCause()} and {@link #failureReason()}. */
    UNAVAILABLE
  }

  private final ProxyContext ctx;
  private final EventLoop loop;
  private final IoHandler owner;
  /** Idle keep-alive connections (Layer 7), or null (Layer 4). */
  private final BackendConnectionPool idle;
  private final List<String> tried = new ArrayList<>(2);
  private final Exclusions exclusions = new Exclusions();
  private RequestContext request;
  /** The request's group: its pool selects and is told each outcome. */
  private GroupPool group;
  /** Whether the request still holds its group (may select again). */
  private boolean holding;
  private int attempts;
  private Selection selection;
  private BackendConnection connecting;
  private BackendConnection ready;
  private long connectStart;
  private FailureCause failureCause;
  private String failureReason;

  BackendDialer(ProxyContext ctx, EventLoop loop, IoHandler owner, BackendConnectionPool idle) {
    this.ctx = ctx;
    this.loop = loop;
    this.owner = owner;
    this.idle = idle;
  }

  /** The connection a {@link Result#READY} step made ready; the caller owns it from now on. */
  BackendConnection connection() {
    BackendConnection c = ready;
    ready = null;
    return c;
  }

  /**
   * After {@link Result#UNAVAILABLE}: {@code NO_BACKEND} with the pool's reason, {@code CONNECT_FAILED}, or
   * {@code SOCKET_UNAVAILABLE} (the selection is then kept until {@link #close()}, for the access log).
   */
  FailureCause failureCause() {
    return failureCause;
  }

  /** After {@link Result#UNAVAILABLE}: why, in words for the client and the log. */
  String failureReason() {
    return failureReason;
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

  /** Starts over for a new request or connection, selecting from {@code group}'s pool. */
  Result dial(RequestContext request, GroupPool group) throws IOException {
    committed();
    this.request = request;
    this.group = group;
    group.acquire();
    this.holding = true;
    this.attempts = 0;
    this.tried.clear();
    return next();
  }

  /** The pool of the request's group (null before the first dial). */
  LoadBalancer pool() {
    return group == null ? null : group.pool;
  }

  /** The request will select no more (its response started): its group is let go. Idempotent. */
  void committed() {
    if (holding) {
      holding = false;
      group.release();
    }
  }

  private Selection select() {
    return group.pool.select(request, exclusions.of(tried, group.hidden));
  }

  private Result next() throws IOException {
    while (attempts < ctx.maxConnectAttempts) {
      attempts++;
      Selection s = select();
      if (!s.hasBackend()) {
        if (!tried.isEmpty()) {
          break; // every other backend is out too: the connect failures are the cause, not the pool
        }
        return unavailable(FailureCause.NO_BACKEND, s.reason().description());
      }
      Result r = connect(s);
      if (r != null) {
        return r;
      }
    }
    return unavailable(FailureCause.CONNECT_FAILED,
        "no backend accepted the connection after " + tried.size() + " attempts");
  }

  /** Uses {@code s}: an idle pooled connection to it, or a new one; null when that failed at once (reported). */
  private Result connect(Selection s) throws IOException {
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
      return null;
    }
    BackendConnection pooled = idle == null ? null : idle.take(address);
    if (pooled != null) {
      pooled.key.attach(owner);
      ready = pooled;
      return Result.READY;
    }
    return open(address);
  }

  /**
   * Layer 7: the selected backend failed the request after its connection was ready (closed or reset
   * before the response), and the request may be sent again: to another backend the request has not tried,
   * as the pool selects it, never the same one twice (nginx's {@code proxy_next_upstream}). The one
   * exception is {@code freshIfNoneLeft}, for a connection taken from the idle pool, which the backend may
   * have closed just as it was taken: when no other backend is left, one new connection to the same backend.
   * {@link Result#UNAVAILABLE} when nothing is left to try (the caller answers with its own failure).
   */
  Result resend(boolean freshIfNoneLeft) throws IOException {
    Selection failed = selection;
    InetSocketAddress failedAddress = failed.address();
    while (attempts < ctx.maxConnectAttempts) {
      attempts++;
      Selection s = select();
      if (!s.hasBackend()) {
        break;
      }
      if (failed != null) {
        failed.release(); // the request leaves that backend
        failed = null;
      }
      Result r = connect(s);
      if (r != null) {
        return r;
      }
    }
    if (failed != null && freshIfNoneLeft) {
      ctx.metrics.retry();
      selection = failed;
      Result r = open(failedAddress);
      if (r != null) {
        return r;
      }
    } else if (failed != null) {
      failed.release();
      selection = null;
    }
    return unavailable(FailureCause.BACKEND_CLOSED, "no other backend to send the request to");
  }

  private Result unavailable(FailureCause cause, String reason) {
    failureCause = cause;
    failureReason = reason;
    return Result.UNAVAILABLE;
  }

  /**
   * Opens a new connection to {@code address} for the current selection (also to replace a stale pooled
   * one); null when it failed at once, already reported.
   */
  private Result open(InetSocketAddress address) throws IOException {
    SocketChannel channel;
    try {
      channel = Sockets.connecting(address);
    } catch (IOException e) {
      // Out of file descriptors here, not at the backend: no other backend would do better, and none is
      // blamed. The selection stays for the owner, whose access-log line names the backend before it ends.
      log.debug("{}: cannot open a socket to {}: {}", ctx.listener.name(), selection.backend().authority(),
          e.toString());
      return unavailable(FailureCause.SOCKET_UNAVAILABLE, "cannot open a socket to the backend: " + e.getMessage());
    }
    try {
      channel.configureBlocking(false);
      channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
      connectStart = System.nanoTime();
      ctx.metrics.backendConnectionOpened();
      boolean done = channel.connect(address);
      SelectionKey key = channel.register(loop.selector(), done ? 0 : SelectionKey.OP_CONNECT, owner);
      connecting = new BackendConnection(channel, key, address, idle);
    } catch (IOException e) {
      Sockets.closeQuietly(channel);
      failed(e.toString());
      return null;
    }
    return connecting.channel.isConnectionPending() ? Result.PENDING : established();
  }

  /** {@code OP_CONNECT} readiness of the connecting channel. */
  Result finishConnect() throws IOException {
    try {
      connecting.channel.finishConnect();
    } catch (IOException e) {
      failed(e.toString());
      return next();
    }
    return established();
  }

  private Result established() {
    BackendConnection c = connecting;
    connecting = null;
    c.key.interestOps(0);
    if (idle == null) {
      // Layer 4: the connect is all there is to judge. Layer 7 reports each request's own outcome once it is
      // known: a connect success reported too would reset the failure count of a backend that accepts and
      // then closes every connection, and count each request twice.
      group.pool.report(selection, Outcome.success(Duration.ofNanos(System.nanoTime() - connectStart)));
      committed(); // a Layer-4 connection never selects again
    }
    ready = c;
    return Result.READY;
  }

  /** When the pending connect times out ({@code System.nanoTime()} scale); meaningful while connecting. */
  long connectDeadline() {
    return connectStart + ctx.connectTimeoutNanos;
  }

  /**
   * Gives up a connect that takes longer than the connect timeout and tries the next backend; {@link
   * Result#PENDING} while the connect may still finish (or none is in progress).
   */
  Result checkTimeout(long nowNanos) throws IOException {
    if (connecting != null && nowNanos - connectStart >= ctx.connectTimeoutNanos) {
      failed("connect timeout after " + Duration.ofNanos(ctx.connectTimeoutNanos).toMillis() + "ms");
      return next();
    }
    return Result.PENDING;
  }

  private void failed(String cause) {
    log.debug("{}: connect to {} failed: {}", ctx.listener.name(), selection.backend().authority(), cause);
    group.pool.report(selection, Outcome.failure(Outcome.Kind.CONNECT_FAILURE,
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

  /** Closes a pending connect, releases the selection and lets the group go (the owner is closing). */
  void close() {
    committed();
    if (connecting != null) {
      connecting.close(loop.buffers());
      connecting = null;
    }
    if (ready != null) {
      ready.close(loop.buffers());
      ready = null;
    }
    releaseSelection();
  }
}
