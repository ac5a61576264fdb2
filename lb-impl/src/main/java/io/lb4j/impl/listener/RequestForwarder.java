package io.lb4j.impl.listener;

import io.lb4j.impl.listener.http.BodyScanner;
import io.lb4j.impl.listener.http.ForwardingRewriter;
import io.lb4j.impl.listener.http.RequestHead;
import java.nio.ByteBuffer;

/**
 * The request side of an {@link Exchange}: the request head rewritten for the backend, then the request
 * body streamed from the client's input as the body scanner finds where it ends. Bodies are never buffered
 * whole. Each {@link #pump} says what happened ({@link Result}); the exchange decides what follows. Used
 * by its exchange's loop thread only; one request at a time.
 */
final class RequestForwarder {

  /** What a {@link #pump} came to. */
  enum Result {
    /** Nothing could move. */
    IDLE,
    /** Bytes moved, or the body ended. */
    MOVED,
    /** A write to the backend failed ({@link BackendLink#error()}). */
    BACKEND_FAILED,
    /** The body is malformed, or the client ended before it did ({@link #errorReason()}). */
    BAD_REQUEST
  }

  private final ForwardingRewriter rewriter;
  private final BufferPool buffers;
  /** The borrowed codec's request body scanner ({@link ExchangeCodec}), from {@link #start} to {@link #detach}. */
  private BodyScanner body;
  /** The rewritten request head, waiting to be written to the backend; null once written. */
  private ByteBuffer head;
  /** Request body bytes at the client input's position, scanned, not yet written to the backend. */
  private int pending;
  private boolean bodyDone;
  private boolean bodySent;
  private String errorReason;

  RequestForwarder(ForwardingRewriter rewriter, BufferPool buffers) {
    this.rewriter = rewriter;
    this.buffers = buffers;
  }

  /** A new request: its body's framing, scanned by {@code body} (the borrowed codec's), nothing sent yet. */
  void start(RequestHead request, BodyScanner body) {
    this.body = body;
    body.start(request.framing(), request.contentLength());
    bodyDone = body.isComplete();
    bodySent = false;
    pending = 0;
    errorReason = null;
  }

  /**
   * Rewrites {@code request}'s head for the backend (forwarding fields added, hop-by-hop fields removed), with
   * {@code path} in place of its target's path when not null (the normalized path the rules matched).
   */
  void prepareHead(RequestHead request, String clientIp, String hostIfAbsent, CharSequence path) {
    head = buffers.acquire();
    if (rewriter.writeRequest(request, clientIp, hostIfAbsent, path, head) < 0) {
      // A head near the limits with the added fields does not fit a pooled buffer: a one-off buffer.
      buffers.release(head);
      head = ByteBuffer.allocate(request.headLength() * 2 + 4096 + (path == null ? 0 : path.length()));
      rewriter.writeRequest(request, clientIp, hostIfAbsent, path, head);
    }
    head.flip();
  }

  /**
   * Client to backend: the request head with the body bytes already read (one write), then body bytes as
   * the scanner finds them.
   */
  Result pump(ClientSide client, BackendLink backend) {
    boolean moved = false;
    ByteBuffer in = client.input();
    if (head != null) {
      if (!bodyDone) {
        scan(in); // a malformed body is refused below, once the head is out
      }
      int headBytes = head.remaining();
      long n = backend.write(head, in, body.isError() ? 0 : pending);
      if (n < 0) {
        return Result.BACKEND_FAILED;
      }
      moved = n > 0;
      int bodyWritten = (int) Math.max(0, n - headBytes);
      pending -= bodyWritten;
      bodySent |= bodyWritten > 0;
      if (head.hasRemaining()) {
        return moved ? Result.MOVED : Result.IDLE;
      }
      releaseHead();
    }
    if (bodyDone) {
      return moved ? Result.MOVED : Result.IDLE;
    }
    scan(in);
    if (body.isError()) {
      errorReason = body.errorReason();
      return Result.BAD_REQUEST;
    }
    if (pending > 0) {
      int n = backend.write(in, pending);
      if (n < 0) {
        return Result.BACKEND_FAILED;
      }
      pending -= n;
      bodySent |= n > 0;
      moved |= n > 0;
    }
    if (pending == 0) {
      if (body.isComplete()) {
        bodyDone = true;
        moved = true;
      } else if (client.inputEnded() && (in == null || !in.hasRemaining())) {
        body.endOfInput();
        errorReason = body.errorReason();
        return Result.BAD_REQUEST;
      }
    }
    return moved ? Result.MOVED : Result.IDLE;
  }

  private void scan(ByteBuffer in) {
    if (pending == 0 && in != null && in.hasRemaining()) {
      pending = body.scan(in);
    }
  }

  /**
   * The request will be sent again on another connection: its head is rewritten then. Body bytes scanned
   * but not written stay claimed at the input's position, so they go out behind the new head.
   */
  void restart() {
    releaseHead();
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

  /** True once a body byte went to the backend: those bytes are gone, so the request cannot be sent again. */
  boolean bodySent() {
    return bodySent;
  }

  /** Why the body was refused, after {@link Result#BAD_REQUEST}. */
  String errorReason() {
    return errorReason;
  }

  /** The connection gave its codec back (idle): no scanner until the next {@link #start}. */
  void detach() {
    body = null;
  }

  void releaseHead() {
    if (head != null) {
      buffers.release(head);
      head = null;
    }
  }
}
