package io.lb4j.impl.listener;

import io.lb4j.api.RequestContext;
import io.lb4j.impl.listener.http2.Http2Connection;
import io.lb4j.impl.listener.http2.Http2ErrorCode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One HTTP/2 client connection (h2 chosen by ALPN, or h2c with prior knowledge), taken over from the
 * {@link HttpProxyConnection} that read its first bytes: the socket, its transport and the bytes already read.
 * The protocol is an {@link Http2Connection} (server side); each request stream is a {@link StreamProxy},
 * forwarded to an HTTP/1.1 backend by an {@link Exchange} or to an h2c backend as a stream of its own. Streams
 * are multiplexed on the connection's event loop; a stream starts its backend work only once the read that
 * opened it is handled, so a stream opened and reset in one read costs no backend anything (rapid reset).
 *
 * <p><b>Flow control and memory.</b> Each stream's request DATA is held until its backend takes it and only
 * then credited back, so a client can never have more than its stream window (65,535 bytes by default) held
 * per stream; response bytes are sent only as the client's windows and the connection's output room
 * ({@code maxBufferedOutputBytes}) allow, the rest waiting in the backend's socket. A slow stream stops its own
 * backend and no other. Frames are flushed once per loop turn, whatever number of streams moved in it.
 * Idle, the connection holds no buffer: only its protocol state (HPACK tables as they grew, the stream map).
 *
 * <p><b>Lifecycle.</b> Without open streams for the keep-alive timeout, or when the listener drains, it sends
 * GOAWAY (NO_ERROR) and closes once its streams are done. A protocol error sends GOAWAY with its code. Output
 * the client does not take for the write timeout closes it. Closing shuts the output after the last frame and
 * waits briefly for the client's end, so the GOAWAY is read rather than lost to a reset. Loop thread only.
 */
final class Http2Frontend extends IoHandler implements TurnEnds.TurnEnd {
  private static final Logger log = LoggerFactory.getLogger(HttpProxyConnection.class);
  /** Reads per readiness event at most; the rest waits for the next turn, so one client cannot hold the loop. */
  private static final int MAX_READS_PER_EVENT = 16;

  final HttpContext http;
  final ProxyContext ctx;
  final EventLoop loop;
  final String clientIp;
  final RequestContext clientContext;
  final AccessLog accessLog;
  private final BufferPool buffers;
  private final Transport transport;
  private final SelectionKey key;
  private final TransportChannel channel;
  private final Http2Connection conn;
  /** Peak bandwidth of the client's reads (its requests). */
  private final Throttle upThrottle;
  private final Http2FrontendStreams streams;
  private ByteBuffer in;
  private boolean inputEnded;
  private long lastRead;
  private boolean flushQueued;
  private boolean readMore;
  /** The timer still counts the SETTINGS acknowledgement's deadline (until it arrives). */
  private boolean settingsDeadlineArmed = true;
  /** GOAWAY sent or the connection failed: the output is shut once written and the socket closed. */
  private boolean closing;
  private boolean outputShut;
  /** When the output was shut: the lingering close ends at most the lingering time after. */
  private long closingSince;
  private boolean closed;

  private Http2Frontend(HttpContext http, EventLoop loop, SelectionKey key, Transport transport, String clientIp,
      RequestContext clientContext) {
    this.http = http;
    this.ctx = http.proxy;
    this.loop = loop;
    this.buffers = loop.buffers();
    this.key = key;
    this.transport = transport;
    this.clientIp = clientIp;
    this.clientContext = clientContext;
    this.accessLog = new AccessLog(http, clientIp);
    long now = System.nanoTime();
    this.lastRead = now;
    this.channel = new TransportChannel(transport, ctx.metrics, now);
    this.upThrottle = new Throttle(ctx.bandwidth.upstream, loop, this::resumeReading);
    this.streams = new Http2FrontendStreams(this, now);
    this.conn = Http2Connection.server(http.http2Limits, streams, loop.http2(), System::nanoTime);
  }

