package io.lb4j.impl.listener;

import io.lb4j.api.Outcome;
import io.lb4j.api.RequestContext;
import io.lb4j.api.Selection;
import io.lb4j.api.persistence.SessionPersistence;
import io.lb4j.impl.listener.http2.Http2ErrorCode;
import io.lb4j.impl.listener.http2.Http2Headers;
import io.lb4j.impl.listener.http2.Http2Stream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * An HTTP/2 request stream relayed to an h2c backend as a stream of a pooled {@link Http2BackendConnection}:
 * what gRPC needs, trailers end to end. Headers are forwarded as they are, plus X-Forwarded-* and
 * {@code via: 2 <id>} ({@code grpc-timeout} rewritten to the time left); DATA flows both ways within both
 * streams' windows, each side's bytes credited back only once the other side took them, so a slow end stops
 * its own sender; trailers and END_STREAM pass through, and a reset from either side resets the other.
 *
 * <p><b>Retries</b> (RFC 9113 section 8.7): a stream the backend did not process (REFUSED_STREAM, or above
 * the last stream id of its GOAWAY, or a connection that was never established) is sent again, whatever its
 * method; one the backend reset or lost before answering, only if its method is idempotent. Either way only
 * before any response went to the client and while every request byte is still held here (the first
 * {@link StreamBody#MAX_RETAINED} bytes are kept until the response head comes). A retry goes to another
 * backend; a refused (unprocessed) stream may go back to the same backend once.
 *
 * <p><b>Timeouts.</b> Once the request went out whole, the backend owes the response head within the request
 * timeout (504, a gRPC client gets DEADLINE_EXCEEDED; reported to the pool as a timeout). After the head, a
 * long stream may be silent (a gRPC subscription): only the streams' idle timeout applies. A call's
 * {@code grpc-timeout} ends it when it passes; a client that leaves the response unread for the write
 * timeout gets its stream reset. Loop thread only.
 */
final class Http2StreamRelay extends StreamProxy {
  private static final ByteBuffer EMPTY = ByteBuffer.allocate(0).asReadOnlyBuffer();

  private final Http2BackendPool backends;
  private final Http2Headers request = new Http2Headers();
  private final Http2Headers sending = new Http2Headers();
  private final Http2Headers out = new Http2Headers();
  private final Http2Headers requestTrailers = new Http2Headers();
  private final Http2Headers responseTrailers = new Http2Headers();
  private final StreamBody requestBody;
  private final StreamBody responseBody;
  private final List<String> tried = new ArrayList<>(2);
  private RequestContext selectBy;
  private boolean idempotent;
  private Selection selection;
  private Http2BackendConnection backendConn;
  private Http2Stream backendStream;
  private InetSocketAddress address;
  /** The starting connection this relay waits on, or null. */
  private Http2BackendConnection waitingOn;
  private int attempts;
  private boolean sameBackendRetried;
  private long attemptStart;
  private long backendProgress;
  private long requestSentAt;
  private long lastClientWrite;
  private int status;
  private boolean hasRequestTrailers;
  private boolean hasResponseTrailers;
  private boolean requestEnded;
  private boolean requestSent;
  private boolean responseStarted;
  private boolean backendEnded;
  private boolean responseDone;
  private boolean done;
  private FailureCause lastFailure;
  private String lastFailureReason;
  private Object loggedBackend;
  private int refusalStatus;
  private FailureCause refusalCause;
  private String refusalReason;

  private Http2StreamRelay(Http2BackendPool backends) {
    this.backends = backends;
    this.requestBody = new StreamBody(backends.loop.buffers());
    this.responseBody = new StreamBody(backends.loop.buffers());
  }

  /** A free relay of this loop's, or a new one. */
  static Http2StreamRelay take(Http2BackendPool backends) {
    Http2StreamRelay r = backends.freeRelays.pollFirst();
    return r != null ? r : new Http2StreamRelay(backends);
  }

  @Override
  void opened(Http2Headers headers, boolean endStream, boolean badTimeout) {
    request.clear();
    tried.clear();
    attempts = 0;
    sameBackendRetried = false;
    selection = null;
    backendConn = null;
    backendStream = null;
    waitingOn = null;
    status = 0;
    hasRequestTrailers = false;
    hasResponseTrailers = false;
    requestEnded = endStream;
    requestSent = false;
    responseStarted = false;
    backendEnded = false;
    responseDone = false;
    done = false;
    lastFailure = null;
    loggedBackend = null;
    refusalCause = null;
    lastClientWrite = startNanos;
    HttpContext http = front.http;
    int method = headers.indexOf(":method");
    if (method >= 0 && headers.valueIs(method, "CONNECT")) {
      refuse(501, FailureCause.NOT_IMPLEMENTED, "CONNECT is not supported");
      return;
    }
    if (badTimeout) {
      refuse(400, FailureCause.BAD_REQUEST, "malformed grpc-timeout");
      return;
    }
    idempotent = method >= 0 && (headers.valueIs(method, "GET") || headers.valueIs(method, "HEAD")
        || headers.valueIs(method, "OPTIONS") || headers.valueIs(method, "TRACE") || headers.valueIs(method, "PUT")
        || headers.valueIs(method, "DELETE"));
    StringBuilder forwardedFor = null;
    StringBuilder cookies = null;
    boolean cookieMode = front.ctx.listener.sessionPersistence().mode().isCookie();
    byte[] b = headers.bytes();
    for (int i = 0; i < headers.size(); i++) {
      if (headers.nameIs(i, "via")
          && http.rewriter.viaNamesThisListener(b, headers.valueOffset(i), headers.valueOffset(i) + headers.valueLength(i))) {
        refuse(508, FailureCause.LOOP, "the request already passed through this listener (Via " + http.viaId + ")");
        return;
      }
      if (headers.nameIs(i, "x-forwarded-for")) {
        forwardedFor = (forwardedFor == null ? new StringBuilder() : forwardedFor.append(", ")).append(headers.value(i));
        continue;
      }
      if (headers.nameIs(i, "x-forwarded-proto") || headers.nameIs(i, "x-forwarded-port")
          || headers.nameIs(i, "x-real-ip") || headers.nameIs(i, "grpc-timeout")
          || (!front.ctx.listener.underscoresInHeaders() && hasUnderscore(headers, i))) {
        continue;
      }
      if (cookieMode && headers.nameIs(i, "cookie")) {
        cookies = (cookies == null ? new StringBuilder() : cookies.append("; ")).append(headers.value(i));
      }
      request.add(headers, i);
    }
    request.add("x-forwarded-for", forwardedFor == null ? front.clientIp : forwardedFor.append(", ")
        .append(front.clientIp));
    request.add("x-forwarded-proto", http.https() ? "https" : "http");
    request.add("x-forwarded-port", http.listenerPort);
    request.add("x-real-ip", front.clientIp);
    request.add("via", http.via2);
    selectBy = cookies == null ? front.clientContext : RequestContext.builder()
        .clientAddress(front.clientContext.clientAddress()).cookieHeader(cookies.toString()).build();
    requestBody.start(stream, false);
    requestBody.retain(true);
  }

  private static boolean hasUnderscore(Http2Headers h, int i) {
    byte[] b = h.bytes();
    for (int k = h.nameOffset(i), end = k + h.nameLength(i); k < end; k++) {
      if (b[k] == '_') {
        return true;
      }
    }
    return false;
  }

  private void refuse(int status, FailureCause cause, String reason) {
    refusalStatus = status;
    refusalCause = cause;
    refusalReason = reason;
  }

  @Override
  void begin() {
    if (refusalCause != null) {
      done = true;
      answer(refusalStatus, refusalCause, refusalReason);
      return;
    }
    dial();
    afterEvent();
  }

  /** Selects a backend (not one already tried) and opens the request's stream on a pooled connection to it. */
  private void dial() {
    ProxyContext ctx = front.ctx;
    while (attempts < ctx.maxConnectAttempts) {
      attempts++;
      Selection s = ctx.pool.select(selectBy, tried);
      if (!s.hasBackend()) {
        if (lastFailure == null) {
          fail(FailureCause.NO_BACKEND, s.reason().description());
        } else {
          fail(lastFailure, lastFailureReason);
        }
        return;
      }
      if (attempts > 1) {
        ctx.metrics.retry();
      }
      selection = s;
      loggedBackend = s.backend().id();
      tried.add(s.backend().id());
      attemptStart = System.nanoTime();
      backendProgress = attemptStart;
      try {
        address = ProxyContext.addressOf(s);
      } catch (UnknownHostException e) {
        connectFailed(e.getMessage());
        continue;
      }
      if (acquire() != CONNECT_FAILED) {
        return;
      }
    }
    fail(lastFailure != null ? lastFailure : FailureCause.CONNECT_FAILED, lastFailureReason);
  }

  private static final int OPENED_OR_WAITING = 0;
  private static final int CONNECT_FAILED = 1;
  private static final int NO_SOCKET = 2;

  /** A stream on a connection to {@link #address}: opened now, or once a starting connection is ready. */
  private int acquire() {
    Http2BackendConnection c;
    try {
      c = backends.acquire(address, this);
    } catch (java.net.ConnectException e) {
      connectFailed(e.getMessage());
      return CONNECT_FAILED;
    } catch (IOException e) {
      fail(FailureCause.SOCKET_UNAVAILABLE, "cannot open a socket to the backend: " + e.getMessage());
      return NO_SOCKET;
    }
    if (c != null) {
      openOn(c);
    }
    return OPENED_OR_WAITING;
  }

  /** Queued on {@code c} until it is ready (the pool calls it). */
  void waitingOn(Http2BackendConnection c) {
    waitingOn = c;
  }

  /** The connection this relay waited on is ready: the stream opens there. */
  void connectionReady(Http2BackendConnection c) {
    waitingOn = null;
    if (!done) {
      openOn(c);
      afterEvent();
    }
  }

  /** The connection this relay waited on took as many streams as the backend allows: another one. */
  void connectionFull() {
    waitingOn = null;
    if (!done) {
      if (acquire() == CONNECT_FAILED) {
        dial();
      }
      afterEvent();
    }
  }

  /**
   * The connection this relay waited on will never be ready: its connect failed ({@code connectFailure},
   * reported against the backend; the next backend is tried), or it went away before use (a GOAWAY: the
   * same backend may be tried again, once).
   */
  void connectionFailed(boolean connectFailure) {
    waitingOn = null;
    if (done) {
      return;
    }
    if (connectFailure) {
      connectFailed("connect failed or timed out");
    } else {
      releaseSelection();
      if (!sameBackendRetried) {
        sameBackendRetried = true;
        tried.remove(loggedBackend);
      }
      lastFailure = FailureCause.BACKEND_CLOSED;
      lastFailureReason = "the backend closed the connection before using it";
    }
    dial();
    afterEvent();
  }

  /** Opens the request's stream on {@code c}, with the time left as its {@code grpc-timeout}, and sends what it can. */
  private void openOn(Http2BackendConnection c) {
    sending.copyFrom(request);
    long now = System.nanoTime();
    if (callDeadline != 0) {
      sending.add("grpc-timeout", Grpc.formatTimeout(callDeadline - now));
    }
    boolean endNow = requestEnded && requestBody.unread() == 0 && !hasRequestTrailers;
    backendStream = c.openStream(sending, endNow, this);
    backendConn = c;
    if (backendStream == null) {
      connectFailed("no stream could be opened");
      dial();
      return;
    }
    requestSent = endNow;
    requestSentAt = now;
    sendRequestBody();
  }

  /** The connect to the selected backend failed: reported, and the next one is tried. */
  private void connectFailed(String why) {
    front.ctx.pool.report(selection, Outcome.failure(Outcome.Kind.CONNECT_FAILURE, sinceAttempt()));
    releaseSelection();
    lastFailure = FailureCause.CONNECT_FAILED;
    lastFailureReason = "no backend accepted the connection after " + tried.size() + " attempts (" + why + ")";
  }

  /** Request bytes held here go to the backend's stream as its windows allow; then END_STREAM or trailers. */
  private void sendRequestBody() {
    if (backendStream == null || requestSent) {
      return;
    }
    ByteBuffer b;
    while ((b = requestBody.peek()) != null) {
      boolean last = requestEnded && !hasRequestTrailers && b.remaining() == requestBody.unread();
      int n = backendStream.sendData(b, last);
      if (n < 0) {
        return; // the stream is closed: its reset is on the way
      }
      if (b.hasRemaining()) {
        backendConn.flushSoon();
        return; // the backend's window is full: backendWritable continues
      }
      if (last) {
        markRequestSent();
      }
    }
    if (requestEnded && !requestSent) {
      if (hasRequestTrailers) {
        backendStream.sendTrailers(requestTrailers);
      } else {
        backendStream.sendData(EMPTY, true);
      }
      markRequestSent();
    }
    backendConn.flushSoon();
  }

  private void markRequestSent() {
    requestSent = true;
    requestSentAt = System.nanoTime();
  }

  @Override
  void data(ByteBuffer data, boolean endStream) {
    bytesIn += data.remaining();
    if (done) {
      stream.consumed(data.remaining());
      return;
    }
    requestBody.append(data);
    requestEnded |= endStream;
    sendRequestBody();
    afterEvent();
  }

  @Override
  void trailers(Http2Headers trailers) {
    requestEnded = true;
    if (done) {
      return;
    }
    requestTrailers.copyFrom(trailers);
    hasRequestTrailers = true;
    sendRequestBody();
    afterEvent();
  }

  @Override
  void clientReset(Http2ErrorCode code) {
    done = true;
    resetBackend(Http2ErrorCode.CANCEL);
    finish(status, null, "reset by client");
  }

  @Override
  void writable() {
    if (done) {
      continueAnswer();
      return;
    }
    drainResponse();
    afterEvent();
  }

  // ---- the backend's side of the stream (called by its connection) ----

  void backendHeaders(Http2Headers headers, boolean endStream) {
    backendProgress = System.nanoTime();
    int st = parseStatus(headers);
    if (st < 200) {
      out.copyFrom(headers); // informational: 100 Continue, 103 Early Hints
      stream.sendHeaders(out, false);
      front.flushSoon();
      return;
    }
    status = st;
    responseStarted = true;
    requestBody.retain(false);
    responseBody.start(backendStream, false);
    front.ctx.pool.report(selection, Outcome.httpStatus(st, sinceAttempt()));
    boolean serverCookie = front.ctx.listener.sessionPersistence().mode() == SessionPersistence.Mode.SERVER_COOKIE;
    out.clear();
    for (int i = 0; i < headers.size(); i++) {
      out.add(headers, i);
      if (serverCookie && headers.nameIs(i, "set-cookie")) {
        front.ctx.pool.observeSetCookie(selection, headers.value(i));
      }
    }
    out.add("via", front.http.via2);
    String cookie = SessionCookies.setCookie(selection, front.https());
    if (cookie != null) {
      out.add("set-cookie", cookie);
    }
    backendEnded = endStream;
    stream.sendHeaders(out, endStream);
    lastClientWrite = backendProgress;
    if (endStream) {
      responseDone = true;
      complete();
      return;
    }
    front.flushSoon();
  }

  void backendData(ByteBuffer data, boolean endStream) {
    backendProgress = System.nanoTime();
    if (done) {
      return;
    }
    int n = data.remaining();
    backendEnded |= endStream;
    if (responseBody.unread() == 0) {
      int sent = stream.sendData(data, endStream);
      if (sent > 0) {
        bytesOut += sent;
        lastClientWrite = backendProgress;
        backendStream.consumed(sent); // passed on at once: the backend may send more
      }
      if (sent == n && endStream) {
        responseDone = true;
        complete();
        return;
      }
    }
    if (data.hasRemaining()) {
      responseBody.append(data); // the client's window is short: held, credited once it takes them
    }
    front.flushSoon();
    afterEvent();
  }

  void backendTrailers(Http2Headers trailers) {
    backendProgress = System.nanoTime();
    backendEnded = true;
    if (done) {
      return;
    }
    if (responseBody.unread() == 0) {
      stream.sendTrailers(trailers);
      responseDone = true;
      complete();
      return;
    }
    responseTrailers.copyFrom(trailers);
    hasResponseTrailers = true;
  }

  void backendWritable() {
    if (!done) {
      sendRequestBody();
    }
  }

  /**
   * The backend's stream ended abnormally: {@code unprocessed} when the backend did not process it (refused,
   * left out of a GOAWAY, a connection never established). Sent again when that is safe, else 502 (gRPC:
   * UNAVAILABLE), or once the response started, the client's stream is reset too.
   */
  void backendReset(Http2ErrorCode code, boolean unprocessed) {
    backendStream = null;
    if (done) {
      return;
    }
    if (responseStarted) {
      if (backendEnded) {
        return; // a complete response, then RST_STREAM (NO_ERROR) to stop the request: the response drains
      }
      front.ctx.pool.report(selection, Outcome.failure(Outcome.Kind.RESET, sinceAttempt()));
      endWithReset(FailureCause.BACKEND_CLOSED, code == Http2ErrorCode.NO_ERROR ? Http2ErrorCode.INTERNAL_ERROR : code);
      return;
    }
    if (!unprocessed) {
      front.ctx.pool.report(selection, Outcome.failure(Outcome.Kind.RESET, sinceAttempt()));
    } else if (!sameBackendRetried) {
      // Refused, not failed: the same backend may take it on another stream (once).
      sameBackendRetried = true;
      tried.remove(selection.backend().id());
    }
    lastFailure = FailureCause.BACKEND_CLOSED;
    lastFailureReason = "the backend reset the stream (" + code + ")";
    releaseSelection();
    if ((unprocessed || idempotent) && requestBody.replayable()) {
      requestBody.rewind();
      requestSent = false;
      dial();
      afterEvent();
      return;
    }
    fail(lastFailure, lastFailureReason);
  }

  /** Response bytes held here go to the client as its windows allow; then END_STREAM or trailers. */
  private void drainResponse() {
    if (done || !responseStarted) {
      return;
    }
    ByteBuffer b;
    while ((b = responseBody.peek()) != null) {
      boolean last = backendEnded && !hasResponseTrailers && b.remaining() == responseBody.unread();
      int n = stream.sendData(b, last);
      if (n < 0) {
        return;
      }
      if (n > 0) {
        bytesOut += n;
        lastClientWrite = System.nanoTime();
      }
      if (b.hasRemaining()) {
        front.flushSoon();
        return;
      }
      if (last) {
        responseDone = true;
      }
    }
    if (backendConn != null) {
      backendConn.flushSoon(); // the credit read back lets the backend send more
    }
    if (backendEnded && !responseDone) {
      if (hasResponseTrailers) {
        stream.sendTrailers(responseTrailers);
      } else {
        stream.sendData(EMPTY, true);
      }
      responseDone = true;
    }
    if (responseDone) {
      complete();
      return;
    }
    front.flushSoon();
  }

  /** The response went to the client whole: both streams end, the backend is released, the stream finishes. */
  private void complete() {
    done = true;
    resetBackend(Http2ErrorCode.CANCEL); // only if it is still open: the request was not sent whole
    endRequestStream();
    front.flushSoon();
    finish(status, null, null);
  }

  @Override
  void ready(SelectionKey key) {
    // Backend sockets belong to their connections, not to relays.
  }

  @Override
  void checkTimeouts(long now) {
    if (done) {
      return;
    }
    if (callExpired(now)) {
      if (responseStarted) {
        endWithReset(FailureCause.TIMEOUT, Http2ErrorCode.CANCEL);
      } else {
        resetBackend(Http2ErrorCode.CANCEL);
        fail(FailureCause.TIMEOUT, "the call's grpc-timeout passed");
      }
      return;
    }
    if (backendOwesHead() && now - Math.max(requestSentAt, backendProgress) >= front.http.requestTimeoutNanos) {
      front.ctx.pool.report(selection, Outcome.failure(Outcome.Kind.TIMEOUT, sinceAttempt()));
      resetBackend(Http2ErrorCode.CANCEL);
      fail(FailureCause.TIMEOUT, "the backend did not answer within "
          + Duration.ofNanos(front.http.requestTimeoutNanos).toSeconds() + "s");
      return;
    }
    if (clientOwesRead() && now - lastClientWrite >= front.http.writeTimeoutNanos) {
      endWithReset(FailureCause.CLIENT_TIMEOUT, Http2ErrorCode.CANCEL);
      return;
    }
    afterEvent();
  }

  private boolean backendOwesHead() {
    return !responseStarted && backendStream != null && requestSent;
  }

  private boolean clientOwesRead() {
    return responseStarted && responseBody.unread() > 0;
  }

  private void afterEvent() {
    if (done || front == null) {
      return;
    }
    long d = callDeadline != 0 ? callDeadline : Long.MAX_VALUE;
    if (backendOwesHead()) {
      d = Math.min(d, Math.max(requestSentAt, backendProgress) + front.http.requestTimeoutNanos);
    }
    if (clientOwesRead()) {
      d = Math.min(d, lastClientWrite + front.http.writeTimeoutNanos);
    }
    if (d != Long.MAX_VALUE) {
      front.loop.armBy(this, d);
    }
  }

  /** A failure before any response: answered (502, 503, 504; for gRPC its status), the stream finishes. */
  private void fail(FailureCause cause, String reason) {
    done = true;
    resetBackend(Http2ErrorCode.CANCEL);
    releaseSelection();
    answer(cause.status(), cause, reason);
  }

  /** A failure once the response started: both streams are reset. */
  private void endWithReset(FailureCause cause, Http2ErrorCode code) {
    done = true;
    front.ctx.metrics.failure(cause);
    front.ctx.metrics.http2StreamReset();
    resetBackend(Http2ErrorCode.CANCEL);
    stream.reset(code);
    front.flushSoon();
    finish(status, cause, null);
  }

  private void resetBackend(Http2ErrorCode code) {
    Http2Stream s = backendStream;
    if (s != null) {
      backendStream = null;
      s.attach(null);
      if (s.state() != Http2Stream.State.CLOSED) {
        s.reset(code);
      }
      backendConn.streamDone();
    }
  }

  private void releaseSelection() {
    if (selection != null) {
      selection.release();
      selection = null;
    }
  }

  private Duration sinceAttempt() {
    return Duration.ofNanos(System.nanoTime() - attemptStart);
  }

  private static int parseStatus(Http2Headers h) {
    int i = h.indexOf(":status");
    byte[] b = h.bytes();
    int v = h.valueOffset(i);
    return (b[v] - '0') * 100 + (b[v + 1] - '0') * 10 + (b[v + 2] - '0');
  }

  @Override
  void released() {
    if (waitingOn != null) {
      waitingOn.removeWaiter(this);
      waitingOn = null;
    }
    resetBackend(Http2ErrorCode.CANCEL);
    releaseSelection();
    requestBody.clear();
    responseBody.clear();
    backendConn = null;
    if (backends.freeRelays.size() < Http1StreamExchange.MAX_POOLED) {
      backends.freeRelays.addFirst(this);
    }
  }

  @Override
  String logMethod() {
    String m = request.get(":method");
    return m != null ? m : "-";
  }

  @Override
  String logTarget() {
    String p = request.get(":path");
    return p != null ? p : "-";
  }

  @Override
  Object logBackend() {
    return loggedBackend != null ? loggedBackend : "-";
  }

  @Override
  boolean responseStarted() {
    return responseStarted;
  }

  @Override
  void closeNow() {
    if (!done && front != null) {
      clientReset(Http2ErrorCode.CANCEL);
    }
  }
}
