package io.lb4j.testing;

import io.lb4j.api.internal.Checks;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Assertions on how traffic spread over backends. Failure messages show the whole observed distribution, so a
 * failing run says what happened, not only that something did.
 *
 * <p>Stateless and thread-safe.
 *
 * @since 0.1.0
 */
public final class TrafficAssertions {

  private TrafficAssertions() {}

  /**
   * Asserts that each backend of the fleet got a share of all hits within {@code tolerance} of its share of the
   * weights.
   *
   * @param fleet the fleet; hits are its recordings
   * @param tolerance the largest allowed difference between observed and expected share, 0 to 1 (0.05: five
   *     percentage points)
   * @throws AssertionError if a share is off or nothing arrived; the message lists every backend
   */
  public static void assertSharesMatchWeights(BackendFleet fleet, double tolerance) {
    assertShares(fleet.hits(), fleet.weights(), tolerance);
  }

  /**
   * Asserts that each backend's share of {@code observed} is within {@code tolerance} of its share of
   * {@code weights}.
   *
   * @param observed hits per backend name
   * @param weights weight per backend name; a backend missing from {@code observed} counts as 0 hits
   * @param tolerance the largest allowed difference between observed and expected share, 0 to 1
   * @throws AssertionError if a share is off, nothing arrived, or a backend not in {@code weights} got hits
   */
  public static void assertShares(Map<String, ? extends Number> observed, Map<String, Integer> weights,
      double tolerance) {
    Objects.requireNonNull(observed, "observed");
    Objects.requireNonNull(weights, "weights");
    Checks.checkRange("tolerance", tolerance, 0.0, 1.0);
    long total = 0;
    for (Number n : observed.values()) {
      total += n.longValue();
    }
    long weightSum = 0;
    for (int w : weights.values()) {
      weightSum += w;
    }
    Map<String, Number> rows = new LinkedHashMap<>();
    weights.keySet().forEach(name -> rows.put(name, observed.containsKey(name) ? observed.get(name) : 0));
    observed.forEach(rows::putIfAbsent);
    boolean ok = total > 0 && weightSum > 0;
    StringBuilder table = new StringBuilder();
    for (Map.Entry<String, Number> row : rows.entrySet()) {
      long hits = row.getValue().longValue();
      Integer weight = weights.get(row.getKey());
      double expected = weight == null || weightSum == 0 ? 0 : (double) weight / weightSum;
      double share = total == 0 ? 0 : (double) hits / total;
      boolean off = weight == null ? hits > 0 : Math.abs(share - expected) > tolerance;
      ok &= !off;
      table.append(String.format(Locale.ROOT, "%n  %-12s weight %-4s expected %5.1f%%  observed %5.1f%% (%d)%s",
          row.getKey(), weight == null ? "-" : weight.toString(), expected * 100, share * 100, hits,
          off ? "  <- off" : ""));
    }
    if (!ok) {
      throw new AssertionError(String.format(Locale.ROOT,
          "traffic shares are not within %.1f points of the weights (%d hits in total):", tolerance * 100, total)
          + table);
    }
  }

  /**
   * Asserts that a backend got nothing after a moment, such as the end of a health check's detection window.
   *
   * @param backend the backend
   * @param nanos a {@link System#nanoTime()} value
   * @throws AssertionError if something arrived later; the message lists the first late arrivals and when
   */
  public static void assertNoHitsAfter(TestBackend backend, long nanos) {
    List<? extends Recorded> late = backend.recording().after(nanos);
    if (!late.isEmpty()) {
      StringBuilder sb = new StringBuilder();
      for (Recorded r : late.subList(0, Math.min(10, late.size()))) {
        sb.append(String.format(Locale.ROOT, "%n  +%d ms: %s", (r.arrivedNanos() - nanos) / 1_000_000, r));
      }
      throw new AssertionError("backend " + backend.name() + " got " + late.size() + " of its "
          + backend.recording().count() + " hits after the given moment, first ones:" + sb);
    }
  }
}
