package io.lb4j.impl.listener;

import io.lb4j.api.Outcome;
import io.lb4j.api.RequestContext;
import io.lb4j.impl.listener.http.BodyScanner;
import io.lb4j.impl.listener.http.HttpErrorResponses;
import io.lb4j.impl.listener.http.ParseResult;
import io.lb4j.impl.listener.http.RequestHead;
import io.lb4j.impl.listener.http.RequestHeadParser;
import io.lb4j.impl.listener.http.ResponseHead;
import io.lb4j.impl.listener.http.ResponseHeadParser;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Layer-7 client connection and the request it is serving, as a state machine on its loop's thread:
 * read a request head (strictly, with the codec), select a backend, take a pooled keep-alive connection
 * or connect a new one (retrying other backends), stream the request body up and the response down,
 * then give the backend connection back and read the next request. Requests are served one at a time,
 * so pipelined requests wait in the input buffer and are answered in order.
 *
 * <p>Bodies are never buffered whole: the codec's scanners find where a body ends while its bytes are
 * written straight from the input buffer to the other side. A side is read only while its buffer has
 * room, so a slow receiver holds back the sender (back-pressure both ways).
 *
 * <p>Failures become answers in one place, {@link #fail}: the cause picks the status
 * ({@link FailureCause}), is counted and logged, and the connection is closed after the answer. A
 * failure after the response head went out closes the client connection instead.
 */
final class HttpProxyConnection extends IoHandler implements BackendDialer.Events {
  private static final Logger log = LoggerFactory.getLogger(HttpProxyConnection.class);

  private static final int READ_HEAD = 0;
  private static final int CONNECTING = 1;
  private static final int EXCHANGE = 2;
  private static final int TUNNEL = 3;
  /** Writing a last answer; then the output is shut and input drained for a while (lingering close). */
  private static final int CLOSING = 4;
  private static final int LINGER = 5;

  private final HttpContext http;
  private final ProxyContext ctx;
  private final BufferPool buffers;
  private final BackendConnectionPool backends;
  private final Transport client;
  private final SelectionKey clientKey;
  private final InetSocketAddress clientAddress;
  private final String clientIp;
  /** The request context without cookies, built once per connection: most requests need no other. */
  private final RequestContext clientContext;
  private final RequestHeadParser requestParser;
  private final ResponseHeadParser responseParser;
  private final BodyScanner requestBody;
  private final BodyScanner responseBody;
  private final BackendDialer dialer;

  private int state = READ_HEAD;
  /** Client bytes not yet consumed, in read mode; null when empty (an idle connection holds no buffer). */
  private ByteBuffer clientIn;
  private boolean clientEof;
  private BackendConnection backend;
  private boolean backendEof;
  private boolean staleRetried;
  private long requestStart;
  /** When the first byte of the head being read arrived, or 0 between requests. */
  private long headStart;
  private long lastActivity;
  private long lastBackendActivity;
  /** The rewritten request head, waiting to be written to the backend; null once written. */
  private ByteBuffer upHead;
  /** Request body bytes at {@code clientIn}'s position, scanned, not yet written to the backend. */
  private int upPending;
  private boolean requestBodyDone;
  private boolean requestBodySent;
  /** A response head (or the listener's own answer) waiting to be written to the client. */
  private ByteBuffer downHead;
  /** Response body bytes at the backend buffer's position, scanned, not yet written to the client. */
  private int downPending;
  private boolean responseStarted;
  private boolean closeAfterResponse;
  private boolean upShut;
  private boolean downShut;
  private int status;
  private long requestBytes;
  private long responseBytes;
  private FailureCause failure;
  private boolean requestParsed;
  private boolean closed;

  private HttpProxyConnection(HttpContext http, EventLoop loop, SocketChannel channel) throws IOException {
    this.http = http;
    this.ctx = http.proxy;
    this.buffers = loop.buffers();
    this.backends = loop.backendPool();
    this.client = http.https() ? new TlsTransport(channel, http.newEngine()) : Transport.plain(channel);
    this.clientAddress = (InetSocketAddress) channel.getRemoteAddress();
    this.clientIp = clientAddress.getAddress().getHostAddress();
    this.clientContext = RequestContext.ofClient(clientAddress.getAddress());
    this.requestParser = new RequestHeadParser(http.limits);
    this.responseParser = new ResponseHeadParser(http.limits);
    this.requestBody = new BodyScanner(http.limits);
    this.responseBody = new BodyScanner(http.limits);
    this.clientKey = channel.register(loop.selector(), SelectionKey.OP_READ, this);
    this.dialer = new BackendDialer(http.proxy, loop, this, this, backends);
    this.lastActivity = System.nanoTime();
  }

  /** Takes over an accepted client channel; runs on {@code loop}. */
  static void open(HttpContext http, EventLoop loop, SocketChannel channel) {
    http.proxy.metrics.connectionOpened();
    try {
      new HttpProxyConnection(http, loop, channel);
    } catch (IOException | RuntimeException e) {
      http.proxy.metrics.connectionClosed();
      TcpProxyConnection.closeQuietly(channel);
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
          readClient();
        }
      } else if (dialer.connecting(key)) {
        dialer.finishConnect();
      } else if (backend != null && key == backend.key && key.isReadable()) {
        readBackend();
      }
      pump();
      if (!closed) {
        updateInterest();
      }
    } catch (IOException e) {
      log.debug("{}: connection from {} failed: {}", ctx.listener.name(), clientAddress, e.toString());
      abort();
    } catch (RuntimeException e) {
      // A bug, not the peer: never leave the connection hanging (and its selection unreleased).
      log.error("{}: connection from {} failed unexpectedly", ctx.listener.name(), clientAddress, e);
      abort();
    }
  }

  private void readClient() throws IOException {
    if (clientIn == null) {
      clientIn = buffers.acquire();
      clientIn.flip();
    }
    clientIn.compact();
    int n;
    try {
      n = client.read(clientIn);
    } finally {
      clientIn.flip();
    }
    if (n < 0) {
      clientEof = true;
    } else if (n > 0) {
      lastActivity = System.nanoTime();
      ctx.metrics.bytesIn(n);
      requestBytes += n;
    }
  }

  private void readBackend() {
    int n;
    try {
      n = backend.read(buffers);
    } catch (IOException e) {
      backendFailed("reset the connection (" + e.getMessage() + ")");
      return;
    }
    if (n < 0) {
      backendEof = true;
    } else if (n > 0) {
      lastBackendActivity = System.nanoTime();
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
          progress = pumpUp() | pumpDown();
          break;
        case TUNNEL:
          progress = pumpTunnel();
          break;
        case CLOSING:
          progress = pumpClosing();
          break;
        case LINGER:
          if (clientEof) {
            close();
          }
          progress = false;
          if (clientIn != null) {
            clientIn.position(clientIn.limit()); // drained and dropped: the client's bytes after our answer
          }
          break;
        default:
          progress = false;
      }
    }
  }

  private boolean readHead() throws IOException {
    if (clientIn == null || !clientIn.hasRemaining()) {
      releaseClientIn();
      if (clientEof) {
        close();
      } else if (http.draining) {
        close();
      }
      return false;
    }
    if (headStart == 0) {
      headStart = System.nanoTime();
    }
    ParseResult r = requestParser.parse(clientIn);
    if (r == ParseResult.NEED_MORE) {
      releaseClientIn();
      if (clientEof) {
        close(); // a partial head and then the end: nothing to answer
      }
      return false;
    }
    if (r == ParseResult.ERROR) {
      int code = requestParser.errorStatus();
      fail(FailureCause.ofRefusedRequest(code), requestParser.errorReason());
      return true;
    }
    startRequest();
    return true;
  }

  private void startRequest() throws IOException {
    RequestHead head = requestParser.head();
    requestParsed = true;
    requestStart = System.nanoTime();
    headStart = 0;
    requestBytes = head.headLength();
    responseBytes = 0;
    status = 0;
    failure = null;
    staleRetried = false;
    if (http.rewriter.isLoop(head)) {
      fail(FailureCause.LOOP, "the request already passed through this listener (Via " + http.viaId + ")");
      return;
    }
    requestBody.start(head.framing(), head.contentLength());
    requestBodyDone = requestBody.isComplete();
    requestBodySent = false;
    upPending = 0;
    downPending = 0;
    responseStarted = false;
    closeAfterResponse = false;
    state = CONNECTING;
    dialer.dial(SessionCookies.requestContext(ctx, clientContext, head));
  }

  @Override
  public void backendUnavailable(FailureCause cause, String reason) {
    fail(cause, reason);
  }

  @Override
  public void backendReady(BackendConnection connection) {
    backend = connection;
    beginExchange();
  }

  private void beginExchange() {
    RequestHead head = requestParser.head();
    state = EXCHANGE;
    backendEof = false;
    responseParser.reset();
    lastBackendActivity = System.nanoTime();
    String hostIfAbsent = head.host() == null ? dialer.selection().backend().authority() : null;
    upHead = buffers.acquire();
    if (http.rewriter.writeRequest(head, clientIp, hostIfAbsent, upHead) < 0) {
      // A head near the limits with the added fields does not fit a pooled buffer: a one-off buffer.
      buffers.release(upHead);
      upHead = ByteBuffer.allocate(head.headLength() * 2 + 4096);
      http.rewriter.writeRequest(head, clientIp, hostIfAbsent, upHead);
    }
    upHead.flip();
  }

  /** Client to backend: the request head, then body bytes as the scanner finds them. */
  private boolean pumpUp() throws IOException {
    boolean progress = false;
    if (upHead != null) {
      int n = writeBackend(upHead);
      if (n < 0) {
        return true;
      }
      progress = n > 0;
      if (upHead.hasRemaining()) {
        return progress;
      }
      buffers.release(upHead);
      upHead = null;
    }
    if (requestBodyDone) {
      return progress;
    }
    if (upPending == 0 && clientIn != null && clientIn.hasRemaining()) {
      upPending = requestBody.scan(clientIn);
      if (requestBody.isError()) {
        fail(FailureCause.BAD_REQUEST, requestBody.errorReason());
        return true;
      }
    }
    if (upPending > 0) {
      int n = writeSlice(clientIn, upPending, true);
      if (n < 0) {
        return true;
      }
      upPending -= n;
      requestBodySent |= n > 0;
      progress |= n > 0;
    }
    if (upPending == 0) {
      if (requestBody.isComplete()) {
        requestBodyDone = true;
        progress = true;
      } else if (clientEof && (clientIn == null || !clientIn.hasRemaining())) {
        requestBody.endOfInput();
        fail(FailureCause.BAD_REQUEST, requestBody.errorReason());
        return true;
      }
    }
    return progress;
  }

  /** Writes {@code count} bytes from {@code buf}'s position to the backend or the client. */
  private int writeSlice(ByteBuffer buf, int count, boolean toBackend) throws IOException {
    int limit = buf.limit();
    buf.limit(buf.position() + count);
    try {
      return toBackend ? writeBackend(buf) : writeClient(buf);
    } finally {
      buf.limit(limit);
    }
  }

  private int writeBackend(ByteBuffer b) throws IOException {
    try {
      int n = backend.channel.write(b);
      if (n > 0) {
        lastBackendActivity = System.nanoTime();
      }
      return n;
    } catch (IOException e) {
      backendFailed("write failed: " + e.getMessage());
      return -1; // the exchange moved on (retry or answer): callers stop and pump again
    }
  }

  private int writeClient(ByteBuffer b) throws IOException {
    int n = client.write(b);
    if (n > 0) {
      ctx.metrics.bytesOut(n);
      responseBytes += n;
      lastActivity = System.nanoTime();
    }
    return n;
  }

  /** Backend to client: interim heads, the response head, then body bytes as the scanner finds them. */
  private boolean pumpDown() throws IOException {
    if (state != EXCHANGE) {
      return false;
    }
    boolean progress = false;
    if (downHead != null) {
      progress = writeClient(downHead) > 0;
      if (downHead.hasRemaining()) {
        return progress;
      }
      releaseDownHead();
    }
    ByteBuffer in = backend.in;
    if (!responseStarted) {
      if (in != null && in.hasRemaining()) {
        ParseResult r = responseParser.parse(in, requestParser.head().isHeadMethod());
        if (r == ParseResult.COMPLETE) {
          return responseHead();
        }
        if (r == ParseResult.ERROR) {
          ctx.pool.report(dialer.selection(), Outcome.failure(Outcome.Kind.SERVER_ERROR, since(requestStart)));
          fail(FailureCause.BAD_RESPONSE, responseParser.errorReason());
          return true;
        }
      }
      if (backendEof) {
        backendFailed("closed the connection before a complete response head");
        return true;
      }
      return progress;
    }
    if (downPending == 0 && in != null && in.hasRemaining()) {
      downPending = responseBody.scan(in);
      if (responseBody.isError()) {
        log.debug("{}: malformed response body from {}: {}", ctx.listener.name(), backend.address,
            responseBody.errorReason());
        failure = FailureCause.BAD_RESPONSE;
        ctx.metrics.failure(FailureCause.BAD_RESPONSE);
        abort();
        return false;
      }
    }
    if (downPending > 0) {
      int n = writeSlice(in, downPending, false);
      downPending -= n;
      progress |= n > 0;
    }
    if (downPending == 0) {
      if (responseBody.isComplete()) {
        finishExchange();
        return true;
      }
      if (backendEof && (in == null || !in.hasRemaining())) {
        responseBody.endOfInput();
        if (responseBody.isComplete()) {
          finishExchange(); // a body read until close
          return true;
        }
        failure = FailureCause.BACKEND_CLOSED;
        ctx.metrics.failure(FailureCause.BACKEND_CLOSED);
        ctx.pool.report(dialer.selection(), Outcome.failure(Outcome.Kind.RESET, since(requestStart)));
        abort(); // the status line is out: closing is the only way to tell the client
        return false;
      }
    }
    return progress;
  }

  private boolean responseHead() {
    ResponseHead head = responseParser.head();
    RequestHead request = requestParser.head();
    if (head.isInterim()) {
      if (request.isHttp11()) {
        downHead = buffers.acquire();
        if (http.rewriter.writeResponse(head, false, false, null, downHead) < 0) {
          buffers.release(downHead);
          downHead = null;
        } else {
          downHead.flip();
        }
      }
      responseParser.reset();
      return true;
    }
    if (head.isSwitchingProtocols() && !request.upgradeRequested()) {
      fail(FailureCause.BAD_RESPONSE, "101 Switching Protocols to a request that asked for no upgrade");
      return true;
    }
    status = head.status();
    responseStarted = true;
    ctx.pool.report(dialer.selection(), Outcome.httpStatus(status, since(requestStart)));
    SessionCookies.observe(ctx, dialer.selection(), head);
    closeAfterResponse = !request.keepAlive() || !head.keepAlive() || !requestBodyDone || http.draining
        || clientEof;
    String setCookie = SessionCookies.setCookie(dialer.selection(), http.https());
    downHead = buffers.acquire();
    if (http.rewriter.writeResponse(head, !request.isHttp11(), closeAfterResponse, setCookie, downHead) < 0) {
      buffers.release(downHead);
      downHead = ByteBuffer.allocate(head.headLength() * 2 + 4096);
      http.rewriter.writeResponse(head, !request.isHttp11(), closeAfterResponse, setCookie, downHead);
    }
    downHead.flip();
    if (head.isSwitchingProtocols()) {
      state = TUNNEL;
      upPending = 0;
      downPending = 0;
      return true;
    }
    responseBody.start(head.framing(), head.contentLength());
    return true;
  }

  /** The response ended: account for it, keep or close the backend connection, serve the next request. */
  private void finishExchange() {
    long nanos = System.nanoTime() - requestStart;
    ctx.metrics.response(status, nanos);
    logAccess(nanos);
    // The backend connection's fate depends on its own exchange only: a client that closes (Connection: close,
    // HTTP/1.0) was never forwarded its Connection field, so the backend still keeps the connection open.
    boolean reusable = requestBodyDone && responseParser.head().keepAlive() && !backendEof && !http.draining;
    BackendConnection b = backend;
    backend = null;
    if (reusable) {
      backends.giveBack(b, System.nanoTime());
    } else {
      b.close(buffers);
    }
    dialer.releaseSelection();
    requestParser.reset();
    responseParser.reset();
    requestParsed = false;
    if (closeAfterResponse) {
      state = CLOSING;
    } else {
      state = READ_HEAD;
      lastActivity = System.nanoTime();
    }
  }

  /**
   * The backend failed (reset, closed, write error) before the response head: a reused connection that
   * failed before any byte of the response, with no body byte sent, was stale and is retried once on a
   * fresh connection; otherwise 502.
   */
  private void backendFailed(String why) {
    if (state == TUNNEL) {
      close();
      return;
    }
    boolean stale = backend.reused && !requestBodySent && !staleRetried && (backend.in == null || !backend.in.hasRemaining());
    if (stale && !responseStarted) {
      log.debug("{}: pooled connection to {} was stale ({}); retrying on a new one", ctx.listener.name(),
          backend.address, why);
      staleRetried = true;
      ctx.metrics.retry();
      InetSocketAddress address = backend.address;
      dropBackend();
      if (upHead != null) {
        buffers.release(upHead);
        upHead = null;
      }
      try {
        state = CONNECTING;
        dialer.reopen(address);
      } catch (IOException e) {
        fail(FailureCause.CONNECT_FAILED, e.toString());
      }
      return;
    }
    if (responseStarted) {
      failure = FailureCause.BACKEND_CLOSED;
      ctx.metrics.failure(FailureCause.BACKEND_CLOSED);
      abort();
      return;
    }
    ctx.pool.report(dialer.selection(), Outcome.failure(Outcome.Kind.RESET, since(requestStart)));
    fail(FailureCause.BACKEND_CLOSED, "the backend " + why);
  }

  /** After 101: bytes both ways unchanged, half-closes passed on, until both sides ended. */
  private boolean pumpTunnel() throws IOException {
    boolean progress = false;
    if (downHead != null) {
      progress = writeClient(downHead) > 0;
      if (downHead.hasRemaining()) {
        return progress;
      }
      releaseDownHead();
    }
    if (clientIn != null && clientIn.hasRemaining()) {
      int n = writeSlice(clientIn, clientIn.remaining(), true);
      if (n < 0 || closed) {
        return false;
      }
      progress |= n > 0;
    }
    ByteBuffer in = backend.in;
    if (in != null && in.hasRemaining()) {
      progress |= writeSlice(in, in.remaining(), false) > 0;
    }
    if (clientEof && (clientIn == null || !clientIn.hasRemaining()) && !upShut) {
      upShut = true;
      backend.channel.shutdownOutput();
    }
    if (backendEof && (in == null || !in.hasRemaining()) && !downShut && client.flush()) {
      downShut = true;
      client.shutdownOutput();
    }
    if (upShut && downShut) {
      finishTunnel();
    }
    return progress && !closed;
  }

  private void finishTunnel() {
    long nanos = System.nanoTime() - requestStart;
    ctx.metrics.response(status, nanos);
    logAccess(nanos);
    close();
  }

  /** Writes the last answer, then shuts the output and drains input until the client closes. */
  private boolean pumpClosing() throws IOException {
    if (downHead != null) {
      boolean progress = writeClient(downHead) > 0;
      if (downHead.hasRemaining()) {
        return progress;
      }
      releaseDownHead();
    }
    if (!client.flush()) {
      return false;
    }
    client.shutdownOutput();
    state = LINGER;
    lastActivity = System.nanoTime();
    return true;
  }

  /**
   * The one place a failure becomes an answer: counted by cause, reported, logged, answered with the
   * cause's status unless a response already started (then the client connection is closed).
   */
  private void fail(FailureCause cause, String reason) {
    failure = cause;
    ctx.metrics.failure(cause);
    if (responseStarted || state == CLOSING || state == LINGER) {
      abort();
      return;
    }
    status = cause.status();
    // A refused head has no request start yet: its time runs from its first byte.
    long nanos = System.nanoTime() - (headStart != 0 ? headStart : requestStart);
    ctx.metrics.response(status, nanos);
    logAccess(nanos); // before the selection is released: the line names the backend
    dialer.releaseSelection();
    dropBackend();
    if (upHead != null) {
      buffers.release(upHead);
      upHead = null;
    }
    releaseDownHead();
    downHead = ByteBuffer.wrap(HttpErrorResponses.errorResponse(status, reason == null ? cause.label() : reason));
    state = CLOSING;
  }

  private void logAccess(long nanos) {
    Logger access = http.accessLog;
    if (!access.isInfoEnabled()) {
      return;
    }
    RequestHead head = requestParser.head();
    boolean parsed = requestParsed;
    access.info("{} {} {} \"{} {}\" {} {} in={} out={} {}ms{}", ctx.listener.name(), clientIp,
        dialer.selection() != null ? dialer.selection().backend().id() : backend != null ? backend.address : "-",
        parsed ? head.method() : "-", parsed ? head.target() : "-", status,
        failure != null ? failure.label() : "ok", requestBytes, responseBytes, nanos / 1_000_000,
        http.https() ? " tls" : "");
  }

  private void updateInterest() {
    int clientOps = 0;
    boolean clientRoom = clientIn == null || clientIn.remaining() < clientIn.capacity();
    if (!clientEof && clientRoom) {
      clientOps |= SelectionKey.OP_READ;
    }
    if (downHead != null || downPending > 0 || client.wantsWrite()
        || (state == TUNNEL && backend != null && backend.in != null && backend.in.hasRemaining())) {
      clientOps |= SelectionKey.OP_WRITE;
    }
    if (clientKey.interestOps() != clientOps) {
      clientKey.interestOps(clientOps);
    }
    if (backend == null || backend.isClosed()) {
      return;
    }
    int backendOps;
    {
      backendOps = 0;
      boolean backendRoom = backend.in == null || backend.in.remaining() < backend.in.capacity();
      if (!backendEof && backendRoom) {
        backendOps |= SelectionKey.OP_READ;
      }
      if (upHead != null || upPending > 0
          || (state == TUNNEL && clientIn != null && clientIn.hasRemaining())) {
        backendOps |= SelectionKey.OP_WRITE;
      }
    }
    if (backend.key.interestOps() != backendOps) {
      backend.key.interestOps(backendOps);
    }
  }

  @Override
  void checkTimeouts(long now) {
    if (closed) {
      return;
    }
    try {
      switch (state) {
        case READ_HEAD:
          // A head must arrive whole within the request timeout, however slowly its bytes trickle in
          // (slowloris); between requests the keep-alive timeout applies, and draining closes at once.
          if (headStart != 0 ? now - headStart > http.requestTimeoutNanos
              : http.draining || now - lastActivity > http.keepAliveTimeoutNanos) {
            close();
          }
          break;
        case CONNECTING:
          dialer.checkTimeout(now);
          pump();
          updateIfOpen();
          break;
        case EXCHANGE:
          if (now - lastBackendActivity > http.requestTimeoutNanos) {
            if (dialer.selection() != null) {
              ctx.pool.report(dialer.selection(), Outcome.failure(Outcome.Kind.TIMEOUT, since(requestStart)));
            }
            fail(FailureCause.TIMEOUT, "the backend did not answer within "
                + Duration.ofNanos(http.requestTimeoutNanos).toSeconds() + "s");
            pump();
            updateIfOpen();
          }
          break;
        case TUNNEL:
          if (now - Math.max(lastActivity, lastBackendActivity) > ctx.idleTimeoutNanos) {
            close();
          }
          break;
        default:
          if (now - lastActivity > http.lingerNanos) {
            close();
          }
      }
    } catch (IOException e) {
      abort();
    } catch (RuntimeException e) {
      log.error("{}: connection from {} failed unexpectedly", ctx.listener.name(), clientAddress, e);
      abort();
    }
  }

  private void updateIfOpen() {
    if (!closed) {
      updateInterest();
    }
  }

  @Override
  void closeNow() {
    close();
  }

  private void dropBackend() {
    if (backend != null) {
      backend.close(buffers);
      backend = null;
    }
  }

  private void releaseDownHead() {
    if (downHead != null) {
      buffers.release(downHead);
      downHead = null;
    }
  }

  private void releaseClientIn() {
    if (clientIn != null && !clientIn.hasRemaining()) {
      buffers.release(clientIn);
      clientIn = null;
    }
  }

  /** Closes with a reset: the client must not take a cut-off response for a complete one. */
  private void abort() {
    try {
      client.channel().setOption(StandardSocketOptions.SO_LINGER, 0);
    } catch (IOException | RuntimeException ignored) {
      // already closed
    }
    if (failure != null && status != 0 && responseStarted) {
      long nanos = System.nanoTime() - requestStart;
      ctx.metrics.response(status, nanos);
      logAccess(nanos);
    }
    close();
  }

  private void close() {
    if (closed) {
      return;
    }
    closed = true;
    clientKey.cancel();
    TcpProxyConnection.closeQuietly(client.channel());
    dropBackend();
    dialer.close();
    buffers.release(upHead);
    upHead = null;
    releaseDownHead();
    if (clientIn != null) {
      buffers.release(clientIn);
      clientIn = null;
    }
    ctx.metrics.connectionClosed();
  }

  private static Duration since(long startNanos) {
    return Duration.ofNanos(System.nanoTime() - startNanos);
  }
}
