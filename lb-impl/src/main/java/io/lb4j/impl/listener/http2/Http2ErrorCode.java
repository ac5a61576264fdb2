package io.lb4j.impl.listener.http2;

/**
 * The error codes of RFC 9113 section 7, carried by RST_STREAM and GOAWAY frames. A code this enum does
 * not know, received from a peer, is read as {@link #INTERNAL_ERROR} (section 7: unknown codes "MUST NOT
 * trigger any special behavior").
 *
 * <p>Immutable and thread-safe.
 *
 * @since 0.1.0
 */
public enum Http2ErrorCode {
  /** Graceful shutdown, or a stream no longer needed. */
  NO_ERROR(0x0),
  /** An unspecific protocol error. */
  PROTOCOL_ERROR(0x1),
  /** An unexpected internal error. */
  INTERNAL_ERROR(0x2),
  /** The peer violated the flow-control protocol. */
  FLOW_CONTROL_ERROR(0x3),
  /** A SETTINGS frame was not acknowledged in time. */
  SETTINGS_TIMEOUT(0x4),
  /** A frame arrived after the stream was half-closed. */
  STREAM_CLOSED(0x5),
  /** A frame had an invalid size. */
  FRAME_SIZE_ERROR(0x6),
  /** The stream was refused before any processing: safe to retry. */
  REFUSED_STREAM(0x7),
  /** The stream is no longer needed. */
  CANCEL(0x8),
  /** The header compression context cannot be maintained. */
  COMPRESSION_ERROR(0x9),
  /** A CONNECT tunnel was reset or closed abnormally. */
  CONNECT_ERROR(0xa),
  /** The peer is generating excessive load. */
  ENHANCE_YOUR_CALM(0xb),
  /** The transport does not meet minimum security requirements. */
  INADEQUATE_SECURITY(0xc),
  /** HTTP/1.1 is required for this request. */
  HTTP_1_1_REQUIRED(0xd);

  private static final Http2ErrorCode[] BY_CODE = values();

  private final int code;

  Http2ErrorCode(int code) {
    this.code = code;
  }

  /** The code on the wire. */
  public int code() {
    return code;
  }

  /** The error for a code received on the wire; an unknown code reads as {@link #INTERNAL_ERROR}. */
  public static Http2ErrorCode of(int code) {
    // The codes are 0..13 in declaration order, so the ordinal is the code.
    return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : INTERNAL_ERROR;
  }
}
