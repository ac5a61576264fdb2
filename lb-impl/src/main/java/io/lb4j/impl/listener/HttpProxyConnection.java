package io.lb4j.impl.listener;

import io.lb4j.api.Outcome;
import io.lb4j.api.RequestContext;
import io.lb4j.impl.listener.http.HttpErrorResponses;
import io.lb4j.impl.listener.http.ParseResult;
import io.lb4j.impl.listener.http.RequestHead;
import io.lb4j.impl.listener.http.RequestHeadParser;
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
 *
 * <p>This class holds the connection's life (events, states, timeouts, failures, closing) and both
 * streams' buffers and writes; the request side is a {@link RequestForwarder}, the response side a
 * {@link ResponseForwarder}, and the relay after a 101 an {@link UpgradeTunnel}.
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

  final HttpContext http;
  final ProxyContext ctx;
  final BufferPool buffers;
  private final EventLoop loop;
  private final BackendConnectionPool backends;
  final Transport client;
  private final SelectionKey clientKey;
  private final InetSocketAddress clientAddress;
  final String clientIp;
  /** The request context without cookies, built once per connection: most requests need no other. */
  private final RequestContext clientContext;
  /** The current request's head parser, from {@link #codec}; null while idle. */
  RequestHeadParser requestParser;
  /** Codec state borrowed from the loop from a head's first byte until idle again; null while idle. */
  ExchangeCodec codec;
  final BackendDialer dialer;
  private final RequestForwarder up;
  private final ResponseForwarder down;
  /** Set by a 101; null before. */
  private UpgradeTunnel tunnel;
  /**
   * A head and the body bytes behind it, for one gathering write (one system call instead of two); reused
   * so the per-request path allocates nothing, and emptied after each write so it holds no pooled buffer.
   */
  private final ByteBuffer[] headAndBody = new ByteBuffer[2];

  private int state = READ_HEAD;
  /** Client bytes not yet consumed, in read mode; null when empty (an idle connection holds no buffer). */
  ByteBuffer clientIn;
  boolean clientEof;
  BackendConnection backend;
  boolean backendEof;
  private boolean staleRetried;
  private long requestStart;
  /** When the first byte of the head being read arrived, or 0 between requests. */
  private long headStart;
  private long lastActivity;
  private long lastBackendActivity;
  /** A response head (or the listener's own answer) waiting to be written to the client. */
  ByteBuffer downHead;
  int status;
  private long requestBytes;
  private long responseBytes;
  private FailureCause failure;
  private boolean requestParsed;
  private boolean closed;

  private HttpProxyConnection(HttpContext http, EventLoop loop, SocketChannel channel) throws IOException {
    this.http = http;
    this.ctx = http.proxy;
    this.buffers = loop.buffers();
    this.loop = loop;
    this.backends = loop.backendPool();
    this.client = http.https() ? new TlsTransport(channel, http.newEngine(), loop.tlsBuffers()) : Transport.plain(channel);
    this.clientAddress = (InetSocketAddress) channel.getRemoteAddress();
    this.clientIp = clientAddress.getAddress().getHostAddress();
    this.clientContext = RequestContext.ofClient(clientAddress.getAddress());
    this.up = new RequestForwarder(this);
    this.down = new ResponseForwarder(this);
    this.clientKey = channel.register(loop.selector(), SelectionKey.OP_READ, this);
    this.dialer = new BackendDialer(http.proxy, loop, this, this, backends);
    this.lastActivity = System.nanoTime();
    armTimer();
  }

  /** Takes over an accepted client channel; runs on {@code loop}. */
  static void open(HttpContext http, EventLoop loop, SocketChannel channel) {
    http.proxy.metrics.connectionOpened();
    try {
      new HttpProxyConnection(http, loop, channel);
    } catch (IOException | RuntimeException e) {
      http.proxy.connectionClosed();
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
        armTimer();
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
          progress = up.pump() | down.pump();
          break;
        case TUNNEL:
          progress = tunnel.pump();
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
      if (headStart == 0) {
        releaseCodec(); // idle between requests: an idle connection holds no codec state
      }
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
    if (codec == null) {
      codec = loop.exchangeCodecs().take();
      requestParser = codec.requestParser;
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
    up.start(head);
    down.start();
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
    down.awaitHead();
    lastBackendActivity = System.nanoTime();
    String hostIfAbsent = head.host() == null ? dialer.selection().backend().authority() : null;
    up.prepareHead(head, hostIfAbsent);
  }

  boolean inExchange() {
    return state == EXCHANGE;
  }

  boolean isClosed() {
    return closed;
  }

  boolean requestBodyDone() {
    return up.bodyDone();
  }

  /** Reports {@code outcome} of the current request's backend to the pool. */
  void report(Outcome outcome) {
    ctx.pool.report(dialer.selection(), outcome);
  }

  Duration sinceRequestStart() {
    return since(requestStart);
  }

  /**
   * Writes {@code head}, then up to {@code count} bytes from {@code body}'s position, in one gathering
   * call, so a head and the body bytes already read leave in one system call. Returns the bytes taken
   * (head first: those beyond the head's remaining count are body bytes), or -1 when the backend failed.
   */
  long writeHeadThenSlice(ByteBuffer head, ByteBuffer body, int count, boolean toBackend)
      throws IOException {
    if (count == 0) {
      return toBackend ? writeBackend(head) : writeClient(head);
    }
    int limit = body.limit();
    body.limit(body.position() + count);
    headAndBody[0] = head;
    headAndBody[1] = body;
    try {
      return toBackend ? writeBackend(headAndBody) : writeClient(headAndBody);
    } finally {
      body.limit(limit);
      headAndBody[0] = null;
      headAndBody[1] = null;
    }
  }

  /** Writes {@code count} bytes from {@code buf}'s position to the backend or the client. */
  int writeSlice(ByteBuffer buf, int count, boolean toBackend) throws IOException {
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
      ctx.metrics.backendWriteCall();
      return (int) backendWritten(backend.channel.write(b));
    } catch (IOException e) {
      return backendWriteFailed(e);
    }
  }

  private long writeBackend(ByteBuffer[] srcs) throws IOException {
    try {
      ctx.metrics.backendWriteCall();
      return backendWritten(backend.channel.write(srcs));
    } catch (IOException e) {
      return backendWriteFailed(e);
    }
  }

  private long backendWritten(long n) {
    if (n > 0) {
      lastBackendActivity = System.nanoTime();
    }
    return n;
  }

  private int backendWriteFailed(IOException e) {
    backendFailed("write failed: " + e.getMessage());
    return -1; // the exchange moved on (retry or answer): callers stop and pump again
  }

  private int writeClient(ByteBuffer b) throws IOException {
    ctx.metrics.clientWriteCall();
    return (int) clientWritten(client.write(b));
  }

  private long writeClient(ByteBuffer[] srcs) throws IOException {
    ctx.metrics.clientWriteCall();
    return clientWritten(client.write(srcs));
  }

  private long clientWritten(long n) {
    if (n > 0) {
      ctx.metrics.bytesOut(n);
      responseBytes += n;
      lastActivity = System.nanoTime();
    }
    return n;
  }

  /** The response ended: account for it, keep or close the backend connection, serve the next request. */
  void finishExchange() {
    long nanos = System.nanoTime() - requestStart;
    ctx.metrics.response(status, nanos);
    logAccess(nanos);
    // The backend connection's fate depends on its own exchange only: a client that closes (Connection: close,
    // HTTP/1.0) was never forwarded its Connection field, so the backend still keeps the connection open.
    boolean reusable = up.bodyDone() && down.keepAlive() && !backendEof && !http.draining;
    BackendConnection b = backend;
    backend = null;
    if (reusable) {
      backends.giveBack(b, System.nanoTime());
    } else {
      b.close(buffers);
    }
    dialer.releaseSelection();
    requestParser.reset();
    down.finish();
    requestParsed = false;
    if (down.closeAfterResponse()) {
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
  void backendFailed(String why) {
    if (state == TUNNEL) {
      close();
      return;
    }
    boolean stale = backend.reused && !up.bodySent() && !staleRetried && (backend.in == null || !backend.in.hasRemaining());
    if (stale && !down.started()) {
      log.debug("{}: pooled connection to {} was stale ({}); retrying on a new one", ctx.listener.name(),
          backend.address, why);
      staleRetried = true;
      ctx.metrics.retry();
      InetSocketAddress address = backend.address;
      dropBackend();
      up.releaseHead();
      try {
        state = CONNECTING;
        dialer.reopen(address);
      } catch (IOException e) {
        fail(FailureCause.CONNECT_FAILED, e.toString());
      }
      return;
    }
    if (down.started()) {
      abortAfter(FailureCause.BACKEND_CLOSED);
      return;
    }
    report(Outcome.failure(Outcome.Kind.RESET, since(requestStart)));
    fail(FailureCause.BACKEND_CLOSED, "the backend " + why);
  }

  /** A 101 went out (or is going): from now on the connection relays bytes both ways. */
  void startTunnel() {
    state = TUNNEL;
    up.enterTunnel();
    tunnel = new UpgradeTunnel(this);
  }

  void finishTunnel() {
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
  void fail(FailureCause cause, String reason) {
    failure = cause;
    ctx.metrics.failure(cause);
    if (down.started() || state == CLOSING || state == LINGER) {
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
    up.releaseHead();
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
    if (downHead != null || down.wantsClientWrite() || client.wantsWrite()
        || (state == TUNNEL && tunnel.wantsClientWrite())) {
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
      if (up.wantsBackendWrite() || (state == TUNNEL && tunnel.wantsBackendWrite())) {
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
              report(Outcome.failure(Outcome.Kind.TIMEOUT, since(requestStart)));
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
      armTimer();
    } catch (IOException e) {
      abort();
    } catch (RuntimeException e) {
      log.error("{}: connection from {} failed unexpectedly", ctx.listener.name(), clientAddress, e);
      abort();
    }
  }

  /**
   * The timer adapter: arms this connection's one {@link LoopTimer} by the next deadline
   * {@link #checkTimeouts} looks at in the current state, unless it is armed earlier already (then it
   * re-checks when it fires and re-arms here: activity costs no timer work).
   */
  private void armTimer() {
    if (closed) {
      return;
    }
    long deadline;
    switch (state) {
      case READ_HEAD:
        deadline = headStart != 0 ? headStart + http.requestTimeoutNanos
            : http.draining ? System.nanoTime() : lastActivity + http.keepAliveTimeoutNanos;
        break;
      case CONNECTING:
        deadline = dialer.isConnecting() ? dialer.connectDeadline() : lastActivity + http.requestTimeoutNanos;
        break;
      case EXCHANGE:
        deadline = lastBackendActivity + http.requestTimeoutNanos;
        break;
      case TUNNEL:
        deadline = Math.max(lastActivity, lastBackendActivity) + ctx.idleTimeoutNanos;
        break;
      default:
        deadline = lastActivity + http.lingerNanos;
    }
    loop.armBy(this, deadline);
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

  void releaseDownHead() {
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

  private void releaseCodec() {
    if (codec != null) {
      up.detach();
      down.detach();
      requestParser = null;
      loop.exchangeCodecs().giveBack(codec);
      codec = null;
    }
  }

  /** A failure once the response head went out: counted, then {@link #abort}. */
  void abortAfter(FailureCause cause) {
    failure = cause;
    ctx.metrics.failure(cause);
    abort();
  }

  /** Closes with a reset: the client must not take a cut-off response for a complete one. */
  private void abort() {
    try {
      client.channel().setOption(StandardSocketOptions.SO_LINGER, 0);
    } catch (IOException | RuntimeException ignored) {
      // already closed
    }
    if (failure != null && status != 0 && down.started()) {
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
    loop.cancel(this);
    clientKey.cancel();
    TcpProxyConnection.closeQuietly(client.channel());
    dropBackend();
    dialer.close();
    up.releaseHead();
    releaseDownHead();
    if (clientIn != null) {
      buffers.release(clientIn);
      clientIn = null;
    }
    releaseCodec();
    ctx.connectionClosed();
  }

  private static Duration since(long startNanos) {
    return Duration.ofNanos(System.nanoTime() - startNanos);
  }
}