  /**
   * On a connection's first bytes (from {@code in}'s position): 1 when the client speaks HTTP/2 (over TLS it
   * chose {@code h2} by ALPN; in clear it opens with the HTTP/2 preface, prior knowledge), 0 when the bytes so
   * far are a prefix of the preface (read more), -1 for HTTP/1.1. {@code Upgrade: h2c} is not a way in: RFC
   * 9113 deprecates it.
   */
  static int detect(HttpContext http, Transport transport, ByteBuffer in) {
    if (!http.http2) {
      return -1;
    }
    if (http.https()) {
      return "h2".equals(transport.applicationProtocol()) ? 1 : -1;
    }
    return Http2Connection.matchPreface(in);
  }

  /**
   * Takes over a client connection whose first bytes are HTTP/2 ({@code input}, in read mode, not yet
   * consumed; null for none yet): the key is re-attached to the new handler, which serves it from now on. The
   * admission slot and the open-connection count move with it.
   */
  static void takeOver(HttpContext http, EventLoop loop, SelectionKey key, Transport transport, ByteBuffer input,
      boolean inputEnded, String clientIp, RequestContext clientContext) {
    Http2Frontend f = new Http2Frontend(http, loop, key, transport, clientIp, clientContext);
    key.attach(f);
    f.ctx.metrics.http2Connection();
    f.conn.start();
    f.in = input;
    f.inputEnded = inputEnded;
    if (input != null && input.hasRemaining()) {
      f.conn.receive(input);
    }
    f.releaseInput();
    f.beginPending();
    try {
      f.afterEvent();
    } catch (IOException e) {
      log.debug("{}: HTTP/2 connection from {} failed: {}", f.ctx.listener.name(), clientIp, e.toString());
      f.abort();
    }
  }

  @Override
  void ready(SelectionKey k) {
    try {
      if (k.isValid() && k.isWritable()) {
        flush();
      }
      if (k.isValid() && k.isReadable()) {
        read();
      }
      afterEvent();
    } catch (IOException e) {
      log.debug("{}: HTTP/2 connection from {} failed: {}", ctx.listener.name(), clientIp, e.toString());
      abort();
    } catch (RuntimeException e) {
      log.error("{}: HTTP/2 connection from {} failed unexpectedly", ctx.listener.name(), clientIp, e);
      abort();
    }
  }

  private void read() throws IOException {
    readMore = false;
    for (int i = 0; i < MAX_READS_PER_EVENT && !inputEnded && !closed; i++) {
      if (in == null) {
        in = buffers.acquire();
        in.flip();
      }
      if (!upThrottle.beginRead(in)) {
        releaseInput(); // over the peak bandwidth: the throttle resumes reading when the tokens are there
        return;
      }
      int n = 0;
      try {
        n = transport.read(in);
      } finally {
        upThrottle.endRead(in, n);
      }
      if (n < 0) {
        inputEnded = true;
      } else if (n > 0) {
        lastRead = System.nanoTime();
        ctx.metrics.bytesIn(n);
      }
      if (in.hasRemaining()) {
        if (outputShut) {
          in.position(in.limit()); // lingering after GOAWAY: the client's bytes are dropped
        } else {
          conn.receive(in); // consumes every byte: partial frames are kept by the connection
        }
      }
      releaseInput();
      beginPending();
      if (n <= 0) {
        return;
      }
    }
    readMore = !inputEnded; // a TLS transport may hold decrypted bytes the socket will not signal again
  }

  private void releaseInput() {
    if (in != null && !in.hasRemaining()) {
      buffers.release(in);
      in = null;
    }
  }

  /** Streams opened by the read just handled, and not reset in it, start their backend work now. */
  private void beginPending() {
    streams.beginPending();
  }

