package io.lb4j.testing;

/**
 * What the HTTP and TCP backends share beyond the socket plumbing: a weight and stopping. Thread-safe as
 * {@link LoopbackServer} is.
 */
abstract class BackendServer extends LoopbackServer implements TestBackend {

  private final int weight;

  BackendServer(BackendBuilder<?> b) {
    super(b.name, b.hostOrNext(), b.port, b.maxConnections);
    this.weight = b.weight;
  }

  @Override
  public int weight() {
    return weight;
  }

  @Override
  public void stop() {
    closeAll();
  }

  @Override
  public void close() {
    closeAll();
  }
}
