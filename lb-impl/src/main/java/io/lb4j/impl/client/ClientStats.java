package io.lb4j.impl.client;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The counters behind {@link ClientMetrics}. The request path touches one {@link LongAdder} per request
 * ({@link #requests}), which spreads concurrent increments over per-thread cells instead of one contended
 * word; everything else is counted only when a request is retried, requeued or fails. Thread-safe.
 */
final class ClientStats {
  /** Past this many backends, counts go to {@link #OTHER}, so a churning pool cannot grow the map without end. */
  static final int MAX_BACKENDS = 1024;
  static final String OTHER = "(other)";

  final LongAdder requests = new LongAdder();
  final LongAdder noBackend = new LongAdder();
  final LongAdder retries = new LongAdder();
  final LongAdder requeues = new LongAdder();
  final LongAdder retriesRefused = new LongAdder();
  final LongAdder requeuesRefused = new LongAdder();
  final LongAdder failures = new LongAdder();
  private final ConcurrentHashMap<String, Counters> byBackend = new ConcurrentHashMap<>();

  /** A retry ({@code requeue} false) or requeue was sent after {@code backendId}'s answer. */
  void sent(String backendId, boolean requeue) {
    if (requeue) {
      requeues.increment();
      counters(backendId).requeues.increment();
    } else {
      retries.increment();
      counters(backendId).retries.increment();
    }
  }

  /** A budget refused a retry ({@code requeue} false) or requeue after {@code backendId}'s answer. */
  void refused(String backendId, boolean requeue) {
    (requeue ? requeuesRefused : retriesRefused).increment();
    counters(backendId).refused.increment();
  }

  private Counters counters(String backendId) {
    Counters c = byBackend.get(backendId);
    if (c != null) {
      return c;
    }
    String key = byBackend.size() >= MAX_BACKENDS ? OTHER : backendId;
    return byBackend.computeIfAbsent(key, k -> new Counters());
  }

  ClientMetrics snapshot(String pool, RetryPolicy policy, RetryBudget retryBudget, RetryBudget requeueBudget) {
    return new ClientMetrics(pool, policy, requests.sum(), noBackend.sum(), retries.sum(), requeues.sum(),
        retriesRefused.sum(), requeuesRefused.sum(), failures.sum(), retryBudget.tokens(), requeueBudget.tokens(),
        byBackend());
  }

  /** Per backend, sorted by the budget it spent and was refused, most first. */
  Map<String, ClientMetrics.BackendCounts> byBackend() {
    List<Map.Entry<String, ClientMetrics.BackendCounts>> entries = new ArrayList<>();
    for (Map.Entry<String, Counters> e : byBackend.entrySet()) {
      Counters c = e.getValue();
      entries.add(Map.entry(e.getKey(),
          new ClientMetrics.BackendCounts(c.retries.sum(), c.requeues.sum(), c.refused.sum())));
    }
    entries.sort((a, b) -> {
      int byUse = Long.compare(total(b.getValue()), total(a.getValue()));
      return byUse != 0 ? byUse : a.getKey().compareTo(b.getKey());
    });
    Map<String, ClientMetrics.BackendCounts> sorted = new LinkedHashMap<>();
    for (Map.Entry<String, ClientMetrics.BackendCounts> e : entries) {
      sorted.put(e.getKey(), e.getValue());
    }
    return sorted;
  }

  static long total(ClientMetrics.BackendCounts c) {
    return c.retries() + c.requeues() + c.refused();
  }

  private static final class Counters {
    final LongAdder retries = new LongAdder();
    final LongAdder requeues = new LongAdder();
    final LongAdder refused = new LongAdder();
  }
}
