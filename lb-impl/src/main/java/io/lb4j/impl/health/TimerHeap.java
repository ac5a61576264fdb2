package io.lb4j.impl.health;

import java.util.Arrays;

/**
 * A binary min-heap of {@link Target}s ordered by {@link Target#deadline}, with each target's position
 * kept in {@link Target#heapIndex} so that removal and re-keying are O(log n) and allocate nothing.
 *
 * <p>A target is in the heap at most once: while waiting, keyed by its next probe time; while a probe
 * is in flight, keyed by that probe's timeout. Confined to the probe loop thread.
 */
final class TimerHeap {

  private Target[] heap = new Target[64];
  private int size;

  int size() {
    return size;
  }

  boolean isEmpty() {
    return size == 0;
  }

  /** The target at heap position {@code i}, 0 <= i < size(), in no particular order. */
  Target get(int i) {
    return heap[i];
  }

  Target peek() {
    return size == 0 ? null : heap[0];
  }

  /** Adds {@code t} with {@code deadline}, or moves it there if it is already in the heap. */
  void schedule(Target t, long deadline) {
    if (t.heapIndex >= 0) {
      long old = t.deadline;
      t.deadline = deadline;
      // Deadlines are nanoTime values: compare by difference, which stays correct across wrap-around.
      if (deadline - old < 0) {
        siftUp(t.heapIndex, t);
      } else {
        siftDown(t.heapIndex, t);
      }
      return;
    }
    if (size == heap.length) {
      heap = Arrays.copyOf(heap, size * 2);
    }
    t.deadline = deadline;
    siftUp(size++, t);
  }

  /** Removes {@code t} if present. */
  void remove(Target t) {
    int i = t.heapIndex;
    if (i < 0) {
      return;
    }
    t.heapIndex = -1;
    Target last = heap[--size];
    heap[size] = null;
    if (i == size) {
      return;
    }
    siftDown(i, last);
    if (heap[i] == last) {
      siftUp(i, last);
    }
  }

  /** Removes and returns the earliest target. */
  Target poll() {
    Target first = heap[0];
    remove(first);
    return first;
  }

  void clear() {
    for (int i = 0; i < size; i++) {
      heap[i].heapIndex = -1;
      heap[i] = null;
    }
    size = 0;
  }

  private void siftUp(int i, Target t) {
    while (i > 0) {
      int parent = (i - 1) >>> 1;
      Target p = heap[parent];
      if (t.deadline - p.deadline >= 0) {
        break;
      }
      heap[i] = p;
      p.heapIndex = i;
      i = parent;
    }
    heap[i] = t;
    t.heapIndex = i;
  }

  private void siftDown(int i, Target t) {
    int half = size >>> 1;
    while (i < half) {
      int child = 2 * i + 1;
      Target c = heap[child];
      int right = child + 1;
      if (right < size && heap[right].deadline - c.deadline < 0) {
        child = right;
        c = heap[child];
      }
      if (t.deadline - c.deadline <= 0) {
        break;
      }
      heap[i] = c;
      c.heapIndex = i;
      i = child;
    }
    heap[i] = t;
    t.heapIndex = i;
  }
}
