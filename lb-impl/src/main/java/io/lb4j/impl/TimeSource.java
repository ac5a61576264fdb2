package io.lb4j.impl;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * The one source of time of a load balancer, in the way of Caffeine's {@code Ticker}: a monotonic
 * nanosecond reading for everything measured in durations (slow-start ramps, drain deadlines, session
 * table expiry) and a wall-clock instant for everything stamped or compared with dates (event times,
 * health history, inserted-cookie expiry, outlier ejections).
 *
 * <p>{@link #system()} is the default. Tests use {@link ManualTimeSource}, whose
 * {@link ManualTimeSource#advance} also fires the due timers of every pool built with it, so the effects of
 * moving time (a ramp's next step, a drain that ended, an ejection that ran out, a backend source's retry)
 * are visible as soon as {@code advance} returns. Health-check probes keep running on real time: they talk
 * to real sockets.
 *
 * <p>Implementations are thread-safe.
 *
 * @since 0.1.0
 */
public abstract class TimeSource {

  private static final TimeSource SYSTEM = new TimeSource() {
    @Override
    public long nanoTime() {
      return System.nanoTime();
    }

    @Override
    public Instant instant() {
      return Instant.now();
    }
  };

  /** For subclasses. */
  protected TimeSource() {}

  /**
   * The system's time: {@link System#nanoTime()} and {@link Instant#now()}.
   *
   * @return the system time source
   */
  public static TimeSource system() {
    return SYSTEM;
  }

  /**
   * A monotonic reading in nanoseconds; only differences between readings are meaningful.
   *
   * @return the reading
   */
  public abstract long nanoTime();

  /**
   * The wall-clock time.
   *
   * @return the current instant
   */
  public abstract Instant instant();

  /** Registers a pool's timers, fired when a manual source moves; a no-op for real time. */
  void onAdvance(Runnable maintenance) {}

  /** Undoes {@link #onAdvance}. */
  void removeOnAdvance(Runnable maintenance) {}

  /** This time source as a UTC {@link Clock}, for the parts that take one. */
  final Clock asClock() {
    TimeSource source = this;
    return new Clock() {
      @Override
      public ZoneId getZone() {
        return ZoneOffset.UTC;
      }

      @Override
      public Clock withZone(ZoneId zone) {
        throw new UnsupportedOperationException("lb4j's clocks are UTC");
      }

      @Override
      public Instant instant() {
        return source.instant();
      }

      @Override
      public long millis() {
        return source.instant().toEpochMilli();
      }
    };
  }
}
