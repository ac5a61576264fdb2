package io.lb4j.impl.listener;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * What an {@link HttpProxyConnection} becomes after a 101 Switching Protocols: the 101 head goes to the
 * client, then bytes move both ways unchanged and each side's end is passed on as a half-close, until both
 * sides ended. Created once per upgrade; used by the connection's loop thread only.
 */
final class UpgradeTunnel {
  private final HttpProxyConnection conn;
  private boolean upShut;
  private boolean downShut;

  UpgradeTunnel(HttpProxyConnection conn) {
    this.conn = conn;
  }

  /** Moves what it can both ways; true when something moved. */
  boolean pump() throws IOException {
    boolean progress = false;
    BackendConnection backend = conn.backend;
    if (conn.downHead != null) {
      // The 101 head with the backend's first tunnel bytes, if already read, in one write.
      ByteBuffer in = backend.in;
      progress = conn.writeHeadThenSlice(conn.downHead, in, in == null ? 0 : in.remaining(), false) > 0;
      if (conn.downHead.hasRemaining()) {
        return progress;
      }
      conn.releaseDownHead();
    }
    ByteBuffer clientIn = conn.clientIn;
    if (clientIn != null && clientIn.hasRemaining()) {
      int n = conn.writeSlice(clientIn, clientIn.remaining(), true);
      if (n < 0 || conn.isClosed()) {
        return false;
      }
      progress |= n > 0;
    }
    ByteBuffer in = backend.in;
    if (in != null && in.hasRemaining()) {
      progress |= conn.writeSlice(in, in.remaining(), false) > 0;
    }
    if (conn.clientEof && (clientIn == null || !clientIn.hasRemaining()) && !upShut) {
      upShut = true;
      backend.channel.shutdownOutput();
    }
    if (conn.backendEof && (in == null || !in.hasRemaining()) && !downShut && conn.client.flush()) {
      downShut = true;
      conn.client.shutdownOutput();
    }
    if (upShut && downShut) {
      conn.finishTunnel();
    }
    return progress && !conn.isClosed();
  }

  /** True while backend bytes wait for the client. */
  boolean wantsClientWrite() {
    BackendConnection backend = conn.backend;
    return backend != null && backend.in != null && backend.in.hasRemaining();
  }

  /** True while client bytes wait for the backend. */
  boolean wantsBackendWrite() {
    return conn.clientIn != null && conn.clientIn.hasRemaining();
  }
}