  /** After any event: write what is queued, close if done, set the key's interest, arm the timer. */
  private void afterEvent() throws IOException {
    if (closed) {
      return;
    }
    flush();
    if (inputEnded && !closing) {
      conn.close(); // the client ended: its streams cannot complete
      startClosing();
    }
    if (!conn.isOpen() && !closing) {
      startClosing();
    }
    if (closing) {
      continueClosing();
    }
    if (closed) {
      return;
    }
    if (readMore) {
      flushSoon();
    }
    updateInterest();
    armTimer();
  }

  /** The peak bandwidth's budget refilled: the client is read again. */
  private void resumeReading() {
    if (!closed) {
      readMore = true;
      flushSoon();
    }
  }

  /** Asks for a flush at the end of this loop turn (streams that moved call it; one write for all). */
  void flushSoon() {
    if (!flushQueued && !closed) {
      flushQueued = true;
      loop.atTurnEnd(this);
    }
  }

  @Override
  public void turnEnded() {
    flushQueued = false;
    if (closed) {
      return;
    }
    try {
      if (readMore) {
        read();
      }
      afterEvent();
    } catch (IOException e) {
      log.debug("{}: HTTP/2 connection from {} failed: {}", ctx.listener.name(), clientIp, e.toString());
      abort();
    } catch (RuntimeException e) {
      log.error("{}: HTTP/2 connection from {} failed unexpectedly", ctx.listener.name(), clientIp, e);
      abort();
    }
  }

  /** Writes queued frames while the socket takes them (each write may let waiting streams queue more). */
  private void flush() throws IOException {
    if (!transport.flush()) {
      return;
    }
    for (int i = 0; i < 8 && conn.hasOutput(); i++) {
      long n = conn.flushTo(channel);
      if (n <= 0 || transport.wantsWrite()) {
        break;
      }
    }
  }

  private void updateInterest() {
    if (!key.isValid()) {
      return;
    }
    int ops = inputEnded || upThrottle.paused() ? 0 : SelectionKey.OP_READ;
    if (conn.hasOutput() || transport.wantsWrite()) {
      ops |= SelectionKey.OP_WRITE;
    }
    if (key.interestOps() != ops) {
      key.interestOps(ops);
    }
  }

  private void startClosing() {
    closing = true;
  }

  /** Once the last frame (the GOAWAY) is written: shut the output, then close when the client ends or lingered. */
  private void continueClosing() throws IOException {
    if (streams.active() > 0 && conn.isOpen()) {
      return; // a graceful GOAWAY: the streams below its last id finish first
    }
    if (conn.hasOutput() || transport.wantsWrite()) {
      return;
    }
    if (!outputShut) {
      outputShut = true;
      closingSince = System.nanoTime();
      transport.shutdownOutput();
    }
    if (inputEnded) {
      close();
    }
  }

  /** Graceful end: GOAWAY NO_ERROR, streams already open finish, then the connection closes. */
  private void goAwayGracefully(String why) {
    if (!conn.isGoAwaySent() && conn.isOpen()) {
      conn.goAway(Http2ErrorCode.NO_ERROR, why);
      ctx.metrics.http2GoAway();
    }
    if (!closing) {
      startClosing();
    }
  }

  @Override
  void checkTimeouts(long now) {
    if (closed) {
      return;
    }
    try {
      conn.onTimer();
      if (outputShut && now - closingSince >= lingerNanos()) {
        close(); // the client did not end within the lingering time: enough
        return;
      }
      if ((conn.hasOutput() || transport.wantsWrite()) && now - channel.lastWrite() >= http.writeTimeoutNanos) {
        log.debug("{}: closing an HTTP/2 client that did not read for {}ms", ctx.listener.name(),
            http.writeTimeoutNanos / 1_000_000);
        abort();
        return;
      }
      if (http.draining) {
        goAwayGracefully("the listener is stopping");
      } else if (idle() && now - idleDeadlineBase() >= http.keepAliveTimeoutNanos) {
        goAwayGracefully("idle");
      }
      afterEvent();
      if (!closed) {
        loop.schedule(this, nextDeadline(now, conn.nextDeadlineNanos()));
      }
    } catch (IOException e) {
      abort();
    } catch (RuntimeException e) {
      log.error("{}: HTTP/2 connection from {} failed unexpectedly", ctx.listener.name(), clientIp, e);
      abort();
    }
  }

