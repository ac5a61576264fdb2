package io.lb4j.testing;

import io.lb4j.api.internal.Checks;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * What one test backend received, in arrival order: HTTP requests or TCP connections.
 *
 * <p>Thread-safe: the backend's threads append while the test reads and waits. Waiting uses this object's
 * monitor, so {@link #await(int, Duration)} wakes as soon as the entry it waits for arrives, never by sleeping.
 * Entries are kept until {@link #clear()} (the fleet extension clears them before each test).
 *
 * @param <T> the kind of entry
 * @since 0.1.0
 */
public final class Recording<T extends Recorded> {

  private final List<T> entries = new ArrayList<>();

  /** Creates an empty recording. */
  public Recording() {}

  /**
   * Appends an entry and wakes waiters; backends call this.
   *
   * @param entry what arrived
   */
  public synchronized void add(T entry) {
    entries.add(Objects.requireNonNull(entry, "entry"));
    notifyAll();
  }

  /**
   * How many entries arrived.
   *
   * @return the count since creation or the last {@link #clear()}
   */
  public synchronized int count() {
    return entries.size();
  }

  /**
   * A copy of the entries, oldest first.
   *
   * @return the entries
   */
  public synchronized List<T> all() {
    return List.copyOf(entries);
  }

  /**
   * The entries that match a predicate, oldest first.
   *
   * @param filter which entries to keep
   * @return the matching entries
   */
  public synchronized List<T> matching(Predicate<? super T> filter) {
    List<T> out = new ArrayList<>();
    for (T e : entries) {
      if (filter.test(e)) {
        out.add(e);
      }
    }
    return out;
  }

  /**
   * The entries that arrived after a moment.
   *
   * @param nanos a {@link System#nanoTime()} value
   * @return the entries whose {@link Recorded#arrivedNanos()} is later than {@code nanos}
   */
  public List<T> after(long nanos) {
    return matching(e -> e.arrivedNanos() - nanos > 0);
  }

  /**
   * The newest entry.
   *
   * @return the last entry
   * @throws IllegalStateException if nothing arrived
   */
  public synchronized T last() {
    if (entries.isEmpty()) {
      throw new IllegalStateException("nothing was recorded");
    }
    return entries.get(entries.size() - 1);
  }

  /** Forgets every entry. */
  public synchronized void clear() {
    entries.clear();
  }

  /**
   * Waits until at least {@code n} entries arrived.
   *
   * @param n how many entries to wait for
   * @param deadline how long to wait at most
   * @return the first {@code n} entries
   * @throws AssertionError if fewer than {@code n} arrived within {@code deadline}; the message says how many did
   * @throws InterruptedException if the waiting thread is interrupted
   */
  public synchronized List<T> await(int n, Duration deadline) throws InterruptedException {
    long end = System.nanoTime() + deadline.toNanos();
    while (entries.size() < n) {
      long left = end - System.nanoTime();
      if (left <= 0) {
        throw new AssertionError("expected " + n + " recorded entries within " + Checks.format(deadline)
            + ", got " + entries.size() + ": " + entries);
      }
      wait(Math.max(1, left / 1_000_000));
    }
    return List.copyOf(entries.subList(0, n));
  }
}
