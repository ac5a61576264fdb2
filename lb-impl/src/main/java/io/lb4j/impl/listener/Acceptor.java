package io.lb4j.impl.listener;

import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Accepts connections on the first loop and hands each to the next loop in turn, which registers it on
 * its own thread. At most {@link #MAX_ACCEPTS_PER_WAKEUP} accepts per wake-up, so a connection storm
 * cannot starve the connections the accepting loop already serves.
 */
final class Acceptor extends IoHandler {
  private static final Logger log = LoggerFactory.getLogger(Acceptor.class);
  private static final int MAX_ACCEPTS_PER_WAKEUP = 64;

  private final ServerSocketChannel server;
  private final EventLoop[] loops;
  private final ChannelOpener opener;
  private final String listenerName;
  private SelectionKey key;
  private int next;

  Acceptor(String listenerName, ServerSocketChannel server, EventLoop[] loops, ChannelOpener opener) {
    this.listenerName = listenerName;
    this.server = server;
    this.loops = loops;
    this.opener = opener;
  }

  /** Registers with the first loop; runs on that loop. */
  void register() throws IOException {
    key = server.register(loops[0].selector(), SelectionKey.OP_ACCEPT, this);
  }

  @Override
  void ready(SelectionKey k) {
    for (int i = 0; i < MAX_ACCEPTS_PER_WAKEUP; i++) {
      SocketChannel c;
      try {
        c = server.accept();
        if (c == null) {
          return;
        }
        c.configureBlocking(false);
        c.setOption(StandardSocketOptions.TCP_NODELAY, true);
      } catch (IOException e) {
        // EMFILE and friends: log and keep accepting later rather than spin on the error.
        log.warn("listener {}: accept failed: {}", listenerName, e.toString());
        return;
      }
      EventLoop loop = loops[next];
      next = next + 1 == loops.length ? 0 : next + 1;
      try {
        loop.adopt(c, opener);
      } catch (Error e) {
        TcpProxyConnection.closeQuietly(c); // accepted, never owned: close it before the loop fails
        throw e;
      }
    }
  }

  @Override
  void checkTimeouts(long nowNanos) {
    // nothing times out
  }

  /** Stops accepting; on the first loop, or on any thread when the listener fails. */
  @Override
  void closeNow() {
    if (key != null) {
      key.cancel();
    }
    try {
      server.close();
    } catch (IOException e) {
      log.debug("listener {}: closing the server socket failed", listenerName, e);
    }
  }
}
