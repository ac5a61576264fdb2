package io.lb4j.impl.listener;

import java.nio.channels.SelectionKey;

/**
 * What an {@link EventLoop} calls back: the attachment of every key it owns (a proxied connection
 * attaches itself to both its client and its backend key). Each handler is also its own
 * {@link LoopTimer}: it arms its next deadline (connect, idle, request timeouts) on its loop, and
 * {@link #checkTimeouts} runs when that deadline passes. All methods run on the loop's thread only.
 */
abstract class IoHandler extends LoopTimer {
  /** {@code key} is ready for the operations in its ready set. Must not throw. */
  abstract void ready(SelectionKey key);

  /** The loop is stopping: close everything at once. */
  abstract void closeNow();
}
