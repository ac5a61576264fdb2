package io.lb4j.impl.listener;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;

/**
 * The TLS record and plaintext buffers of one event loop's HTTPS connections, pooled: a connection takes
 * one only while TLS bytes are in flight (a partial record read, records not yet sent, decrypted bytes not
 * yet taken) and gives it back at once, so an idle TLS connection holds none (about 17 KiB each, three per
 * connection when they were allocated up front). Heap buffers: {@code SSLEngine} encrypts and decrypts
 * arrays without the extra copy a direct buffer costs it. At most {@link #MAX_POOLED} free buffers are kept.
 *
 * <p>Confined to its loop's thread.
 */
final class TlsBuffers {
  /** Free buffers kept per loop at most (about 1 MiB); more are left to the GC. */
  static final int MAX_POOLED = 64;

  private final ArrayDeque<ByteBuffer> free = new ArrayDeque<>();

  /** A cleared buffer of at least {@code capacity} bytes. */
  ByteBuffer acquire(int capacity) {
    ByteBuffer b = free.pollFirst();
    if (b == null || b.capacity() < capacity) {
      return ByteBuffer.allocate(capacity);
    }
    return b;
  }

  /** Gives {@code b} back (null is ignored). */
  void release(ByteBuffer b) {
    if (b != null && free.size() < MAX_POOLED) {
      b.clear();
      free.addFirst(b);
    }
  }

  /** Free buffers held now (tests). */
  int pooled() {
    return free.size();
  }
}
