package io.lb4j.impl.listener;

import io.lb4j.impl.listener.http2.Http11Conversion;
import io.lb4j.impl.listener.http2.Http2Headers;
import io.lb4j.impl.listener.http2.Http2Stream;
import java.nio.ByteBuffer;

/**
 * The DATA of one HTTP/2 stream held for the other side of the proxy: copied out of the frames (whose
 * buffers live only during the callback) into pooled buffers, read by the forwarder at its own pace, and
 * credited back to the sending stream ({@link Http2Stream#consumed}) only once read. So the sender may never
 * have more than its stream window in flight and held here: a slow receiver stops its own sender and no
 * other, and memory per stream is bounded by the window (65,535 bytes by default).
 *
 * <p>For an HTTP/1.1 backend without a {@code content-length} the bytes are framed as chunks on the way in
 * ({@link #start}: {@code chunked}), ended by the last chunk and any trailers, so the request forwarder sends
 * them as they are.
 *
 * <p>Retention: while {@link #retain} is on, bytes read stay here (uncredited) so that a request refused by an
 * HTTP/2 backend can be sent again ({@link #rewind}); it turns off by itself once {@link #MAX_RETAINED} bytes
 * are held, so a large upload never waits for a response that waits for it.
 *
 * <p>Each buffer is in read mode: its position is the next byte to read, its limit the end of what was
 * appended (absolute puts append, as in the HTTP/2 output queue). Loop thread only.
 */
final class StreamBody {
  /** The most bytes kept for a re-send before retention gives up. */
  static final int MAX_RETAINED = 32 * 1024;
  private static final byte[] CRLF = {'\r', '\n'};
  private static final byte[] LAST_CHUNK = {'0', '\r', '\n', '\r', '\n'};

  private final BufferPool buffers;
  /** A chunk-size line being written: up to 8 hex digits and CRLF. */
  private final byte[] sizeLine = new byte[10];
  private ByteBuffer[] queue = new ByteBuffer[4];
  /** Payload bytes appended to each buffer, credited to the sender when the buffer is let go. */
  private int[] credits = new int[4];
  private int count;
  /** Buffers before this index are read whole (kept only while retaining). */
  private int reading;
  private long unread;
  private Http2Stream creditTo;
  private boolean chunked;
  private boolean retain;
  private boolean retainedDropped;
  private long appendedTotal;

  StreamBody(BufferPool buffers) {
    this.buffers = buffers;
  }

  /** A new body from {@code sender}, framed as HTTP/1.1 chunks when {@code chunked}. */
  void start(Http2Stream sender, boolean chunked) {
    this.creditTo = sender;
    this.chunked = chunked;
    this.retain = false;
    this.retainedDropped = false;
    this.appendedTotal = 0;
  }

  /** Copies {@code data} (position to limit, which is left unchanged) as one chunk or as raw bytes. */
  void append(ByteBuffer data) {
    int n = data.remaining();
    if (n == 0) {
      return;
    }
    if (chunked) {
      appendChunkSize(n);
    }
    int from = data.position();
    int left = n;
    while (left > 0) {
      ByteBuffer tail = tailWithRoom();
      int at = tail.limit();
      int k = Math.min(left, tail.capacity() - at);
      tail.limit(at + k);
      tail.put(at, data, from, k);
      credits[count - 1] += k;
      from += k;
      left -= k;
    }
    unread += n;
    appendedTotal += n;
    if (chunked) {
      appendBytes(CRLF, 2);
    }
  }

  /** Chunked: the last chunk, with {@code trailers} as its trailer section when not null. */
  void appendLastChunk(Http2Headers trailers) {
    if (!chunked) {
      return;
    }
    if (trailers == null || trailers.isEmpty()) {
      appendBytes(LAST_CHUNK, LAST_CHUNK.length);
      return;
    }
    // Trailers are rare: their section is written once into a buffer of its size.
    ByteBuffer last = ByteBuffer.allocate(-Http11Conversion.writeChunkedTrailers(trailers, ByteBuffer.allocate(0)));
    Http11Conversion.writeChunkedTrailers(trailers, last);
    appendBytes(last.array(), last.position());
  }

