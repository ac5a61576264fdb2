package io.lb4j.impl.scheduler;

import io.lb4j.api.scheduler.ActiveRequests;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One backend's requests in flight (selected, not yet released): lb4j's {@link ActiveRequests}.
 * Thread-safe, lock-free. A pool keeps one per member for the member's lifetime, so a drained, disabled or
 * unhealthy backend keeps its count and a backend added again starts at zero.
 *
 * <p>Padded on both sides so that counters of different backends, allocated one after another, do not
 * share a cache line: without it, every pick on one backend would slow picks on its neighbours.
 */
final class ActiveCount extends ActiveCountValue implements ActiveRequests {
  @SuppressWarnings("unused")
  private long p10, p11, p12, p13, p14, p15, p16, p17;

  /** One more active request. */
  @Override
  public void increment() {
    VALUE.getAndAdd(this, 1);
  }

  /**
   * One fewer active request, but never below zero. Each request ends on the counter it started on (the
   * pick carries it), so a release never lowers another membership's count; the floor only guards
   * against a caller that releases twice.
   */
  @Override
  public void decrement() {
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
  @Override
  public int get() {
    return (int) VALUE.getOpaque(this);
  }

  @Override
  public String toString() {
    return String.valueOf(get());
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
