package io.lb4j.impl.load;

import io.lb4j.api.Backend;
import java.util.Arrays;

/**
 * One update's weights for a list of backends, in the list's order, as whole numbers from 1 to
 * {@value Backend#MAX_WEIGHT} that a weighted scheduler takes as they are; and how many of the backends
 * had a weight of their own.
 *
 * <p>{@link #bound} turns raw weights (any positive scale; 0 for "unknown") into these, the way gRPC's static
 * stride scheduler does: a backend without a usable raw weight gets the mean of the others; every weight is
 * then kept within {@code [minRatio, maxRatio]} times that mean; and the largest becomes 100. When no
 * backend has a usable weight, all get 100 (plain round robin). With {@code maxRatio / minRatio} at most
 * 100 (which {@link io.lb4j.api.load.LoadAwarePolicy} enforces) no weight rounds to 0.
 *
 * <p>Immutable and thread-safe.
 */
public final class LoadWeights {

  private final int[] weights;
  private final int usable;
  private final int notYetUsable;
  private final int stale;

  private LoadWeights(int[] weights, int usable, int notYetUsable, int stale) {
    this.weights = weights;
    this.usable = usable;
    this.notYetUsable = notYetUsable;
    this.stale = stale;
  }

  /**
   * Bounds and scales raw weights.
   *
   * @param raw one raw weight per backend, any positive scale; 0 (or less, or NaN) when unknown. Used as
   *     scratch space: it holds the bounded weights afterwards
   * @param minRatio the floor, a fraction of the mean of the known weights (0.01-1)
   * @param maxRatio the cap, a multiple of that mean (1-100)
   * @param notYetUsable how many of the unknown weights belong to backends that have not yet earned one (for
   *     the counters; the rest of the unknown are stale)
   * @return the weights, 1-100
   */
  public static LoadWeights bound(double[] raw, double minRatio, double maxRatio, int notYetUsable) {
    int n = raw.length;
    double sum = 0;
    int known = 0;
    for (double w : raw) {
      if (w > 0 && w <= Double.MAX_VALUE) {
        sum += w;
        known++;
      }
    }
    int[] scaled = new int[n];
    if (known == 0) {
      Arrays.fill(scaled, Backend.MAX_WEIGHT);
      return new LoadWeights(scaled, 0, notYetUsable, n - notYetUsable);
    }
    double mean = sum / known;
    double floor = mean * minRatio;
    double cap = mean * maxRatio;
    double max = 0;
    for (int i = 0; i < n; i++) {
      double w = raw[i] > 0 && raw[i] <= Double.MAX_VALUE ? raw[i] : mean;
      w = Math.min(cap, Math.max(floor, w));
      raw[i] = w; // in place: the caller's scratch array
      max = Math.max(max, w);
    }
    for (int i = 0; i < n; i++) {
      scaled[i] = (int) Math.max(1, Math.round(raw[i] / max * Backend.MAX_WEIGHT));
    }
    return new LoadWeights(scaled, known, notYetUsable, n - known - notYetUsable);
  }

  /**
   * How many backends the weights are for.
   *
   * @return the count
   */
  public int size() {
    return weights.length;
  }

  /**
   * The weight of the backend at {@code index} of the list the weights were computed for.
   *
   * @param index the position
   * @return the weight, 1-100
   */
  public int weight(int index) {
    return weights[index];
  }

  /**
   * Every weight, in list order.
   *
   * @return a copy
   */
  public int[] toArray() {
    return weights.clone();
  }

  /**
   * How many backends had a weight of their own (the others got the mean).
   *
   * @return the count
   */
  public int usable() {
    return usable;
  }

  /**
   * How many backends had no weight yet: no report or sample, or still in the blackout period.
   *
   * @return the count
   */
  public int notYetUsable() {
    return notYetUsable;
  }

  /**
   * How many backends had a weight once but it expired.
   *
   * @return the count
   */
  public int stale() {
    return stale;
  }

  /**
   * Whether no backend had a usable weight, so all weigh the same (gRPC counts this as a round-robin
   * fallback).
   *
   * @return true when every weight is 100 for lack of data
   */
  public boolean equalFallback() {
    return usable == 0;
  }

  @Override
  public String toString() {
    return "LoadWeights" + Arrays.toString(weights) + "{usable=" + usable + ", notYetUsable=" + notYetUsable
        + ", stale=" + stale + "}";
  }
}
