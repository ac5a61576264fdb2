package io.lb4j.impl.listener;

import io.lb4j.impl.listener.http2.Http2ErrorCode;
import io.lb4j.impl.listener.http2.Http2Handler;
import io.lb4j.impl.listener.http2.Http2Headers;
import io.lb4j.impl.listener.http2.Http2Stream;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The streams of one {@link Http2Frontend}, as its {@link io.lb4j.impl.listener.http2.Http2Connection} reports
 * them: each request stream gets a {@link StreamProxy} (an exchange to an HTTP/1.1 backend, or a relay to an
 * h2c one), which begins once the read that opened it is handled ({@link #beginPending}); each stream event
 * goes to its proxy; refusals, resets and GOAWAYs are counted in the listener's HTTP/2 metrics. Keeps the
 * count of working proxies, by which the connection knows it is idle. Loop thread only.
 */
final class Http2FrontendStreams implements Http2Handler {
  private static final Logger log = LoggerFactory.getLogger(HttpProxyConnection.class);

  private final Http2Frontend front;
  private final ArrayDeque<StreamProxy> toBegin = new ArrayDeque<>(4);
  /** Streams whose proxy is working. */
  private int active;
  /** When the last stream finished, or the connection began: the keep-alive timeout counts from here. */
  private long idleSince;

  Http2FrontendStreams(Http2Frontend front, long nowNanos) {
    this.front = front;
    this.idleSince = nowNanos;
  }

  /** Streams opened by the read just handled, and not reset in it, start their backend work now. */
  void beginPending() {
    StreamProxy p;
    while ((p = toBegin.pollFirst()) != null) {
      if (p.awaitingBegin) {
        p.awaitingBegin = false;
        p.begin();
      }
    }
  }

  /** A proxy finished: one fewer working; the exchange goes back to the loop. */
  void finished(StreamProxy p) {
    active--;
    if (active == 0) {
      idleSince = System.nanoTime();
    }
    if (p instanceof Http1StreamExchange) {
      ((Http1StreamExchange) p).giveBack(front.loop);
    }
  }

  int active() {
    return active;
  }

  long idleSince() {
    return idleSince;
  }

  @Override
  public void onHeaders(Http2Stream stream, Http2Headers headers, boolean endStream) {
    front.ctx.metrics.http2Stream();
    StreamProxy p = front.http.backendHttp2 ? Http2StreamRelay.take(front.loop.http2().backends)
        : Http1StreamExchange.take(front.loop, front.http);
    active++;
    p.open(front, stream, headers, endStream, System.nanoTime());
    toBegin.addLast(p);
  }

  @Override
  public void onData(Http2Stream stream, ByteBuffer data, boolean endStream) {
    StreamProxy p = (StreamProxy) stream.attachment();
    if (p != null) {
      p.data(data, endStream);
    } else {
      stream.consumed(data.remaining()); // a stream this side already answered: its bytes are dropped
    }
  }

  @Override
  public void onTrailers(Http2Stream stream, Http2Headers trailers) {
    StreamProxy p = (StreamProxy) stream.attachment();
    if (p != null) {
      p.trailers(trailers);
    }
  }

  @Override
  public void onReset(Http2Stream stream, Http2ErrorCode code) {
    front.ctx.metrics.http2StreamReset();
    StreamProxy p = (StreamProxy) stream.attachment();
    if (p != null) {
      p.clientReset(code);
    } else {
      stream.release();
    }
  }

  @Override
  public void onWritable(Http2Stream stream) {
    StreamProxy p = (StreamProxy) stream.attachment();
    if (p != null) {
      p.writable();
    }
  }

  @Override
  public void onRejected(int streamId, int status, Http2ErrorCode code, String reason) {
    front.ctx.metrics.http2Stream();
    if (code != null) {
      front.ctx.metrics.http2StreamReset();
      if (code == Http2ErrorCode.REFUSED_STREAM) {
        front.ctx.metrics.http2FloodRefusal();
      }
    }
    if (status != 0) {
      front.ctx.metrics.failure(FailureCause.ofRefusedRequest(status));
      front.ctx.metrics.response(status, 0);
    }
    log.debug("{}: HTTP/2 stream {} from {} refused: {}", front.ctx.listener.name(), streamId, front.clientIp, reason);
  }

  @Override
  public void onGoAway(int lastStreamId, Http2ErrorCode code, String debug) {
    log.debug("{}: HTTP/2 client {} sent GOAWAY {} ({})", front.ctx.listener.name(), front.clientIp, code, debug);
    front.ending(); // no new streams will come: close once the open ones are done
  }

  @Override
  public void onConnectionError(Http2ErrorCode code, String reason) {
    front.ctx.metrics.http2GoAway();
    if (code == Http2ErrorCode.ENHANCE_YOUR_CALM) {
      front.ctx.metrics.http2FloodRefusal();
    }
    log.debug("{}: HTTP/2 connection from {} ended with {}: {}", front.ctx.listener.name(), front.clientIp, code,
        reason);
    front.ending();
  }
}
