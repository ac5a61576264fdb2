package io.lb4j.impl.listener;

import io.lb4j.api.RequestContext;
import io.lb4j.impl.listener.http.BodyFraming;
import io.lb4j.impl.listener.http.ParseResult;
import io.lb4j.impl.listener.http.RequestHead;
import io.lb4j.impl.listener.http.ResponseHead;
import io.lb4j.impl.listener.http2.Http11Conversion;
import io.lb4j.impl.listener.http2.Http2ErrorCode;
import io.lb4j.impl.listener.http2.Http2Headers;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.util.ArrayDeque;

/**
 * An HTTP/2 request stream served by an HTTP/1.1 backend: the stream is the {@link ClientSide} of an
 * {@link Exchange}, so it gets everything an HTTP/1.1 request gets (selection and tried backends, pooled
 * keep-alive connections, retries under the same rules, X-Forwarded-* and Via, session cookies, the three
 * clocks, 502/503/504/408/431/508 answered with their status).
 *
 * <p>Conversion (RFC 9113 section 8.3): the request headers are written as an HTTP/1.1 head
 * ({@link Http11Conversion}: {@code :authority} to {@code Host}, cookie crumbs joined, {@code te} dropped, a
 * body without {@code content-length} sent chunked) and parsed by the same strict parser as an HTTP/1.1
 * request, so both protocols pass the same checks. DATA is held in a {@link StreamBody}, chunk-framed when
 * needed, and credited back to the client only once written to the backend. The response head is sent as
 * HEADERS (names lower-cased, connection-specific fields dropped, {@code via} added), its body as DATA
 * within the client's windows (a chunked body de-chunked), then END_STREAM. Trailers of a chunked request go
 * to the backend as its trailer section; those of a request with a {@code content-length}, and a chunked
 * response's trailers, cannot be carried and are dropped.
 *
 * <p>Objects are reused: one loop keeps up to {@link #MAX_POOLED} free ones ({@link #take}, {@link #giveBack}).
 * Loop thread only.
 */
final class Http1StreamExchange extends StreamProxy implements ClientSide {
  static final int MAX_POOLED = 256;
  private static final ByteBuffer EMPTY = ByteBuffer.allocate(0).asReadOnlyBuffer();

  private static final int OPENED = 0;
  private static final int RUNNING = 1;
  private static final int ENDED = 2;

  private final EventLoop loop;
  private final Exchange exchange;
  /** Peak bandwidth of the backend's reads (this stream's response). */
  private final Throttle downThrottle;
  private final StreamBody body;
  private final Http2ResponseHead responseHead = new Http2ResponseHead();
  /** Routes this stream's requests; its normalized path is read when the head is forwarded. */
  private final RequestRouter router = new RequestRouter();
  private ExchangeCodec codec;
  private RequestHead head;
  private int state;
  /** A refusal decided while opening: answered at {@link #begin}. */
  private int refusalStatus;
  private FailureCause refusalCause;
  private String refusalReason;
  private boolean requestEnded;
  private boolean responseEnded;
  private long lastRead;
  private long lastWrite;
  /** The backend for the log line, taken before the exchange lets it go. */
  private Object loggedBackend;

  private Http1StreamExchange(EventLoop loop, HttpContext http) {
    this.loop = loop;
    this.body = new StreamBody(loop.buffers());
    this.downThrottle = new Throttle(http.proxy.bandwidth.downstream, loop, this::resumeReading);
    this.exchange = new Exchange(http, loop, this, this, "-", downThrottle);
  }

  /** A free exchange of {@code loop}'s, or a new one. */
  static Http1StreamExchange take(EventLoop loop, HttpContext http) {
    ArrayDeque<Http1StreamExchange> free = loop.http2().freeExchanges;
    Http1StreamExchange e = free.pollFirst();
    return e != null ? e : new Http1StreamExchange(loop, http);
  }

  /** Keeps this (finished) exchange for the loop's next stream. */
  void giveBack(EventLoop owner) {
    ArrayDeque<Http1StreamExchange> free = owner.http2().freeExchanges;
    if (free.size() < MAX_POOLED) {
      free.addFirst(this);
    }
  }

