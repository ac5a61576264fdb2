package io.lb4j.api;

/**
 * The HTTP version a Layer-7 listener speaks to its backends ({@link Listener#backendHttpVersion()}).
 *
 * @since 0.1.0
 */
public enum HttpVersion {
  /** HTTP/1.1 over pooled keep-alive connections (the default): every client request, HTTP/1.1 or HTTP/2. */
  HTTP_1_1("http1"),
  /**
   * HTTP/2 without TLS and with prior knowledge ({@code h2c}), streams multiplexed over a few connections per
   * backend: what gRPC backends need (trailers end to end). Only HTTP/2 clients can be served this way.
   */
  HTTP_2("h2c");

  private final String code;

  HttpVersion(String code) {
    this.code = code;
  }

  /** The short name used in configuration files: {@code http1} or {@code h2c}. */
  public String code() {
    return code;
  }
}
