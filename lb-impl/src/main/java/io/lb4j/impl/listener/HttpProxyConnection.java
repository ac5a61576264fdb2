package io.lb4j.impl.listener;

import io.lb4j.api.RequestContext;
import io.lb4j.impl.listener.http.HttpErrorResponses;
import io.lb4j.impl.listener.http.ParseResult;
import io.lb4j.impl.listener.http.RequestHead;
import io.lb4j.impl.listener.http.RequestHeadParser;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Layer-7 client connection, as a state machine on its loop's thread: read a request head (strictly,
 * with the codec), hand it to the connection's {@link Exchange}, which selects a backend, forwards the
 * request and the response and says what happened; then serve the next request, answer a failure, or
 * relay an upgraded connection ({@link UpgradeTunnel}). Requests are served one at a time, so pipelined
 * requests wait in the input buffer and are answered in order.
 *
 * <pre>
 *   READ_HEAD --head--> EXCHANGE --DONE--> READ_HEAD (keep-alive) or CLOSING
 *       |                  |-----FAILED--> CLOSING --answer written--> LINGER --client ends--> closed
 *       |                  |-----UPGRADED-> TUNNEL --both sides ended--> closed
 *       '--refused head--> CLOSING          '----ABORTED--> closed with a reset
 * </pre>
 *
 * <p>Bodies are never buffered whole, and a side is read only while its buffer has room, so a slow
 * receiver holds back the sender (back-pressure both ways).
 *
 * <p>The client's bytes and writes are a {@link ClientChannel}, the exchange's view of the client; each
 * request's end is recorded by an {@link AccessLog}. This class holds the connection's states, its deadlines
 * and the listener's own answers ({@link #answer}: the cause picks the status, {@link FailureCause}).
 */
final class HttpProxyConnection extends IoHandler {
  private static final Logger log = LoggerFactory.getLogger(HttpProxyConnection.class);

  private static final int READ_HEAD = 0;
  private static final int EXCHANGE = 1;
  private static final int TUNNEL = 2;
  /** Writing a last answer; then the output is shut and input drained for a while (lingering close). */
  private static final int CLOSING = 3;
  private static final int LINGER = 4;

  private final HttpContext http;
  private final ProxyContext ctx;
  private final EventLoop loop;
  private final BufferPool buffers;
  private final ClientChannel client;
  private final SelectionKey clientKey;
  private final InetSocketAddress clientAddress;
  private final String clientIp;
  /** The request context without cookies, built once per connection: most requests need no other. */
  private final RequestContext clientContext;
  /**
   * The codec state (parsers, body scanners) borrowed from the loop from a head's first byte until the
   * connection is idle again, and lent to the exchange for its forwarders; null while idle, so an idle
   * keep-alive connection holds none ({@link ExchangeCodec}).
   */
  private ExchangeCodec codec;
  private final Exchange exchange;
  /** Picks each request's server group (and the path forwarded) before a backend is selected. */
  private final RequestRouter router = new RequestRouter();
  private final AccessLog accessLog;
  /** Peak bandwidth of the backend's reads (the client's download); the client's own is its channel's. */
  private final Throttle downThrottle;
  /** Set by a 101; null before. */
  private UpgradeTunnel tunnel;

  private int state = READ_HEAD;
  /** When the first byte of the head being read arrived, or 0 between requests. */
  private long headStart;
  /** When the connection became idle (between requests) or started lingering. */
  private long idleSince;
  /** When the listener's last answer began (CLOSING): the lingering close ends lingeringTime after it. */
  private long closingSince;
  /** The listener's own answer (a refusal or a failure), waiting to be written. */
  private ByteBuffer answer;
  private boolean requestParsed;
  /** True once the connection is known to speak HTTP/1.1 (not HTTP/2): checked on its first bytes only. */
  private boolean http1;
  private boolean closed;

