package io.lb4j.impl.listener;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * What a client connection becomes after a 101 Switching Protocols: the 101 head goes to the client, then
 * bytes move both ways unchanged and each side's end is passed on as a half-close, until both sides ended.
 * Created once per upgrade; used by the connection's loop thread only.
 */
final class UpgradeTunnel {

  /** What a {@link #pump} came to. */
  enum Result {
    /** Nothing could move. */
    IDLE,
    /** Bytes moved. */
    MOVED,
    /** Both sides ended: the tunnel is done. */
    DONE,
    /** A write towards the backend failed: close both sides. */
    FAILED
  }

  private final ClientSide client;
  private final BackendLink backend;
  private final BufferPool buffers;
  /** The 101 head, until written. */
  private ByteBuffer head;
  private boolean upShut;
  private boolean downShut;

  UpgradeTunnel(ClientSide client, BackendLink backend, ByteBuffer head, BufferPool buffers) {
    this.client = client;
    this.backend = backend;
    this.head = head;
    this.buffers = buffers;
  }

  /** Bytes from the backend, or its end; an error closes the tunnel (thrown). */
  void backendReadable() throws IOException {
    backend.read();
  }

  /** Moves what it can both ways. */
  Result pump() throws IOException {
    boolean moved = false;
    ByteBuffer in = backend.input();
    if (head != null) {
      // The 101 head with the backend's first tunnel bytes, if already read, in one write.
      moved = client.write(head, in, in == null ? 0 : in.remaining()) > 0;
      if (head.hasRemaining()) {
        return moved ? Result.MOVED : Result.IDLE;
      }
      releaseHead();
    }
    ByteBuffer clientIn = client.input();
    if (clientIn != null && clientIn.hasRemaining()) {
      int n = backend.write(clientIn, clientIn.remaining());
      if (n < 0) {
        return Result.FAILED;
      }
      moved |= n > 0;
    }
    in = backend.input();
    if (in != null && in.hasRemaining()) {
      moved |= client.write(in, in.remaining()) > 0;
    }
    if (client.inputEnded() && (clientIn == null || !clientIn.hasRemaining()) && !upShut) {
      upShut = true;
      backend.shutdownOutput();
    }
    if (backend.ended() && (in == null || !in.hasRemaining()) && !downShut && client.flush()) {
      downShut = true;
      client.shutdownOutput();
    }
    if (upShut && downShut) {
      return Result.DONE;
    }
    return moved ? Result.MOVED : Result.IDLE;
  }

  /** True while backend bytes (or the 101 head) wait for the client. */
  boolean wantsClientWrite() {
    return head != null || backend.hasInput();
  }

  /** Gives the 101 head's buffer back (written, or the connection closes). */
  void releaseHead() {
    buffers.release(head);
    head = null;
  }

  /** True while client bytes wait for the backend. */
  boolean wantsBackendWrite() {
    ByteBuffer clientIn = client.input();
    return clientIn != null && clientIn.hasRemaining();
  }
}
