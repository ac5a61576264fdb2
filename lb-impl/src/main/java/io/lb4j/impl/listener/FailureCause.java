package io.lb4j.impl.listener;

/**
 * Why a listener could not forward a request or connection, and the one place that maps each cause to
 * the HTTP status a Layer-7 listener answers with. A Layer-4 listener has no status to send: it closes
 * the client connection and counts the cause.
 *
 * @since 0.1.0
 */
public enum FailureCause {
  /** No eligible backend (none configured, all unhealthy, all drained): 502 with the reason. */
  NO_BACKEND(502, "no backend"),
  /** Every connect attempt was refused, failed or timed out: 502. */
  CONNECT_FAILED(502, "connect failed"),
  /** The backend reset or closed the connection before a complete response head: 502. */
  BACKEND_CLOSED(502, "backend closed"),
  /** The backend's response was malformed: 502, and that backend connection is not reused. */
  BAD_RESPONSE(502, "bad response"),
  /**
   * The listener could not open a socket towards a backend: the process is out of file descriptors
   * ({@code EMFILE}) or the system is ({@code ENFILE}). A local shortage, not the backend's fault: 503, and
   * nothing is reported against the backend.
   *
   * @since 0.1.0
   */
  SOCKET_UNAVAILABLE(503, "socket unavailable"),
  /** The backend did not answer within the listener's request timeout: 504. */
  TIMEOUT(504, "timeout"),
  /**
   * The client did not send its request body within the listener's request timeout (408, connection
   * closed), or did not read the response within its write timeout (the connection is closed: the response
   * already started). Nothing is reported against the backend.
   */
  CLIENT_TIMEOUT(408, "client timeout"),
  /** The request was malformed or ambiguous (RFC 9112 framing): 400, connection closed. */
  BAD_REQUEST(400, "bad request"),
  /**
   * A listener with forwarding rules got a request without a usable {@code Host} (none in HTTP/1.1, or one that
   * is not {@code host[:port]}): 400, never the default group.
   *
   * @since 0.1.0
   */
  BAD_HOST(400, "bad host"),
  /**
   * A listener with forwarding rules got a path it cannot normalize safely (a {@code ..} above the root, a bad
   * or encoded-slash escape, a character outside RFC 3986): 400.
   *
   * @since 0.1.0
   */
  BAD_PATH(400, "bad path"),
  /**
   * No forwarding rule matches the request and the listener has no default group: 404 from the listener.
   *
   * @since 0.1.0
   */
  NO_ROUTE(404, "no route"),
  /** The request line was longer than the limit: 414. */
  URI_TOO_LONG(414, "uri too long"),
  /** The request header block was larger than {@code Listener.maxRequestHeaderSize()}: 431. */
  HEADER_TOO_LARGE(431, "header too large"),
  /** An {@code Expect} other than {@code 100-continue}: 417. */
  EXPECTATION_FAILED(417, "expectation failed"),
  /** A transfer coding or method ({@code CONNECT}) the listener does not implement: 501. */
  NOT_IMPLEMENTED(501, "not implemented"),
  /** An HTTP version other than 1.0 or 1.1: 505. */
  VERSION_NOT_SUPPORTED(505, "version not supported"),
  /** The request already carried this listener's own {@code Via} id (a backend calling its balancer): 508. */
  LOOP(508, "loop detected");

  private final int status;
  private final String label;

  FailureCause(int status, String label) {
    this.status = status;
    this.label = label;
  }

  /** The HTTP status a Layer-7 listener answers with. */
  public int status() {
    return status;
  }

  /** A short lower-case label, as written in the access log. */
  public String label() {
    return label;
  }

  /** The cause of a request the codec refused with {@code status} (400, 414, 417, 431, 501 or 505). */
  static FailureCause ofRefusedRequest(int status) {
    switch (status) {
      case 414:
        return URI_TOO_LONG;
      case 417:
        return EXPECTATION_FAILED;
      case 431:
        return HEADER_TOO_LARGE;
      case 501:
        return NOT_IMPLEMENTED;
      case 505:
        return VERSION_NOT_SUPPORTED;
      default:
        return BAD_REQUEST;
    }
  }
}
