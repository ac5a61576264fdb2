package io.lb4j.impl;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link TimeSource} that only moves when told, for tests: wall clock and nanosecond reading move
 * together. {@link #advance} fires the due timers of every load balancer built with this source (slow-start
 * steps, drain deadlines, the end of ejections, a backend source's retries and first-list timeout) before it
 * returns, so a test sees the effect of moving time at once, and nothing timed happens while it stands still.
 *
 * <pre>{@code
 * ManualTimeSource time = ManualTimeSource.startingAt(Instant.parse("2030-01-01T00:00:00Z"));
 * LoadBalancer lb = LoadBalancers.builder(listener).timeSource(time).backends(...).build();
 * lb.removeBackend("a");            // drains for the listener's drain timeout
 * time.advance(Duration.ofSeconds(31));
 * assert lb.view().size() == before - 1;
 * }</pre>
 *
 * <p>Thread-safe. Each advance runs the timers on the calling thread (in each pool's control context),
 * including any event delivery they cause. A load balancer stays registered with its source until it is
 * closed.
 *
 * @since 0.1.0
 */
public final class ManualTimeSource extends TimeSource {

  private final long startEpochSecond;
  private final long startNano;
  private final AtomicLong elapsedNanos = new AtomicLong();
  private final CopyOnWriteArrayList<Runnable> pools = new CopyOnWriteArrayList<>();

  private ManualTimeSource(Instant start) {
    this.startEpochSecond = start.getEpochSecond();
    this.startNano = start.getNano();
  }

  /**
   * A source whose wall clock reads {@code start}.
   *
   * @param start the initial instant
   * @return a new source
   */
  public static ManualTimeSource startingAt(Instant start) {
    return new ManualTimeSource(Objects.requireNonNull(start, "start"));
  }

  /**
   * Moves time forward by {@code duration}, then fires the due timers of every load balancer built with
   * this source; returns once their effects are published. What each pool had queued before the call
   * (a backend source's list, an ejection) is applied first, at the time before the move.
   *
   * @param duration how far, zero or positive
   * @throws IllegalArgumentException when {@code duration} is negative
   */
  public void advance(Duration duration) {
    Objects.requireNonNull(duration, "duration");
    if (duration.isNegative()) {
      throw new IllegalArgumentException("duration must be zero or positive, was " + duration);
    }
    // First what is already queued (a backend source's list, an ejection), at the time it happened; then
    // the time moves and what came due fires.
    for (Runnable pool : pools) {
      pool.run();
    }
    elapsedNanos.addAndGet(duration.toNanos());
    for (Runnable pool : pools) {
      pool.run();
    }
  }

  /**
   * {@inheritDoc}
   *
   * <p>Starts at an arbitrary negative value, as {@link System#nanoTime()} may, so code that compares
   * readings other than by subtraction fails its tests.
   */
  @Override
  public long nanoTime() {
    return -5_000_000_000L + elapsedNanos.get();
  }

  @Override
  public Instant instant() {
    return Instant.ofEpochSecond(startEpochSecond, startNano + elapsedNanos.get());
  }

  @Override
  void onAdvance(Runnable maintenance) {
    pools.add(maintenance);
  }

  @Override
  void removeOnAdvance(Runnable maintenance) {
    pools.remove(maintenance);
  }
}