  @Override
  void opened(Http2Headers headers, boolean endStream, boolean badTimeout) {
    state = OPENED;
    loggedBackend = null;
    refusalCause = null;
    requestEnded = endStream;
    responseEnded = false;
    lastRead = startNanos;
    lastWrite = startNanos;
    exchange.clientIp(front.clientIp);
    int method = headers.indexOf(":method");
    if (method >= 0 && headers.valueIs(method, "CONNECT")) {
      refuse(501, FailureCause.NOT_IMPLEMENTED, "CONNECT is not supported");
      return;
    }
    if (badTimeout) {
      refuse(400, FailureCause.BAD_REQUEST, "malformed grpc-timeout");
      return;
    }
    codec = loop.exchangeCodecs().take();
    ByteBuffer out = loop.buffers().acquire();
    int n = Http11Conversion.writeRequestHead(headers, endStream, null, out);
    if (n < 0) {
      loop.buffers().release(out);
      out = ByteBuffer.allocate(-n); // a head near the limits: larger than a pooled buffer
      Http11Conversion.writeRequestHead(headers, endStream, null, out);
    }
    out.flip();
    ParseResult r = codec.requestParser.parse(out);
    loop.buffers().release(out); // the parser copied the head
    if (r != ParseResult.COMPLETE) {
      int status = r == ParseResult.ERROR ? codec.requestParser.errorStatus() : 400;
      refuse(status, FailureCause.ofRefusedRequest(status), r == ParseResult.ERROR ? codec.requestParser.errorReason()
          : "the request head could not be converted");
      return;
    }
    head = codec.requestParser.head();
    if (front.http.rewriter.isLoop(head)) {
      refuse(508, FailureCause.LOOP, "the request already passed through this listener (Via "
          + front.http.viaId + ")");
      return;
    }
    body.start(stream, !endStream && head.framing() == BodyFraming.CHUNKED);
  }

  private void refuse(int status, FailureCause cause, String reason) {
    refusalStatus = status;
    refusalCause = cause;
    refusalReason = reason;
  }

  @Override
  void begin() {
    if (refusalCause != null) {
      state = ENDED;
      answer(refusalStatus, refusalCause, refusalReason);
      return;
    }
    // Routed here, in the loop task that also selects, so that a routing change's loop barrier sees the group
    // acquired (as HttpProxyConnection does). The head's Host came from :authority.
    GroupPool group = router.route(front.ctx.routes(), head);
    if (group == null) {
      state = ENDED;
      FailureCause refusal = router.refusal();
      answer(refusal.status(), refusal, router.reason());
      return;
    }
    state = RUNNING;
    RequestContext selectBy = SessionCookies.requestContext(group.pool, front.clientContext, head);
    try {
      act(exchange.start(head, codec, selectBy, group, router.forwardPath(), startNanos));
      pump();
    } catch (IOException e) {
      failed(e);
    }
    afterEvent(); // the backend's interest and the exchange's deadline, whatever comes next
  }

  @Override
  void data(ByteBuffer data, boolean endStream) {
    bytesIn += data.remaining();
    lastRead = System.nanoTime();
    if (state == ENDED) {
      stream.consumed(data.remaining());
      return;
    }
    body.append(data);
    if (endStream) {
      requestEnded = true;
      body.appendLastChunk(null);
    }
    if (state == RUNNING) {
      pumpAndFlush();
    }
  }

  @Override
  void trailers(Http2Headers trailers) {
    requestEnded = true;
    if (state == ENDED) {
      return;
    }
    body.appendLastChunk(trailers);
    if (state == RUNNING) {
      pumpAndFlush();
    }
  }

  @Override
  void clientReset(Http2ErrorCode code) {
    int status = 0;
    if (state == RUNNING) {
      status = exchange.status();
      loggedBackend = exchange.backendName();
      exchange.end();
    }
    state = ENDED;
    finish(status, null, "reset by client");
  }

  @Override
  void writable() {
    if (state == ENDED) {
      continueAnswer();
    } else if (state == RUNNING) {
      pumpAndFlush();
    }
  }

  /** A backend socket of this stream's exchange is ready. */
  @Override
  void ready(SelectionKey key) {
    if (state != RUNNING) {
      return;
    }
    try {
      act(exchange.backendEvent(key));
      pump();
    } catch (IOException e) {
      failed(e);
    } catch (RuntimeException e) {
      log.error("{}: HTTP/2 stream {} failed unexpectedly", front.ctx.listener.name(), stream.id(), e);
      abortStream(FailureCause.BAD_RESPONSE, Http2ErrorCode.INTERNAL_ERROR);
    }
    afterEvent();
  }

  @Override
  void checkTimeouts(long now) {
    if (state != RUNNING) {
      return;
    }
    try {
      if (callExpired(now)) {
        deadlineExceeded();
      } else if (act(exchange.checkTimeouts(now))) {
        pump();
      }
    } catch (IOException e) {
      failed(e);
    }
    afterEvent();
  }

  /** The call's {@code grpc-timeout} ran out: DEADLINE_EXCEEDED, or a reset once the response started. */
  private void deadlineExceeded() {
    if (exchange.responseStarted()) {
      abortStream(FailureCause.TIMEOUT, Http2ErrorCode.CANCEL);
      return;
    }
    loggedBackend = exchange.backendName();
    exchange.end();
    state = ENDED;
    answer(504, FailureCause.TIMEOUT, "the call's grpc-timeout passed");
  }

  private void pumpAndFlush() {
    try {
      pump();
    } catch (IOException e) {
      failed(e);
    }
    afterEvent();
  }

  private void pump() throws IOException {
    while (state == RUNNING && act(exchange.pump())) {
      // keep moving while something moved
    }
  }

