package io.lb4j.impl.listener;

import java.nio.channels.SocketChannel;

/**
 * What the acceptor hands each accepted channel to, on the loop chosen for it: the listener opens a
 * Layer-4 or Layer-7 connection, or, when that loop is closing (stopped or failed), closes the channel
 * and gives back its admission slot, so that no accepted socket is ever left open and unowned.
 */
interface ChannelOpener {
  /** Takes over {@code channel} on {@code loop}'s thread. */
  void open(EventLoop loop, SocketChannel channel);

  /** Closes {@code channel}, never opened (any thread). */
  void discard(SocketChannel channel);
}
