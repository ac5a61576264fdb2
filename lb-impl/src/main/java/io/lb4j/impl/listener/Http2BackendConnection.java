package io.lb4j.impl.listener;

import io.lb4j.impl.listener.http2.Http2Connection;
import io.lb4j.impl.listener.http2.Http2ErrorCode;
import io.lb4j.impl.listener.http2.Http2Handler;
import io.lb4j.impl.listener.http2.Http2Headers;
import io.lb4j.impl.listener.http2.Http2Stream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One h2c connection (HTTP/2 with prior knowledge, no TLS) to a backend, owned by one loop's
 * {@link Http2BackendPool} and shared by the {@link Http2StreamRelay}s whose streams it carries, up to the
 * backend's SETTINGS_MAX_CONCURRENT_STREAMS. The protocol is an {@link Http2Connection} (client side): the
 * preface and SETTINGS are queued at once and requests may be opened while the TCP connect is still in
 * progress; they go out when it completes. Each stream's events go to its relay.
 *
 * <p>Streams are opened only once the backend's SETTINGS arrived (its SETTINGS_MAX_CONCURRENT_STREAMS is then
 * known, as grpc-java waits for it too): relays that come earlier wait here, and when the SETTINGS come as
 * many as it allows open their streams, the others go back to the pool for another connection. A connect
 * that fails or times out, or a connection that ends before it was ready, fails its waiting relays (they
 * retry elsewhere). A GOAWAY from the backend takes the connection
 * out of the pool: streams above its last stream id come back unprocessed, the others finish, then it closes.
 * Idle (no stream) for the pool's idle timeout, it sends GOAWAY and closes. Loop thread only.
 */
final class Http2BackendConnection extends IoHandler implements Http2Handler, TurnEnds.TurnEnd {
  private static final Logger log = LoggerFactory.getLogger(Http2BackendConnection.class);

  final InetSocketAddress address;
  private final Http2BackendPool pool;
  private final SocketChannel channel;
  private final SelectionKey key;
  private final Http2Connection conn;
  private final BufferPool buffers;
  /** Peak bandwidth of the backend's reads (the responses of every stream here). */
  private final Throttle downThrottle;
  private ByteBuffer in;
  private boolean connecting;
  /** The TCP connection was established: streams reset from now on may have been seen by the backend. */
  private boolean established;
  private final long connectStart;
  private long lastRead;
  private long lastWrite;
  private long idleSince;
  /** Streams were open at the last look: when none are left, the idle time starts. */
  private boolean busy;
  /** No new stream goes here (a GOAWAY came, or it is closing). */
  private boolean draining;
  private boolean flushQueued;
  private boolean closed;
  /** Relays waiting for this connection to be ready (connected, the backend's SETTINGS read). */
  private final java.util.ArrayDeque<Http2StreamRelay> waiters = new java.util.ArrayDeque<>(2);

  private Http2BackendConnection(Http2BackendPool pool, InetSocketAddress address, SocketChannel channel,
      SelectionKey key, long now) {
    this.pool = pool;
    this.address = address;
    this.channel = channel;
    this.key = key;
    this.buffers = pool.loop.buffers();
    this.connectStart = now;
    this.lastRead = now;
    this.lastWrite = now;
    this.idleSince = now;
    this.conn = Http2Connection.client(pool.http.http2Limits, this, pool.loop.http2(), System::nanoTime);
    this.downThrottle = new Throttle(pool.http.proxy.bandwidth.downstream, pool.loop, this::resumeReading);
  }

