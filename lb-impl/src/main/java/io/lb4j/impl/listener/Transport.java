package io.lb4j.impl.listener;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/**
 * The byte stream of a client connection: plain TCP, or TLS over it ({@link TlsTransport}). Non-blocking;
 * used by its connection's loop thread only.
 */
interface Transport {
  /** Reads into {@code dst}: the bytes read, 0 when none are available now, -1 at end of stream. */
  int read(ByteBuffer dst) throws IOException;

  /** Writes what it can of {@code src} and returns the count taken; bytes taken may still be pending. */
  int write(ByteBuffer src) throws IOException;

  /**
   * Writes what it can of {@code srcs}, in order, and returns the count taken. The plain transport makes one
   * gathering system call; the default writes the buffers one after the other (TLS wraps each into records).
   */
  default long write(ByteBuffer[] srcs) throws IOException {
    long taken = 0;
    for (ByteBuffer src : srcs) {
      taken += write(src);
      if (src.hasRemaining()) {
        break;
      }
    }
    return taken;
  }

  /**
   * Writes what it can of {@code length} buffers of {@code srcs} from {@code offset}, in order; returns the
   * count taken. The plain transport makes one gathering system call.
   */
  default long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
    long taken = 0;
    for (int i = offset; i < offset + length; i++) {
      taken += write(srcs[i]);
      if (srcs[i].hasRemaining()) {
        break;
      }
    }
    return taken;
  }

  /**
   * The protocol the client chose by ALPN ({@code h2}, {@code http/1.1}), "" when it chose none, null before
   * the TLS handshake finished or on a plain transport.
   */
  default String applicationProtocol() {
    return null;
  }

  /** Tries to send bytes the transport holds itself (TLS records); true when none are left. */
  boolean flush() throws IOException;

  /** True while the transport needs the channel writable (pending records, or a handshake that must write). */
  boolean wantsWrite();

  /** Ends the output (TLS: a close_notify first); bytes still pending are sent first when possible. */
  void shutdownOutput() throws IOException;

  /** The underlying channel. */
  SocketChannel channel();

  /** The plain transport: bytes go straight to the channel. */
  static Transport plain(SocketChannel channel) {
    return new Transport() {
      @Override
      public int read(ByteBuffer dst) throws IOException {
        return channel.read(dst);
      }

      @Override
      public int write(ByteBuffer src) throws IOException {
        return channel.write(src);
      }

      @Override
      public long write(ByteBuffer[] srcs) throws IOException {
        return channel.write(srcs);
      }

      @Override
      public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        return channel.write(srcs, offset, length);
      }

      @Override
      public boolean flush() {
        return true;
      }

      @Override
      public boolean wantsWrite() {
        return false;
      }

      @Override
      public void shutdownOutput() throws IOException {
        channel.shutdownOutput();
      }

      @Override
      public SocketChannel channel() {
        return channel;
      }
    };
  }
}
