package io.lb4j.impl.client;

import static io.lb4j.api.internal.Checks.format;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The rate-limited log line that says a client's budgets refused retries: at most one per
 * {@link #INTERVAL}, counting the refusals since the previous line and naming the backends whose answers
 * spent the budgets. An outage may refuse thousands of retries a second; one line every ten seconds says
 * as much. Thread-safe: a refusal that is not due for a line costs a clock read and a volatile read.
 */
final class BudgetLog {
  /** The shortest time between two lines of one client. */
  static final Duration INTERVAL = Duration.ofSeconds(10);
  /** The backends a line names, those that spent the most first. */
  static final int NAMED_BACKENDS = 5;

  private final String pool;
  private final RetryPolicy policy;
  private final ClientStats stats;
  private final LongSupplier nanoTime;
  private final Consumer<String> sink;
  /** When the next line may be written (nanoTime); moved forward by CAS, so one thread writes each line. */
  private final AtomicLong nextLineAt;
  // Written under this object's lock by the thread that writes a line.
  private long lastLineAt;
  private long loggedRetries;
  private long loggedRequeues;

  BudgetLog(String pool, RetryPolicy policy, ClientStats stats, LongSupplier nanoTime, Consumer<String> sink) {
    this.pool = pool;
    this.policy = policy;
    this.stats = stats;
    this.nanoTime = nanoTime;
    this.sink = sink;
    long now = nanoTime.getAsLong();
    this.nextLineAt = new AtomicLong(now);
    this.lastLineAt = now;
  }

  /** A budget refused a retry or requeue (already counted in the stats): writes a line when one is due. */
  void refused() {
    long now = nanoTime.getAsLong();
    long next = nextLineAt.get();
    if (now - next < 0 || !nextLineAt.compareAndSet(next, now + INTERVAL.toNanos())) {
      return;
    }
    sink.accept(line(now));
  }

  private synchronized String line(long now) {
    long retries = stats.retriesRefused.sum();
    long requeues = stats.requeuesRefused.sum();
    StringBuilder s = new StringBuilder(256).append("pool '").append(pool).append("': retry budget exhausted: ")
        .append(retries - loggedRetries).append(" retries and ").append(requeues - loggedRequeues)
        .append(" requeues refused in the last ").append(format(Duration.ofMillis((now - lastLineAt) / 1_000_000)))
        .append(", each caller got its last answer or failure (retry budget ")
        .append(percent(policy.budgetRatio())).append(" of requests + ").append(policy.budgetBurst())
        .append(", requeue budget ").append(percent(policy.requeueBudgetRatio())).append(" + ")
        .append(policy.requeueBudgetBurst()).append("); answers that spent it came from ");
    int named = 0;
    for (Map.Entry<String, ClientMetrics.BackendCounts> e : stats.byBackend().entrySet()) {
      if (named == NAMED_BACKENDS) {
        s.append(", ...");
        break;
      }
      ClientMetrics.BackendCounts c = e.getValue();
      s.append(named == 0 ? "" : ", ").append(e.getKey()).append(" (").append(c.retries()).append(" retries, ")
          .append(c.requeues()).append(" requeues, ").append(c.refused()).append(" refused)");
      named++;
    }
    lastLineAt = now;
    loggedRetries = retries;
    loggedRequeues = requeues;
    return s.toString();
  }

  /** {@code 20%}, {@code 12.5%}: a ratio as messages show it. */
  static String percent(double ratio) {
    double percent = Math.round(ratio * 1000) / 10.0;
    return (percent == Math.rint(percent) ? String.valueOf((long) percent) : String.valueOf(percent)) + "%";
  }
}
