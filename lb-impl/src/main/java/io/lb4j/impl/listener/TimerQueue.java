package io.lb4j.impl.listener;

import java.util.Arrays;

/**
 * The armed {@link LoopTimer}s of one event loop: a binary min-heap by deadline, each timer's position
 * kept in {@link LoopTimer#timerIndex}, so arming, moving and cancelling are O(log n) and allocate
 * nothing (the health checker's {@code TimerHeap} for the listener's own type). Deadlines are
 * {@code System.nanoTime()} values, compared by difference so that wrap-around cannot reorder them.
 *
 * <p>Confined to the loop's thread.
 */
final class TimerQueue {
  private LoopTimer[] heap = new LoopTimer[64];
  private int size;

  int size() {
    return size;
  }

  /** The earliest deadline; meaningful only when {@link #size()} > 0. */
  long earliestDeadline() {
    return heap[0].deadline;
  }

  /** Arms {@code t} at {@code deadline}, or moves it there when armed. */
  void schedule(LoopTimer t, long deadline) {
    if (t.timerIndex >= 0) {
      long old = t.deadline;
      t.deadline = deadline;
      if (deadline - old < 0) {
        siftUp(t.timerIndex, t);
      } else {
        siftDown(t.timerIndex, t);
      }
      return;
    }
    if (size == heap.length) {
      heap = Arrays.copyOf(heap, size * 2);
    }
    t.deadline = deadline;
    siftUp(size++, t);
  }

  /** Arms {@code t} at {@code deadline} unless it is already armed at that time or earlier. */
  void scheduleNoLaterThan(LoopTimer t, long deadline) {
    if (t.timerIndex < 0 || deadline - t.deadline < 0) {
      schedule(t, deadline);
    }
  }

  /** Disarms {@code t}; nothing when it is not armed. */
  void cancel(LoopTimer t) {
    int i = t.timerIndex;
    if (i < 0) {
      return;
    }
    t.timerIndex = -1;
    LoopTimer last = heap[--size];
    heap[size] = null;
    if (i == size) {
      return;
    }
    siftDown(i, last);
    if (heap[i] == last) {
      siftUp(i, last);
    }
  }

  /**
   * Disarms and calls every timer whose deadline is at or before {@code now}. Bounded by the number armed
   * on entry, so a timer that re-arms itself in the past runs again at the next turn, never in a loop here.
   *
   * @return the number of timers called
   */
  int runExpired(long now) {
    int ran = 0;
    for (int budget = size; budget > 0 && size > 0 && heap[0].deadline - now <= 0; budget--) {
      LoopTimer t = heap[0];
      cancel(t);
      ran++;
      t.checkTimeouts(now);
    }
    return ran;
  }

  /** Disarms every timer (the loop is ending). */
  void clear() {
    for (int i = 0; i < size; i++) {
      heap[i].timerIndex = -1;
      heap[i] = null;
    }
    size = 0;
  }

  private void siftUp(int i, LoopTimer t) {
    while (i > 0) {
      int parent = (i - 1) >>> 1;
      LoopTimer p = heap[parent];
      if (t.deadline - p.deadline >= 0) {
        break;
      }
      heap[i] = p;
      p.timerIndex = i;
      i = parent;
    }
    heap[i] = t;
    t.timerIndex = i;
  }

  private void siftDown(int i, LoopTimer t) {
    int half = size >>> 1;
    while (i < half) {
      int child = 2 * i + 1;
      LoopTimer c = heap[child];
      int right = child + 1;
      if (right < size && heap[right].deadline - c.deadline < 0) {
        child = right;
        c = heap[child];
      }
      if (t.deadline - c.deadline <= 0) {
        break;
      }
      heap[i] = c;
      c.timerIndex = i;
      i = child;
    }
    heap[i] = t;
    t.timerIndex = i;
  }
}
