package io.lb4j.testing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The outcomes of a test's client calls, with when each started, so that a test can assert that no call failed
 * outside a window (a health check's detection time after a backend broke). Record each call with
 * {@link #success(long)} or {@link #failure(long, String)}.
 *
 * <p>Thread-safe: many client threads record concurrently.
 *
 * @since 0.1.0
 */
public final class CallLog {

  /**
   * One client call.
   *
   * @param startNanos the {@link System#nanoTime()} when the call started
   * @param ok whether it succeeded
   * @param detail why it failed (a status, an exception), empty for a success
   * @since 0.1.0
   */
  public record Call(long startNanos, boolean ok, String detail) {
    /**
     * A call.
     *
     * @param startNanos the {@link System#nanoTime()} when the call started
     * @param ok whether it succeeded
     * @param detail why it failed, empty for a success
     */
    public Call {
      Objects.requireNonNull(detail, "detail");
    }
  }

  private final List<Call> calls = new ArrayList<>();

  /** Creates an empty log. */
  public CallLog() {}

  /**
   * Records a successful call.
   *
   * @param startNanos the {@link System#nanoTime()} when it started
   */
  public synchronized void success(long startNanos) {
    calls.add(new Call(startNanos, true, ""));
  }

  /**
   * Records a failed call.
   *
   * @param startNanos the {@link System#nanoTime()} when it started
   * @param detail why it failed, such as {@code HTTP 503} or an exception's message
   */
  public synchronized void failure(long startNanos, String detail) {
    calls.add(new Call(startNanos, false, String.valueOf(detail)));
  }

  /**
   * Every call, in the order recorded.
   *
   * @return a copy
   */
  public synchronized List<Call> calls() {
    return List.copyOf(calls);
  }

  /**
   * The failed calls.
   *
   * @return a copy, in the order recorded
   */
  public synchronized List<Call> failures() {
    return calls.stream().filter(c -> !c.ok()).toList();
  }

  /**
   * Asserts that every call failed (if at all) while it started within {@code [fromNanos, fromNanos + window]}.
   *
   * @param fromNanos the window's start, a {@link System#nanoTime()} value such as when a fault was injected
   * @param window the window's length, such as the balancer's detection time
   * @throws AssertionError if a call failed outside; the message shows each such failure's time and cause
   */
  public synchronized void assertNoFailuresOutside(long fromNanos, Duration window) {
    long toNanos = fromNanos + window.toNanos();
    List<Call> outside = new ArrayList<>();
    int failed = 0;
    for (Call c : calls) {
      if (!c.ok()) {
        failed++;
        if (c.startNanos() - fromNanos < 0 || c.startNanos() - toNanos > 0) {
          outside.add(c);
        }
      }
    }
    if (!outside.isEmpty()) {
      StringBuilder sb = new StringBuilder();
      for (Call c : outside.subList(0, Math.min(10, outside.size()))) {
        sb.append(String.format(Locale.ROOT, "%n  at %+d ms: %s", (c.startNanos() - fromNanos) / 1_000_000,
            c.detail()));
      }
      throw new AssertionError(outside.size() + " of " + calls.size() + " calls failed outside the window [0, +"
          + window.toMillis() + " ms] (" + failed + " failed in all), first ones:" + sb);
    }
  }

  /**
   * Asserts that no call failed.
   *
   * @throws AssertionError listing the first failures
   */
  public synchronized void assertNoFailures() {
    List<Call> failed = failures();
    if (!failed.isEmpty()) {
      StringBuilder sb = new StringBuilder();
      for (Call c : failed.subList(0, Math.min(10, failed.size()))) {
        sb.append("\n  ").append(c.detail());
      }
      throw new AssertionError(failed.size() + " of " + calls.size() + " calls failed, first ones:" + sb);
    }
  }
}
