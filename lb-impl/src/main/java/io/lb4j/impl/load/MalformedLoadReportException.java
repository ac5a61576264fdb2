package io.lb4j.impl.load;

/**
 * A load report header that does not follow the format: the message names the header, the element and what
 * was expected, in lb4j's one format ({@code endpoint-load-metrics eps must be a finite number, 0 or above,
 * was '-1'}).
 *
 * <p>Thrown on the response path, possibly for every response of a misconfigured backend, so it carries no
 * stack trace: filling one in is most of what an exception costs, and the message says all there is to know.
 */
public final class MalformedLoadReportException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /**
   * An exception with {@code message} and no stack trace.
   *
   * @param message what is wrong
   */
  public MalformedLoadReportException(String message) {
    super(message, null, false, false);
  }
}
