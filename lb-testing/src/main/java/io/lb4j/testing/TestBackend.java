package io.lb4j.testing;

import io.lb4j.api.Backend;
import java.net.InetSocketAddress;

/**
 * A real backend on its own loopback address and port for tests: an {@link HttpTestBackend} or a
 * {@link TcpTestBackend}.
 *
 * <p>Lifecycle: built stopped; {@link #start()} binds and accepts; {@link #stop()} closes the listening socket (a
 * connect is then refused) and every open connection; {@link #start()} again listens on the same address and port;
 * {@link #close()} stops for good. Stopping waits until every thread of the backend ended; the threads are named
 * {@code lb-testing-<name>-...}, so a test can check that none is left.
 *
 * <p>Implementations are thread-safe: a test reprograms a backend while other threads send it traffic.
 *
 * @since 0.1.0
 */
public interface TestBackend extends AutoCloseable {

  /** Client connections a backend serves at once unless told otherwise (each takes a thread). */
  int DEFAULT_MAX_CONNECTIONS = 256;
  /** The largest limit on client connections served at once. */
  int MAX_CONNECTIONS = 4096;

  /**
   * The backend's name, also its id in the balancer.
   *
   * @return the name
   */
  String name();

  /**
   * The loopback address the backend binds.
   *
   * @return the address, such as {@code 127.0.0.7}
   */
  String host();

  /**
   * The port: the bound one once started (kept across restarts), the configured one (0: any) before.
   *
   * @return the port
   */
  int port();

  /**
   * The weight the backend should get in a balancer, which {@link TrafficAssertions} compares traffic with.
   *
   * @return the weight, 0 to 100
   */
  int weight();

  /**
   * The most client connections served at once; further ones are accepted and closed at once.
   *
   * @return the limit
   */
  int maxConnections();

  /**
   * Whether the backend accepts connections.
   *
   * @return true between start and stop
   */
  boolean isRunning();

  /**
   * Starts accepting (again, on the same address and port after a stop). Does nothing if running.
   *
   * @return this backend
   * @throws java.io.UncheckedIOException if the address cannot be bound
   */
  TestBackend start();

  /**
   * Stops accepting and closes every connection: a connect is refused until {@link #start()}. Returns once every
   * thread of the backend ended.
   *
   * @throws IllegalStateException if a thread did not end within 30 seconds
   */
  void stop();

  /**
   * Back to its initial programming and an empty recording, started if it was stopped; the fleet extension calls
   * this between the tests of a class.
   */
  void reset();

  /**
   * What arrived: HTTP application requests (health probes apart) or TCP connections, with their arrival times.
   *
   * @return the live recording
   */
  Recording<? extends Recorded> recording();

  /**
   * Stops the backend for good (same as {@link #stop()}).
   */
  @Override
  void close();

  /**
   * The socket address.
   *
   * @return host and port
   */
  default InetSocketAddress address() {
    return new InetSocketAddress(host(), port());
  }

  /**
   * This backend as an lb-api {@link Backend}: name as id, host, port and weight.
   *
   * @return the backend value to hand to a balancer
   */
  default Backend backend() {
    return Backend.of(name(), host(), port(), weight());
  }
}
