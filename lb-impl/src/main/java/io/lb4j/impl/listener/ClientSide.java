package io.lb4j.impl.listener;

import io.lb4j.impl.listener.http.ResponseHead;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The client as an {@link Exchange} sees it: the bytes the client sent after the request head, and the
 * writes of the response towards it. An HTTP/1.1 client connection ({@link ClientChannel}) is one; a stream
 * of an HTTP/2 connection ({@link Http1StreamExchange}) is another, which takes the response as a parsed head
 * and de-chunked body bytes ({@link #framesResponses()}), so the exchange never touches a client socket
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

  /**
   * True when the client takes a response as its parsed head ({@link #sendResponseHead}) and the body's
   * bytes without HTTP/1.1 chunk framing, in framing of its own (an HTTP/2 stream); false for HTTP/1.1
   * bytes written as they are ({@link #write(ByteBuffer, ByteBuffer, int)}).
   */
  boolean framesResponses();

  /**
   * A client that {@linkplain #framesResponses frames responses}: sends {@code head}, interim or final, with
   * {@code setCookie} added when not null; {@code noBody} when no body follows the final head. False when the
   * client can no longer take a response (its stream was reset).
   */
  boolean sendResponseHead(ResponseHead head, String setCookie, boolean noBody);
}
