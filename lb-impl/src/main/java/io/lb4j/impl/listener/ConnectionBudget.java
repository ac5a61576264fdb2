package io.lb4j.impl.listener;

import static io.lb4j.api.internal.Checks.checkRange;

import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The client connections that several listeners may hold together: a per-process total on top of each
 * listener's own {@code maxConnections}. A listener that reaches either stops accepting (connections wait
 * in the kernel's backlog) and resumes once the count that stopped it is back to its low-water mark
 * ({@link #lowWaterMark(int)}: 90% of the cap).
 *
 * <p>Unless given another with {@link ListenerServer.Builder#connectionBudget}, every listener of the
 * process shares {@link #processDefault()}, sized from the heap by
 * {@link #defaultMaxConnections(long)}: {@code maxHeap / 32 KiB}, between 256 and 1,000,000 (4,096 for a
 * 128 MiB heap, 32,768 for 1 GiB). The 32 KiB are twice the heap an idle TLS connection holds at most
 * (16 KiB; an idle plain HTTP connection holds at most 4 KiB), leaving half the heap for requests in flight
 * (their head being parsed, TLS buffers while records move) and for the application.
 *
 * <p>Thread-safe: counts are atomics; acquiring and releasing allocate nothing.
 *
 * @since 0.1.0
 */
public final class ConnectionBudget {
  /** The heap the default budget counts per connection. */
  public static final long HEAP_BYTES_PER_CONNECTION = 32 * 1024;
  /** The smallest default budget, whatever the heap. */
  public static final int MIN_DEFAULT_MAX_CONNECTIONS = 256;
  /** The largest default budget, whatever the heap. */
  public static final int MAX_DEFAULT_MAX_CONNECTIONS = 1_000_000;
  /** The largest budget (and per-listener cap) accepted. */
  public static final int MAX_CONNECTIONS_LIMIT = 10_000_000;

  private static final ConnectionBudget PROCESS = new ConnectionBudget(
      defaultMaxConnections(Runtime.getRuntime().maxMemory()));

  private final int max;
  private final int lowWater;
  private final AtomicInteger inUse = new AtomicInteger();
  /** Listeners paused because this budget was spent, told when it is back to its low-water mark. */
  private final CopyOnWriteArrayList<Admission> waiting = new CopyOnWriteArrayList<>();

  private ConnectionBudget(int max) {
    this.max = max;
    this.lowWater = lowWaterMark(max);
  }

  /**
   * A new budget of {@code maxConnections} client connections, for the listeners built with it.
   *
   * @throws IllegalArgumentException when {@code maxConnections} is not between 1 and 10,000,000
   */
  public static ConnectionBudget of(int maxConnections) {
    return new ConnectionBudget(checkRange("connectionBudget.maxConnections", maxConnections, 1,
        MAX_CONNECTIONS_LIMIT));
  }

  /** The budget every listener shares unless given another one: sized from this JVM's maximum heap. */
  public static ConnectionBudget processDefault() {
    return PROCESS;
  }

  /** The default size for a heap of {@code maxHeapBytes}: {@code maxHeap / 32 KiB}, kept within 256-1,000,000. */
  public static int defaultMaxConnections(long maxHeapBytes) {
    long n = maxHeapBytes / HEAP_BYTES_PER_CONNECTION;
    return (int) Math.max(MIN_DEFAULT_MAX_CONNECTIONS, Math.min(MAX_DEFAULT_MAX_CONNECTIONS, n));
  }

  /** Where accepting resumes after a cap of {@code max} was reached: 90% of it (at most {@code max - 1}). */
  public static int lowWaterMark(int max) {
    return (int) Math.min(max - 1L, max * 9L / 10);
  }

  /** The most client connections the listeners sharing this budget hold together. */
  public int maxConnections() {
    return max;
  }

  /** Client connections held now by the listeners sharing this budget. */
  public int inUse() {
    return inUse.get();
  }

  boolean tryAcquire() {
    // Increment first, then undo: a concurrent releaser never sees a count below the truth.
    if (inUse.incrementAndGet() > max) {
      inUse.decrementAndGet();
      return false;
    }
    return true;
  }

  /** Gives back a slot that was reserved but not used (no wake-up: nothing closed). */
  void cancel() {
    inUse.decrementAndGet();
  }

  void release() {
    int n = inUse.decrementAndGet();
    if (n <= lowWater && !waiting.isEmpty()) {
      for (Admission a : waiting) {
        a.budgetAvailable();
      }
    }
  }

  boolean belowLowWater() {
    return inUse.get() <= lowWater;
  }

  void await(Admission a) {
    waiting.addIfAbsent(a);
  }

  void stopWaiting(Admission a) {
    waiting.remove(a);
  }

  @Override
  public String toString() {
    return "ConnectionBudget{" + inUse.get() + "/" + max + "}";
  }
}
