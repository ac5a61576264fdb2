package io.lb4j.impl.listener;

import io.lb4j.impl.listener.http2.Http2Headers;
import io.lb4j.impl.listener.http2.Http2Stream;
import java.nio.ByteBuffer;

/**
 * One direction of a relayed HTTP/2 stream: the DATA, trailers and end of one stream passed on to another,
 * within the receiving stream's windows. What the receiver takes at once goes straight from the frame and is
 * credited back to the sender; the rest is held in a {@link StreamBody} and credited only once passed on, so
 * the sender never has more than its stream window held here and a slow receiver stops its own sender.
 *
 * <p>The request direction may retain what it passed on ({@link StreamBody#retain}) so that a request the
 * backend did not process can be sent again on a new stream ({@link #rewind}, {@link #to}). Loop thread
 * only; reused per relayed stream.
 */
final class StreamPipe {
  private static final ByteBuffer EMPTY = ByteBuffer.allocate(0).asReadOnlyBuffer();

  private final StreamBody held;
  private final Http2Headers trailers = new Http2Headers();
  private Http2Stream from;
  private Http2Stream to;
  private boolean retaining;
  private boolean hasTrailers;
  /** The sender ended its side (END_STREAM or trailers). */
  private boolean ended;
  /** The end went to the receiver. */
  private boolean done;
  /** The sender's trailers are larger than the receiver's SETTINGS_MAX_HEADER_LIST_SIZE: they cannot go. */
  private boolean trailersRefused;
  private long passed;
  private long lastPassed;

  StreamPipe(BufferPool buffers) {
    this.held = new StreamBody(buffers);
  }

  /**
   * A new stream from {@code from}, which already ended when {@code ended}; with {@code retain}, what is passed
   * on is kept for a {@link #rewind} until {@link #stopRetaining}.
   */
  void start(Http2Stream from, boolean ended, boolean retain, long nowNanos) {
    this.from = from;
    this.to = null;
    this.ended = ended;
    this.done = false;
    this.hasTrailers = false;
    this.trailersRefused = false;
    this.retaining = retain;
    this.passed = 0;
    this.lastPassed = nowNanos;
    held.start(from, false);
    held.retain(retain);
  }

  /** The receiving stream (set once it exists; again after a retry). */
  void to(Http2Stream receiver) {
    this.to = receiver;
  }

  /** True when the receiver can take the end with its headers: the sender ended with nothing held. */
  boolean endsWithHeaders() {
    return ended && !hasTrailers && held.unread() == 0;
  }

  /** The end went with the receiver's headers. */
  void endedWithHeaders() {
    done = true;
  }

  /** The sender's DATA ({@code data} is valid during the call only). */
  void data(ByteBuffer data, boolean endStream) {
    ended |= endStream;
    if (to != null && !retaining && held.unread() == 0) {
      int n = data.remaining();
      int taken = to.sendData(data, endStream);
      if (taken > 0) {
        from.consumed(taken);
        passed(taken);
      }
      if (taken == n) {
        done = endStream;
        return;
      }
    }
    if (data.hasRemaining()) {
      held.append(data);
    }
    pump();
  }

  /**
   * True if the sender's trailers cannot go: the receiver's SETTINGS_MAX_HEADER_LIST_SIZE is smaller. The pipe
   * then never ends; its owner resets or answers instead.
   */
  boolean trailersRefused() {
    return trailersRefused;
  }

  /** The sender's trailers, which end its side. */
  void trailers(Http2Headers t) {
    ended = true;
    trailers.copyFrom(t);
    hasTrailers = true;
    pump();
  }

  /** Passes held bytes on as the receiver's windows allow, then the end; true once the end went out. */
  boolean pump() {
    if (to == null || done) {
      return done;
    }
    ByteBuffer b;
    while ((b = held.peek()) != null) {
      boolean last = ended && !hasTrailers && b.remaining() == held.unread();
      int n = to.sendData(b, last);
      if (n < 0) {
        return false; // the receiver is closed: its reset is on the way
      }
      if (n > 0) {
        passed(n);
      }
      if (b.hasRemaining()) {
        return false; // its window is full: the next onWritable continues
      }
      if (last) {
        done = true;
        held.unread(); // lets the last buffer go, crediting the sender
        return true;
      }
    }
    if (ended) {
      if (hasTrailers) {
        if (!to.headerListFits(trailers)) {
          trailersRefused = true; // the receiver announced it would refuse them: its owner ends the exchange
          return false;
        }
        to.sendTrailers(trailers);
      } else {
        to.sendData(EMPTY, true);
      }
      done = true;
    }
    return done;
  }

  private void passed(int n) {
    passed += n;
    lastPassed = System.nanoTime();
  }

  /** Keeps passed bytes no longer: they are credited to the sender (the response started). */
  void stopRetaining() {
    retaining = false;
    held.retain(false);
  }

  /** True while every byte passed on since {@link #start} is still held: a {@link #rewind} replays it all. */
  boolean replayable() {
    return held.replayable();
  }

  /** Passes everything again from the first byte, to a new receiver ({@link #to}). */
  void rewind() {
    held.rewind();
    done = false;
    to = null;
  }

  boolean ended() {
    return ended;
  }

  boolean done() {
    return done;
  }

  /** True while bytes wait for the receiver's window. */
  boolean holding() {
    return held.unread() > 0;
  }

  /** Bytes the receiver took. */
  long passed() {
    return passed;
  }

  /** When the receiver last took a byte (or the stream started). */
  long lastPassed() {
    return lastPassed;
  }

  /** Lets every buffer go (the stream is over). */
  void clear() {
    held.clear();
    from = null;
    to = null;
  }
}