  private long idleDeadlineBase() {
    return Math.max(streams.idleSince(), lastRead);
  }

  private boolean idle() {
    return streams.active() == 0 && conn.openStreams() == 0;
  }

  private long lingerNanos() {
    return Math.min(http.lingerNanos, http.lingeringTimeNanos);
  }

  /** Arms the timer by the earliest deadline known without a pass over the streams (lazy: see LoopTimer). */
  private void armTimer() {
    if (closed) {
      return;
    }
    long now = System.nanoTime();
    if (settingsDeadlineArmed && !conn.awaitingSettingsAck()) {
      // The acknowledgement came: its deadline goes, once, so an idle connection's timer waits for the
      // keep-alive timeout alone.
      settingsDeadlineArmed = false;
      loop.schedule(this, nextDeadline(now, conn.nextDeadlineNanos()));
      return;
    }
    long streamIdle = conn.openStreams() > 0 ? now + http.http2Limits.streamIdleTimeout().toNanos() : Long.MAX_VALUE;
    long settings = settingsDeadlineArmed ? now + http.http2Limits.settingsAckTimeout().toNanos() : Long.MAX_VALUE;
    loop.armBy(this, nextDeadline(now, Math.min(streamIdle, settings)));
  }

  private long nextDeadline(long now, long protocolDeadline) {
    long d = protocolDeadline == Long.MAX_VALUE ? now + http.keepAliveTimeoutNanos : protocolDeadline;
    if (outputShut) {
      d = earlier(d, closingSince + lingerNanos());
    } else if (http.draining && !conn.isGoAwaySent() && conn.isOpen()) {
      d = now; // the GOAWAY goes out at once; then the streams finish
    } else if (idle()) {
      d = earlier(d, idleDeadlineBase() + http.keepAliveTimeoutNanos);
    }
    if (conn.hasOutput() || transport.wantsWrite()) {
      d = earlier(d, channel.lastWrite() + http.writeTimeoutNanos);
    }
    return d;
  }

  private static long earlier(long a, long b) {
    return b - a < 0 ? b : a;
  }

  /** The client sent GOAWAY, or the connection failed: no new stream; close once the open ones are done. */
  void ending() {
    if (!closing) {
      startClosing();
    }
  }

  /** A stream's proxy finished: the connection may be idle now; its frames go out at the end of the turn. */
  void streamFinished(StreamProxy p) {
    streams.finished(p);
    flushSoon();
  }

  /**
   * The time a stream's client clock should count from, given its {@code lastRead}: the peak bandwidth may
   * hold the whole connection, and a client is not silent while the listener does not read it.
   */
  long clientActiveSince(long lastRead) {
    return upThrottle.activeSince(lastRead);
  }

  /** True when the client connected over TLS. */
  boolean https() {
    return http.https();
  }

  @Override
  void closeNow() {
    close();
  }

  /** Closes with a reset: a client whose streams are cut off must not take them for complete. */
  private void abort() {
    try {
      transport.channel().setOption(java.net.StandardSocketOptions.SO_LINGER, 0);
    } catch (IOException | RuntimeException ignored) {
      // already closed
    }
    close();
  }

  private void close() {
    if (closed) {
      return;
    }
    closed = true;
    loop.cancel(this);
    upThrottle.close();
    conn.close(); // every open stream is reset for its proxy, which lets its backend go
    beginPending();
    key.cancel();
    Sockets.closeQuietly(transport.channel());
    if (in != null) {
      buffers.release(in);
      in = null;
    }
    ctx.connectionClosed();
  }

  /** Streams whose proxy is working (tests). */
  int activeStreams() {
    return streams.active();
  }

  /** Pooled buffers held now: input not yet read by the protocol, frames not yet written (tests). */
  int heldBuffers() {
    return (in != null ? 1 : 0) + (conn.hasOutput() ? 1 : 0);
  }
}
