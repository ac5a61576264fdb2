package io.lb4j.impl.listener;

import java.net.InetSocketAddress;
import java.nio.channels.SelectionKey;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * Idle keep-alive connections to backends, per loop (so no lock: only the loop's thread touches it), at
 * most {@code maxIdlePerBackend} per backend address. Taken most recently used first: a warm connection
 * is the least likely to have been closed by the backend, and the connections a smaller load no longer
 * needs sink to the end of the queue and close after the idle timeout (what Envoy and HAProxy do: keep
 * connections while the load uses them). Like nginx's {@code keepalive} directive the cap bounds idle
 * connections, not concurrency: a request that finds none idle opens a new one.
 */
final class BackendConnectionPool {
  final long idleTimeoutNanos;
  /** The loop that owns the pool: its timers close idle connections. */
  final EventLoop loop;
  private final int maxIdlePerBackend;
  private final BufferPool buffers;
  private final Map<InetSocketAddress, ArrayDeque<BackendConnection>> idle = new HashMap<>();

  BackendConnectionPool(int maxIdlePerBackend, long idleTimeoutNanos, EventLoop loop) {
    this.maxIdlePerBackend = maxIdlePerBackend;
    this.idleTimeoutNanos = idleTimeoutNanos;
    this.loop = loop;
    this.buffers = loop.buffers();
  }

  /** An idle connection to {@code address}, or null; the caller becomes its key's handler. */
  BackendConnection take(InetSocketAddress address) {
    ArrayDeque<BackendConnection> q = idle.get(address);
    BackendConnection c = q == null ? null : q.pollFirst();
    if (c != null) {
      c.inPool = false; // its timer stays armed: it does nothing while the connection is in use
    }
    return c;
  }

  /** Keeps {@code c} for the next request, or closes it when the backend already has enough idle. */
  void giveBack(BackendConnection c, long nowNanos) {
    ArrayDeque<BackendConnection> q = idle.computeIfAbsent(c.address, a -> new ArrayDeque<>());
    if (q.size() >= maxIdlePerBackend) {
      c.close(buffers);
      return;
    }
    c.releaseBuffer(buffers);
    if (c.in != null) {
      c.close(buffers); // bytes after the response: the connection is not in a known state
      return;
    }
    c.idleSince = nowNanos;
    c.inPool = true;
    loop.armBy(c, nowNanos + idleTimeoutNanos);
    c.reused = true;
    c.key.attach(c);
    c.key.interestOps(SelectionKey.OP_READ);
    q.addFirst(c);
  }

  /** Closes an idle connection and forgets it. */
  void discard(BackendConnection c) {
    ArrayDeque<BackendConnection> q = idle.get(c.address);
    if (q != null) {
      q.removeLastOccurrence(c); // from the end: an idle timeout closes the least recently used
    }
    c.close(buffers);
  }
}
