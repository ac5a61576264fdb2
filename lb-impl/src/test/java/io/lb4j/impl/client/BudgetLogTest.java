package io.lb4j.impl.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The log line that says a budget refused retries: at most one per interval, naming who spent it. */
class BudgetLogTest {

  private final AtomicLong nanos = new AtomicLong(-7_000_000_000L);
  private final List<String> lines = new ArrayList<>();
  private final ClientStats stats = new ClientStats();
  private final BudgetLog log = new BudgetLog("web", RetryPolicy.defaults(), stats, nanos::get, lines::add);

  private void refuse(String backend, boolean requeue, int times) {
    for (int i = 0; i < times; i++) {
      stats.refused(backend, requeue);
      log.refused();
    }
  }

  @Test
  void budgetExhaustion_isLoggedOncePerInterval_withTheRefusalsSinceTheLastLine() {
    // Issue 25 item 2: running out of retry budget was invisible.
    stats.sent("b1", false);
    stats.sent("b1", false);
    stats.sent("b2", true);
    refuse("b1", false, 1);

    assertThat(lines).containsExactly("pool 'web': retry budget exhausted: 1 retries and 0 requeues refused in the"
        + " last 0s, each caller got its last answer or failure (retry budget 20% of requests + 10, requeue budget"
        + " 100% + 10); answers that spent it came from b1 (2 retries, 0 requeues, 1 refused), b2 (0 retries,"
        + " 1 requeues, 0 refused)");

    nanos.addAndGet(BudgetLog.INTERVAL.toNanos() - 1);
    refuse("b1", false, 500);
    refuse("b2", true, 30);
    assertThat(lines).hasSize(1);

    nanos.addAndGet(1);
    refuse("b2", true, 1);
    assertThat(lines).hasSize(2);
    assertThat(lines.get(1)).startsWith("pool 'web': retry budget exhausted: 500 retries and 31 requeues refused in"
        + " the last 10s,").endsWith("came from b1 (2 retries, 0 requeues, 501 refused), b2 (0 retries, 1 requeues,"
        + " 31 refused)");
  }

  @Test
  void aLine_namesAtMostFiveBackends_mostSpentFirst() {
    for (int i = 1; i <= 7; i++) {
      for (int j = 0; j < i; j++) {
        stats.sent("b" + i, false);
      }
    }
    refuse("b7", false, 1);

    assertThat(lines).hasSize(1);
    assertThat(lines.get(0)).contains("came from b7 (7 retries, 0 requeues, 1 refused), b6 (6 retries")
        .endsWith("b3 (3 retries, 0 requeues, 0 refused), ...").doesNotContain("b2 (");
  }
}
