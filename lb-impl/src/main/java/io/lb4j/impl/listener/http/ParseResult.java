package io.lb4j.impl.listener.http;

/**
 * What a head parser made of the bytes it was given.
 *
 * @since 0.1.0
 */
public enum ParseResult {
  /** The head is not complete yet: every byte given was consumed; call again with more. */
  NEED_MORE,
  /** The head is complete and valid; the buffer's position is just past it (at the body, if any). */
  COMPLETE,
  /** The head is refused; the parser names the status and the reason. Close the connection. */
  ERROR
}
