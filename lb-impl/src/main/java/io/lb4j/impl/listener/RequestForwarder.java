package io.lb4j.impl.listener;

import io.lb4j.impl.listener.http.BodyScanner;
import io.lb4j.impl.listener.http.RequestHead;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The request side of an {@link HttpProxyConnection}: the request head rewritten for the backend, then the
 * request body streamed from the client's input buffer as the body scanner finds where it ends. Bodies are
 * never buffered whole. Used by the connection's loop thread only; one request at a time.
 */
final class RequestForwarder {
  private final HttpProxyConnection conn;
  /** The borrowed codec's request body scanner, from {@link #start} until {@link #detach}. */
  private BodyScanner body;
  /** The rewritten request head, waiting to be written to the backend; null once written. */
  private ByteBuffer head;
  /** Request body bytes at the client buffer's position, scanned, not yet written to the backend. */
  private int pending;
  private boolean bodyDone;
  private boolean bodySent;

  RequestForwarder(HttpProxyConnection conn) {
    this.conn = conn;
  }

  /** A new request: its body's framing, nothing sent yet. */
  void start(RequestHead request) {
    body = conn.codec.requestBody;
    body.start(request.framing(), request.contentLength());
    bodyDone = body.isComplete();
    bodySent = false;
    pending = 0;
  }

  /** Rewrites {@code request}'s head for the backend (forwarding fields added, hop-by-hop fields removed). */
  void prepareHead(RequestHead request, String hostIfAbsent) {
    HttpContext http = conn.http;
    head = conn.buffers.acquire();
    if (http.rewriter.writeRequest(request, conn.clientIp, hostIfAbsent, head) < 0) {
      // A head near the limits with the added fields does not fit a pooled buffer: a one-off buffer.
      conn.buffers.release(head);
      head = ByteBuffer.allocate(request.headLength() * 2 + 4096);
      http.rewriter.writeRequest(request, conn.clientIp, hostIfAbsent, head);
    }
    head.flip();
  }

  /**
   * Client to backend: the request head with the body bytes already read (one write), then body bytes as
   * the scanner finds them. True when something moved or the exchange changed state.
   */
  boolean pump() throws IOException {
    boolean progress = false;
    if (head != null) {
      if (!bodyDone) {
        scan(); // a malformed body is refused below, once the head is out
      }
      int headBytes = head.remaining();
      long n = conn.writeHeadThenSlice(head, conn.clientIn, body.isError() ? 0 : pending, true);
      if (n < 0) {
        return true;
      }
      progress = n > 0;
      int bodyWritten = (int) Math.max(0, n - headBytes);
      pending -= bodyWritten;
      bodySent |= bodyWritten > 0;
      if (head.hasRemaining()) {
        return progress;
      }
      releaseHead();
    }
    if (bodyDone) {
      return progress;
    }
    scan();
    if (body.isError()) {
      conn.fail(FailureCause.BAD_REQUEST, body.errorReason());
      return true;
    }
    if (pending > 0) {
      int n = conn.writeSlice(conn.clientIn, pending, true);
      if (n < 0) {
        return true;
      }
      pending -= n;
      bodySent |= n > 0;
      progress |= n > 0;
    }
    if (pending == 0) {
      if (body.isComplete()) {
        bodyDone = true;
        progress = true;
      } else if (conn.clientEof && (conn.clientIn == null || !conn.clientIn.hasRemaining())) {
        body.endOfInput();
        conn.fail(FailureCause.BAD_REQUEST, body.errorReason());
        return true;
      }
    }
    return progress;
  }

  private void scan() {
    ByteBuffer in = conn.clientIn;
    if (pending == 0 && in != null && in.hasRemaining()) {
      pending = body.scan(in);
    }
  }

  /** After a 101 the client's bytes are the tunnel's, not a body. */
  void enterTunnel() {
    pending = 0;
  }

  boolean wantsBackendWrite() {
    return head != null || pending > 0;
  }

  /** True once the whole request body (if any) was written to the backend. */
  boolean bodyDone() {
    return bodyDone;
  }

  /** True once a body byte went to the backend: a failing pooled connection is then not retried as stale. */
  boolean bodySent() {
    return bodySent;
  }

  /** The connection gave its codec back (idle): no scanner until the next {@link #start}. */
  void detach() {
    body = null;
  }

  void releaseHead() {
    if (head != null) {
      conn.buffers.release(head);
      head = null;
    }
  }
}
