package io.lb4j.impl.diagnostics;

import static io.lb4j.api.internal.Checks.checkRange;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs an examination again and again and reports each finding once when it appears and once when it
 * clears, never while it persists: a finding is the same problem while its {@link Finding#key() key}
 * (code and subject) is, even when its evidence changes.
 *
 * <pre>{@code
 * Diagnostics diagnostics = Diagnostics.builder().build();
 * try (PeriodicCheck check = PeriodicCheck.logging(() -> diagnostics.examine(pool, snapshots()))
 *     .start(Duration.ofMinutes(1))) {
 *   ...
 * }
 * }</pre>
 *
 * <p>By default changes go to the SLF4J logger {@code io.lb4j.diagnostics}: an appeared error or warning
 * at WARN, an appeared info and every clearing at INFO. An examination that throws is logged at WARN and
 * changes nothing.
 *
 * <p><b>Lifecycle and threads.</b> {@link #runOnce()} examines on the caller's thread (tests, a gateway's
 * own scheduler); {@link #start(Duration)} runs it on one daemon thread {@code lb4j-diagnostics} until
 * {@link #close()}, which stops the thread. Thread-safe: runs never overlap.
 *
 * @since 0.1.0
 */
public final class PeriodicCheck implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger("io.lb4j.diagnostics");
  private static final Duration MIN_PERIOD = Duration.ofMillis(10);
  private static final Duration MAX_PERIOD = Duration.ofHours(1);

  /** Whether a finding appeared or cleared. */
  public enum Kind {
    /** The finding was not in the previous examination's report. */
    APPEARED,
    /** The finding was in the previous report and is not in this one. */
    CLEARED
  }

  /**
   * One change between two examinations.
   *
   * @param kind appeared or cleared
   * @param finding the finding as last seen (for a clearing: as the previous report had it)
   */
  public record Change(Kind kind, Finding finding) {
    /** Validates the fields. */
    public Change {
      Objects.requireNonNull(kind, "kind");
      Objects.requireNonNull(finding, "finding");
    }
  }

  private final Supplier<Report> examination;
  private final Consumer<Change> sink;
  private final Object runLock = new Object();
  /** The findings of the last examination by key; guarded by {@link #runLock}. */
  private Map<String, Finding> active = new LinkedHashMap<>();
  /** The threads the timer created (one, unless a run died of an Error); for close to join. */
  private final List<Thread> threads = new CopyOnWriteArrayList<>();
  /** The timer of {@link #start}; guarded by {@code this}. */
  private ScheduledThreadPoolExecutor timer;
  private boolean closed;

  private PeriodicCheck(Supplier<Report> examination, Consumer<Change> sink) {
    this.examination = Objects.requireNonNull(examination, "examination");
    this.sink = Objects.requireNonNull(sink, "sink");
  }

  /** A check whose changes go to the logger {@code io.lb4j.diagnostics}. */
  public static PeriodicCheck logging(Supplier<Report> examination) {
    return new PeriodicCheck(examination, PeriodicCheck::log);
  }

  /** A check whose changes go to {@code sink}, called on the examining thread. */
  public static PeriodicCheck reporting(Supplier<Report> examination, Consumer<Change> sink) {
    return new PeriodicCheck(examination, sink);
  }

  /**
   * Examines once and hands each change to the sink.
   *
   * @return the changes, appeared ones first; empty when nothing changed or the examination failed
   */
  public List<Change> runOnce() {
    synchronized (runLock) {
      Report report;
      try {
        report = examination.get();
      } catch (RuntimeException e) {
        log.warn("diagnostics: the examination failed; findings unchanged", e);
        return List.of();
      }
      Map<String, Finding> now = new LinkedHashMap<>();
      for (Finding f : report.findings()) {
        now.putIfAbsent(f.key(), f);
      }
      List<Change> changes = new ArrayList<>();
      for (Map.Entry<String, Finding> e : now.entrySet()) {
        if (!active.containsKey(e.getKey())) {
          changes.add(new Change(Kind.APPEARED, e.getValue()));
        }
      }
      for (Map.Entry<String, Finding> e : active.entrySet()) {
        if (!now.containsKey(e.getKey())) {
          changes.add(new Change(Kind.CLEARED, e.getValue()));
        }
      }
      active = now;
      for (Change c : changes) {
        try {
          sink.accept(c);
        } catch (RuntimeException e) {
          log.warn("diagnostics: the sink failed on {}", c, e);
        }
      }
      return changes;
    }
  }

  /**
   * Runs {@link #runOnce()} now and then every {@code period} (10ms-1h) on a daemon thread.
   *
   * @throws IllegalStateException when already started or closed
   */
  public PeriodicCheck start(Duration period) {
    checkRange("periodicCheck.period", period, MIN_PERIOD, MAX_PERIOD);
    synchronized (this) {
      if (timer != null || closed) {
        throw new IllegalStateException("periodicCheck is already started or closed");
      }
      timer = new ScheduledThreadPoolExecutor(1, r -> {
        Thread t = new Thread(r, "lb4j-diagnostics");
        t.setDaemon(true);
        threads.add(t);
        return t;
      });
      timer.scheduleWithFixedDelay(this::runQuietly, 0, period.toNanos(), TimeUnit.NANOSECONDS);
    }
    return this;
  }

  private void runQuietly() {
    try {
      runOnce();
    } catch (RuntimeException e) {
      log.warn("diagnostics: periodic check failed", e); // keep the schedule alive
    }
  }

  /**
   * Stops the thread, if started; idempotent. Waits up to 10 s for a running examination to end and the
   * thread to exit (not when called from the check's own thread, which exits once its run returns).
   */
  @Override
  public void close() {
    ScheduledThreadPoolExecutor t;
    synchronized (this) {
      closed = true;
      t = timer;
      timer = null;
    }
    if (t != null) {
      t.shutdownNow();
    }
    if (threads.contains(Thread.currentThread())) {
      return; // closed by the sink, on the check's own thread: it ends when this run returns
    }
    try {
      if (t != null) {
        t.awaitTermination(10, TimeUnit.SECONDS);
      }
      // The pool counts as terminated just before its thread's run() returns: join, so none survives close.
      for (Thread thread : threads) {
        thread.join(TimeUnit.SECONDS.toMillis(10));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void log(Change c) {
    Finding f = c.finding();
    if (c.kind() == Kind.CLEARED) {
      log.info("diagnostics: cleared {} [{}]: {}", f.code().id(), f.subject(), f.summary());
    } else if (f.severity() == Severity.INFO) {
      log.info("diagnostics: {} {} [{}]: {}; evidence {}; fix: {}", f.severity(), f.code().id(), f.subject(),
          f.summary(), f.evidence(), f.fix());
    } else {
      log.warn("diagnostics: {} {} [{}]: {}; evidence {}; fix: {}", f.severity(), f.code().id(), f.subject(),
          f.summary(), f.evidence(), f.fix());
    }
  }
}
