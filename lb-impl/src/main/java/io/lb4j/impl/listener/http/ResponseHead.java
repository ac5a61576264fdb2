package io.lb4j.impl.listener.http;

/**
 * A parsed response head from a backend (see {@link HttpHead} for fields, framing and reuse): status
 * code and reason phrase.
 *
 * <p>Not thread-safe; owned by its {@link ResponseHeadParser} and valid until that parser is reset.
 *
 * @since 0.1.0
 */
public final class ResponseHead extends HttpHead {

  int status;
  int reasonStart;
  int reasonEnd;

  ResponseHead() {}

  @Override
  void reset() {
    super.reset();
    status = 0;
    reasonStart = 0;
    reasonEnd = 0;
  }

  /** The status code, 100-599. */
  public int status() {
    return status;
  }

  /** The reason phrase, possibly empty (allocates). */
  public String reason() {
    return ascii(reasonStart, reasonEnd);
  }

  /**
   * True for an interim response (1xx other than 101, such as 100 Continue): the final response
   * follows it on the same connection; forward it and parse again after a reset.
   */
  public boolean isInterim() {
    return status >= 100 && status < 200 && status != 101;
  }

  /** True for 101 Switching Protocols: after this head the connection is a tunnel. */
  public boolean isSwitchingProtocols() {
    return status == 101;
  }
}
