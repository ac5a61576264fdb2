package io.lb4j.impl.listener;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;

/**
 * TLS over a non-blocking channel with an {@link SSLEngine}, server side. The handshake is driven by
 * reads (and by writes of pending records): no extra thread. Delegated tasks (certificate work) run
 * inline on the loop thread: they are short CPU work, and handing them off would add a thread hop per
 * handshake.
 *
 * <p>Memory: three buffers per connection (records in, records out, decrypted bytes not yet taken), each
 * about 17 KiB, allocated on the heap when the connection opens.
 */
final class TlsTransport implements Transport {
  private final SocketChannel channel;
  private final SSLEngine engine;
  /** Records read from the channel, not yet decrypted; in write mode. */
  private final ByteBuffer netIn;
  /** Records to send; in write mode. */
  private final ByteBuffer netOut;
  /** Decrypted bytes not yet taken by the reader; in write mode. */
  private final ByteBuffer appIn;
  private boolean inboundDone;

  TlsTransport(SocketChannel channel, SSLEngine engine) {
    this.channel = channel;
    this.engine = engine;
    engine.setUseClientMode(false);
    int packet = engine.getSession().getPacketBufferSize();
    this.netIn = ByteBuffer.allocate(packet);
    this.netOut = ByteBuffer.allocate(packet);
    this.appIn = ByteBuffer.allocate(engine.getSession().getApplicationBufferSize());
  }

  @Override
  public int read(ByteBuffer dst) throws IOException {
    while (true) {
      if (appIn.position() > 0) {
        appIn.flip();
        int n = Math.min(appIn.remaining(), dst.remaining());
        ByteBuffer slice = appIn.slice();
        slice.limit(n);
        dst.put(slice);
        appIn.position(appIn.position() + n);
        appIn.compact();
        return n;
      }
      if (inboundDone) {
        return -1;
      }
      if (!flush()) {
        return 0;
      }
      HandshakeStatus hs = engine.getHandshakeStatus();
      if (hs == HandshakeStatus.NEED_TASK) {
        runTasks();
        continue;
      }
      if (hs == HandshakeStatus.NEED_WRAP) {
        wrap(ByteBuffer.allocate(0));
        continue;
      }
      netIn.flip();
      SSLEngineResult r;
      try {
        r = engine.unwrap(netIn, appIn);
      } finally {
        netIn.compact();
      }
      switch (r.getStatus()) {
        case OK:
          break;
        case CLOSED:
          inboundDone = true;
          break;
        case BUFFER_OVERFLOW:
          throw new SSLException("TLS record larger than the application buffer");
        case BUFFER_UNDERFLOW:
        default:
          int n = channel.read(netIn);
          if (n < 0) {
            inboundDone = true;
            engine.closeInbound(); // throws on a truncation attack (no close_notify) only if data was pending
            return -1;
          }
          if (n == 0) {
            return 0;
          }
          break;
      }
    }
  }

  @Override
  public int write(ByteBuffer src) throws IOException {
    int taken = 0;
    while (src.hasRemaining()) {
      if (!flush()) {
        break;
      }
      int before = src.remaining();
      SSLEngineResult r = wrap(src);
      taken += before - src.remaining();
      if (r.getStatus() == SSLEngineResult.Status.CLOSED) {
        throw new SSLException("TLS session closed");
      }
      if (r.bytesConsumed() == 0 && r.bytesProduced() == 0) {
        break; // handshake still needs the peer
      }
    }
    flush();
    return taken;
  }

  private SSLEngineResult wrap(ByteBuffer src) throws IOException {
    SSLEngineResult r = engine.wrap(src, netOut);
    if (r.getHandshakeStatus() == HandshakeStatus.NEED_TASK) {
      runTasks();
    }
    return r;
  }

  private void runTasks() {
    Runnable task;
    while ((task = engine.getDelegatedTask()) != null) {
      task.run();
    }
  }

  @Override
  public boolean flush() throws IOException {
    if (netOut.position() == 0) {
      return true;
    }
    netOut.flip();
    try {
      channel.write(netOut);
    } finally {
      netOut.compact();
    }
    return netOut.position() == 0;
  }

  @Override
  public boolean wantsWrite() {
    return netOut.position() > 0;
  }

  @Override
  public void shutdownOutput() throws IOException {
    engine.closeOutbound();
    while (!engine.isOutboundDone()) {
      SSLEngineResult r = wrap(ByteBuffer.allocate(0));
      if (r.bytesProduced() == 0) {
        break;
      }
    }
    if (flush()) {
      channel.shutdownOutput();
    }
  }

  @Override
  public SocketChannel channel() {
    return channel;
  }
}
