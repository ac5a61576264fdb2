package io.lb4j.impl.listener;

import io.lb4j.api.Outcome;
import io.lb4j.api.RequestContext;
import io.lb4j.api.Selection;
import io.lb4j.impl.listener.http.BodyFraming;
import io.lb4j.impl.listener.http.RequestHead;
import io.lb4j.impl.listener.http.ResponseHead;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One request and its response, from a parsed request head to the last response byte: which backend
 * serves it (and which were tried), the backend connection, the request and response forwarders, who is
 * blamed when something fails (what is reported to the pool), and whether the request may be sent again.
 *
 * <p>The client is a {@link ClientSide}, so the exchange never touches a client socket. Every call returns
 * a {@link Step}: what the client side must do next. The exchange never answers the client itself: a
 * failure it cannot recover from is {@link Step#FAILED} (answer with {@link #failure()}'s status) or, once
 * the response head went out, {@link Step#ABORTED} (close the client connection).
 *
 * <p>One per client connection, reset by {@link #start} for each request (requests are served one at a
 * time), so a request allocates nothing here. Used on its loop's thread only.
 */
final class Exchange {
  /** The connection's logger: log lines keep their category whichever part of the connection writes them. */
  private static final Logger log = LoggerFactory.getLogger(HttpProxyConnection.class);

  /** What the client side must do after a call. */
  enum Step {
    /** Nothing moved: wait for the next event. */
    IDLE,
    /** Something moved: call {@link #pump()} again. */
    MOVED,
    /** The response went out whole: {@link #finish()}, then close or read the next request. */
    DONE,
    /** Answer {@link #failure()} with its status, then close; nothing of a response went out. */
    FAILED,
    /** The response head went out and the exchange cannot complete: close the client connection. */
    ABORTED,
    /** A 101 was accepted: relay bytes both ways with an {@link UpgradeTunnel} over {@link #backend()}. */
    UPGRADED
  }

  private static final int IDLE = 0;
  private static final int CONNECTING = 1;
  private static final int FORWARDING = 2;
  private static final int TUNNELLED = 3;

  private final HttpContext http;
  private final ProxyContext ctx;
  private final BufferPool buffers;
  private final BackendConnectionPool pool;
  private final ClientSide client;
  private String clientIp;
  private final BackendDialer dialer;
  private final BackendLink backend;
  private final RequestForwarder up;
  private final ResponseForwarder down;
  private final ExchangeClocks clocks;

  private RequestHead request;
  /** The path to forward instead of the target's (normalized by the router), or null. */
  private CharSequence forwardPath;
  private long startNanos;
  private int phase = IDLE;
  private int status;
  private FailureCause failure;
  private String failureReason;
  private boolean closeClient;

  Exchange(HttpContext http, EventLoop loop, IoHandler owner, ClientSide client, String clientIp,
      Throttle downThrottle) {
    this.http = http;
    this.ctx = http.proxy;
    this.buffers = loop.buffers();
    this.pool = loop.backendPool();
    this.client = client;
    this.clientIp = clientIp;
    this.dialer = new BackendDialer(ctx, loop, owner, pool);
    this.backend = new BackendLink(ctx.metrics, buffers, downThrottle);
    this.up = new RequestForwarder(http.rewriter, buffers);
    this.down = new ResponseForwarder(http.rewriter, buffers);
    this.clocks = new ExchangeClocks(http.requestTimeoutNanos, http.writeTimeoutNanos);
  }

  /** The client's address for X-Forwarded-For and X-Real-IP (an HTTP/2 stream's exchange serves many clients). */
  void clientIp(String ip) {
    this.clientIp = ip;
  }

  /**
   * Starts serving {@code head}, which arrived whole at {@code nowNanos}: selects a backend of {@code group}
   * (the one the listener's routing chose) and connects; the request goes with {@code path} in place of its
   * target's path when not null. The forwarders parse and scan with {@code codec}, the client connection's
   * borrowed codec state, until {@link #detachCodec}.
   */
  Step start(RequestHead head, ExchangeCodec codec, RequestContext selectBy, GroupPool group, CharSequence path,
      long nowNanos) throws IOException {
    request = head;
    forwardPath = path;
    startNanos = nowNanos;
    status = 0;
    failure = null;
    failureReason = null;
    clocks.stop();
    closeClient = false;
    up.start(head, codec.requestBody);
    down.start(head, client, codec.responseParser, codec.responseBody);
    phase = CONNECTING;
    return dialed(dialer.dial(selectBy, group));
  }

  private Step dialed(BackendDialer.Result result) {
    switch (result) {
      case READY:
        return forward(dialer.connection());
      case UNAVAILABLE:
        return fail(dialer.failureCause(), dialer.failureReason());
      default:
        return Step.IDLE;
    }
  }

  private Step forward(BackendConnection connection) {
    phase = FORWARDING;
    backend.attach(connection, System.nanoTime());
    down.awaitHead();
    String hostIfAbsent = request.hasHost() ? null : dialer.selection().backend().authority();
    up.prepareHead(request, clientIp, hostIfAbsent, forwardPath);
    return Step.MOVED;
  }

  /** A readiness event on a key of this exchange's backend: a connect finished, or bytes arrived. */
  Step backendEvent(SelectionKey key) throws IOException {
    if (phase == CONNECTING && dialer.connecting(key)) {
      return dialed(dialer.finishConnect());
    }
    if (phase == FORWARDING && backend.owns(key) && key.isReadable()) {
      try {
        backend.read();
      } catch (IOException e) {
        return backendFailed("reset the connection (" + e.getMessage() + ")");
      }
    }
    return Step.IDLE;
  }

  /** Moves what can move both ways. */
  Step pump() throws IOException {
    if (phase != FORWARDING) {
      return Step.IDLE;
    }
    boolean moved = false;
    switch (up.pump(client, backend)) {
      case MOVED:
        moved = true;
        break;
      case BACKEND_FAILED:
        return backendFailed(backend.error());
      case BAD_REQUEST:
        return fail(FailureCause.BAD_REQUEST, up.errorReason());
      default:
        break;
    }
    switch (down.pump(backend, client)) {
      case MOVED:
        return Step.MOVED;
      case HEAD:
        return responseHead();
      case BAD_HEAD:
        report(Outcome.failure(Outcome.Kind.SERVER_ERROR, sinceStart()));
        return fail(FailureCause.BAD_RESPONSE, down.errorReason());
      case BACKEND_CLOSED:
        return backendFailed("closed the connection before a complete response head");
      case BAD_BODY:
        log.debug("{}: malformed response body from {}: {}", ctx.listener.name(), backend.address(),
            down.errorReason());
        return abort(FailureCause.BAD_RESPONSE);
      case CUT_OFF:
        report(Outcome.failure(Outcome.Kind.RESET, sinceStart()));
        return abort(FailureCause.BACKEND_CLOSED); // the status line is out: closing is the only way to tell
      case COMPLETE:
        return Step.DONE;
      default:
        return moved ? Step.MOVED : Step.IDLE;
    }
  }

  /** Judges the final response head: reported to the pool, then written for the client. */
  private Step responseHead() {
    ResponseHead head = down.head();
    if (head.isSwitchingProtocols() && !request.upgradeRequested()) {
      return fail(FailureCause.BAD_RESPONSE, "101 Switching Protocols to a request that asked for no upgrade");
    }
    // RFC 9112 section 6.1: an HTTP/1.0 client never gets Transfer-Encoding, and HTTP/2 has none (RFC 9113
    // section 8.2.2). A chunked body is de-chunked (for HTTP/1.0 ended by closing); any other coding could not
    // be undone, and was the backend's mistake to send.
    boolean framed = client.framesResponses();
    boolean dechunk = (framed || !request.isHttp11()) && head.framing() == BodyFraming.CHUNKED;
    if (dechunk && !head.chunkedOnly()) {
      report(Outcome.failure(Outcome.Kind.SERVER_ERROR, sinceStart()));
      return fail(FailureCause.BAD_RESPONSE, "a transfer coding other than chunked for an "
          + (framed ? "HTTP/2" : "HTTP/1.0") + " request");
    }
    status = head.status();
    Selection selection = dialer.selection();
    dialer.committed(); // the response started: no other backend will be asked
    report(Outcome.httpStatus(status, sinceStart()));
    ctx.readLoadReport(dialer.pool(), selection, head);
    SessionCookies.observe(dialer.pool(), selection, head);
    // The backend's own "Connection: close" ends the backend connection only: the client's stays open
    // (nginx's way), unless the body runs until the backend closes, which only a close can tell the client.
    closeClient = !request.keepAlive() || head.framing() == BodyFraming.UNTIL_CLOSE || dechunk || !up.bodyDone()
        || http.draining || client.inputEnded();
    down.sendHead(closeClient, SessionCookies.setCookie(selection, http.https()));
    if (head.isSwitchingProtocols()) {
      phase = TUNNELLED;
      up.enterTunnel();
      return Step.UPGRADED;
    }
    return Step.MOVED;
  }

  /**
   * The backend failed the request (reset, closed, a write failed) before the response ended. That counts
   * against it (passive ejection). Once the response head went out, the client connection is closed;
   * before, the request is sent again if that cannot run it twice ({@link #mayResend}): to another backend
   * ({@link BackendDialer#resend}). Otherwise 502.
   */
  private Step backendFailed(String why) {
    report(Outcome.failure(Outcome.Kind.RESET, sinceStart()));
    if (down.started()) {
      return abort(FailureCause.BACKEND_CLOSED);
    }
    if (!mayResend()) {
      return fail(FailureCause.BACKEND_CLOSED, "the backend " + why);
    }
    boolean pooled = backend.reused();
    log.debug("{}: {} connection to {} failed before the response ({}); sending the request again",
        ctx.listener.name(), pooled ? "pooled" : "new", backend.address(), why);
    backend.drop();
    up.restart();
    phase = CONNECTING;
    BackendDialer.Result r;
    try {
      r = dialer.resend(pooled);
    } catch (IOException e) {
      return fail(FailureCause.CONNECT_FAILED, e.toString());
    }
    // Out of sockets is the listener's own shortage (503, SOCKET_UNAVAILABLE), not the failed backend's.
    boolean nothingLeft = r == BackendDialer.Result.UNAVAILABLE
        && dialer.failureCause() != FailureCause.SOCKET_UNAVAILABLE;
    return nothingLeft ? fail(FailureCause.BACKEND_CLOSED, "the backend " + why) : dialed(r);
  }

  /**
   * True when sending the request again can neither run it twice nor mix two responses: nothing of the
   * response went to the client, no body byte left the client's buffer (the request can be sent whole), and
   * the method is idempotent (RFC 9110 section 9.2.2) or the backend cannot have read a byte of the request
   * (none was written to it).
   */
  private boolean mayResend() {
    return !down.anySent() && !up.bodySent() && (request.isIdempotentMethod() || backend.bytesWritten() == 0);
  }

  /**
   * Checks the exchange's deadlines at {@code nowNanos}: the connect, then the clock of the side that owes
   * bytes ({@link ExchangeClocks}). A silent backend is reported as a timeout (504); a client that stalls
   * its body gets 408, one that does not read its response is closed, and neither is held against the
   * backend.
   */
  Step checkTimeouts(long nowNanos) throws IOException {
    if (phase == CONNECTING) {
      return dialed(dialer.checkTimeout(nowNanos));
    }
    if (phase != FORWARDING) {
      return Step.IDLE;
    }
    switch (clocks.expired(nowNanos, backend.lastProgress(), client.lastRead(), client.lastWrite())) {
      case ExchangeClocks.BACKEND:
        report(Outcome.failure(Outcome.Kind.TIMEOUT, sinceStart()));
        return fail(FailureCause.TIMEOUT, (up.wantsBackendWrite() ? "the backend did not read the request within "
            : "the backend did not answer within ") + seconds(http.requestTimeoutNanos));
      case ExchangeClocks.CLIENT_SEND:
        return fail(FailureCause.CLIENT_TIMEOUT, "the request body did not arrive within "
            + seconds(http.requestTimeoutNanos));
      case ExchangeClocks.CLIENT_READ:
        log.debug("{}: closing a client that did not read its response for {}", ctx.listener.name(),
            seconds(http.writeTimeoutNanos));
        return abort(FailureCause.CLIENT_TIMEOUT); // no answer can reach a client that does not read
      default:
        return Step.IDLE;
    }
  }

  private static String seconds(long nanos) {
    return Duration.ofNanos(nanos).toSeconds() + "s";
  }

  /**
   * Tells the clocks who owes bytes now; called after each event. The backend owes while bytes wait for
   * it, or the answer once the request went out whole (or the response started, or a 100-continue is
   * awaited), but only while the client takes what it sent. The client owes body bytes while none wait for
   * the backend (and no 100-continue is awaited), and owes reading while response bytes wait for it.
   */
  private void updateClocks() {
    if (phase != FORWARDING) {
      clocks.stop();
      return;
    }
    boolean toClient = down.wantsClientWrite() || client.outputPending();
    boolean awaitingContinue = request.expectsContinue() && !down.anySent() && !up.bodySent();
    boolean toBackend = up.wantsBackendWrite();
    boolean backendOwes = !toClient && (toBackend || up.bodyDone() || down.started() || awaitingContinue);
    boolean clientOwesBody = !up.bodyDone() && !toBackend && !awaitingContinue;
    clocks.owing(backendOwes, clientOwesBody, toClient);
  }

  /** The next deadline {@link #checkTimeouts} looks at ({@code System.nanoTime()} scale). */
  long deadline() {
    if (phase == CONNECTING && dialer.isConnecting()) {
      return dialer.connectDeadline();
    }
    long fallback = System.nanoTime() + http.requestTimeoutNanos;
    return phase == FORWARDING
        ? clocks.deadline(backend.lastProgress(), client.lastRead(), client.lastWrite(), fallback) : fallback;
  }

  private Step fail(FailureCause cause, String reason) {
    failure = cause;
    failureReason = reason == null ? cause.label() : reason;
    return down.started() ? Step.ABORTED : Step.FAILED;
  }

  private Step abort(FailureCause cause) {
    failure = cause;
    return Step.ABORTED;
  }

  private void report(Outcome outcome) {
    dialer.pool().report(dialer.selection(), outcome);
  }

  private Duration sinceStart() {
    return Duration.ofNanos(System.nanoTime() - startNanos);
  }

  /**
   * After {@link Step#DONE}: the backend connection goes back to the idle pool when both messages ended
   * cleanly and the backend keeps it, else it is closed; the selection is released.
   */
  void finish() {
    // The backend connection's fate depends on its own exchange only: a client that closes (Connection: close,
    // HTTP/1.0) was never forwarded its Connection field, so the backend still keeps the connection open.
    boolean reusable = up.bodyDone() && down.keepAlive() && !backend.ended() && !http.draining;
    BackendConnection b = backend.detach();
    if (reusable) {
      pool.giveBack(b, System.nanoTime());
    } else {
      b.close(buffers);
    }
    dialer.releaseSelection();
    down.finish();
    phase = IDLE;
  }

  /** Ends the exchange at once (a failure was answered, or the client connection closes): frees everything. */
  void end() {
    backend.drop();
    dialer.close();
    up.releaseHead();
    down.releaseHead();
    down.finish();
    phase = IDLE;
  }

  /**
   * The client connection gives its codec back (it is idle, or closed, and the exchange ended): the
   * forwarders let go of the parsers and scanners, and of the request head, which lived in them.
   */
  void detachCodec() {
    up.detach();
    down.detach();
    request = null;
  }

  /**
   * After each event: sets the backend key's interest (reads while its input has room, writes while the
   * request has bytes) and tells the clocks who owes bytes.
   */
  void updateInterest() {
    if (phase == FORWARDING) {
      backend.interest(up.wantsBackendWrite());
    }
    updateClocks();
  }

  /** True while response bytes wait for the client. */
  boolean wantsClientWrite() {
    return phase == FORWARDING && down.wantsClientWrite();
  }

  /** The backend connection, for the tunnel after {@link Step#UPGRADED}. */
  BackendLink backend() {
    return backend;
  }

  /** After {@link Step#UPGRADED}: the 101 head not yet written, which the tunnel writes first. */
  ByteBuffer takeResponseHead() {
    return down.takeHead();
  }

  /** True when the client connection must close after this response. */
  boolean closeClient() {
    return closeClient;
  }

  /** True once the response head went out (or is going): a failure then closes the client connection. */
  boolean responseStarted() {
    return down.started();
  }

  long startNanos() {
    return startNanos;
  }

  /** The response status (the backend's), or 0 before the response head. */
  int status() {
    return status;
  }

  /** Why the exchange failed, after {@link Step#FAILED} or {@link Step#ABORTED}. */
  FailureCause failure() {
    return failure;
  }

  /** The reason to answer with, after {@link Step#FAILED}. */
  String failureReason() {
    return failureReason;
  }

  /** The backend serving the request, for the access log: its id, else its address, else "-". */
  Object backendName() {
    Selection s = dialer.selection();
    if (s != null) {
      return s.backend().id();
    }
    return backend.attached() ? backend.address() : "-";
  }
}
