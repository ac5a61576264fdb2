package io.lb4j.impl.listener.http2;

import java.nio.ByteBuffer;

/**
 * What an {@link Http2Connection} tells its owner: the events of each stream (headers, data, trailers,
 * reset, room to write) and of the connection. On a server the owner maps each stream onto a request
 * exchange; on a client, onto the response of a request it opened with
 * {@link Http2Connection#openStream}.
 *
 * <p>Every call comes from inside {@link Http2Connection#receive}, {@link Http2Connection#flushTo},
 * {@link Http2Connection#onTimer} or {@link Http2Connection#close}, on the connection's thread. Header
 * lists and data buffers are the connection's and valid only during the call: copy what you keep. A
 * handler may act on any stream from inside a call (answer, send data, reset), but must not call
 * {@code receive}, {@code flushTo}, {@code onTimer} or {@code close} from there.
 *
 * @since 0.1.0
 */
public interface Http2Handler {

  /**
   * Headers that open a stream or a response. On a server: a request, already checked against RFC 9113
   * section 8 (a malformed one is reset and reported to {@link #onRejected} instead). On a client: an
   * informational (1xx, never {@code endStream}) or final response. {@code endStream}: no data follows.
   */
  void onHeaders(Http2Stream stream, Http2Headers headers, boolean endStream);

  /**
   * Data of the stream, between {@code data}'s position and limit (possibly empty when only
   * {@code endStream} is news). Return the credit with {@link Http2Stream#consumed} once the bytes are
   * passed on: until then they count against the stream's receive window, which bounds what the peer
   * may send.
   */
  void onData(Http2Stream stream, ByteBuffer data, boolean endStream);

  /** The peer's trailers, which end its side of the stream. */
  void onTrailers(Http2Stream stream, Http2Headers trailers);

  /**
   * The stream ended abnormally: reset by the peer, reset by this connection because of the peer (a
   * malformed frame, a content-length mismatch, the idle timeout), left out of the peer's GOAWAY, or lost
   * with the connection. Stop the stream's work, then call {@link Http2Stream#release()}: until then it
   * still counts against SETTINGS_MAX_CONCURRENT_STREAMS, so a peer resetting streams cannot make the
   * owner run more streams at once than that limit (CVE-2023-44487). Not called for a reset the owner
   * asked for.
   */
  void onReset(Http2Stream stream, Http2ErrorCode code);

  /** The stream may send data again: its windows or the connection's output have room. */
  void onWritable(Http2Stream stream);

  /**
   * A stream this connection answered or reset itself, never handed to the owner: {@code status} 431 for
   * a header list over the limit (0 when only reset), {@code code} the reset's error code (null when
   * answered). For access logs and metrics.
   */
  default void onRejected(int streamId, int status, Http2ErrorCode code, String reason) {}

  /** The peer sent GOAWAY: streams above {@code lastStreamId} were not processed (each got {@link #onReset}). */
  default void onGoAway(int lastStreamId, Http2ErrorCode code, String debug) {}

  /** The peer acknowledged a {@link Http2Connection#ping}. */
  default void onPingAck(long data) {}

  /**
   * The connection failed: a GOAWAY with {@code code} is queued. Flush the output and close the socket;
   * every open stream was reported to {@link #onReset} before this call.
   */
  default void onConnectionError(Http2ErrorCode code, String reason) {}
}