  private void appendChunkSize(int n) {
    byte[] line = sizeLine;
    int p = 0;
    for (int shift = 28; shift >= 0; shift -= 4) {
      int digit = (n >>> shift) & 0xF;
      if (p > 0 || digit != 0 || shift == 0) {
        line[p++] = (byte) (digit < 10 ? '0' + digit : 'a' + digit - 10);
      }
    }
    line[p++] = '\r';
    line[p++] = '\n';
    appendBytes(line, p);
  }

  private void appendBytes(byte[] b, int len) {
    int off = 0;
    while (off < len) {
      ByteBuffer tail = tailWithRoom();
      int at = tail.limit();
      int k = Math.min(len - off, tail.capacity() - at);
      tail.limit(at + k);
      tail.put(at, b, off, k);
      off += k;
    }
    unread += len;
  }

  private ByteBuffer tailWithRoom() {
    // A tail already read past (kept only for a rewind) takes no more bytes: the reader would skip them.
    if (count > 0 && count - 1 >= reading) {
      ByteBuffer tail = queue[count - 1];
      if (tail.limit() < tail.capacity()) {
        return tail;
      }
    }
    if (count == queue.length) {
      queue = java.util.Arrays.copyOf(queue, count * 2);
      credits = java.util.Arrays.copyOf(credits, count * 2);
    }
    ByteBuffer b = buffers.acquire();
    b.clear().limit(0);
    queue[count] = b;
    credits[count] = 0;
    count++;
    return b;
  }

  /**
   * The buffer to read from (its position is the next byte), or null when nothing is unread. Buffers read
   * whole are let go first (credited to the sender), unless retained.
   */
  ByteBuffer peek() {
    settle();
    return reading < count && queue[reading].hasRemaining() ? queue[reading] : null;
  }

  /** Lets go of buffers read whole, and counts what the reader took since the last call. */
  private void settle() {
    unread = 0;
    while (reading < count && !queue[reading].hasRemaining()) {
      reading++;
    }
    for (int i = reading; i < count; i++) {
      unread += queue[i].remaining();
    }
    if (!retain) {
      dropRead();
    } else if (retainedBytes() > MAX_RETAINED) {
      retain = false;
      retainedDropped = true;
      dropRead();
    }
  }

  private long retainedBytes() {
    long n = 0;
    for (int i = 0; i < reading; i++) {
      n += queue[i].limit();
    }
    return n;
  }

  private void dropRead() {
    if (reading == 0) {
      return;
    }
    int credit = 0;
    for (int i = 0; i < reading; i++) {
      credit += credits[i];
      buffers.release(queue[i]);
      queue[i] = null;
    }
    System.arraycopy(queue, reading, queue, 0, count - reading);
    System.arraycopy(credits, reading, credits, 0, count - reading);
    for (int i = count - reading; i < count; i++) {
      queue[i] = null;
    }
    count -= reading;
    reading = 0;
    if (credit > 0 && creditTo != null) {
      creditTo.consumed(credit);
    }
  }

  /** Bytes appended and not yet read. */
  long unread() {
    settle();
    return unread;
  }

  /** Payload bytes appended since {@link #start}. */
  long appended() {
    return appendedTotal;
  }

  /** Keeps bytes read (uncredited) for {@link #rewind}, up to {@link #MAX_RETAINED}; off lets them go. */
  void retain(boolean on) {
    retain = on;
    if (!on) {
      settle();
    }
  }

  /** True while every byte read since {@link #start} is still here: {@link #rewind} would replay the body. */
  boolean replayable() {
    settle();
    return !retainedDropped && (retain || appendedTotal == unread);
  }

  /** Reads the body again from its first byte (only when {@link #replayable()}). */
  void rewind() {
    for (int i = 0; i < count; i++) {
      queue[i].position(0);
    }
    reading = 0;
    settle();
  }

  /** Lets every buffer go without crediting (the stream is over); ready for {@link #start}. */
  void clear() {
    for (int i = 0; i < count; i++) {
      buffers.release(queue[i]);
      queue[i] = null;
      credits[i] = 0;
    }
    count = 0;
    reading = 0;
    unread = 0;
    creditTo = null;
    retain = false;
  }

  /** Buffers held now (tests: a finished stream holds none). */
  int heldBuffers() {
    return count;
  }
}
