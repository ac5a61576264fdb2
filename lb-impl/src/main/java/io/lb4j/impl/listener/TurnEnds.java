package io.lb4j.impl.listener;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The work one {@link EventLoop} finishes once per turn, after the events that made it due: an HTTP/2
 * connection flushes the frames of every stream that moved in this turn with one write instead of one per
 * stream. A caller queues itself once per turn (it keeps its own flag) and clears the flag when called.
 * Loop thread only; adding allocates nothing once the array has grown to the loop's busiest turn.
 */
final class TurnEnds {
  private static final Logger log = LoggerFactory.getLogger(EventLoop.class);
  /** Rounds per turn: calls queued by calls run in the next round, up to this many, then next turn. */
  private static final int MAX_ROUNDS = 4;

  /** Work finished at the end of a loop turn. */
  interface TurnEnd {
    /** The events of this turn were handled. */
    void turnEnded();
  }

  private TurnEnd[] queued = new TurnEnd[16];
  private int count;

  void add(TurnEnd t) {
    if (count == queued.length) {
      queued = java.util.Arrays.copyOf(queued, count * 2);
    }
    queued[count++] = t;
  }

  boolean isEmpty() {
    return count == 0;
  }

  /**
   * Runs what was queued, then what those calls queued (a flush that lets a stream write more), for a few
   * rounds; anything still queued runs at the next turn (the loop then does not sleep).
   */
  void run(String loopName) {
    for (int round = 0; round < MAX_ROUNDS && count > 0; round++) {
      int n = count;
      for (int i = 0; i < n; i++) {
        TurnEnd t = queued[i];
        queued[i] = null;
        try {
          t.turnEnded();
        } catch (RuntimeException e) {
          log.error("event loop {}: an end-of-turn task failed", loopName, e);
        }
      }
      // Calls queued during this round sit after the first n: move them to the front.
      System.arraycopy(queued, n, queued, 0, count - n);
      for (int i = count - n; i < count; i++) {
        queued[i] = null;
      }
      count -= n;
    }
  }
}
