package io.lb4j.impl.listener;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The client as an {@link Exchange} sees it: the bytes the client sent after the request head, and the
 * writes of the response towards it. An HTTP/1.1 client connection ({@link HttpProxyConnection}) is one;
 * a stream of a multiplexed frontend would be another, so the exchange never touches a client socket
 * itself. The implementation counts the bytes and the write calls. Used on the loop's thread only.
 */
interface ClientSide {

  /** Client bytes read and not consumed yet, in read mode, starting at the request body; or null. */
  ByteBuffer input();

  /** True once the client ended its side: no more bytes will come. */
  boolean inputEnded();

  /**
   * Writes {@code head}, then up to {@code count} bytes from {@code body}'s position, in one call where the
   * transport can; returns the bytes taken, head first. {@code body} may be null when {@code count} is 0.
   */
  long write(ByteBuffer head, ByteBuffer body, int count) throws IOException;

  /** Writes {@code count} bytes from {@code buf}'s position; returns the bytes taken. */
  int write(ByteBuffer buf, int count) throws IOException;

  /** Tries to send bytes the transport holds itself (TLS records); true when none are left. */
  boolean flush() throws IOException;

  /** True while the transport holds response bytes it could not send yet (TLS records). */
  boolean outputPending();

  /** When the client last sent a byte ({@code System.nanoTime()} scale). */
  long lastRead();

  /** When the client last took a byte of the response ({@code System.nanoTime()} scale). */
  long lastWrite();

  /** Ends the response stream (a half-close), after the bytes still held. */
  void shutdownOutput() throws IOException;
}