  private HttpProxyConnection(HttpContext http, EventLoop loop, SocketChannel channel) throws IOException {
    this.http = http;
    this.ctx = http.proxy;
    this.loop = loop;
    this.buffers = loop.buffers();
    Transport transport =
        http.https() ? new TlsTransport(channel, http.newEngine(), loop.tlsBuffers()) : Transport.plain(channel);
    this.clientAddress = (InetSocketAddress) channel.getRemoteAddress();
    this.clientIp = clientAddress.getAddress().getHostAddress();
    this.clientContext = RequestContext.ofClient(clientAddress.getAddress());
    this.clientKey = channel.register(loop.selector(), SelectionKey.OP_READ, this);
    this.idleSince = System.nanoTime();
    this.downThrottle = new Throttle(ctx.bandwidth.downstream, loop, this::resumeReading);
    this.client = new ClientChannel(transport, clientKey, buffers, ctx.metrics, idleSince,
        new Throttle(ctx.bandwidth.upstream, loop, this::resumeReading));
    this.exchange = new Exchange(http, loop, this, client, clientIp, downThrottle);
    this.accessLog = new AccessLog(http, clientIp);
    armTimer();
  }

  /** Takes over an accepted client channel; runs on {@code loop}. */
  static void open(HttpContext http, EventLoop loop, SocketChannel channel) {
    http.proxy.metrics.connectionOpened();
    try {
      new HttpProxyConnection(http, loop, channel);
    } catch (IOException | RuntimeException e) {
      http.proxy.connectionClosed();
      Sockets.closeQuietly(channel);
    }
  }

  @Override
  void ready(SelectionKey key) {
    try {
      if (key == clientKey) {
        if (key.isWritable()) {
          client.flush();
        }
        if (key.isValid() && key.isReadable()) {
          client.read();
        }
      } else if (state == EXCHANGE) {
        act(exchange.backendEvent(key));
      } else if (state == TUNNEL && key.isReadable() && !tunnelBackendReadable()) {
        return;
      }
      pump();
      updateInterest();
      armTimer();
    } catch (javax.net.ssl.SSLException e) {
      // A refused handshake or record: its alert was written; a plain close lets the client read it.
      log.debug("{}: TLS from {} failed: {}", ctx.listener.name(), clientAddress, e.toString());
      close();
    } catch (IOException e) {
      log.debug("{}: connection from {} failed: {}", ctx.listener.name(), clientAddress, e.toString());
      abort();
    } catch (RuntimeException e) {
      // A bug, not the peer: never leave the connection hanging (and its selection unreleased).
      log.error("{}: connection from {} failed unexpectedly", ctx.listener.name(), clientAddress, e);
      abort();
    }
  }

  /** Makes every bit of progress possible without waiting; called after each event. */
  private void pump() throws IOException {
    boolean progress = true;
    while (progress && !closed) {
      switch (state) {
        case READ_HEAD:
          progress = readHead();
          break;
        case EXCHANGE:
          progress = act(exchange.pump());
          break;
        case TUNNEL:
          progress = pumpTunnel();
          break;
        case CLOSING:
          progress = pumpClosing();
          break;
        case LINGER:
          if (client.inputEnded()) {
            close();
          }
          progress = false;
          client.discardInput(); // drained and dropped: the client's bytes after our answer
          break;
        default:
          progress = false;
      }
    }
  }

  private boolean readHead() throws IOException {
    ByteBuffer in = client.input();
    if (in == null || !in.hasRemaining()) {
      client.releaseInputIfEmpty();
      if (headStart == 0) {
        releaseCodec(); // idle between requests: an idle connection holds no codec state
      }
      if (client.inputEnded() || http.draining) {
        close();
      }
      return false;
    }
    if (headStart == 0) {
      headStart = System.nanoTime();
    }
    if (!http1) {
      int http2 = Http2Frontend.detect(http, client.transport(), in);
      if (http2 > 0) {
        handOverToHttp2();
        return false;
      }
      if (http2 == 0) {
        if (client.inputEnded()) {
          close(); // part of the preface, then the end
        }
        return false;
      }
      http1 = true;
    }
    if (codec == null) {
      codec = loop.exchangeCodecs().take();
    }
    RequestHeadParser requestParser = codec.requestParser;
    ParseResult r = requestParser.parse(in);
    if (r == ParseResult.NEED_MORE) {
      client.releaseInputIfEmpty();
      if (client.inputEnded()) {
        close(); // a partial head and then the end: nothing to answer
      }
      return false;
    }
    if (r == ParseResult.ERROR) {
      answer(FailureCause.ofRefusedRequest(requestParser.errorStatus()), requestParser.errorReason(), headStart);
      return true;
    }
    RequestHead head = requestParser.head();
    requestParsed = true;
    long start = System.nanoTime();
    headStart = 0;
    client.newRequest(head.headLength());
    if (http.rewriter.isLoop(head)) {
      answer(FailureCause.LOOP, "the request already passed through this listener (Via " + http.viaId + ")", start);
      return true;
    }
    if (head.upgradeRequested() && head.upgradesToH2c() && !http.allowH2cUpgrade) {
      head.ignoreUpgrade(); // served as HTTP/1.1: an h2c tunnel would pass the client's HTTP/2 unchecked
    }
    if (http.backendHttp2) {
      answer(FailureCause.VERSION_NOT_SUPPORTED, "this listener's backends speak HTTP/2 (h2c): use HTTP/2", start);
      return true;
    }
    GroupPool group = router.route(ctx.routes(), head);
    if (group == null) {
      answer(router.refusal(), router.reason(), start);
      return true;
    }
    state = EXCHANGE;
    act(exchange.start(head, codec, SessionCookies.requestContext(group.pool, clientContext, head), group,
        router.forwardPath(), start));
    return true;
  }

