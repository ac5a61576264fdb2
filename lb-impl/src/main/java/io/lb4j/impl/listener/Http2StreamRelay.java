package io.lb4j.impl.listener;

import io.lb4j.api.Outcome;
import io.lb4j.api.RequestContext;
import io.lb4j.impl.listener.http2.Http2ErrorCode;
import io.lb4j.impl.listener.http2.Http2Headers;
import io.lb4j.impl.listener.http2.Http2Stream;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.time.Duration;

/**
 * An HTTP/2 request stream relayed to an h2c backend as a stream of a pooled {@link Http2BackendConnection}:
 * what gRPC needs, trailers end to end. Headers are forwarded as they are ({@link Http2Forwarding}: plus
 * X-Forwarded-* and {@code via: 2 <id>}, {@code grpc-timeout} rewritten to the time left); each direction is a
 * {@link StreamPipe}, which passes DATA, trailers and the end within the receiver's windows and credits the
 * sender only for what was passed on, so a slow end stops its own sender; a reset from either side resets the
 * other.
 *
 * <p><b>Retries</b> (RFC 9113 section 8.7): a stream the backend did not process (REFUSED_STREAM, or above
 * the last stream id of its GOAWAY) is sent again, whatever its method; one the backend reset or lost before
 * answering, only if its method is idempotent. Either way only before any response went to the client and
 * while every request byte is still held here (the first {@link StreamBody#MAX_RETAINED} bytes are kept until
 * the response head comes). A retry goes to another backend; an unprocessed stream may go back to the same
 * backend once ({@link Http2BackendDialer}).
 *
 * <p><b>Timeouts.</b> Once the request went out whole, the backend owes the response head within the request
 * timeout (504, a gRPC client gets DEADLINE_EXCEEDED; reported to the pool as a timeout). After the head, a
 * long stream may be silent (a gRPC subscription): only the streams' idle timeout applies. A call's
 * {@code grpc-timeout} ends it when it passes; a client that leaves the response unread for the write
 * timeout gets its stream reset. Loop thread only; reused per stream ({@link #take}).
 */
final class Http2StreamRelay extends StreamProxy {
  private final Http2BackendPool backends;
  private final Http2Headers request = new Http2Headers();
  private final Http2Headers sending = new Http2Headers();
  private final Http2Headers out = new Http2Headers();
  private final StreamPipe up;
  private final StreamPipe down;
  private final Http2BackendDialer dialer;
  private final StringBuilder cookies = new StringBuilder();
  private boolean idempotent;
  private Http2BackendConnection backendConn;
  private Http2Stream backendStream;
  private long backendProgress;
  private long requestSentAt;
  private int status;
  private boolean responseStarted;
  private boolean done;
  private int refusalStatus;
  private FailureCause refusalCause;
  private String refusalReason;

  private Http2StreamRelay(Http2BackendPool backends) {
    this.backends = backends;
    this.up = new StreamPipe(backends.loop.buffers());
    this.down = new StreamPipe(backends.loop.buffers());
    this.dialer = new Http2BackendDialer(backends, this);
  }

  /** A free relay of this loop's, or a new one. */
  static Http2StreamRelay take(Http2BackendPool backends) {
    Http2StreamRelay r = backends.freeRelays.pollFirst();
    return r != null ? r : new Http2StreamRelay(backends);
  }

