package io.lb4j.impl.listener;

import io.lb4j.impl.listener.http.HttpErrorResponses;
import io.lb4j.impl.listener.http2.Http2ErrorCode;
import io.lb4j.impl.listener.http2.Http2Headers;
import io.lb4j.impl.listener.http2.Http2Stream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One request stream of an {@link Http2Frontend}, forwarded to a backend: to an HTTP/1.1 backend through an
 * {@link Exchange} ({@link Http1StreamExchange}), or to an HTTP/2 backend as a stream of its own
 * ({@link Http2StreamRelay}). This part is what both share: the frontend's events for the stream, the call's
 * deadline ({@code grpc-timeout}), the listener's own answers (a status with a one-line text body, or for
 * gRPC a trailers-only response with the gRPC status a client expects), and the end of the stream (one
 * access-log line, the response counted). Each proxy is its own {@link IoHandler}: backend sockets and the
 * stream's timer call it directly, and it asks its frontend to flush once per loop turn.
 *
 * <p>Life: {@link #open} inside the frontend's HEADERS callback (copies what it needs: the header list is the
 * connection's), {@link #begin} once the read that brought it is handled (a stream reset in the same read
 * never reaches a backend: rapid reset costs no backend work), then events until {@link #finish}. Loop
 * thread only.
 */
abstract class StreamProxy extends IoHandler {
  /** The connection's logger: log lines keep their category whichever part of the connection writes them. */
  static final Logger log = LoggerFactory.getLogger(HttpProxyConnection.class);
  private static final byte[] TEXT_PLAIN = "text/plain; charset=utf-8".getBytes(StandardCharsets.US_ASCII);

  Http2Frontend front;
  Http2Stream stream;
  long startNanos;
  /** The request is a gRPC call: the listener's own answers are gRPC statuses. */
  boolean grpc;
  boolean headMethod;
  /** When the call's {@code grpc-timeout} runs out ({@code System.nanoTime()} scale), or 0 for none. */
  long callDeadline;
  /** DATA bytes received and sent on the frontend stream, for the access log. */
  long bytesIn;
  long bytesOut;
  /** True once this proxy's work for the stream is over (logged, counted). */
  boolean finished;
  /**
   * Opened and not yet begun. A proxy finished and given back within one read can be taken again by a later
   * stream of that read, so it may sit in the frontend's queue twice: it begins once, for its current stream.
   */
  boolean awaitingBegin;
  private final Http2Headers answer = new Http2Headers();
  /** The body of an own answer not yet taken by the stream (its window was short), or null. */
  private ByteBuffer answerBody;
  private int answerStatus;
  private FailureCause answerCause;
  private String answerReason;

  /** Takes the stream, inside the frontend's HEADERS callback: {@code headers} is valid during the call only. */
  final void open(Http2Frontend front, Http2Stream stream, Http2Headers headers, boolean endStream, long now) {
    this.front = front;
    this.stream = stream;
    this.startNanos = now;
    this.finished = false;
    this.awaitingBegin = true;
    this.bytesIn = 0;
    this.bytesOut = 0;
    this.answerBody = null;
    int method = headers.indexOf(":method");
    this.headMethod = method >= 0 && headers.valueIs(method, "HEAD");
    this.grpc = Grpc.isGrpc(headers);
    stream.attach(this);
    long timeout = grpc ? Grpc.timeoutNanos(headers) : Grpc.NO_TIMEOUT;
    callDeadline = timeout >= 0 ? now + Math.max(1, Math.min(timeout, Long.MAX_VALUE / 4)) : 0;
    opened(headers, endStream, timeout == Grpc.MALFORMED);
  }

  /**
   * Copies or converts what the proxy needs of the request headers; refusals are answered at {@link #begin}.
   * {@code badTimeout}: the call's {@code grpc-timeout} is malformed.
   */
  abstract void opened(Http2Headers headers, boolean endStream, boolean badTimeout);

  /** Starts forwarding: the read that opened the stream is handled, and the stream was not reset in it. */
  abstract void begin();

  /** Request DATA ({@code data} valid during the call only). */
  abstract void data(ByteBuffer data, boolean endStream);

  /** The request's trailers, which end it. */
  abstract void trailers(Http2Headers trailers);

  /** The client reset the stream, or the connection is closing: stop, release everything, finish. */
  abstract void clientReset(Http2ErrorCode code);

  /** The stream may send again: continue an answer, or the response. */
  abstract void writable();

  /** The request method and target, for the access log (allocates; called only when it logs). */
  abstract String logMethod();

  abstract String logTarget();

  /** The backend's name for the access log, or "-". */
  abstract Object logBackend();

  /** True when a response head (the backend's or an answer) went to the client. */
  abstract boolean responseStarted();

  /**
   * Answers on the stream with {@code status} (and the reason as a one-line text body), or for a gRPC call
   * with the matching gRPC status in a trailers-only response; then finishes when the answer is out. Only
   * before a response head went out (after, reset the stream instead).
   */
  final void answer(int status, FailureCause cause, String reason) {
    front.ctx.metrics.failure(cause);
    answerStatus = status;
    answerCause = cause;
    answerReason = reason;
    if (grpc) {
      Grpc.trailersOnly(answer, Grpc.statusFor(status, cause), reason == null ? cause.label() : reason);
      stream.sendHeaders(answer, true);
      answered();
      return;
    }
    byte[] body = (status + " " + HttpErrorResponses.reasonPhrase(status) + ": " + (reason == null ? cause.label()
        : printable(reason)) + "\n").getBytes(StandardCharsets.UTF_8);
    answer.clear();
    answer.addStatus(status);
    answer.add("content-type".getBytes(StandardCharsets.US_ASCII), TEXT_PLAIN);
    answer.add("content-length", Integer.toString(body.length));
    if (!stream.sendHeaders(answer, headMethod) || headMethod) {
      answered();
      return;
    }
    answerBody = ByteBuffer.wrap(body);
    continueAnswer();
  }

  /** True while an own answer waits for the stream's window; sends more of it. */
  final boolean continueAnswer() {
    if (answerBody == null) {
      return false;
    }
    int n = stream.sendData(answerBody, true);
    if (n < 0 || !answerBody.hasRemaining()) {
      answerBody = null;
      answered();
      return false;
    }
    front.flushSoon();
    return true;
  }

  /** The answer went out whole: a client still sending its body is asked to stop (RST_STREAM NO_ERROR). */
  private void answered() {
    endRequestStream();
    front.flushSoon();
    finish(answerStatus, answerCause, null);
  }

  /**
   * After this side ended the stream: if the client has not ended its own side (a body still coming that no
   * one will read), RST_STREAM NO_ERROR asks it to stop (RFC 9113 section 8.1).
   */
  final void endRequestStream() {
    Http2Stream.State s = stream.state();
    if (s == Http2Stream.State.OPEN || s == Http2Stream.State.HALF_CLOSED_LOCAL) {
      stream.reset(Http2ErrorCode.NO_ERROR);
    }
  }

  /**
   * The proxy's work for the stream is over: its timer disarmed, one access-log line, the response counted
   * (when one started), the stream's place freed, and the proxy handed back to the frontend.
   */
  final void finish(int status, FailureCause failure, String outcome) {
    if (finished) {
      return;
    }
    finished = true;
    awaitingBegin = false;
    front.loop.cancel(this);
    front.accessLog.endedStream(this, status, failure, outcome, System.nanoTime() - startNanos);
    stream.attach(null);
    stream.release();
    released();
    Http2Frontend f = front;
    front = null;
    stream = null;
    f.streamFinished(this);
  }

  /** Lets go of what the subclass holds (buffers, codec, backend); called once by {@link #finish}. */
  abstract void released();

  /** The earliest of {@code deadline} and the call's own deadline. */
  final long withCallDeadline(long deadline) {
    return callDeadline != 0 && callDeadline - deadline < 0 ? callDeadline : deadline;
  }

  /** True when the call's {@code grpc-timeout} has run out at {@code now}. */
  final boolean callExpired(long now) {
    return callDeadline != 0 && now - callDeadline >= 0;
  }

  private static String printable(String reason) {
    StringBuilder s = new StringBuilder(reason.length());
    for (int i = 0; i < reason.length(); i++) {
      char c = reason.charAt(i);
      s.append(c < 0x20 || c == 0x7F ? '?' : c);
    }
    return s.toString();
  }
}
