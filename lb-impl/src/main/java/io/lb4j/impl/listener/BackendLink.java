package io.lb4j.impl.listener;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;

/**
 * The backend connection an {@link Exchange} is using, as its forwarders see it: the bytes read from it,
 * whether it ended, and the writes towards it, with the time of the last byte that moved either way and
 * the bytes written since it was attached (a request none of whose bytes were written can be re-sent
 * anywhere). A write that fails is not thrown: it returns -1 and keeps the error for the exchange, which
 * decides who is blamed. One per exchange, reattached for each backend connection; loop thread only.
 */
final class BackendLink {
  private final MetricsRecorder metrics;
  private final BufferPool buffers;
  /** Peak bandwidth: gates the reads of what the backend sends (one per client connection). */
  private final Throttle throttle;
  /** A head and the body bytes behind it, for one gathering write; emptied after each write. */
  private final ByteBuffer[] headAndBody = new ByteBuffer[2];
  private BackendConnection connection;
  private boolean ended;
  private String error;
  private long bytesWritten;
  private long lastProgress;

  BackendLink(MetricsRecorder metrics, BufferPool buffers, Throttle throttle) {
    this.metrics = metrics;
    this.buffers = buffers;
    this.throttle = throttle;
  }

  /** Starts using {@code c}: nothing written, nothing read, not ended. */
  void attach(BackendConnection c, long nowNanos) {
    connection = c;
    ended = false;
    error = null;
    bytesWritten = 0;
    lastProgress = nowNanos;
  }

  /** Stops using the connection and returns it (null if none): the caller keeps or closes it. */
  BackendConnection detach() {
    BackendConnection c = connection;
    connection = null;
    return c;
  }

  /** Closes the connection, if any (its response is not complete, or it failed). */
  void drop() {
    BackendConnection c = detach();
    if (c != null) {
      c.close(buffers);
    }
  }

  boolean attached() {
    return connection != null && !connection.isClosed();
  }

  boolean owns(SelectionKey key) {
    return connection != null && connection.key == key;
  }

  /** True when the connection was taken from the idle pool: it may have been closed by the backend meanwhile. */
  boolean reused() {
    return connection.reused;
  }

  InetSocketAddress address() {
    return connection.address;
  }

  /** Backend bytes read and not consumed yet, in read mode; or null. */
  ByteBuffer input() {
    return connection == null ? null : connection.in;
  }

  boolean hasInput() {
    ByteBuffer in = input();
    return in != null && in.hasRemaining();
  }

  /** True once the backend closed its side. */
  boolean ended() {
    return ended;
  }

  /** The last write error, or null. */
  String error() {
    return error;
  }

  /** Bytes written to this connection since it was attached: 0 means the backend cannot have read any. */
  long bytesWritten() {
    return bytesWritten;
  }

  /**
   * When the last byte moved to or from the backend (or the connection was attached), or the end of the last
   * time the peak bandwidth held the backend's bytes, if later: a backend is never timed while the cap holds it.
   */
  long lastProgress() {
    return throttle.activeSince(lastProgress);
  }

  /** Reads what the backend sent: the count, 0, or -1 at its end of stream (then {@link #ended()}). */
  int read() throws IOException {
    int n = connection.read(buffers, throttle);
    if (n < 0) {
      ended = true;
    } else if (n > 0) {
      lastProgress = System.nanoTime();
    }
    return n;
  }

  /** Writes {@code head} then up to {@code count} bytes of {@code body}; the bytes taken, or -1 on failure. */
  long write(ByteBuffer head, ByteBuffer body, int count) {
    if (count == 0) {
      return write(head, head.remaining());
    }
    int limit = body.limit();
    body.limit(body.position() + count);
    headAndBody[0] = head;
    headAndBody[1] = body;
    try {
      metrics.backendWriteCall();
      return written(connection.channel.write(headAndBody));
    } catch (IOException e) {
      return failed(e);
    } finally {
      body.limit(limit);
      headAndBody[0] = null;
      headAndBody[1] = null;
    }
  }

  /** Writes {@code count} bytes from {@code buf}'s position; the bytes taken, or -1 on failure. */
  int write(ByteBuffer buf, int count) {
    int limit = buf.limit();
    buf.limit(buf.position() + count);
    try {
      metrics.backendWriteCall();
      return (int) written(connection.channel.write(buf));
    } catch (IOException e) {
      return failed(e);
    } finally {
      buf.limit(limit);
    }
  }

  private long written(long n) {
    if (n > 0) {
      bytesWritten += n;
      lastProgress = System.nanoTime();
    }
    return n;
  }

  private int failed(IOException e) {
    error = "write failed: " + e.getMessage();
    return -1;
  }

  /** Half-closes towards the backend (a tunnel's client ended). */
  void shutdownOutput() throws IOException {
    connection.channel.shutdownOutput();
  }

  /** Sets the key's interest: read while not ended and the input has room, write when {@code write}. */
  void interest(boolean write) {
    if (!attached()) {
      return;
    }
    ByteBuffer in = connection.in;
    int ops = 0;
    if (!ended && (in == null || in.remaining() < in.capacity()) && !throttle.paused()) {
      ops |= SelectionKey.OP_READ;
    }
    if (write) {
      ops |= SelectionKey.OP_WRITE;
    }
    if (connection.key.interestOps() != ops) {
      connection.key.interestOps(ops);
    }
  }
}
