package io.lb4j.impl.listener;

/**
 * A deadline armed on one {@link EventLoop}'s {@link TimerQueue}: the loop calls {@link #checkTimeouts}
 * once the deadline has passed. Only armed timers cost anything; an idle connection whose timer waits
 * costs nothing until then (the loop sleeps in {@code select} until its earliest deadline).
 *
 * <p>The model is lazy, as Netty's idle handlers: activity does not move the timer (that would cost a
 * heap operation per read); it updates a field, and {@link #checkTimeouts} compares the real deadline
 * with the time, closes what expired and re-arms for the rest. {@link EventLoop#armBy} moves a timer
 * only when a state needs an earlier deadline than the armed one, so a connection's timer fires at most
 * once per timeout period while it is busy, and once at the end when it is idle.
 *
 * <p>Confined to its loop's thread, as everything it is used with.
 */
abstract class LoopTimer {
  /** The armed deadline ({@code System.nanoTime()} scale); meaningful while {@link #timerIndex} >= 0. */
  long deadline;
  /** The position in the loop's heap, or -1 when not armed. */
  int timerIndex = -1;

  /**
   * The armed deadline passed, or the loop asks for a check (a listener stopping: idle connections close
   * at once). Checks what timed out at {@code nowNanos} and re-arms for the next deadline, if any.
   * Called on the loop's thread; the timer is disarmed when this is called.
   */
  abstract void checkTimeouts(long nowNanos);

  /** True while the timer waits in its loop's heap. */
  final boolean isArmed() {
    return timerIndex >= 0;
  }
}
