package io.lb4j.impl.listener;

import io.lb4j.impl.listener.http.ResponseHead;
import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;

/**
 * The client socket of a Layer-7 connection as a byte stream: its transport (plain or TLS), its input
 * buffer (taken from the loop's pool when bytes arrive, given back once consumed, so an idle connection
 * holds none), its writes, and what they count (bytes each way for the access log and the metrics, write
 * calls, the time of the last byte that moved each way). It is the {@link ClientSide} an {@link Exchange}
 * forwards to and from. Used on its connection's loop thread only.
 */
final class ClientChannel implements ClientSide {
  private final Transport transport;
  private final SelectionKey key;
  private final BufferPool buffers;
  private final MetricsRecorder metrics;
  /** Peak bandwidth: gates the reads of what the client sends. */
  private final Throttle throttle;
  /**
   * A head and the body bytes behind it, for one gathering write (one system call instead of two); reused
   * so the per-request path allocates nothing, and emptied after each write so it holds no pooled buffer.
   */
  private final ByteBuffer[] headAndBody = new ByteBuffer[2];
  /** Client bytes not yet consumed, in read mode; null when empty. */
  private ByteBuffer in;
  private boolean ended;
  /** The output was shut down ({@link #shutdownOutput}) or set to end with a reset ({@link #resetOnClose}). */
  private boolean outputEnded;
  private long bytesRead;
  private long bytesWritten;
  private long lastRead;
  private long lastWrite;

  ClientChannel(Transport transport, SelectionKey key, BufferPool buffers, MetricsRecorder metrics, long nowNanos,
      Throttle throttle) {
    this.transport = transport;
    this.throttle = throttle;
    this.key = key;
    this.buffers = buffers;
    this.metrics = metrics;
    this.lastRead = nowNanos;
    this.lastWrite = nowNanos;
  }

  /** The transport (plain or TLS), for tests that look at what an idle connection holds. */
  Transport transport() {
    return transport;
  }

  /**
   * Reads what the client sent into the input buffer (taking one if needed), as much as the peak bandwidth
   * allows; nothing while the throttle holds the client.
   */
  void read() throws IOException {
    if (in == null) {
      in = buffers.acquire();
      in.flip();
    }
    if (!throttle.beginRead(in)) {
      return; // over the peak bandwidth: the throttle resumes reading when the tokens are there
    }
    int n = 0;
    try {
      n = transport.read(in);
    } finally {
      throttle.endRead(in, n);
    }
    if (n < 0) {
      ended = true;
    } else if (n > 0) {
      lastRead = System.nanoTime();
      metrics.bytesIn(n);
      bytesRead += n;
    }
  }

  /** Gives the input buffer back when every byte in it was consumed. */
  void releaseInputIfEmpty() {
    if (in != null && !in.hasRemaining()) {
      buffers.release(in);
      in = null;
    }
  }

  /** Drops the client's unread bytes (those after the listener's last answer). */
  void discardInput() {
    if (in != null) {
      in.position(in.limit());
    }
  }

  /** Sets the key's interest: read while the client may send and the input has room, write when asked. */
  void interest(boolean write) {
    int ops = 0;
    if (!ended && (in == null || in.remaining() < in.capacity()) && !throttle.paused()) {
      ops |= SelectionKey.OP_READ;
    }
    if (write || transport.wantsWrite()) {
      ops |= SelectionKey.OP_WRITE;
    }
    if (key.interestOps() != ops) {
      key.interestOps(ops);
    }
  }

  /** Starts counting the bytes of a new request, whose head was {@code headBytes} long. */
  void newRequest(long headBytes) {
    bytesRead = headBytes;
    bytesWritten = 0;
  }

  /** Bytes received for the current request (its head included). */
  long bytesRead() {
    return bytesRead;
  }

  /** Bytes sent for the current request. */
  long bytesWritten() {
    return bytesWritten;
  }

  /** When the client last sent a byte, or the end of the last time the peak bandwidth held it, if later. */
  @Override
  public long lastRead() {
    return throttle.activeSince(lastRead);
  }

  @Override
  public long lastWrite() {
    return lastWrite;
  }

  @Override
  public ByteBuffer input() {
    return in;
  }

  @Override
  public boolean inputEnded() {
    return ended;
  }

  @Override
  public long write(ByteBuffer head, ByteBuffer body, int count) throws IOException {
    if (count == 0) {
      return write(head, head.remaining());
    }
    int limit = body.limit();
    body.limit(body.position() + count);
    headAndBody[0] = head;
    headAndBody[1] = body;
    try {
      metrics.clientWriteCall();
      return written(transport.write(headAndBody));
    } finally {
      body.limit(limit);
      headAndBody[0] = null;
      headAndBody[1] = null;
    }
  }

  @Override
  public int write(ByteBuffer buf, int count) throws IOException {
    int limit = buf.limit();
    buf.limit(buf.position() + count);
    try {
      metrics.clientWriteCall();
      return (int) written(transport.write(buf));
    } finally {
      buf.limit(limit);
    }
  }

  private long written(long n) {
    if (n > 0) {
      metrics.bytesOut(n);
      bytesWritten += n;
      lastWrite = System.nanoTime();
    }
    return n;
  }

  @Override
  public boolean flush() throws IOException {
    return transport.flush();
  }

  @Override
  public boolean outputPending() {
    return transport.wantsWrite();
  }

  @Override
  public void shutdownOutput() throws IOException {
    outputEnded = true;
    transport.shutdownOutput();
  }

  /** HTTP/1.1: the response goes as bytes. */
  @Override
  public boolean framesResponses() {
    return false;
  }

  @Override
  public boolean sendResponseHead(ResponseHead head, String setCookie, boolean noBody) {
    throw new UnsupportedOperationException("an HTTP/1.1 client takes the response as bytes");
  }

  /**
   * The connection becomes HTTP/2 and reads the socket itself: hands the unread input buffer over (null when
   * none; this channel no longer holds or releases it) and stops this channel's throttle (the HTTP/2
   * connection has its own). The socket stays open.
   */
  ByteBuffer handOver() {
    throttle.close();
    ByteBuffer b = in;
    in = null;
    return b;
  }

  /** Makes the coming close a reset: the client must not take a cut-off response for a complete one. */
  void resetOnClose() {
    outputEnded = true;
    try {
      transport.channel().setOption(StandardSocketOptions.SO_LINGER, 0);
    } catch (IOException | RuntimeException ignored) {
      // already closed
    }
  }

  /**
   * Closes the socket, once {@code loop}'s next select deregistered it ({@link EventLoop#closeAfterSelect}:
   * fewer system calls), and gives the input buffer back. Loop thread only.
   */
  void close(EventLoop loop) {
    throttle.close();
    if (!outputEnded) {
      Sockets.endOutputBeforeClose(transport.channel());
    }
    key.cancel();
    loop.closeAfterSelect(transport.channel());
    if (in != null) {
      buffers.release(in);
      in = null;
    }
  }
}