  @Override
  void opened(Http2Headers headers, boolean endStream, boolean badTimeout) {
    request.clear();
    backendConn = null;
    backendStream = null;
    status = 0;
    responseStarted = false;
    done = false;
    refusalCause = null;
    up.start(stream, endStream, true, startNanos);
    int method = headers.indexOf(":method");
    if (method >= 0 && headers.valueIs(method, "CONNECT")) {
      refuse(501, FailureCause.NOT_IMPLEMENTED, "CONNECT is not supported");
      return;
    }
    if (badTimeout) {
      refuse(400, FailureCause.BAD_REQUEST, "malformed grpc-timeout");
      return;
    }
    idempotent = Http2Forwarding.idempotent(headers);
    boolean cookieMode = front.ctx.listener.sessionPersistence().mode().isCookie();
    cookies.setLength(0);
    if (Http2Forwarding.forward(headers, request, front.http, front.clientIp, cookieMode ? cookies : null)
        == Http2Forwarding.LOOP) {
      refuse(508, FailureCause.LOOP, "the request already passed through this listener (Via " + front.http.viaId + ")");
      return;
    }
    dialer.start(cookies.length() == 0 ? front.clientContext : RequestContext.builder()
        .clientAddress(front.clientContext.clientAddress()).cookieHeader(cookies.toString()).build());
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

  // ---- finding the backend stream ----

  private void dial() {
    dialed(dialer.dial());
  }

  private void dialed(Http2BackendDialer.Result r) {
    switch (r) {
      case READY:
        openOn(dialer.connection());
        break;
      case FAILED:
        fail(dialer.failure(), dialer.failureReason());
        break;
      default:
        break; // waiting on a starting connection, which calls back
    }
  }

  /** Queued on {@code c} until it is ready (the pool tells). */
  void waitingOn(Http2BackendConnection c) {
    dialer.waitingOn(c);
  }

  /** The connection this relay waited on is ready: the stream opens there. */
  void connectionReady(Http2BackendConnection c) {
    dialer.doneWaiting();
    if (!done) {
      openOn(c);
      afterEvent();
    }
  }

  /** The connection this relay waited on took as many streams as the backend allows: another one. */
  void connectionFull() {
    dialer.doneWaiting();
    if (!done) {
      dialed(dialer.acquireAgain());
      afterEvent();
    }
  }

  /**
   * The connection this relay waited on will never be ready: its connect failed ({@code connectFailure},
   * reported against the backend; the next backend is tried), or it went away before use (a GOAWAY: the same
   * backend may be tried again, once).
   */
  void connectionFailed(boolean connectFailure) {
    dialer.doneWaiting();
    if (done) {
      return;
    }
    if (connectFailure) {
      dialer.connectFailed("connect failed or timed out");
    } else {
      dialer.unprocessed("the backend closed the connection before using it");
    }
    dial();
    afterEvent();
  }

  /** Opens the stream on {@code c}, with the time left as its {@code grpc-timeout}, and sends what it can. */
  private void openOn(Http2BackendConnection c) {
    sending.copyFrom(request);
    long now = System.nanoTime();
    if (callDeadline != 0) {
      sending.add("grpc-timeout", Grpc.formatTimeout(callDeadline - now));
    }
    if (!c.headerListFits(sending)) {
      // The backend announced it would refuse this list: not sent, and nothing is held against the backend.
      fail(FailureCause.HEADER_TOO_LARGE, "the request's header list of " + sending.listSize() + " bytes is"
          + " larger than the backend's SETTINGS_MAX_HEADER_LIST_SIZE of " + c.peerMaxHeaderListSize());
      return;
    }
    boolean endNow = up.endsWithHeaders();
    backendStream = c.openStream(sending, endNow, this);
    backendConn = c;
    backendProgress = now;
    requestSentAt = now;
    if (backendStream == null) {
      dialer.unprocessed("no stream could be opened");
      dial();
      return;
    }
    if (endNow) {
      up.endedWithHeaders();
    }
    up.to(backendStream);
    sendRequest();
  }

  /** Request bytes go to the backend's stream as its windows allow; the time the request went out whole. */
  private void sendRequest() {
    boolean wasDone = up.done();
    if (up.pump() && !wasDone) {
      requestSentAt = System.nanoTime();
    }
    if (up.trailersRefused()) {
      trailersRefused();
      return;
    }
    if (backendConn != null) {
      backendConn.flushSoon();
    }
  }

  // ---- the client's side ----

  @Override
  void data(ByteBuffer data, boolean endStream) {
    bytesIn += data.remaining();
    if (done) {
      stream.consumed(data.remaining());
      return;
    }
    up.data(data, endStream);
    sendRequest();
    afterEvent();
  }

  @Override
  void trailers(Http2Headers trailers) {
    if (!done) {
      up.trailers(trailers);
      sendRequest();
      afterEvent();
    }
  }

  @Override
  void clientReset(Http2ErrorCode code) {
    done = true;
    bytesOut = responseStarted ? down.passed() : 0;
    resetBackend();
    finish(status, null, "reset by client");
  }

  @Override
  void writable() {
    if (done) {
      continueAnswer();
      return;
    }
    if (down.pump()) {
      complete();
      return;
    }
    if (down.trailersRefused()) {
      trailersRefused();
      return;
    }
    if (backendConn != null) {
      backendConn.flushSoon(); // the credit read back lets the backend send more
    }
    afterEvent();
  }

  // ---- the backend's side (called by its connection) ----

  void backendHeaders(Http2Headers headers, boolean endStream) {
    backendProgress = System.nanoTime();
    int st = Http2Forwarding.status(headers);
    if (st < 200) {
      out.copyFrom(headers); // informational: 100 Continue, 103 Early Hints; left out when the client's limit
      stream.sendHeaders(out, false); // refuses them (sendHeaders sends nothing then): they are optional
      front.flushSoon();
      return;
    }
    dialer.report(Outcome.httpStatus(st, dialer.sinceAttempt()));
    Http2Forwarding.response(headers, out, front.http, dialer.pool(), dialer.selection());
    if (!stream.headerListFits(out)) {
      // The client announced it would refuse this list: no part of the response can reach it (nginx answers
      // an upstream's too-big header with 502 too).
      fail(FailureCause.BAD_RESPONSE, "the response's header list of " + out.listSize() + " bytes is larger"
          + " than the client's SETTINGS_MAX_HEADER_LIST_SIZE of " + stream.peerMaxHeaderListSize());
      return;
    }
    status = st;
    responseStarted = true;
    up.stopRetaining();
    down.start(backendStream, endStream, false, backendProgress);
    down.to(stream);
    dialer.letGroupGo(); // the response started: no other backend will be selected
    stream.sendHeaders(out, endStream);
    if (endStream) {
      down.endedWithHeaders();
      complete();
      return;
    }
    front.flushSoon();
    afterEvent();
  }

  void backendData(ByteBuffer data, boolean endStream) {
    backendProgress = System.nanoTime();
    if (done) {
      return;
    }
    down.data(data, endStream);
    if (down.done()) {
      complete();
      return;
    }
    if (down.trailersRefused()) {
      trailersRefused();
      return;
    }
    front.flushSoon();
    afterEvent();
  }

  void backendTrailers(Http2Headers trailers) {
    backendProgress = System.nanoTime();
    if (done) {
      return;
    }
    down.trailers(trailers);
    if (down.done()) {
      complete();
    } else if (down.trailersRefused()) {
      trailersRefused();
    }
  }

  void backendWritable() {
    if (!done) {
      sendRequest();
    }
  }

  /**
   * The backend's stream ended abnormally: {@code unprocessed} when the backend did not process it (refused,
   * left out of a GOAWAY). Sent again when that is safe, else 502 (gRPC: UNAVAILABLE), or once the response
   * started, the client's stream is reset too.
   */
  void backendReset(Http2ErrorCode code, boolean unprocessed) {
    backendStream = null;
    if (done) {
      return;
    }
    if (responseStarted) {
      if (down.ended()) {
        return; // a complete response, then RST_STREAM (NO_ERROR) to stop the request: the response drains
      }
      dialer.report(Outcome.failure(Outcome.Kind.RESET, dialer.sinceAttempt()));
      endWithReset(FailureCause.BACKEND_CLOSED, code == Http2ErrorCode.NO_ERROR ? Http2ErrorCode.INTERNAL_ERROR : code);
      return;
    }
    String why = "the backend reset the stream (" + code + ")";
    if (unprocessed) {
      dialer.unprocessed(why);
    } else {
      dialer.failed(why);
    }
    if ((unprocessed || idempotent) && up.replayable()) {
      up.rewind();
      dial();
      afterEvent();
      return;
    }
    fail(dialer.failure(), dialer.failureReason());
  }

  /** The response went to the client whole: both streams end, the backend is released, the stream finishes. */
  private void complete() {
    done = true;
    bytesOut = down.passed();
    resetBackend(); // only if it is still open: the request was not sent whole
    endRequestStream();
    front.flushSoon();
    finish(status, null, null);
  }

  // ---- time ----

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
        fail(FailureCause.TIMEOUT, "the call's grpc-timeout passed");
      }
      return;
    }
    if (backendOwesHead() && now - backendSilentSince() >= front.http.requestTimeoutNanos) {
      dialer.report(Outcome.failure(Outcome.Kind.TIMEOUT, dialer.sinceAttempt()));
      fail(FailureCause.TIMEOUT, "the backend did not answer within "
          + Duration.ofNanos(front.http.requestTimeoutNanos).toSeconds() + "s");
      return;
    }
    if (clientOwesRead() && now - down.lastPassed() >= front.http.writeTimeoutNanos) {
      endWithReset(FailureCause.CLIENT_TIMEOUT, Http2ErrorCode.CANCEL);
      return;
    }
    afterEvent();
  }

  /** Since when the backend is silent: its last byte or the request's end, not while the peak bandwidth holds it. */
  private long backendSilentSince() {
    return Math.max(requestSentAt, backendConn.activeSince(backendProgress));
  }

  /** The request went out whole and no response head came yet. */
  private boolean backendOwesHead() {
    return !responseStarted && backendStream != null && up.done();
  }

  /** Response bytes wait for the client's window. */
  private boolean clientOwesRead() {
    return responseStarted && down.holding();
  }

  private void afterEvent() {
    if (done || front == null) {
      return;
    }
    long d = callDeadline != 0 ? callDeadline : Long.MAX_VALUE;
    if (backendOwesHead()) {
      d = Math.min(d, backendSilentSince() + front.http.requestTimeoutNanos);
    }
    if (clientOwesRead()) {
      d = Math.min(d, down.lastPassed() + front.http.writeTimeoutNanos);
    }
    if (d != Long.MAX_VALUE) {
      front.loop.armBy(this, d);
    }
  }

  // ---- endings ----

  /** A failure before any response: answered (502, 503, 504; for gRPC its status), the stream finishes. */
  private void fail(FailureCause cause, String reason) {
    done = true;
    resetBackend();
    dialer.release();
    answer(cause.status(), cause, reason);
  }

  /** A failure once the response started: both streams are reset. */
  private void endWithReset(FailureCause cause, Http2ErrorCode code) {
    done = true;
    bytesOut = down.passed();
    front.ctx.metrics.failure(cause);
    front.ctx.metrics.http2StreamReset();
    resetBackend();
    stream.reset(code);
    front.flushSoon();
    finish(status, cause, null);
  }

  /**
   * Trailers larger than the receiving side's SETTINGS_MAX_HEADER_LIST_SIZE cannot go, and without them that
   * side would wait for an end that never comes. The response's trailers end the client's stream with a reset
   * (the backend's response was too large for the client: 502's cause). The request's trailers, before any
   * response, are answered with 431; after it started, both streams are reset.
   */
  private void trailersRefused() {
    if (down.trailersRefused()) {
      endWithReset(FailureCause.BAD_RESPONSE, Http2ErrorCode.INTERNAL_ERROR);
    } else if (responseStarted) {
      endWithReset(FailureCause.HEADER_TOO_LARGE, Http2ErrorCode.INTERNAL_ERROR);
    } else {
      fail(FailureCause.HEADER_TOO_LARGE, "the request's trailers are larger than the backend's"
          + " SETTINGS_MAX_HEADER_LIST_SIZE of " + backendConn.peerMaxHeaderListSize());
    }
  }

  /** Lets go of the backend's stream: reset (CANCEL) when it is still open. */
  private void resetBackend() {
    Http2Stream s = backendStream;
    if (s != null) {
      backendStream = null;
      s.attach(null);
      if (s.state() != Http2Stream.State.CLOSED) {
        s.reset(Http2ErrorCode.CANCEL);
      }
      backendConn.streamDone();
    }
  }

  @Override
  void released() {
    resetBackend();
    dialer.release();
    up.clear();
    down.clear();
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
    Object name = dialer.backendName();
    return name != null ? name : "-";
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
