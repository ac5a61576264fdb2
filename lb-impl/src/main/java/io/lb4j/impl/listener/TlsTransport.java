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
 * inline on the loop thread: they are short CPU work, one handshake message's worth per readiness event,
 * and handing them off would add a thread hop per handshake.
 *
 * <p><b>Memory.</b> The three buffers (records in, records out, decrypted bytes not yet taken), about
 * 17 KiB each, come from the loop's {@link TlsBuffers} only while bytes are in flight and go back as soon
 * as they are empty: an idle TLS connection holds none, only its {@code SSLEngine} and session (about
 * 8 KiB measured; see README "How the listeners behave").
 *
 * <p><b>Renegotiation.</b> A client that starts a new handshake after the first one completed (TLS 1.2
 * and earlier: each is a full handshake's CPU on the loop, for free) is refused: the read fails with an
 * {@link SSLException} and the connection is closed, as nginx and HAProxy do. This is per connection,
 * unlike the JDK's process-wide {@code jdk.tls.rejectClientInitiatedRenegotiation}. TLS 1.3 has no
 * renegotiation; its key updates are processed by the engine as usual.
 */
final class TlsTransport implements Transport {
  private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

  private final SocketChannel channel;
  private final SSLEngine engine;
  private final TlsBuffers buffers;
  private final int bufferSize;
  /** Records read from the channel, not yet decrypted; in write mode; null when none. */
  private ByteBuffer netIn;
  /** Records to send; in write mode; null when none. */
  private ByteBuffer netOut;
  /** Decrypted bytes not yet taken by the reader; in write mode; null when none. */
  private ByteBuffer appIn;
  private boolean inboundDone;
  /** The first handshake completed: another one is a renegotiation. */
  private boolean handshaken;
  /** Holds a lone buffer for the array-taking calls, reused so a write allocates nothing. */
  private final ByteBuffer[] single = new ByteBuffer[1];

  TlsTransport(SocketChannel channel, SSLEngine engine, TlsBuffers buffers) {
    this.channel = channel;
    this.engine = engine;
    this.buffers = buffers;
    engine.setUseClientMode(false);
    this.bufferSize = Math.max(engine.getSession().getPacketBufferSize(),
        engine.getSession().getApplicationBufferSize());
  }

  /**
   * Reads decrypted bytes. A handshake or record the engine refuses (no protocol in common, a bad record, a
   * renegotiation) throws, after the alert that tells the client why is written when the socket takes it.
   */
  @Override
  public int read(ByteBuffer dst) throws IOException {
    try {
      return readPlain(dst);
    } catch (SSLException e) {
      sendAlertQuietly();
      throw e;
    }
  }

  /** Writes the engine's closing alert (a fatal one after a failure, else close_notify), best effort. */
  private void sendAlertQuietly() {
    try {
      engine.closeOutbound();
      for (int i = 0; i < 4 && !engine.isOutboundDone(); i++) {
        if (wrap(EMPTY).bytesProduced() == 0) {
          break;
        }
      }
      flush();
    } catch (IOException | RuntimeException ignored) {
      // the connection is failing anyway: the alert is a courtesy
    }
  }

  private int readPlain(ByteBuffer dst) throws IOException {
    while (true) {
      if (appIn != null) {
        appIn.flip();
        int n = Math.min(appIn.remaining(), dst.remaining());
        ByteBuffer slice = appIn.slice();
        slice.limit(n);
        dst.put(slice);
        appIn.position(appIn.position() + n);
        appIn.compact();
        if (appIn.position() == 0) {
          buffers.release(appIn);
          appIn = null;
        }
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
        wrap(EMPTY);
        continue;
      }
      if (netIn == null) {
        netIn = buffers.acquire(bufferSize);
        int n = channel.read(netIn);
        if (n <= 0) {
          releaseNetIn();
          return n < 0 ? endOfStream() : 0;
        }
      }
      appIn = buffers.acquire(bufferSize);
      netIn.flip();
      SSLEngineResult r;
      try {
        r = engine.unwrap(netIn, appIn);
      } finally {
        netIn.compact();
      }
      if (appIn.position() == 0) {
        buffers.release(appIn);
        appIn = null;
      }
      if (netIn.position() == 0) {
        releaseNetIn();
      }
      checkHandshake(r.getHandshakeStatus());
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
          if (netIn == null) {
            break; // nothing buffered: read afresh
          }
          if (!netIn.hasRemaining()) {
            throw new SSLException("TLS record larger than the packet buffer");
          }
          int n = channel.read(netIn);
          if (n < 0) {
            releaseNetIn();
            return endOfStream();
          }
          if (n == 0) {
            return 0; // a partial record stays buffered: bytes in flight
          }
          break;
      }
    }
  }

  private int endOfStream() throws SSLException {
    inboundDone = true;
    engine.closeInbound(); // throws on a truncation attack (no close_notify) only if data was pending
    return -1;
  }

  private void releaseNetIn() {
    buffers.release(netIn);
    netIn = null;
  }

  /**
   * Refuses a renegotiation: once the first handshake finished, a TLS 1.2 (or earlier) engine that is
   * handshaking again was asked to by the client.
   */
  private void checkHandshake(HandshakeStatus hs) throws SSLException {
    if (hs == HandshakeStatus.NOT_HANDSHAKING) {
      return;
    }
    if (handshaken && !"TLSv1.3".equals(engine.getSession().getProtocol())) {
      throw new SSLException("client-initiated TLS renegotiation refused");
    }
    if (hs == HandshakeStatus.FINISHED) {
      handshaken = true;
    }
  }

  @Override
  public int write(ByteBuffer src) throws IOException {
    single[0] = src;
    try {
      return (int) write(single);
    } finally {
      single[0] = null;
    }
  }

  /** Wraps the buffers together, so a head and its body share records instead of one record each. */
  @Override
  public long write(ByteBuffer[] srcs) throws IOException {
    return write(srcs, 0, srcs.length);
  }

  @Override
  public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
    long taken = 0;
    while (hasRemaining(srcs, offset, length)) {
      if (!flush()) {
        break;
      }
      SSLEngineResult r = wrap(srcs, offset, length);
      taken += r.bytesConsumed();
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

  private static boolean hasRemaining(ByteBuffer[] srcs, int offset, int length) {
    for (int i = offset; i < offset + length; i++) {
      if (srcs[i].hasRemaining()) {
        return true;
      }
    }
    return false;
  }

  private SSLEngineResult wrap(ByteBuffer src) throws IOException {
    single[0] = src;
    try {
      return wrap(single, 0, 1);
    } finally {
      single[0] = null;
    }
  }

  private SSLEngineResult wrap(ByteBuffer[] srcs, int offset, int length) throws IOException {
    if (netOut == null) {
      netOut = buffers.acquire(bufferSize);
    }
    SSLEngineResult r = engine.wrap(srcs, offset, length, netOut);
    if (netOut.position() == 0) {
      buffers.release(netOut);
      netOut = null;
    }
    if (r.getHandshakeStatus() == HandshakeStatus.FINISHED) {
      handshaken = true; // a TLS 1.2 server's last handshake message is its own Finished
    }
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
    if (netOut == null) {
      return true;
    }
    netOut.flip();
    try {
      channel.write(netOut);
    } finally {
      netOut.compact();
    }
    if (netOut.position() == 0) {
      buffers.release(netOut);
      netOut = null;
      return true;
    }
    return false;
  }

  @Override
  public boolean wantsWrite() {
    return netOut != null;
  }

  /**
   * The ALPN protocol chosen in the handshake, "" for none, null while not yet chosen (known once the server's
   * hello is written, so before any application byte can be read).
   */
  @Override
  public String applicationProtocol() {
    return engine.getApplicationProtocol();
  }

  @Override
  public void shutdownOutput() throws IOException {
    engine.closeOutbound();
    while (!engine.isOutboundDone()) {
      SSLEngineResult r = wrap(EMPTY);
      if (r.bytesProduced() == 0) {
        break;
      }
    }
    if (flush()) {
      channel.shutdownOutput();
    }
  }

  /** Buffers held now, 0-3 (tests: an idle connection holds none). */
  int heldBuffers() {
    return (netIn != null ? 1 : 0) + (netOut != null ? 1 : 0) + (appIn != null ? 1 : 0);
  }

  @Override
  public SocketChannel channel() {
    return channel;
  }
}
