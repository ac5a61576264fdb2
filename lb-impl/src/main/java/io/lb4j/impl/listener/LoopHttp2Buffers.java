package io.lb4j.impl.listener;

import io.lb4j.impl.listener.http2.Http2BufferPool;
import java.nio.ByteBuffer;

/**
 * An event loop's {@link BufferPool} as the {@link Http2BufferPool} its HTTP/2 connections queue output in:
 * direct buffers taken while frames wait for the socket and given back once written, so an idle HTTP/2
 * connection holds none. One per loop; loop thread only, like the pool.
 */
final class LoopHttp2Buffers implements Http2BufferPool {
  private final BufferPool buffers;

  LoopHttp2Buffers(BufferPool buffers) {
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
