package io.lb4j.testing;

import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * A TCP connection a {@link TcpTestBackend} accepted: where it came from, when, how many bytes the client sent and
 * whether the client has closed its side.
 *
 * <p>Thread-safe: the backend's connection thread updates the byte count and the closed flag while tests read them.
 *
 * @since 0.1.0
 */
public final class RecordedConnection implements Recorded {

  private final InetSocketAddress remote;
  private final long arrivedNanos;
  private volatile long bytesReceived;
  private volatile boolean clientClosed;

  RecordedConnection(InetSocketAddress remote, long arrivedNanos) {
    this.remote = Objects.requireNonNull(remote, "remote");
    this.arrivedNanos = arrivedNanos;
  }

  /**
   * The client's address and port.
   *
   * @return the remote socket address
   */
  public InetSocketAddress remote() {
    return remote;
  }

  @Override
  public long arrivedNanos() {
    return arrivedNanos;
  }

  /**
   * Bytes received from the client so far.
   *
   * @return the byte count
   */
  public long bytesReceived() {
    return bytesReceived;
  }

  /**
   * Whether the backend saw the client close or reset the connection. Only modes that keep reading
   * ({@link TcpTestBackend.Mode#ECHO}, {@link TcpTestBackend.Mode#BLACKHOLE}) can see it.
   *
   * @return true once the client's side is gone
   */
  public boolean clientClosed() {
    return clientClosed;
  }

  void received(int n) {
    bytesReceived += n; // only the connection's own thread writes
  }

  void markClientClosed() {
    clientClosed = true;
  }

  @Override
  public String toString() {
    return "connection from " + remote.getAddress().getHostAddress() + ":" + remote.getPort();
  }
}
