package io.lb4j.impl.listener.http2;

import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * The sending half of an {@link Http2Connection}: what a stream's owner sends (headers, data within the
 * windows and the output room, trailers, resets, window credit) and the queue of streams waiting for
 * room, woken oldest first by {@link #dispatchWritable()}.
 *
 * <p>Not thread-safe: part of its connection.
 */
final class Outbound {

  private final Http2Connection c;
  private Http2Stream waitingHead;
  private Http2Stream waitingTail;
  private int waitingCount;
  private boolean dispatching;

  Outbound(Http2Connection connection) {
    this.c = connection;
  }

  boolean sendHeaders(Http2Stream s, Http2Headers headers, boolean endStream, boolean trailers) {
    if (!c.isOpen() || s.localEnded()) {
      return false;
    }
    if (headers.listSize() > c.peerMaxHeaderListSize) {
      return false;
    }
    if (trailers) {
      if (!s.finalHeadersSent && c.server) {
        throw new IllegalStateException("trailers before the response headers on stream " + s.id());
      }
    } else if (c.server) {
      if (s.finalHeadersSent) {
        throw new IllegalStateException("response headers already sent on stream " + s.id() + ": use sendTrailers");
      }
      int status = headers.indexOf(":status");
      boolean informational = status >= 0 && headers.valueLength(status) == 3
          && headers.data[headers.valueOffset(status)] == '1';
      s.finalHeadersSent = !informational;
    } else {
      s.finalHeadersSent = true;
    }
    int length = c.encoder.encode(headers);
    c.writer.writeHeaders(s.id(), c.encoder.buffer(), length, endStream, c.peerMaxFrameSize);
    c.encoder.releaseLargeBuffer();
    c.pingRate.earn(1);
    s.lastActivity = c.now;
    if (endStream) {
      c.localEnd(s);
    }
    return true;
  }

  int sendData(Http2Stream s, ByteBuffer src, boolean endStream) {
    if (!c.isOpen() || s.isClosed()) {
      return -1;
    }
    if (s.localEnded()) {
      throw new IllegalStateException("stream " + s.id() + " already ended its side");
    }
    int offered = src.remaining();
    long room = c.limits.maxBufferedOutputBytes() - c.out.queuedBytes();
    // Frame headers count too: leave 9 bytes for each frame the room could hold.
    room -= Http2Frames.HEADER_LENGTH * ((room + c.peerMaxFrameSize + Http2Frames.HEADER_LENGTH - 1)
        / (c.peerMaxFrameSize + Http2Frames.HEADER_LENGTH));
    int allowed = (int) Math.max(0, Math.min(Math.min(offered, s.sendWindow), Math.min(c.connSendWindow, room)));
    int frames = 0;
    int sent = 0;
    while (sent < allowed) {
      int n = Math.min(allowed - sent, c.peerMaxFrameSize);
      sent += n;
      c.writer.writeData(s.id(), src, n, endStream && sent == offered);
      frames++;
    }
    if (offered == 0 && endStream) {
      c.writer.writeData(s.id(), src, 0, true);
      frames++;
    }
    s.sendWindow -= allowed;
    c.connSendWindow -= allowed;
    if (frames > 0) {
      s.lastActivity = c.now;
      c.pingRate.earn(frames);
      c.windowUpdateRate.earn(2 * frames);
    }
    if (allowed == offered) {
      if (endStream) {
        c.localEnd(s);
      }
    } else {
      enqueueWaiting(s);
    }
    return allowed;
  }

  void resetByOwner(Http2Stream s, Http2ErrorCode code) {
    Objects.requireNonNull(code, "code");
    if (s.isClosed()) {
      return;
    }
    s.ownerDone = true;
    if (c.isOpen()) {
      c.writer.writeRstStream(s.id(), code);
      s.resetHere = true;
    }
    s.resetCode = code;
    c.closeStream(s);
  }

  void consumed(Http2Stream s, int bytes) {
    if (bytes < 0 || bytes > s.unconsumed) {
      throw new IllegalArgumentException("consumed bytes must be between 0 and " + s.unconsumed + ", was " + bytes);
    }
    s.unconsumed -= bytes;
    credit(s, bytes);
  }

  /** Returns {@code bytes} of stream window to the peer, in batches of at least half the window. */
  void credit(Http2Stream s, int bytes) {
    if (s.remoteEnded() || !c.isOpen()) {
      return;
    }
    s.recvUnacked += bytes;
    if (s.recvUnacked >= c.localInitialWindow / 2) {
      c.writer.writeWindowUpdate(s.id(), s.recvUnacked);
      s.recvWindow += s.recvUnacked;
      s.recvUnacked = 0;
    }
  }

  void release(Http2Stream s) {
    s.ownerDone = true;
    if (s.isClosed()) {
      c.freeSlot(s);
    }
  }

  void enqueueWaiting(Http2Stream s) {
    if (s.waiting) {
      return;
    }
    s.waiting = true;
    s.nextWaiting = null;
    if (waitingTail == null) {
      waitingHead = s;
    } else {
      waitingTail.nextWaiting = s;
    }
    waitingTail = s;
    waitingCount++;
  }

  private Http2Stream pollWaiting() {
    Http2Stream s = waitingHead;
    waitingHead = s.nextWaiting;
    if (waitingHead == null) {
      waitingTail = null;
    }
    s.nextWaiting = null;
    s.waiting = false;
    waitingCount--;
    return s;
  }

  void removeWaiting(Http2Stream s) {
    Http2Stream prev = null;
    for (Http2Stream w = waitingHead; w != null; prev = w, w = w.nextWaiting) {
      if (w == s) {
        if (prev == null) {
          waitingHead = s.nextWaiting;
        } else {
          prev.nextWaiting = s.nextWaiting;
        }
        if (waitingTail == s) {
          waitingTail = prev;
        }
        s.nextWaiting = null;
        s.waiting = false;
        waitingCount--;
        return;
      }
    }
  }

  /**
   * Tells waiting streams, oldest first, that they may write, while the connection window and the output
   * have room; each waiting stream at most once per call, and one blocked only by its own window is
   * passed over (it waits for its WINDOW_UPDATE).
   */
  void dispatchWritable() {
    if (dispatching || !c.isOpen()) {
      return;
    }
    dispatching = true;
    try {
      for (int rounds = waitingCount; rounds > 0 && waitingHead != null; rounds--) {
        if (c.connSendWindow <= 0 || c.out.queuedBytes() >= c.limits.maxBufferedOutputBytes()) {
          return;
        }
        Http2Stream s = pollWaiting();
        if (s.isClosed() || s.localEnded()) {
          continue;
        }
        if (s.sendWindow <= 0) {
          enqueueWaiting(s);
          continue;
        }
        c.handler.onWritable(s);
        if (!c.isOpen()) {
          return;
        }
      }
    } finally {
      dispatching = false;
    }
  }
}
