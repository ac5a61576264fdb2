package io.lb4j.impl.listener.http2;

import java.nio.ByteBuffer;

/**
 * Where an {@link Http2Connection} takes the buffers it queues output in, and gives them back once
 * written. A listener maps this onto its event loop's pool of direct buffers; an idle connection holds
 * none.
 *
 * <p>Called only from the connection's own thread; an implementation shared by several connections of
 * one event loop needs no locking.
 *
 * @since 0.1.0
 */
public interface Http2BufferPool {

  /** A cleared buffer of at least 64 bytes, ready to be filled from position 0. */
  ByteBuffer acquire();

  /** Takes back a buffer {@link #acquire()} gave; the connection no longer uses it. */
  void release(ByteBuffer buffer);

  /** A pool without pooling: heap buffers of {@code size} bytes, left to the GC (tests, tools). */
  static Http2BufferPool unpooled(int size) {
    if (size < 64) {
      throw new IllegalArgumentException("size must be between 64 and " + Integer.MAX_VALUE + ", was " + size);
    }
    return new Http2BufferPool() {
      @Override
      public ByteBuffer acquire() {
        return ByteBuffer.allocate(size);
      }

      @Override
      public void release(ByteBuffer buffer) {
        // Nothing kept: the GC takes it.
      }
    };
  }
}
