package io.lb4j.api;

import io.lb4j.api.scheduler.NoBackendReason;
import java.net.InetSocketAddress;

/**
 * The result of {@link LoadBalancer#select}: the backend to send one request or connection to (or the
 * reason there is none), the cookie to set on the response, whether the client's session moved, and a
 * handle that ends the request for connection accounting.
 *
 * <p>{@link #release()} (or {@link #close()}, for try-with-resources) must be called when the request
 * or connection ends; calling it more than once is harmless and counted once. A selection without a
 * backend needs no release.
 *
 * <p>Thread-safe: it may be released from another thread than the one that selected.
 *
 * @since 0.1.0
 */
public interface Selection extends AutoCloseable {

  /** True when a backend was selected. */
  boolean hasBackend();

  /** The backend, or null when {@link #hasBackend()} is false. */
  Backend backend();

  /**
   * The address to connect to for this request: the backend's resolved address with the traffic port,
   * which is the listener's backend port when it has one ({@link Listener#backendPortFor(Backend)}), else
   * the backend's own port. The host name was resolved by the load balancer off the request path (and is
   * refreshed on a schedule), so this call never blocks; the address is unresolved
   * ({@link InetSocketAddress#isUnresolved()}) only while the first resolution of a host name is pending
   * or has failed. Null when {@link #hasBackend()} is false.
   *
   * @since 0.1.0
   */
  InetSocketAddress address();

  /** Why no backend was selected, or null when one was. A Layer-7 gateway answers 502 with it. */
  NoBackendReason reason();

  /**
   * The value of a {@code Set-Cookie} header to add to the response (inserted-cookie persistence, when
   * the client had no valid cookie or its session moved), or null.
   */
  String setCookie();

  /**
   * True when the client carried a session (cookie or remembered address) for a backend that can no
   * longer take it (unhealthy, drained, removed, or the cookie was invalid), and was scheduled anew.
   */
  boolean sessionMoved();

  /** Ends the request or connection. Idempotent. */
  void release();

  /** Same as {@link #release()}. */
  @Override
  default void close() {
    release();
  }
}
