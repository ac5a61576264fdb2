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
