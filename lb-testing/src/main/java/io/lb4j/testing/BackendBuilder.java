package io.lb4j.testing;

import static io.lb4j.api.internal.Checks.checkRange;

/**
 * What the HTTP and TCP backend builders share: name, loopback address, port and weight. Not thread-safe.
 *
 * @param <B> the concrete builder, returned by the setters for chaining
 */
abstract class BackendBuilder<B extends BackendBuilder<B>> {

  final String name;
  String host;
  int port;
  int weight = 100;
  int maxConnections = TestBackend.DEFAULT_MAX_CONNECTIONS;

  BackendBuilder(String name) {
    this.name = BackendNames.check(name);
  }

  abstract B self();

  /** The host to bind: the one set, else the next free loopback address. */
  String hostOrNext() {
    return host != null ? host : LoopbackAddresses.next();
  }

  /**
   * Binds this loopback address instead of the next free one.
   *
   * @param host an address in 127.0.0.0/8
   * @return this builder
   */
  public B host(String host) {
    this.host = BackendNames.checkLoopback(host);
    return self();
  }

  /**
   * Binds this port instead of an ephemeral one.
   *
   * @param port 0 (any) to 65535
   * @return this builder
   */
  public B port(int port) {
    this.port = checkRange("backend.port", port, 0, 65535);
    return self();
  }

  /**
   * Sets the weight the backend should get in a balancer.
   *
   * @param weight 0 to 100
   * @return this builder
   */
  public B weight(int weight) {
    this.weight = checkRange("backend.weight", weight, 0, 100);
    return self();
  }

  /**
   * Sets how many client connections are served at once; further ones are accepted and closed at once, which
   * a client sees as a connection closed before any answer.
   *
   * @param max 1 to {@link TestBackend#MAX_CONNECTIONS}
   * @return this builder
   */
  public B maxConnections(int max) {
    this.maxConnections = checkRange("backend.maxConnections", max, 1, TestBackend.MAX_CONNECTIONS);
    return self();
  }
}
