package io.lb4j.impl.listener;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.GatheringByteChannel;

/**
 * A client {@link Transport} (plain or TLS) as the {@link GatheringByteChannel} an HTTP/2 connection flushes
 * its frames to, counting what it writes: bytes for the metrics, and the time of the last byte the client
 * took (its write clock). Closing it closes nothing: the owner closes the socket. Loop thread only.
 */
final class TransportChannel implements GatheringByteChannel {
  private final Transport transport;
  private final MetricsRecorder metrics;
  private long lastWrite;
  private long written;

  TransportChannel(Transport transport, MetricsRecorder metrics, long nowNanos) {
    this.transport = transport;
    this.metrics = metrics;
    this.lastWrite = nowNanos;
  }

  @Override
  public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
    metrics.clientWriteCall();
    return counted(transport.write(srcs, offset, length));
  }

  @Override
  public long write(ByteBuffer[] srcs) throws IOException {
    return write(srcs, 0, srcs.length);
  }

  @Override
  public int write(ByteBuffer src) throws IOException {
    metrics.clientWriteCall();
    return (int) counted(transport.write(src));
  }

  private long counted(long n) {
    if (n > 0) {
      metrics.bytesOut(n);
      written += n;
      lastWrite = System.nanoTime();
    }
    return n;
  }

  /** When the client last took a byte ({@code System.nanoTime()} scale). */
  long lastWrite() {
    return lastWrite;
  }

  /** Bytes taken by the transport since this channel was made. */
  long written() {
    return written;
  }

  @Override
  public boolean isOpen() {
    return transport.channel().isOpen();
  }

  @Override
  public void close() {
    // The owner closes the socket; the HTTP/2 connection never does.
  }
}