  /**
   * Opens a connection to {@code address} (non-blocking): the preface and SETTINGS are queued at once.
   *
   * @throws java.net.ConnectException when the connect failed at once (unreachable): a connect failure
   * @throws IOException when no socket can be opened (out of file descriptors): a local shortage
   */
  static Http2BackendConnection open(Http2BackendPool pool, InetSocketAddress address) throws IOException {
    SocketChannel ch = Sockets.connecting(address);
    long now = System.nanoTime();
    Http2BackendConnection c;
    try {
      ch.configureBlocking(false);
      ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
      pool.http.proxy.metrics.backendConnectionOpened();
      boolean done = ch.connect(address);
      SelectionKey k = ch.register(pool.loop.selector(), done ? SelectionKey.OP_READ : SelectionKey.OP_CONNECT);
      c = new Http2BackendConnection(pool, address, ch, k, now);
      k.attach(c);
      c.connecting = !done;
      c.established = done;
    } catch (IOException e) {
      Sockets.closeQuietly(ch);
      java.net.ConnectException failed = new java.net.ConnectException("connect to " + address + " failed: "
          + e.getMessage());
      failed.initCause(e);
      throw failed;
    }
    c.conn.start();
    c.armTimer();
    return c;
  }

  /** True when a new stream may be opened here now: ready, below the backend's stream limit, not draining. */
  boolean canOpenStream() {
    return ready() && conn.canOpenStream();
  }

  /** Connected, and the backend's SETTINGS read: its stream limit is known. */
  private boolean ready() {
    return established && conn.peerSettingsReceived() && !draining && !closed;
  }

  /** Not ready yet, and not failing: relays may wait for it. */
  boolean starting() {
    return !closed && !draining && !(established && conn.peerSettingsReceived());
  }

  int waiting() {
    return waiters.size();
  }

  /** {@code relay} opens its stream here once the connection is ready ({@link Http2StreamRelay#connectionReady}). */
  void addWaiter(Http2StreamRelay relay) {
    waiters.addLast(relay);
  }

  void removeWaiter(Http2StreamRelay relay) {
    waiters.remove(relay);
  }

  /** Ready now: waiters open their streams up to the backend's limit; the rest look for another connection. */
  private void serveWaiters() {
    if (waiters.isEmpty() || !ready()) {
      return;
    }
    while (!waiters.isEmpty() && conn.canOpenStream()) {
      waiters.pollFirst().connectionReady(this);
    }
    if (!waiters.isEmpty()) {
      Http2StreamRelay[] rest = waiters.toArray(new Http2StreamRelay[0]);
      waiters.clear();
      for (Http2StreamRelay r : rest) {
        r.connectionFull();
      }
    }
  }

  /**
   * The connection will never be ready: each waiter is told; {@code connectFailure} when it failed (refused,
   * timed out, closed, or not HTTP/2), false when the backend only went away (GOAWAY).
   */
  private void failWaiters(boolean connectFailure) {
    while (!waiters.isEmpty()) {
      waiters.pollFirst().connectionFailed(connectFailure);
    }
  }

  /** True if {@code headers} fit the backend's SETTINGS_MAX_HEADER_LIST_SIZE: it announced it refuses more. */
  boolean headerListFits(Http2Headers headers) {
    return conn.headerListFits(headers);
  }

  /** The backend's SETTINGS_MAX_HEADER_LIST_SIZE, or {@link Long#MAX_VALUE} while it set none. */
  long peerMaxHeaderListSize() {
    return conn.peerMaxHeaderListSize();
  }

  /**
   * Opens a stream for {@code relay} with {@code headers}, which {@link #headerListFits}; null when none can be
   * opened here.
   */
  Http2Stream openStream(Http2Headers headers, boolean endStream, Http2StreamRelay relay) {
    if (!canOpenStream()) {
      return null;
    }
    Http2Stream s = conn.openStream(headers, endStream);
    if (s == null) {
      return null;
    }
    s.attach(relay);
    busy = true;
    flushSoon();
    return s;
  }

  /**
   * The time a stream's backend clock should count from, given the backend's last byte at
   * {@code lastProgress}: a backend is not silent while the peak bandwidth holds its bytes.
   */
  long activeSince(long lastProgress) {
    return downThrottle.activeSince(lastProgress);
  }

