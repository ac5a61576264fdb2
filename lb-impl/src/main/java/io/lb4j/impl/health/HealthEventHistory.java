package io.lb4j.impl.health;

import static io.lb4j.api.internal.Checks.checkRange;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import io.lb4j.api.health.HealthTransition;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The health-check event history of one pool: every {@link HealthTransition} recorded, kept for a
 * retention time (default 3 days, as the reference keeps health-check logs) and at most a number of
 * events (the newest are kept), queryable by backend and time range.
 *
 * <p>Backed by a Caffeine cache with expire-after-write, keyed by a sequence number. The size bound is
 * enforced here rather than by Caffeine's {@code maximumSize}: Caffeine's W-TinyLFU admission keeps
 * entries by how often they are read, which is right for a cache and wrong for a log, where the
 * oldest event must go first. So each new event with sequence {@code n} evicts event
 * {@code n - maximumSize}.
 *
 * <p>Register it as a listener: {@code checker.onTransition(history::record)}. Thread-safe; recording
 * is lock-free apart from Caffeine's own buffering; queries scan the retained events (bounded by
 * {@code maximumSize}) and return new lists, oldest first. Expiry uses the JVM's monotonic time, or an
 * injected {@link Clock} so tests move time instead of sleeping. No thread is started; nothing to close.
 */
public final class HealthEventHistory {

  /** How long events are kept by default: 3 days, the reference's retention of health-check logs. */
  public static final Duration DEFAULT_RETENTION = Duration.ofDays(3);
  /** How many events are kept at most by default. */
  public static final int DEFAULT_MAXIMUM_SIZE = 10_000;

  private static final Comparator<Map.Entry<Long, HealthTransition>> BY_SEQUENCE =
      Map.Entry.comparingByKey();

  private final Cache<Long, HealthTransition> events;
  private final AtomicLong sequence = new AtomicLong();
  private final int maximumSize;
  private final Duration retention;

  private HealthEventHistory(Builder b) {
    this.maximumSize = b.maximumSize;
    this.retention = b.retention;
    Clock clock = b.clock;
    // Without an injected clock, age events on the monotonic ticker so a wall-clock step cannot
    // expire them early or keep them too long.
    Ticker ticker = clock == null
        ? Ticker.systemTicker()
        : () -> TimeUnit.MILLISECONDS.toNanos(clock.millis());
    this.events = Caffeine.newBuilder()
        .expireAfterWrite(b.retention)
        .ticker(ticker)
        // Maintenance runs on the recording thread: no ForkJoinPool task per write, and expiry is
        // deterministic under a test clock.
        .executor(Runnable::run)
        .build();
  }

  /** A history with the default retention and size. */
  public static HealthEventHistory create() {
    return builder().build();
  }

  /** A builder with the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** Records {@code transition}; usable as a listener ({@code history::record}). */
  public void record(HealthTransition transition) {
    Objects.requireNonNull(transition, "transition");
    long n = sequence.getAndIncrement();
    events.put(n, transition);
    if (n >= maximumSize) {
      events.invalidate(n - maximumSize);
    }
  }

  /** The events of {@code backendId} with {@code from <= at < to}, oldest first. */
  public List<HealthTransition> query(String backendId, Instant from, Instant to) {
    Objects.requireNonNull(backendId, "backendId");
    return select(backendId, from, to);
  }

  /** The events of every backend with {@code from <= at < to}, oldest first. */
  public List<HealthTransition> query(Instant from, Instant to) {
    return select(null, from, to);
  }

  /** Every retained event of {@code backendId}, oldest first. */
  public List<HealthTransition> query(String backendId) {
    Objects.requireNonNull(backendId, "backendId");
    return select(backendId, Instant.MIN, Instant.MAX);
  }

  /** The number of retained events (expired ones may linger until the next write). */
  public long size() {
    return events.estimatedSize();
  }

  /** How long events are kept. */
  public Duration retention() {
    return retention;
  }

  /** How many events are kept at most. */
  public int maximumSize() {
    return maximumSize;
  }

  private List<HealthTransition> select(String backendId, Instant from, Instant to) {
    Objects.requireNonNull(from, "from");
    Objects.requireNonNull(to, "to");
    List<Map.Entry<Long, HealthTransition>> hits = new ArrayList<>();
    // The map view skips entries that have expired even if maintenance has not removed them yet.
    for (Map.Entry<Long, HealthTransition> e : events.asMap().entrySet()) {
      HealthTransition t = e.getValue();
      if ((backendId == null || backendId.equals(t.backend().id())) && !t.at().isBefore(from)
          && t.at().isBefore(to)) {
        hits.add(Map.entry(e.getKey(), t));
      }
    }
    hits.sort(BY_SEQUENCE);
    List<HealthTransition> out = new ArrayList<>(hits.size());
    for (Map.Entry<Long, HealthTransition> e : hits) {
      out.add(e.getValue());
    }
    return out;
  }

  /** Builds a {@link HealthEventHistory}. Not thread-safe. */
  public static final class Builder {
    private Duration retention = DEFAULT_RETENTION;
    private int maximumSize = DEFAULT_MAXIMUM_SIZE;
    private Clock clock;

    private Builder() {}

    /** How long events are kept, 1s-30d (default 3 days). */
    public Builder retention(Duration retention) {
      this.retention = checkRange("healthHistory.retention", retention,
          Duration.ofSeconds(1), Duration.ofDays(30));
      return this;
    }

    /** How many events are kept at most, 1-10000000 (default 10000); the oldest go first. */
    public Builder maximumSize(int maximumSize) {
      this.maximumSize = checkRange("healthHistory.maximumSize", maximumSize, 1, 10_000_000);
      return this;
    }

    /** The clock that ages events (default: the JVM's monotonic time). */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** Builds the history. */
    public HealthEventHistory build() {
      return new HealthEventHistory(this);
    }
  }
}
