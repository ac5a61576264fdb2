package io.lb4j.impl.listener;

import java.nio.channels.SelectionKey;

/**
 * What an {@link EventLoop} calls back: the attachment of every key it owns (a proxied connection
 * attaches itself to both its client and its backend key). All methods run on the loop's thread only.
 */
abstract class IoHandler {
  /** The loop's sweep that last visited this handler, so a handler with two keys is visited once. */
  long sweepEpoch;

  /** {@code key} is ready for the operations in its ready set. Must not throw. */
  abstract void ready(SelectionKey key);

  /** A periodic check of deadlines (connect, idle, request timeouts) at {@code nowNanos}. */
  abstract void checkTimeouts(long nowNanos);

  /** The loop is stopping: close everything at once. */
  abstract void closeNow();
}
