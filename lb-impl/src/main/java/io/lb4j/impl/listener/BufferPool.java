package io.lb4j.impl.listener;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;

/**
 * Direct buffers of one size, pooled per event loop. Only its loop's thread touches it, so it needs no
 * lock; a buffer is taken when bytes arrive and given back as soon as they are written, so an idle
 * connection holds none. At most {@code maxPooled} free buffers are kept; more are left to the GC.
 */
final class BufferPool {
  private final int bufferSize;
  private final int maxPooled;
  private final ArrayDeque<ByteBuffer> free;
  private final MetricsRecorder metrics;

  BufferPool(int bufferSize, int maxPooled, MetricsRecorder metrics) {
    this.bufferSize = bufferSize;
    this.maxPooled = maxPooled;
    this.free = new ArrayDeque<>(Math.min(maxPooled, 1024));
    this.metrics = metrics;
  }

  int bufferSize() {
    return bufferSize;
  }

  /** A cleared buffer, ready to be filled. */
  ByteBuffer acquire() {
    ByteBuffer b = free.pollFirst();
    if (b == null) {
      b = ByteBuffer.allocateDirect(bufferSize);
      metrics.bufferAllocated(bufferSize);
    }
    return b;
  }

  /** Gives {@code b} back; null and buffers not from a pool (heap, other sizes) are ignored. */
  void release(ByteBuffer b) {
    if (b == null || !b.isDirect() || b.capacity() != bufferSize) {
      return;
    }
    if (free.size() < maxPooled) {
      b.clear();
      free.addFirst(b);
    } else {
      metrics.bufferAllocated(-bufferSize);
    }
  }

  /** Drops every pooled buffer (the loop is stopping). */
  void clear() {
    metrics.bufferAllocated(-bufferSize * free.size());
    free.clear();
  }
}
