package io.lb4j.impl.diagnostics;

import io.lb4j.api.BackendView;
import io.lb4j.impl.client.ClientMetrics;
import io.lb4j.impl.client.RetryPolicy;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The findings read from a {@code BalancedHttpClient}'s counters ({@link ClientMetrics}): retries and
 * requeues its budgets refused, with the backends whose answers spent the budgets. Judged by growth: keeps
 * each client's refusal counts from one examination to the next, by pool name, so the finding clears
 * once the budgets stop refusing (the first examination judges the totals). Thread-safe.
 */
final class ClientFindings {

  /** The backends a finding names, those that spent the most first. */
  static final int NAMED_BACKENDS = 5;

  /** Each client's refusal counts at the previous examination, by pool; guarded by itself. */
  private final Map<String, long[]> previous = new HashMap<>();

  void examine(Examined e, ClientMetrics client, List<Finding> out) {
    long retries = client.retriesRefused();
    long requeues = client.requeuesRefused();
    long[] before;
    synchronized (previous) {
      before = previous.put(client.pool(), new long[] {retries, requeues});
    }
    long newRetries = retries - (before == null ? 0 : before[0]);
    long newRequeues = requeues - (before == null ? 0 : before[1]);
    if (newRetries <= 0 && newRequeues <= 0) {
      return;
    }
    RetryPolicy policy = client.retryPolicy();
    List<String> spenders = new ArrayList<>();
    StringBuilder backends = new StringBuilder();
    for (Map.Entry<String, ClientMetrics.BackendCounts> b : client.byBackend().entrySet()) {
      if (spenders.size() == NAMED_BACKENDS) {
        backends.append("; ...");
        break;
      }
      ClientMetrics.BackendCounts c = b.getValue();
      String name = b.getKey() + authority(e, b.getKey());
      spenders.add(b.getKey());
      backends.append(backends.length() == 0 ? "" : "; ").append(name).append(": ").append(c.retries())
          .append(" retries, ").append(c.requeues()).append(" requeues, ").append(c.refused()).append(" refused");
    }
    Map<String, String> evidence = new LinkedHashMap<>();
    evidence.put("retriesRefused", newRetries + (before == null ? "" : " since the last examination"));
    evidence.put("requeuesRefused", newRequeues + (before == null ? "" : " since the last examination"));
    evidence.put("requests", String.valueOf(client.requests()));
    evidence.put("retries", String.valueOf(client.retries()));
    evidence.put("requeues", String.valueOf(client.requeues()));
    evidence.put("retryBudget", percent(policy.budgetRatio()) + " of requests + " + policy.budgetBurst());
    evidence.put("requeueBudget", percent(policy.requeueBudgetRatio()) + " of requests + "
        + policy.requeueBudgetBurst());
    evidence.put("backends", backends.toString());
    String who = String.join(", ", spenders);
    out.add(new Finding(FindingCode.RETRY_BUDGET_EXHAUSTED, Severity.WARNING, "pool " + e.name(),
        "the client's budgets refused " + newRetries + " retries and " + newRequeues + " requeues: those callers got"
            + " a failure or a 5xx answer a retry might have replaced; the answers that spent the budgets came from "
            + who,
        evidence, "Find out why " + who + " fail (the backends evidence counts their failed answers); the budget"
            + " keeps an outage from multiplying their load, so raise RetryPolicy.budgetRatio or"
            + " requeueBudgetRatio only if the failures are brief and the backends can take the extra attempts."));
  }

  /** {@code " (127.0.0.1:8080)"} for a backend of the pool, empty for one that left it. */
  private static String authority(Examined e, String id) {
    for (BackendView v : e.backends()) {
      if (v.backend().id().equals(id)) {
        return " (" + v.backend().authority() + ")";
      }
    }
    return "";
  }

  /** {@code 20%}, {@code 12.5%}: a ratio as messages show it. */
  private static String percent(double ratio) {
    double percent = Math.round(ratio * 1000) / 10.0;
    return (percent == Math.rint(percent) ? String.valueOf((long) percent) : String.valueOf(percent)) + "%";
  }
}
