package io.lb4j.impl.listener;

import io.lb4j.api.Outcome;
import io.lb4j.impl.listener.http.BodyScanner;
import io.lb4j.impl.listener.http.ParseResult;
import io.lb4j.impl.listener.http.RequestHead;
import io.lb4j.impl.listener.http.ResponseHead;
import io.lb4j.impl.listener.http.ResponseHeadParser;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The response side of an {@link HttpProxyConnection}: the backend's response head parsed strictly (interim
 * heads relayed, a 101 only to a request that asked for an upgrade), reported to the pool, rewritten for the
 * client, then the body streamed from the backend's input buffer as the body scanner finds where it ends.
 * Used by the connection's loop thread only; one response at a time.
 */
final class ResponseForwarder {
  /** The connection's logger: log lines keep their category whichever half of the connection writes them. */
  private static final Logger log = LoggerFactory.getLogger(HttpProxyConnection.class);

  private final HttpProxyConnection conn;
  /** The borrowed codec's response parser and body scanner, from {@link #start} until {@link #detach}. */
  private ResponseHeadParser parser;
  private BodyScanner body;
  /** Response body bytes at the backend buffer's position, scanned, not yet written to the client. */
  private int pending;
  private boolean started;
  private boolean closeAfterResponse;

  ResponseForwarder(HttpProxyConnection conn) {
    this.conn = conn;
  }

  /** A new request: no response yet. */
  void start() {
    parser = conn.codec.responseParser;
    body = conn.codec.responseBody;
    pending = 0;
    started = false;
    closeAfterResponse = false;
  }

  /** A backend connection is ready: its response head is parsed from scratch. */
  void awaitHead() {
    parser.reset();
  }

  /**
   * Backend to client: interim heads, the response head with the body bytes already read (one write), then
   * body bytes as the scanner finds them. True when something moved or the exchange changed state.
   */
  boolean pump() throws IOException {
    if (!conn.inExchange()) {
      return false;
    }
    boolean progress = false;
    ByteBuffer in = conn.backend.in;
    if (conn.downHead != null) {
      if (started) {
        scan(in); // a malformed body closes the connection below, once the head is out
      }
      int headBytes = conn.downHead.remaining();
      long n = conn.writeHeadThenSlice(conn.downHead, in, body.isError() ? 0 : pending, false);
      progress = n > 0;
      pending -= (int) Math.max(0, n - headBytes);
      if (conn.downHead.hasRemaining()) {
        return progress;
      }
      conn.releaseDownHead();
    }
    if (!started) {
      if (in != null && in.hasRemaining()) {
        ParseResult r = parser.parse(in, conn.requestParser.head().isHeadMethod());
        if (r == ParseResult.COMPLETE) {
          return responseHead();
        }
        if (r == ParseResult.ERROR) {
          conn.report(Outcome.failure(Outcome.Kind.SERVER_ERROR, conn.sinceRequestStart()));
          conn.fail(FailureCause.BAD_RESPONSE, parser.errorReason());
          return true;
        }
      }
      if (conn.backendEof) {
        conn.backendFailed("closed the connection before a complete response head");
        return true;
      }
      return progress;
    }
    scan(in);
    if (body.isError()) {
      log.debug("{}: malformed response body from {}: {}", conn.ctx.listener.name(), conn.backend.address,
          body.errorReason());
      conn.abortAfter(FailureCause.BAD_RESPONSE);
      return false;
    }
    if (pending > 0) {
      int n = conn.writeSlice(in, pending, false);
      pending -= n;
      progress |= n > 0;
    }
    if (pending == 0) {
      if (body.isComplete()) {
        conn.finishExchange();
        return true;
      }
      if (conn.backendEof && (in == null || !in.hasRemaining())) {
        body.endOfInput();
        if (body.isComplete()) {
          conn.finishExchange(); // a body read until close
          return true;
        }
        conn.report(Outcome.failure(Outcome.Kind.RESET, conn.sinceRequestStart()));
        conn.abortAfter(FailureCause.BACKEND_CLOSED); // the status line is out: closing is the only way to tell
        return false;
      }
    }
    return progress;
  }

  private void scan(ByteBuffer in) {
    if (pending == 0 && in != null && in.hasRemaining()) {
      pending = body.scan(in);
    }
  }

  private boolean responseHead() {
    ResponseHead head = parser.head();
    RequestHead request = conn.requestParser.head();
    HttpContext http = conn.http;
    BufferPool buffers = conn.buffers;
    if (head.isInterim()) {
      if (request.isHttp11()) {
        ByteBuffer interim = buffers.acquire();
        if (http.rewriter.writeResponse(head, false, false, null, interim) < 0) {
          buffers.release(interim);
        } else {
          interim.flip();
          conn.downHead = interim;
        }
      }
      parser.reset();
      return true;
    }
    if (head.isSwitchingProtocols() && !request.upgradeRequested()) {
      conn.fail(FailureCause.BAD_RESPONSE, "101 Switching Protocols to a request that asked for no upgrade");
      return true;
    }
    conn.status = head.status();
    started = true;
    conn.report(Outcome.httpStatus(conn.status, conn.sinceRequestStart()));
    SessionCookies.observe(conn.ctx, conn.dialer.selection(), head);
    closeAfterResponse = !request.keepAlive() || !head.keepAlive() || !conn.requestBodyDone() || http.draining
        || conn.clientEof;
    String setCookie = SessionCookies.setCookie(conn.dialer.selection(), http.https());
    ByteBuffer out = buffers.acquire();
    if (http.rewriter.writeResponse(head, !request.isHttp11(), closeAfterResponse, setCookie, out) < 0) {
      buffers.release(out);
      out = ByteBuffer.allocate(head.headLength() * 2 + 4096);
      http.rewriter.writeResponse(head, !request.isHttp11(), closeAfterResponse, setCookie, out);
    }
    out.flip();
    conn.downHead = out;
    if (head.isSwitchingProtocols()) {
      pending = 0;
      conn.startTunnel();
      return true;
    }
    body.start(head.framing(), head.contentLength());
    return true;
  }

  /** True once the response head was accepted: a failure can then only close the client connection. */
  boolean started() {
    return started;
  }

  boolean closeAfterResponse() {
    return closeAfterResponse;
  }

  /** True when the backend's connection stays usable after this response, as far as the response says. */
  boolean keepAlive() {
    return parser.head().keepAlive();
  }

  boolean wantsClientWrite() {
    return pending > 0;
  }

  /**
   * The response ended: the next one is parsed from scratch, and until it starts a refusal on this
   * connection (a malformed next request, a loop) is answered with its status, not a reset.
   */
  void finish() {
    parser.reset();
    started = false;
  }

  /** The connection gave its codec back (idle): no parser until the next {@link #start}. */
  void detach() {
    parser = null;
    body = null;
  }
}