  /** True once the TCP connection was established. */
  boolean established() {
    return established;
  }

  @Override
  void ready(SelectionKey k) {
    try {
      if (connecting && k.isConnectable()) {
        channel.finishConnect();
        connecting = false;
        established = true;
        lastWrite = System.nanoTime();
      }
      if (k.isValid() && k.isReadable()) {
        read();
      }
      afterEvent();
    } catch (IOException e) {
      log.debug("h2c connection to {} failed: {}", address, e.toString());
      close();
    } catch (RuntimeException e) {
      log.error("h2c connection to {} failed unexpectedly", address, e);
      close();
    }
  }

  private void read() throws IOException {
    for (int i = 0; i < 16 && !closed; i++) {
      if (in == null) {
        in = buffers.acquire();
        in.flip();
      }
      if (!downThrottle.beginRead(in)) {
        if (!in.hasRemaining()) { // over the peak bandwidth: the throttle resumes reading when the tokens are there
          buffers.release(in);
          in = null;
        }
        return;
      }
      int n = 0;
      try {
        n = channel.read(in);
      } finally {
        downThrottle.endRead(in, n);
      }
      if (n > 0) {
        lastRead = System.nanoTime();
        conn.receive(in);
        serveWaiters();
      }
      if (!in.hasRemaining()) {
        buffers.release(in);
        in = null;
      }
      if (n < 0) {
        close(); // the backend closed: every open stream is reset for its relay
        return;
      }
      if (n == 0) {
        return;
      }
    }
  }

  private void afterEvent() throws IOException {
    if (closed) {
      return;
    }
    if (!connecting && conn.hasOutput()) {
      if (conn.flushTo(channel) > 0) {
        lastWrite = System.nanoTime();
      }
    }
    noteIdle();
    if (!conn.isOpen() || (draining && conn.openStreams() == 0)) {
      if (!conn.hasOutput() || connecting) {
        close();
        return;
      }
    }
    int ops = connecting ? SelectionKey.OP_CONNECT
        : (downThrottle.paused() ? 0 : SelectionKey.OP_READ) | (conn.hasOutput() ? SelectionKey.OP_WRITE : 0);
    if (key.isValid() && key.interestOps() != ops) {
      key.interestOps(ops);
    }
    armTimer();
  }

  /** The peak bandwidth's budget refilled: the backend is read again. */
  private void resumeReading() {
    if (!closed) {
      flushSoon();
    }
  }

  /** Flush at the end of this loop turn: the frames of every relay that moved, in one write. */
  void flushSoon() {
    if (!flushQueued && !closed) {
      flushQueued = true;
      pool.loop.atTurnEnd(this);
    }
  }

  @Override
  public void turnEnded() {
    flushQueued = false;
    try {
      afterEvent();
    } catch (IOException e) {
      log.debug("h2c connection to {} failed: {}", address, e.toString());
      close();
    }
  }

  private void armTimer() {
    if (closed) {
      return;
    }
    long now = System.nanoTime();
    long d;
    if (connecting) {
      d = connectStart + pool.http.proxy.connectTimeoutNanos;
    } else if (conn.openStreams() == 0) {
      d = idleSince + pool.idleTimeoutNanos;
    } else {
      d = now + pool.http.http2Limits.streamIdleTimeout().toNanos();
    }
    if (conn.hasOutput()) {
      d = Math.min(d, lastWrite + pool.http.requestTimeoutNanos);
    }
    pool.loop.armBy(this, Math.min(d, now + pool.http.http2Limits.settingsAckTimeout().toNanos()));
  }