  private void afterEvent() {
    if (state == RUNNING) {
      exchange.updateInterest();
      loop.armBy(this, withCallDeadline(exchange.deadline()));
    }
    if (front != null) {
      front.flushSoon();
    }
  }

  /** Acts on what the exchange came to; true when it moved on (pump again). */
  private boolean act(Exchange.Step step) {
    switch (step) {
      case MOVED:
        return true;
      case DONE:
        if (!responseEnded) {
          responseEnded = true;
          stream.sendData(EMPTY, true);
        }
        endRequestStream();
        int status = exchange.status();
        loggedBackend = exchange.backendName();
        exchange.finish();
        state = ENDED;
        finish(status, null, null);
        return false;
      case FAILED:
        FailureCause cause = exchange.failure();
        String reason = exchange.failureReason();
        loggedBackend = exchange.backendName();
        exchange.end();
        state = ENDED;
        answer(cause.status(), cause, reason);
        return false;
      case ABORTED:
        abortStream(exchange.failure(), exchange.failure() == FailureCause.CLIENT_TIMEOUT ? Http2ErrorCode.CANCEL
            : Http2ErrorCode.INTERNAL_ERROR);
        return false;
      case UPGRADED:
        loggedBackend = exchange.backendName();
        exchange.end();
        state = ENDED;
        answer(502, FailureCause.BAD_RESPONSE, "101 Switching Protocols cannot be sent over HTTP/2");
        return false;
      default:
        return false;
    }
  }

  /** The response cannot complete after its head went out: RST_STREAM tells the client. */
  private void abortStream(FailureCause cause, Http2ErrorCode code) {
    front.ctx.metrics.failure(cause);
    front.ctx.metrics.http2StreamReset();
    int status = exchange.status();
    loggedBackend = exchange.backendName();
    exchange.end();
    state = ENDED;
    stream.reset(code);
    finish(status, cause, null);
  }

  private void failed(IOException e) {
    log.debug("{}: HTTP/2 stream {} failed: {}", front.ctx.listener.name(), stream.id(), e.toString());
    if (exchange.responseStarted()) {
      abortStream(FailureCause.BACKEND_CLOSED, Http2ErrorCode.INTERNAL_ERROR);
    } else {
      loggedBackend = exchange.backendName();
      exchange.end();
      state = ENDED;
      answer(502, FailureCause.BACKEND_CLOSED, e.toString());
    }
  }

  /** The peak bandwidth's budget refilled: the backend is read again. */
  private void resumeReading() {
    if (state == RUNNING) {
      afterEvent();
    }
  }

  @Override
  void released() {
    downThrottle.close();
    body.clear();
    if (codec != null) {
      exchange.detachCodec();
      loop.exchangeCodecs().giveBack(codec);
      codec = null;
    }
    head = null;
    loggedBackend = null;
  }

  @Override
  String logMethod() {
    return head != null ? head.method() : "-";
  }

  @Override
  String logTarget() {
    return head != null ? head.target() : "-";
  }

  @Override
  Object logBackend() {
    return loggedBackend != null ? loggedBackend : "-";
  }

  @Override
  boolean responseStarted() {
    return exchange.responseStarted();
  }

  @Override
  void closeNow() {
    if (front != null && state != ENDED) {
      clientReset(Http2ErrorCode.CANCEL);
    }
  }

  // ---- the client as the exchange sees it ----

  @Override
  public ByteBuffer input() {
    return body.peek();
  }

  @Override
  public boolean inputEnded() {
    return requestEnded;
  }

  @Override
  public long write(ByteBuffer head, ByteBuffer body, int count) {
    throw new UnsupportedOperationException("an HTTP/2 stream takes the response head parsed");
  }

  @Override
  public int write(ByteBuffer buf, int count) {
    int limit = buf.limit();
    buf.limit(buf.position() + count);
    int n;
    try {
      n = stream.sendData(buf, false);
    } finally {
      buf.limit(limit);
    }
    if (n > 0) {
      bytesOut += n;
      lastWrite = System.nanoTime();
    }
    return Math.max(0, n);
  }

  @Override
  public boolean flush() {
    return true;
  }

  @Override
  public boolean outputPending() {
    return false;
  }

  @Override
  public long lastRead() {
    return front != null ? front.clientActiveSince(lastRead) : lastRead;
  }

  @Override
  public long lastWrite() {
    return lastWrite;
  }

  @Override
  public void shutdownOutput() {
    throw new UnsupportedOperationException("an HTTP/2 stream ends with END_STREAM");
  }

  @Override
  public boolean framesResponses() {
    return true;
  }

  @Override
  public boolean sendResponseHead(ResponseHead h, String setCookie, boolean noBody) {
    boolean sent = stream.sendHeaders(responseHead.convert(h, setCookie, front.http), noBody);
    lastWrite = System.nanoTime();
    if (sent && noBody) {
      responseEnded = true;
    }
    return sent;
  }
}