  /** Hands the socket, its transport and the bytes read to an {@link Http2Frontend}; this handler is done. */
  private void handOverToHttp2() {
    closed = true;
    loop.cancel(this);
    exchange.end();
    releaseCodec();
    downThrottle.close();
    boolean ended = client.inputEnded();
    Http2Frontend.takeOver(http, loop, clientKey, client.transport(), client.handOver(), ended, clientIp,
        clientContext);
  }

  /** Acts on what the exchange came to; true when the connection moved on (pump again). */
  private boolean act(Exchange.Step step) {
    switch (step) {
      case MOVED:
        return true;
      case DONE:
        finishExchange();
        return true;
      case FAILED:
        answer(exchange.failure(), exchange.failureReason(), exchange.startNanos());
        return true;
      case ABORTED:
        ctx.metrics.failure(exchange.failure());
        abort();
        return false;
      case UPGRADED:
        state = TUNNEL;
        tunnel = new UpgradeTunnel(client, exchange.backend(), exchange.takeResponseHead(), buffers);
        return true;
      default:
        return false;
    }
  }

  /** The response ended: account for it, let the exchange keep or close its backend, serve the next request. */
  private void finishExchange() {
    long nanos = System.nanoTime() - exchange.startNanos();
    requestEnded(exchange.status(), null, nanos);
    exchange.finish();
    codec.requestParser.reset();
    requestParsed = false;
    if (exchange.closeClient()) {
      closing();
    } else {
      state = READ_HEAD;
      idleSince = System.nanoTime();
    }
  }

  /** Reads the tunnel's backend; false when it failed and the connection closed. */
  private boolean tunnelBackendReadable() {
    try {
      tunnel.backendReadable();
      return true;
    } catch (IOException e) {
      close(); // a tunnel has no status to send: its end is the answer
      return false;
    }
  }

  private boolean pumpTunnel() throws IOException {
    switch (tunnel.pump()) {
      case MOVED:
        return true;
      case DONE:
        requestEnded(exchange.status(), null, System.nanoTime() - exchange.startNanos());
        close();
        return false;
      case FAILED:
        close();
        return false;
      default:
        return false;
    }
  }

  private void closing() {
    state = CLOSING;
    closingSince = System.nanoTime();
  }

  /** Writes the last answer, then shuts the output and drains input until the client closes. */
  private boolean pumpClosing() throws IOException {
    if (answer != null) {
      boolean progress = client.write(answer, answer.remaining()) > 0;
      if (answer.hasRemaining()) {
        return progress;
      }
      answer = null;
    }
    if (!client.flush()) {
      return false;
    }
    client.shutdownOutput();
    state = LINGER;
    idleSince = System.nanoTime();
    return true;
  }

  /**
   * The one place a failure becomes an answer: counted by cause, logged, answered with the cause's status,
   * then the connection closes (lingering). {@code startNanos} is when the request (or a refused head) began.
   */
  private void answer(FailureCause cause, String reason, long startNanos) {
    ctx.metrics.failure(cause);
    if (state == CLOSING || state == LINGER) {
      abort();
      return;
    }
    int status = cause.status();
    long nanos = System.nanoTime() - startNanos;
    requestEnded(status, cause, nanos); // before the exchange ends: the line names the backend
    exchange.end();
    answer = ByteBuffer.wrap(HttpErrorResponses.errorResponse(status, reason == null ? cause.label() : reason));
    closing();
  }

