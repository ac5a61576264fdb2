package io.lb4j.impl.listener;

import io.lb4j.impl.listener.http.BodyFraming;
import io.lb4j.impl.listener.http.BodyScanner;
import io.lb4j.impl.listener.http.ForwardingRewriter;
import io.lb4j.impl.listener.http.ParseResult;
import io.lb4j.impl.listener.http.RequestHead;
import io.lb4j.impl.listener.http.ResponseHead;
import io.lb4j.impl.listener.http.ResponseHeadParser;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The response side of an {@link Exchange}: the backend's response head parsed strictly (interim heads
 * relayed to HTTP/1.1 clients), handed to the exchange to judge ({@link Result#HEAD}), written for the
 * client once the exchange decided how ({@link #sendHead}), then the body streamed from the backend's
 * input as the body scanner finds where it ends. Each {@link #pump} says what happened ({@link Result}).
 * Used by its exchange's loop thread only; one response at a time.
 */
final class ResponseForwarder {

  /** What a {@link #pump} came to. */
  enum Result {
    /** Nothing could move. */
    IDLE,
    /** Bytes moved. */
    MOVED,
    /** A final response head was parsed ({@link #head()}): the exchange judges it, then {@link #sendHead}. */
    HEAD,
    /** The backend's response head is malformed ({@link #errorReason()}). */
    BAD_HEAD,
    /** The backend ended before a complete response head. */
    BACKEND_CLOSED,
    /** The response body is malformed ({@link #errorReason()}); the head is already out. */
    BAD_BODY,
    /** The backend ended before the end of the body; the head is already out. */
    CUT_OFF,
    /** The whole response went to the client. */
    COMPLETE
  }

  private final ForwardingRewriter rewriter;
  private final BufferPool buffers;
  /** The borrowed codec's response head parser ({@link ExchangeCodec}), from {@link #start} to {@link #detach}. */
  private ResponseHeadParser parser;
  /** The borrowed codec's response body scanner, from {@link #start} to {@link #detach}. */
  private BodyScanner body;
  private RequestHead request;
  /** The client, when it {@linkplain ClientSide#framesResponses frames responses} (HTTP/2); else null. */
  private ClientSide framing;
  /** A response head (interim or final) waiting to be written to the client; null once written. */
  private ByteBuffer head;
  /** Response body bytes at the backend input's position, scanned, not yet written to the client. */
  private int pending;
  private boolean started;
  /** The client cannot read chunked framing (HTTP/1.0): only chunk data is forwarded. */
  private boolean dechunk;
  private boolean anySent;
  private String errorReason;

  ResponseForwarder(ForwardingRewriter rewriter, BufferPool buffers) {
    this.rewriter = rewriter;
    this.buffers = buffers;
  }

  /**
   * A new request from {@code client}: no response yet; the borrowed codec's {@code parser} and {@code body}
   * will read it.
   */
  void start(RequestHead request, ClientSide client, ResponseHeadParser parser, BodyScanner body) {
    this.request = request;
    this.framing = client.framesResponses() ? client : null;
    this.parser = parser;
    this.body = body;
    pending = 0;
    started = false;
    anySent = false;
    errorReason = null;
  }

  /** A backend connection is ready: its response head is parsed from scratch. */
  void awaitHead() {
    parser.reset();
  }

  /**
   * Backend to client: interim heads, the response head with the body bytes already read (one write), then
   * body bytes as the scanner finds them.
   */
  Result pump(BackendLink backend, ClientSide client) throws IOException {
    boolean moved = false;
    ByteBuffer in = backend.input();
    if (head != null) {
      if (started) {
        scan(in); // a malformed body closes the connection below, once the head is out
      }
      int headBytes = head.remaining();
      long n = client.write(head, in, body.isError() ? 0 : pending);
      moved = n > 0;
      anySent |= moved;
      pending -= (int) Math.max(0, n - headBytes);
      if (head.hasRemaining()) {
        return moved ? Result.MOVED : Result.IDLE;
      }
      releaseHead();
    }
    if (!started) {
      if (in != null && in.hasRemaining()) {
        ParseResult r = parser.parse(in, request.isHeadMethod());
        if (r == ParseResult.COMPLETE) {
          if (!parser.head().isInterim()) {
            return Result.HEAD;
          }
          relayInterim();
          return Result.MOVED;
        }
        if (r == ParseResult.ERROR) {
          errorReason = parser.errorReason();
          return Result.BAD_HEAD;
        }
      }
      return backend.ended() ? Result.BACKEND_CLOSED : moved ? Result.MOVED : Result.IDLE;
    }
    scan(in);
    if (body.isError()) {
      errorReason = body.errorReason();
      return Result.BAD_BODY;
    }
    if (pending > 0) {
      int n = client.write(in, pending);
      pending -= n;
      moved |= n > 0;
    }
    if (pending == 0) {
      if (body.isComplete()) {
        return Result.COMPLETE;
      }
      if (backend.ended() && (in == null || !in.hasRemaining())) {
        body.endOfInput();
        return body.isComplete() ? Result.COMPLETE : Result.CUT_OFF; // complete: a body read until close
      }
    }
    return moved ? Result.MOVED : Result.IDLE;
  }

  private void scan(ByteBuffer in) {
    if (pending == 0 && in != null && in.hasRemaining()) {
      pending = dechunk ? body.scanDecoded(in) : body.scan(in);
    }
  }

  /**
   * An interim head (100 Continue...) goes to an HTTP/1.1 client as is, to a framing client as its own head;
   * the final head is parsed next.
   */
  private void relayInterim() {
    if (framing != null) {
      anySent |= framing.sendResponseHead(parser.head(), null, false);
    } else if (request.isHttp11()) {
      ByteBuffer interim = buffers.acquire();
      if (rewriter.writeResponse(parser.head(), false, false, null, interim) < 0) {
        buffers.release(interim);
      } else {
        interim.flip();
        head = interim;
      }
    }
    parser.reset();
  }

  /** The final response head, after {@link Result#HEAD}. */
  ResponseHead head() {
    return parser.head();
  }

  /**
   * Writes the final head for the client: {@code Connection: close} when {@code closeClient}, the session
   * cookie when not null. The body follows, unless the head is a 101 (the tunnel takes the head then); a
   * chunked body for an HTTP/1.0 client is de-chunked (its end is told by closing the connection).
   */
  void sendHead(boolean closeClient, String setCookie) {
    ResponseHead h = parser.head();
    started = true;
    if (framing != null) {
      // The client's protocol frames the body: a chunked one is forwarded as its chunks' data only.
      dechunk = h.framing() == BodyFraming.CHUNKED;
      body.start(h.framing(), h.contentLength());
      anySent = true;
      framing.sendResponseHead(h, setCookie, body.isComplete());
      return;
    }
    boolean clientHttp10 = !request.isHttp11();
    dechunk = clientHttp10 && h.framing() == BodyFraming.CHUNKED; // the rewriter drops Transfer-Encoding then
    ByteBuffer out = buffers.acquire();
    if (rewriter.writeResponse(h, clientHttp10, closeClient, setCookie, out) < 0) {
      buffers.release(out);
      out = ByteBuffer.allocate(h.headLength() * 2 + 4096);
      rewriter.writeResponse(h, clientHttp10, closeClient, setCookie, out);
    }
    out.flip();
    head = out;
    if (!h.isSwitchingProtocols()) {
      body.start(h.framing(), h.contentLength());
    }
  }

  /** After a 101: hands the head not yet written to the tunnel, which writes it first. */
  ByteBuffer takeHead() {
    ByteBuffer h = head;
    head = null;
    pending = 0;
    return h;
  }

  /** True once the final response head was accepted: a failure can then only close the client connection. */
  boolean started() {
    return started;
  }

  /** True once any response byte (an interim head included) went to the client. */
  boolean anySent() {
    return anySent;
  }

  /** True when the backend's connection stays usable after this response, as far as the response says. */
  boolean keepAlive() {
    return parser.head().keepAlive();
  }

  boolean wantsClientWrite() {
    return head != null || pending > 0;
  }

  /** Why the response was refused, after {@link Result#BAD_HEAD} or {@link Result#BAD_BODY}. */
  String errorReason() {
    return errorReason;
  }

  /**
   * The response ended: the next one is parsed from scratch, and until it starts a refusal on this
   * connection (a malformed next request, a loop) is answered with its status, not a reset.
   */
  void finish() {
    if (parser != null) { // null once detached: an idle connection that closes ends no response
      parser.reset();
    }
    started = false;
  }

  /** The connection gave its codec back (idle): no parser until the next {@link #start}. */
  void detach() {
    request = null;
    framing = null;
    parser = null;
    body = null;
  }

  void releaseHead() {
    if (head != null) {
      buffers.release(head);
      head = null;
    }
  }
}
