package io.lb4j.impl.listener;

/**
 * The PROXY protocol header a Layer-4 listener sends to each backend before the client's bytes, so that
 * backends see the real client address (HAProxy's {@code send-proxy} / {@code send-proxy-v2}).
 *
 * @since 0.1.0
 */
public enum ProxyProtocol {
  /** No header: the backend sees the listener's address (the default). */
  NONE,
  /** The human-readable version 1 header, {@code PROXY TCP4 src dst sport dport\r\n}. */
  V1,
  /** The binary version 2 header. */
  V2
}
