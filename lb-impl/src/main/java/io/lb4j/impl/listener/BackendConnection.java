package io.lb4j.impl.listener;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

/**
 * A Layer-7 connection to a backend, owned by one loop: in use by one request at a time, or idle in
 * its loop's {@link BackendConnectionPool}. While idle it is its own key's handler: any byte or end of
 * stream from the backend (it closed an idle connection) or its idle timeout closes it; the timeout is its
 * {@link LoopTimer}.
 */
final class BackendConnection extends IoHandler {
  final SocketChannel channel;
  final SelectionKey key;
  final InetSocketAddress address;
  final BackendConnectionPool pool;
  /** Bytes from the backend, in read mode; taken from the loop's buffer pool while in use. */
  ByteBuffer in;
  /** True once a request has completed on it (a reused connection may be stale). */
  boolean reused;
  long idleSince;
  /** True while idle in the pool (its timer then closes it after the pool's idle timeout). */
  boolean inPool;
  private boolean closed;

  BackendConnection(SocketChannel channel, SelectionKey key, InetSocketAddress address, BackendConnectionPool pool) {
    this.channel = channel;
    this.key = key;
    this.address = address;
    this.pool = pool;
  }

  /** Reads into {@link #in} (taking a buffer if needed): bytes read, 0, or -1 at end of stream. */
  int read(BufferPool buffers) throws IOException {
    if (in == null) {
      in = buffers.acquire();
      in.flip();
    }
    in.compact();
    try {
      return channel.read(in);
    } finally {
      in.flip();
    }
  }

  /**
   * Reads into {@link #in} as much as {@code throttle} (the client's peak bandwidth) allows: bytes read, 0
   * (nothing, or the throttle holds the backend), or -1 at end of stream.
   */
  int read(BufferPool buffers, Throttle throttle) throws IOException {
    if (in == null) {
      in = buffers.acquire();
      in.flip();
    }
    if (!throttle.beginRead(in)) {
      return 0;
    }
    int n = 0;
    try {
      n = channel.read(in);
    } finally {
      throttle.endRead(in, n);
    }
    return n;
  }

  /** Gives an empty input buffer back (a connection kept idle holds none). */
  void releaseBuffer(BufferPool buffers) {
    if (in != null && !in.hasRemaining()) {
      buffers.release(in);
      in = null;
    }
  }

  boolean isClosed() {
    return closed;
  }

  void close(BufferPool buffers) {
    if (detach(buffers)) {
      Sockets.closeQuietly(channel);
    }
  }

  /**
   * Closes as {@link #close} does, the channel itself once {@code loop}'s next select has deregistered it
   * ({@link EventLoop#closeAfterSelect}: fewer system calls). Loop thread only.
   */
  void closeAfterSelect(BufferPool buffers, EventLoop loop) {
    if (detach(buffers)) {
      loop.closeAfterSelect(channel);
    }
  }

  /** Cancels the key and timer and gives the buffer back; false when already closed. */
  private boolean detach(BufferPool buffers) {
    if (closed) {
      return false;
    }
    closed = true;
    inPool = false;
    if (isArmed()) {
      pool.loop.cancel(this); // only a pooled (Layer-7) connection arms its timer
    }
    key.cancel();
    if (in != null) {
      buffers.release(in);
      in = null;
    }
    return true;
  }

  /** Idle in the pool: the backend sent something or closed; either way the connection is done. */
  @Override
  void ready(SelectionKey k) {
    pool.discard(this);
  }

  /**
   * The idle timer: armed when the connection went idle, and left armed while a request uses it (taking
   * and giving back cost no heap work); when it fires, a connection in use is left alone, an idle one is
   * closed once idle for the pool's idle timeout, or re-armed for the rest of it.
   */
  @Override
  void checkTimeouts(long nowNanos) {
    if (!inPool || closed) {
      return;
    }
    if (nowNanos - idleSince >= pool.idleTimeoutNanos) {
      pool.discard(this);
    } else {
      pool.loop.schedule(this, idleSince + pool.idleTimeoutNanos);
    }
  }

  @Override
  void closeNow() {
    pool.discard(this);
  }
}
