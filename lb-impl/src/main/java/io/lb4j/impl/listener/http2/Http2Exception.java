package io.lb4j.impl.listener.http2;

/**
 * An HTTP/2 error found while reading: a connection error (stream id 0: the connection sends GOAWAY and
 * closes) or a stream error (the stream is reset, the connection goes on). RFC 9113 section 5.4.
 *
 * <p>Thrown only on the error path, so it carries no stack trace (nothing is gained from one: the reason
 * says what was wrong). Immutable.
 */
final class Http2Exception extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final transient Http2ErrorCode code;
  private final int streamId;

  private Http2Exception(Http2ErrorCode code, int streamId, String reason) {
    super(reason, null, false, false);
    this.code = code;
    this.streamId = streamId;
  }

  /** A connection error. */
  static Http2Exception connection(Http2ErrorCode code, String reason) {
    return new Http2Exception(code, 0, reason);
  }

  /** A stream error on stream {@code streamId} (not 0). */
  static Http2Exception stream(int streamId, Http2ErrorCode code, String reason) {
    return new Http2Exception(code, streamId, reason);
  }

  Http2ErrorCode code() {
    return code;
  }

  /** 0 for a connection error. */
  int streamId() {
    return streamId;
  }

  boolean isConnectionError() {
    return streamId == 0;
  }
}
