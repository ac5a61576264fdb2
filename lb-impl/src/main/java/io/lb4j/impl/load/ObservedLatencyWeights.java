package io.lb4j.impl.load;

import io.lb4j.api.load.LoadAwarePolicy;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Weights from what the pool observes itself, for backends that report nothing: Finagle's peak-sensitive
 * EWMA of response latency per backend, and a weight that is its inverse.
 *
 * <p><b>The estimate.</b> A response slower than the estimate replaces it at once (the peak: a backend
 * that turned slow loses traffic from its first slow answer); a faster one moves it by the factor
 * {@code 1 - e^(-dt/decay)}, where {@code dt} is the time since the previous sample, so a backend that
 * recovered wins traffic back over a few {@code latencyDecay}s, whatever its request rate. Between samples
 * the estimate decays toward zero the same way (Finagle does too): a backend that got few requests looks
 * faster, is tried more, and so is measured again; the cap of {@link LoadWeights#bound} limits how much.
 * A sample older than {@value #FORGET_AFTER_DECAYS} decay times is forgotten (the backend gets the mean
 * weight), since nothing is known about it any more.
 *
 * <p><b>Failures.</b> A failed request counts as {@code max(latency, estimate * failurePenalty)}: a backend
 * that fails fast (connection refused in a millisecond) would otherwise look like the fastest and draw
 * traffic, the "black hole" of latency-based balancing. Each failure multiplies the estimate, so a backend
 * that keeps failing falls to the floor of {@link LoadWeights#bound} within a few requests, and the floor's
 * trickle of traffic shows when it recovers.
 *
 * <p><b>Why this and not Envoy's least-request.</b> Least-request weighs each pick by the requests in flight
 * (lb4j has it: {@code Schedulers.leastRequestP2c()}); it reacts to queueing within one client but not to a
 * backend that is slow per request while lightly loaded, and needs state read at every pick. The EWMA gives a
 * per-backend number that changes slowly enough to become a weight on the same periodic rebuild as backend
 * reports, with the same floor and cap, and picks stay lock-free and allocation-free.
 *
 * <p>A pure, single-threaded state machine like {@link ReportedLoadWeights}: no clock, no thread, no lock;
 * times are {@code nanoTime}-style readings passed in.
 */
public final class ObservedLatencyWeights {

  /** Samples older than this many decay times are forgotten. */
  public static final int FORGET_AFTER_DECAYS = 5;

  /** An estimate never grows past an hour, so a long run of failures cannot overflow it. */
  private static final double MAX_COST_NANOS = 3.6e12;

  private final LoadAwarePolicy policy;
  private final double decayNanos;
  private final double failurePenalty;
  private final Map<String, State> states = new HashMap<>();

  /**
   * One backend's estimate: created by {@link #newState()}, kept by whoever names the backend (a pool keeps
   * it on its member, so that no sample or update looks it up), touched only through the estimator's
   * methods. Confined like the estimator.
   */
  public static final class State {
    private double costNanos;
    private long stamp;
    private boolean sampled;

    private State() {}
  }

  /**
   * An estimator with no samples yet.
   *
   * @param policy the decay time, failure penalty and bounds
   */
  public ObservedLatencyWeights(LoadAwarePolicy policy) {
    this.policy = Objects.requireNonNull(policy, "policy");
    this.decayNanos = policy.latencyDecay().toNanos();
    this.failurePenalty = policy.failurePenalty();
  }

  /**
   * Records one request's outcome.
   *
   * @param backendId the backend's id
   * @param latencyNanos how long the request took, 0 or more
   * @param failed whether it failed (connect failure, reset, timeout, 5xx)
   * @param nowNanos when it completed
   * @return the backend's estimate after the sample, in nanoseconds
   */
  public double onOutcome(String backendId, long latencyNanos, boolean failed, long nowNanos) {
    return onOutcome(states.computeIfAbsent(backendId, id -> new State()), latencyNanos, failed, nowNanos);
  }

  /**
   * A backend's state with no sample yet, for {@link #onOutcome(State, long, boolean, long)} and
   * {@link #weightsOf}.
   *
   * @return a new state
   */
  public State newState() {
    return new State();
  }

  /**
   * Records one outcome of the backend whose state is {@code s}.
   *
   * @param s the backend's state
   * @param latencyNanos how long the request took, 0 or more
   * @param failed whether it failed
   * @param nowNanos when it completed
   * @return the backend's estimate after the sample, in nanoseconds
   */
  public double onOutcome(State s, long latencyNanos, boolean failed, long nowNanos) {
    double sample = Math.max(0, latencyNanos);
    if (!s.sampled || nowNanos - s.stamp >= forgetNanos()) {
      s.sampled = true;
      s.costNanos = Math.min(MAX_COST_NANOS, sample);
      s.stamp = nowNanos;
      return s.costNanos;
    }
    double cost = s.costNanos;
    if (failed) {
      sample = Math.max(sample, cost * failurePenalty);
    }
    if (sample > cost) {
      cost = sample; // peak sensitive: a slower answer counts in full at once
    } else {
      double w = decay(nowNanos - s.stamp);
      cost = cost * w + sample * (1 - w);
    }
    s.costNanos = Math.min(MAX_COST_NANOS, cost);
    s.stamp = nowNanos;
    return s.costNanos;
  }

  private double decay(long elapsedNanos) {
    return Math.exp(-Math.max(0, elapsedNanos) / decayNanos);
  }

  private long forgetNanos() {
    return (long) (decayNanos * FORGET_AFTER_DECAYS);
  }

  /**
   * A backend's estimate now, decayed since its last sample.
   *
   * @param backendId the backend's id
   * @param nowNanos the time
   * @return the estimate in nanoseconds, or -1 when there is none (no sample, or forgotten)
   */
  public double estimateNanos(String backendId, long nowNanos) {
    State s = states.get(backendId);
    return s == null ? -1 : estimateNanos(s, nowNanos);
  }

  /**
   * {@link #estimateNanos(String, long)} of the backend whose state is {@code s}.
   *
   * @param s the backend's state
   * @param nowNanos the time
   * @return the estimate in nanoseconds, or -1 when there is none
   */
  public double estimateNanos(State s, long nowNanos) {
    if (!s.sampled || nowNanos - s.stamp >= forgetNanos()) {
      return -1;
    }
    return s.costNanos * decay(nowNanos - s.stamp);
  }

  /**
   * Forgets a backend that left the pool.
   *
   * @param backendId the backend's id
   */
  public void forget(String backendId) {
    states.remove(backendId);
  }

  /**
   * Forgets every backend not in {@code backendIds}.
   *
   * @param backendIds the ids that stay
   */
  public void retainOnly(Collection<String> backendIds) {
    states.keySet().retainAll(backendIds instanceof java.util.Set ? backendIds : new HashSet<>(backendIds));
  }

  /**
   * How many backends have an estimate.
   *
   * @return the count
   */
  public int tracked() {
    return states.size();
  }

  /**
   * The weights of {@code backendIds} now, in that order: the inverse of each estimate, bounded and scaled
   * to 1-100; a backend without an estimate gets the mean.
   *
   * @param backendIds the backends to weigh
   * @param nowNanos the time
   * @return the weights
   */
  public LoadWeights weights(List<String> backendIds, long nowNanos) {
    List<State> list = new ArrayList<>(backendIds.size());
    for (String id : backendIds) {
      list.add(states.get(id)); // null: never sampled
    }
    return weightsOf(list, nowNanos);
  }

  /**
   * {@link #weights(List, long)} of the backends whose states are {@code backends}, without a lookup.
   *
   * @param backends the states (a null element is a backend never sampled)
   * @param nowNanos the time
   * @return the weights
   */
  public LoadWeights weightsOf(List<State> backends, long nowNanos) {
    double[] raw = new double[backends.size()];
    int notYetUsable = 0;
    for (int i = 0; i < raw.length; i++) {
      State s = backends.get(i);
      if (s == null || !s.sampled) {
        notYetUsable++;
        continue;
      }
      double estimate = estimateNanos(s, nowNanos);
      // Below a nanosecond (an idle backend's decayed estimate) every estimate means "very fast": the cap
      // decides. The +1 keeps the division finite.
      raw[i] = estimate < 0 ? 0 : 1e9 / (estimate + 1);
    }
    return LoadWeights.bound(raw, policy.minWeightRatio(), policy.maxWeightRatio(), notYetUsable);
  }
}
