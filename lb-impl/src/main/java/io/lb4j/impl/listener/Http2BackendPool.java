package io.lb4j.impl.listener;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One loop's h2c connections to its backends (listeners whose backends speak HTTP/2): streams are multiplexed
 * over as few connections per backend as their concurrency needs. A stream goes to the first connection that
 * may open one more (below the backend's SETTINGS_MAX_CONCURRENT_STREAMS, not draining); when none may, a new
 * connection is opened. So a backend gets {@code ceil(streams in flight / its limit)} connections per loop,
 * and those the load no longer needs close after the idle timeout. Loop thread only, like its connections.
 */
final class Http2BackendPool {
  final HttpContext http;
  final EventLoop loop;
  final long idleTimeoutNanos;
  private final Map<InetSocketAddress, List<Http2BackendConnection>> connections = new HashMap<>();
  /** Finished relays kept for the next streams of this loop. */
  final ArrayDeque<Http2StreamRelay> freeRelays = new ArrayDeque<>();

  Http2BackendPool(HttpContext http, EventLoop loop, long idleTimeoutNanos) {
    this.http = http;
    this.loop = loop;
    this.idleTimeoutNanos = idleTimeoutNanos;
  }

  /**
   * A connection to {@code address} that can open a stream now (one with room below the backend's limit); or
   * null when {@code relay} was queued on a connection still starting (a new one if needed), which calls it
   * back once ready ({@link Http2StreamRelay#connectionReady}) or failed.
   *
   * @throws java.net.ConnectException when a new connect failed at once
   * @throws IOException when no socket can be opened (out of file descriptors), or the loop is stopping
   */
  Http2BackendConnection acquire(InetSocketAddress address, Http2StreamRelay relay) throws IOException {
    if (loop.isClosing()) {
      // The loop closes every channel it holds: a connection opened now would escape that.
      throw new IOException("the listener is stopping");
    }
    List<Http2BackendConnection> list = connections.computeIfAbsent(address, a -> new ArrayList<>(2));
    for (int i = 0; i < list.size(); i++) {
      Http2BackendConnection c = list.get(i);
      if (c.canOpenStream()) {
        return c;
      }
    }
    for (int i = 0; i < list.size(); i++) {
      Http2BackendConnection c = list.get(i);
      // Until its SETTINGS say otherwise a backend is assumed to take 100 streams, RFC 9113's advice.
      if (c.starting() && c.waiting() < 100) {
        c.addWaiter(relay);
        relay.waitingOn(c);
        return null;
      }
    }
    Http2BackendConnection c = Http2BackendConnection.open(this, address);
    list.add(c);
    c.addWaiter(relay);
    relay.waitingOn(c);
    return null;
  }

  /** {@code c} takes no more streams (draining or closed): it leaves the pool. */
  void removed(Http2BackendConnection c) {
    List<Http2BackendConnection> list = connections.get(c.address);
    if (list != null) {
      list.remove(c);
      if (list.isEmpty()) {
        connections.remove(c.address);
      }
    }
  }

  /** Connections in the pool to {@code address} (tests). */
  int connectionsTo(InetSocketAddress address) {
    List<Http2BackendConnection> list = connections.get(address);
    return list == null ? 0 : list.size();
  }
}