  private void requestEnded(int status, FailureCause failure, long nanos) {
    accessLog.ended(requestParsed ? codec.requestParser.head() : null,
        state == EXCHANGE || state == TUNNEL ? exchange.backendName() : "-", status, failure, client.bytesRead(),
        client.bytesWritten(), nanos);
  }

  private void updateInterest() {
    if (closed) {
      return;
    }
    client.interest(answer != null || (state == EXCHANGE && exchange.wantsClientWrite())
        || (state == TUNNEL && tunnel.wantsClientWrite()));
    if (state == EXCHANGE) {
      exchange.updateInterest();
    } else if (state == TUNNEL) {
      exchange.backend().interest(tunnel.wantsBackendWrite());
    }
  }

  @Override
  void checkTimeouts(long now) {
    if (closed) {
      return;
    }
    try {
      if (state == EXCHANGE) {
        if (act(exchange.checkTimeouts(now))) {
          pump();
        }
        updateInterest();
      } else if (now - deadline() >= 0) {
        close(); // idle between requests, a head too slow (slowloris), an idle tunnel, a lingering close done
      }
      armTimer();
    } catch (IOException e) {
      abort();
    } catch (RuntimeException e) {
      log.error("{}: connection from {} failed unexpectedly", ctx.listener.name(), clientAddress, e);
      abort();
    }
  }

  /**
   * Arms this connection's one {@link LoopTimer} by its next deadline, unless it is armed earlier already (it
   * then re-checks when it fires and re-arms here, so activity costs no timer work).
   */
  private void armTimer() {
    if (!closed) {
      loop.armBy(this, deadline());
    }
  }

  /**
   * The current state's deadline ({@code System.nanoTime()} scale): a head must arrive whole within the
   * request timeout however slowly its bytes trickle in (slowloris), an idle connection closes after the
   * keep-alive timeout (at once while draining), a tunnel after the idle timeout, a lingering close after 5 s
   * of client silence or the lingering time since the refusal; the exchange has its own.
   */
  private long deadline() {
    switch (state) {
      case READ_HEAD:
        // Draining: idleSince is past, so an idle connection is due at once.
        return headStart != 0 ? headStart + http.requestTimeoutNanos
            : http.draining ? idleSince : Math.max(idleSince, client.lastRead()) + http.keepAliveTimeoutNanos;
      case EXCHANGE:
        return exchange.deadline();
      case TUNNEL:
        return tunnelLastProgress() + ctx.idleTimeoutNanos;
      default:
        long silent = lingerLastProgress() + http.lingerNanos;
        long cap = closingSince + http.lingeringTimeNanos;
        return cap - silent < 0 ? cap : silent;
    }
  }

  private long tunnelLastProgress() {
    return Math.max(Math.max(client.lastRead(), client.lastWrite()), exchange.backend().lastProgress());
  }

  private long lingerLastProgress() {
    return Math.max(idleSince, Math.max(client.lastRead(), client.lastWrite()));
  }

  /** A throttle's budget refilled: read its side again. */
  private void resumeReading() {
    if (!closed) {
      updateInterest();
      armTimer();
    }
  }

  /** The client's transport (tests: what an idle connection holds). */
  Transport clientTransport() {
    return client.transport();
  }

  /** True while the connection holds a borrowed codec (tests: an idle connection holds none). */
  boolean holdsCodec() {
    return codec != null;
  }

  @Override
  void closeNow() {
    close();
  }

  /** Closes with a reset: the client must not take a cut-off response for a complete one. */
  private void abort() {
    client.resetOnClose();
    if (state == EXCHANGE && exchange.failure() != null && exchange.responseStarted()) {
      requestEnded(exchange.status(), exchange.failure(), System.nanoTime() - exchange.startNanos());
    }
    close();
  }

  private void close() {
    if (closed) {
      return;
    }
    closed = true;
    loop.cancel(this);
    client.close(loop);
    downThrottle.close();
    exchange.end();
    if (tunnel != null) {
      tunnel.releaseHead();
    }
    releaseCodec();
    ctx.connectionClosed(); // gives the admission slot back too
  }

  /** Gives the borrowed codec back to the loop (idle or closed); the exchange lets go of it first. */
  private void releaseCodec() {
    if (codec != null) {
      exchange.detachCodec();
      loop.exchangeCodecs().giveBack(codec);
      codec = null;
    }
  }
}
