package io.lb4j.impl.listener.http2;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.GatheringByteChannel;

/**
 * The bytes a connection has to send, as a queue of pooled buffers written with one gathering write.
 * Each queued buffer is kept in read mode (position: the next byte to send; limit: the end of what was
 * written), and the last one is appended to with absolute puts, so no buffer is ever flipped. A buffer is
 * given back to the pool as soon as all its bytes are sent, so an idle connection holds none.
 *
 * <p>Not thread-safe: owned by one connection.
 */
final class OutboundQueue {

  private final Http2BufferPool pool;
  private ByteBuffer[] buffers = new ByteBuffer[8];
  private int count;
  private long queuedBytes;
  /** Bytes written to the socket since the queue was made; with the queued ones, a position in the stream. */
  private long writtenTotal;

  OutboundQueue(Http2BufferPool pool) {
    this.pool = pool;
  }

  /** Bytes queued and not yet written. */
  long queuedBytes() {
    return queuedBytes;
  }

  boolean isEmpty() {
    return queuedBytes == 0;
  }

  /** The stream position just past the last byte queued. */
  long queuedUpTo() {
    return writtenTotal + queuedBytes;
  }

  /** The stream position just past the last byte written to the socket. */
  long writtenUpTo() {
    return writtenTotal;
  }

  void writeByte(int b) {
    ByteBuffer tail = tailWithRoom();
    int at = tail.limit();
    tail.limit(at + 1);
    tail.put(at, (byte) b);
    queuedBytes++;
  }

  void writeMedium(int v) {
    writeByte(v >>> 16);
    writeByte(v >>> 8);
    writeByte(v);
  }

  void writeInt(int v) {
    writeByte(v >>> 24);
    writeByte(v >>> 16);
    writeByte(v >>> 8);
    writeByte(v);
  }

  void write(byte[] src, int off, int len) {
    while (len > 0) {
      ByteBuffer tail = tailWithRoom();
      int at = tail.limit();
      int n = Math.min(len, tail.capacity() - at);
      tail.limit(at + n);
      tail.put(at, src, off, n);
      off += n;
      len -= n;
      queuedBytes += n;
    }
  }

  /** Copies {@code len} bytes from {@code src}'s position, advancing it. */
  void write(ByteBuffer src, int len) {
    while (len > 0) {
      ByteBuffer tail = tailWithRoom();
      int at = tail.limit();
      int n = Math.min(len, tail.capacity() - at);
      tail.limit(at + n);
      tail.put(at, src, src.position(), n);
      src.position(src.position() + n);
      len -= n;
      queuedBytes += n;
    }
  }

  /**
   * Writes as much as {@code channel} takes in one gathering write; returns the bytes written. Buffers
   * fully written go back to the pool.
   */
  long flushTo(GatheringByteChannel channel) throws IOException {
    if (count == 0) {
      return 0;
    }
    long written = channel.write(buffers, 0, count);
    queuedBytes -= written;
    writtenTotal += written;
    int done = 0;
    while (done < count && !buffers[done].hasRemaining()) {
      pool.release(buffers[done]);
      done++;
    }
    if (done > 0) {
      System.arraycopy(buffers, done, buffers, 0, count - done);
      for (int i = count - done; i < count; i++) {
        buffers[i] = null;
      }
      count -= done;
    }
    return written;
  }

  /** Copies the queued bytes into {@code dst} without consuming them (tests and diagnostics). */
  byte[] peekAll() {
    byte[] all = new byte[(int) queuedBytes];
    int p = 0;
    for (int i = 0; i < count; i++) {
      ByteBuffer b = buffers[i];
      int n = b.remaining();
      b.get(b.position(), all, p, n);
      p += n;
    }
    return all;
  }

  /** Gives every buffer back, sent or not (the connection is closing). */
  void release() {
    for (int i = 0; i < count; i++) {
      pool.release(buffers[i]);
      buffers[i] = null;
    }
    count = 0;
    queuedBytes = 0;
  }

  private ByteBuffer tailWithRoom() {
    if (count > 0) {
      ByteBuffer tail = buffers[count - 1];
      if (tail.limit() < tail.capacity()) {
        return tail;
      }
    }
    ByteBuffer b = pool.acquire();
    b.clear().limit(0);
    if (count == buffers.length) {
      ByteBuffer[] grown = new ByteBuffer[buffers.length * 2];
      System.arraycopy(buffers, 0, grown, 0, count);
      buffers = grown;
    }
    buffers[count++] = b;
    return b;
  }
}