  @Override
  void checkTimeouts(long now) {
    if (closed) {
      return;
    }
    if (connecting && now - connectStart >= pool.http.proxy.connectTimeoutNanos) {
      log.debug("h2c connect to {} timed out", address);
      close();
      return;
    }
    if (!connecting && conn.hasOutput() && now - lastWrite >= pool.http.requestTimeoutNanos) {
      log.debug("h2c connection to {}: the backend did not read for {}ms", address,
          pool.http.requestTimeoutNanos / 1_000_000);
      close();
      return;
    }
    conn.onTimer();
    noteIdle();
    if (conn.openStreams() == 0 && now - idleSince >= pool.idleTimeoutNanos && !draining) {
      draining = true;
      pool.removed(this);
      conn.goAway(Http2ErrorCode.NO_ERROR, "idle");
      failWaiters(false);
    }
    try {
      afterEvent();
    } catch (IOException e) {
      close();
      return;
    }
    if (!closed) {
      long next = conn.nextDeadlineNanos();
      long idle = conn.openStreams() == 0 ? idleSince + pool.idleTimeoutNanos : Long.MAX_VALUE;
      pool.loop.schedule(this, Math.min(next == Long.MAX_VALUE ? now + pool.idleTimeoutNanos : next, idle));
    }
  }

  // ---- the backend's events, passed to each stream's relay ----

  private static Http2StreamRelay relay(Http2Stream s) {
    return (Http2StreamRelay) s.attachment();
  }

  @Override
  public void onHeaders(Http2Stream stream, Http2Headers headers, boolean endStream) {
    Http2StreamRelay r = relay(stream);
    if (r != null) {
      r.backendHeaders(headers, endStream);
    }
  }

  @Override
  public void onData(Http2Stream stream, ByteBuffer data, boolean endStream) {
    Http2StreamRelay r = relay(stream);
    if (r != null) {
      r.backendData(data, endStream);
    } else {
      stream.consumed(data.remaining()); // the relay is gone: nobody reads it
    }
  }

  @Override
  public void onTrailers(Http2Stream stream, Http2Headers trailers) {
    Http2StreamRelay r = relay(stream);
    if (r != null) {
      r.backendTrailers(trailers);
    }
  }

  @Override
  public void onReset(Http2Stream stream, Http2ErrorCode code) {
    Http2StreamRelay r = relay(stream);
    stream.attach(null);
    stream.release();
    if (r != null) {
      r.backendReset(code, stream.isUnprocessed());
    }
  }

  @Override
  public void onWritable(Http2Stream stream) {
    Http2StreamRelay r = relay(stream);
    if (r != null) {
      r.backendWritable();
    }
  }

  @Override
  public void onGoAway(int lastStreamId, Http2ErrorCode code, String debug) {
    log.debug("h2c backend {} sent GOAWAY {} (last stream {}): {}", address, code, lastStreamId, debug);
    if (!draining) {
      draining = true;
      pool.removed(this);
    }
    failWaiters(false);
  }

  @Override
  public void onConnectionError(Http2ErrorCode code, String reason) {
    log.debug("h2c connection to {} failed: {} {}", address, code, reason);
    if (!draining) {
      draining = true;
      pool.removed(this);
    }
    failWaiters(true);
  }

  /** A relay ended its side of a stream it opened here (END_STREAM sent, or a reset): flush it. */
  void streamDone() {
    flushSoon();
  }

  /** When the last stream closed, the idle time starts (the idle timeout then closes the connection). */
  private void noteIdle() {
    if (busy && conn.openStreams() == 0) {
      busy = false;
      idleSince = System.nanoTime();
    }
  }

  @Override
  void closeNow() {
    close();
  }

  /**
   * Closes the socket; every stream still open is reset for its relay (as unprocessed when the connection
   * was never established).
   */
  void close() {
    if (closed) {
      return;
    }
    closed = true;
    draining = true;
    pool.removed(this);
    pool.loop.cancel(this);
    downThrottle.close();
    key.cancel();
    Sockets.closeQuietly(channel);
    conn.close();
    failWaiters(true);
    if (in != null) {
      buffers.release(in);
      in = null;
    }
  }
}
