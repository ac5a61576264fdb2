package io.lb4j.impl.load;

import io.lb4j.api.load.LoadAwarePolicy;
import io.lb4j.api.load.LoadReport;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Weights from backend load reports, as gRPC's {@code weighted_round_robin} (gRFC A58) computes them: a
 * report gives the weight {@code qps / (utilization + eps / qps * errorUtilizationPenalty)}, with utilization
 * the application's when reported, else the CPU's; a report without both qps and utilization above 0 is
 * ignored. A backend's weight is used once it has reported for the {@code blackoutPeriod} (measured from its
 * first report since it had none, so a backend that restarts, whose first reports come from a cold process,
 * waits again), and no longer once its last report is {@code weightExpirationPeriod} old. {@link #weights}
 * then gives each backend without a usable weight the mean of the others and bounds every weight, see
 * {@link LoadWeights#bound}.
 *
 * <p>Two ways to name a backend: by id (a map lookup per call, for tests and the benchmarks' adapters), or by
 * the {@link State} object {@link #newState()} creates, which a pool keeps on its member so that a report and
 * an update cost no lookup ({@link #onReport(State, LoadReport, long)}, {@link #weightsOf}).
 *
 * <p>A pure, single-threaded state machine: no clock, no thread, no lock. Every method takes the time as a
 * {@code nanoTime}-style reading (only differences count, so it may be negative or wrap); callers confine an
 * instance to one serial context and hand reports to it from the threads that read them.
 */
public final class ReportedLoadWeights {

  private final LoadAwarePolicy policy;
  private final long blackoutNanos;
  private final long expirationNanos;
  private final double penalty;
  private final Map<String, State> states = new HashMap<>();

  /**
   * One backend's last usable report: created by {@link #newState()}, kept by whoever names the backend, and
   * touched only through the calculator's methods. Confined like the calculator.
   */
  public static final class State {
    private double weight;
    private long lastUpdated;
    /** Whether reports have arrived since the backend last had none (start, expiry, restart). */
    private boolean reporting;
    private long reportingSince;

    private State() {}
  }

  /**
   * A calculator with no reports yet.
   *
   * @param policy the blackout, expiry, penalty and bounds
   */
  public ReportedLoadWeights(LoadAwarePolicy policy) {
    this.policy = Objects.requireNonNull(policy, "policy");
    this.blackoutNanos = policy.blackoutPeriod().toNanos();
    this.expirationNanos = policy.weightExpirationPeriod().toNanos();
    this.penalty = policy.errorUtilizationPenalty();
  }

  /**
   * The weight one report gives, or 0 when it gives none (no qps or no utilization).
   *
   * @param report the report
   * @param errorUtilizationPenalty how much errors weigh against utilization
   * @return {@code qps / (utilization + eps / qps * penalty)}, or 0
   */
  public static double weightOf(LoadReport report, double errorUtilizationPenalty) {
    double qps = report.qps();
    double utilization = report.effectiveUtilization();
    if (!(qps > 0 && utilization > 0)) {
      return 0;
    }
    double errorShare = report.eps() > 0 && errorUtilizationPenalty > 0
        ? report.eps() / qps * errorUtilizationPenalty : 0;
    return qps / (utilization + errorShare);
  }

  /**
   * A backend's state with no report yet, for {@link #onReport(State, LoadReport, long)} and
   * {@link #weightsOf}.
   *
   * @return a new state
   */
  public State newState() {
    return new State();
  }

  /**
   * Records a backend's report.
   *
   * @param backendId the backend's id
   * @param report what it reported
   * @param nowNanos the time it was read
   * @return the weight the report gives, 0 when it was ignored
   */
  public double onReport(String backendId, LoadReport report, long nowNanos) {
    if (weightOf(report, penalty) == 0) {
      return 0; // no state for a report that gives no weight
    }
    return onReport(states.computeIfAbsent(backendId, id -> new State()), report, nowNanos);
  }

  /**
   * Records a report of the backend whose state is {@code s}.
   *
   * @param s the backend's state
   * @param report what it reported
   * @param nowNanos the time it was read
   * @return the weight the report gives, 0 when it was ignored
   */
  public double onReport(State s, LoadReport report, long nowNanos) {
    double weight = weightOf(report, penalty);
    if (weight == 0) {
      return 0; // like gRPC: neither the weight nor its age changes
    }
    if (!s.reporting) {
      s.reporting = true;
      s.reportingSince = nowNanos;
    }
    s.lastUpdated = nowNanos;
    s.weight = weight;
    return weight;
  }

  /**
   * Starts a backend's blackout again, as gRPC does when a connection to it becomes ready: call it when the
   * backend comes back (health restored, reconnected), since its next reports may describe a cold process.
   *
   * @param backendId the backend's id
   */
  public void restartBlackout(String backendId) {
    State s = states.get(backendId);
    if (s != null) {
      restartBlackout(s);
    }
  }

  /**
   * {@link #restartBlackout(String)} for the backend whose state is {@code s}.
   *
   * @param s the backend's state
   */
  public void restartBlackout(State s) {
    s.reporting = false;
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
   * Forgets every backend not in {@code backendIds} (after a membership change).
   *
   * @param backendIds the ids that stay
   */
  public void retainOnly(Collection<String> backendIds) {
    states.keySet().retainAll(backendIds instanceof java.util.Set ? backendIds : new HashSet<>(backendIds));
  }

  /**
   * How many backends the calculator holds a report for.
   *
   * @return the count
   */
  public int tracked() {
    return states.size();
  }

  /**
   * The weight a backend contributes now: its last report's weight, or 0 when it has none, is still in its
   * blackout, or its report expired. Expiry also ends the backend's reporting, so that reports after it
   * serve a new blackout.
   *
   * @param backendId the backend's id
   * @param nowNanos the time
   * @return the raw weight, 0 when unknown
   */
  public double usableWeight(String backendId, long nowNanos) {
    State s = states.get(backendId);
    return s == null ? 0 : usable(s, nowNanos);
  }

  private double usable(State s, long nowNanos) {
    if (!s.reporting || nowNanos - s.lastUpdated >= expirationNanos) {
      s.reporting = false;
      return 0;
    }
    if (blackoutNanos > 0 && nowNanos - s.reportingSince < blackoutNanos) {
      return 0;
    }
    return s.weight;
  }

  /**
   * The weights of {@code backendIds} now, in that order, bounded and scaled to 1-100.
   *
   * @param backendIds the backends to weigh (the eligible members, typically)
   * @param nowNanos the time
   * @return the weights and how many were usable, not yet usable, or stale
   */
  public LoadWeights weights(List<String> backendIds, long nowNanos) {
    List<State> list = new ArrayList<>(backendIds.size());
    for (String id : backendIds) {
      list.add(states.get(id)); // null: never reported
    }
    return weightsOf(list, nowNanos);
  }

  /**
   * The weights of the backends whose states are {@code backends} now, in that order, bounded and scaled to
   * 1-100: {@link #weights(List, long)} without a lookup.
   *
   * @param backends the states (a null element is a backend that never reported)
   * @param nowNanos the time
   * @return the weights and how many were usable, not yet usable, or stale
   */
  public LoadWeights weightsOf(List<State> backends, long nowNanos) {
    double[] raw = new double[backends.size()];
    int notYetUsable = 0;
    for (int i = 0; i < raw.length; i++) {
      State s = backends.get(i);
      if (s == null || s.weight == 0) { // never gave a weight
        notYetUsable++;
        continue;
      }
      boolean expired = nowNanos - s.lastUpdated >= expirationNanos;
      raw[i] = usable(s, nowNanos);
      if (raw[i] == 0 && !expired) {
        notYetUsable++; // in its blackout; the other zeros expired
      }
    }
    return LoadWeights.bound(raw, policy.minWeightRatio(), policy.maxWeightRatio(), notYetUsable);
  }
}
