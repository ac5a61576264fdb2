package io.lb4j.impl.listener.http;

/**
 * How the end of a message body is found (RFC 9112 section 6.3), as decided by a head parser.
 *
 * @since 0.1.0
 */
public enum BodyFraming {
  /** No body: a request with neither length nor chunked coding, a response to HEAD, 1xx, 204 or 304. */
  NONE,
  /** A body of exactly {@code contentLength()} bytes. */
  CONTENT_LENGTH,
  /** A chunked body, ended by the last chunk and the trailer section. */
  CHUNKED,
  /** A response body that ends when the backend closes the connection; that connection is not reused. */
  UNTIL_CLOSE
}
