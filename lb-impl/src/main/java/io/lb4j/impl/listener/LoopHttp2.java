package io.lb4j.impl.listener;

import io.lb4j.impl.listener.http2.Http2BufferPool;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;

/**
 * What the HTTP/2 connections of one event loop share: the loop's {@link BufferPool} as the
 * {@link Http2BufferPool} they queue output in (direct buffers taken while frames wait for the socket, given
 * back once written, so an idle connection holds none), the finished stream exchanges kept for the next
 * streams, and the loop's h2c backend connections when its listener's backends speak HTTP/2. One per loop;
 * loop thread only, like the pool.
 */
final class LoopHttp2 implements Http2BufferPool {
  private final BufferPool buffers;
  /** Finished stream exchanges (HTTP/1.1 backends), reused by the next streams of any connection. */
  final ArrayDeque<Http1StreamExchange> freeExchanges = new ArrayDeque<>();
  /** The h2c backend connections, or null when the listener's backends speak HTTP/1.1. */
  Http2BackendPool backends;

  LoopHttp2(BufferPool buffers) {
    this.buffers = buffers;
  }

  @Override
  public ByteBuffer acquire() {
    return buffers.acquire();
  }

  @Override
  public void release(ByteBuffer buffer) {
    buffers.release(buffer);
  }
}
