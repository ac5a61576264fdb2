package io.lb4j.impl.scheduler;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One backend's active (picked, not yet released) requests. Thread-safe, lock-free. Kept across updates
 * by backend id, so a drained, disabled or unhealthy backend keeps its count.
 *
 * <p>Padded on both sides so that counters of different backends, allocated one after another, do not
 * share a cache line: without it, every pick on one backend would slow picks on its neighbours.
 */
final class ActiveCount extends ActiveCountValue {
  @SuppressWarnings("unused")
  private long p10, p11, p12, p13, p14, p15, p16, p17;

  /** One more active request. */
  void increment() {
    VALUE.getAndAdd(this, 1);
  }

  /**
   * One fewer active request, but never below zero. A release with no matching pick is ignored only
   * when the count is already 0: after a backend is removed and re-added its count starts over, and a
   * release of a request picked before the removal then lowers the new count (it reads one too low until
   * the new request ends). Telling the two apart would need a generation per pick in the selection.
   */
  void decrement() {
    int v;
    do {
      v = (int) VALUE.getVolatile(this);
      if (v <= 0) {
        return;
      }
    } while (!VALUE.compareAndSet(this, v, v - 1));
  }

  /**
   * An opaque read: a pick only needs a recent value to compare loads (it races with other picks
   * anyway); the count itself stays exact because every change is an atomic read-modify-write.
   */
  int get() {
    return (int) VALUE.getOpaque(this);
  }
}

abstract class ActiveCountPadding {
  @SuppressWarnings("unused")
  private long p00, p01, p02, p03, p04, p05, p06, p07;
}

abstract class ActiveCountValue extends ActiveCountPadding {
  static final VarHandle VALUE;

  static {
    try {
      VALUE = MethodHandles.lookup().findVarHandle(ActiveCountValue.class, "value", int.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  @SuppressWarnings("unused")
  private volatile int value;
}
