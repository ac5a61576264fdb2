package io.lb4j.impl.listener.http2;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;

/** Test helper: a pool of small direct buffers that counts what is out, to catch leaks. */
final class CountingBufferPool implements Http2BufferPool {
  private final int size;
  private final ArrayDeque<ByteBuffer> free = new ArrayDeque<>();
  int outstanding;
  int allocated;

  CountingBufferPool(int size) {
    this.size = size;
  }

  @Override
  public ByteBuffer acquire() {
    outstanding++;
    ByteBuffer b = free.poll();
    if (b == null) {
      allocated++;
      b = ByteBuffer.allocateDirect(size);
    }
    return b;
  }

  @Override
  public void release(ByteBuffer buffer) {
    outstanding--;
    buffer.clear();
    free.push(buffer);
  }
}
