package io.lb4j.api;

/**
 * A listener's frontend or backend protocol.
 *
 * <p>TCP and UDP are Layer 4: the balancer forwards bytes or datagrams and sees no requests. HTTP and
 * HTTPS are Layer 7: the balancer parses requests, can set cookies and answers 502/504 itself.
 *
 * @since 0.1.0
 */
public enum Protocol {
  /** Layer-4 stream forwarding. */
  TCP(false),
  /** Layer-4 datagram forwarding. */
  UDP(false),
  /** Layer-7 HTTP/1.1. */
  HTTP(true),
  /** Layer-7 HTTP over TLS. */
  HTTPS(true);

  private final boolean layer7;

  Protocol(boolean layer7) {
    this.layer7 = layer7;
  }

  /** True for HTTP and HTTPS. */
  public boolean isLayer7() {
    return layer7;
  }
}
