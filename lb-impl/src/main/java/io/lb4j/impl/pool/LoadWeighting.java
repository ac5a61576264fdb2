package io.lb4j.impl.pool;

import io.lb4j.api.load.LoadAwarePolicy;
import io.lb4j.api.load.LoadAwarePolicy.Signal;
import io.lb4j.impl.load.LoadWeights;
import io.lb4j.impl.load.ObservedLatencyWeights;
import io.lb4j.impl.load.ReportedLoadWeights;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * A pool's load-aware weights: every {@link LoadAwarePolicy#weightUpdatePeriod()} it takes what the request
 * threads handed to each member's {@link MemberLoad} (the latest report, or the outcomes observed), feeds the
 * calculator (gRPC's {@link ReportedLoadWeights} or Finagle's {@link ObservedLatencyWeights}), and sets each
 * eligible member's load weight (1-100). When a weight changed the member table is marked changed, so the
 * batch ends with one publication: {@link CandidatePlanner} multiplies in slow start and keeps 0 for drained
 * members, and the scheduler's schedule is rebuilt there, on the control path, never on a pick.
 *
 * <p><b>Which members are weighed.</b> Those that may take picks now: serving (not removed, enabled, weight
 * above 0) and healthy, or in fail-open every serving member whose health is known. The mean that fills in
 * for members without a usable weight, and the floor and cap, are taken over those. A member that comes back
 * (healthy again after it was not) starts a new blackout, as gRPC does when a subchannel becomes ready: its
 * first reports may describe a cold process. A member that joins between two updates gets the mean of the
 * current load weights at once ({@link #assignNew}), as gRPC gives a backend without a weight.
 *
 * <p><b>State on the member.</b> Each member carries its calculator state, so an update is a walk over the
 * members with no lookup by id; a member that leaves takes its state with it (nothing to forget).
 *
 * <p>Confined to the pool's {@link ControlContext}: every method runs there.
 */
final class LoadWeighting {

  private final LoadAwarePolicy policy;
  private final ReportedLoadWeights reported;
  private final ObservedLatencyWeights observed;
  /** The members now, and "a weight changed, publish" (the member table's; hooks, as it is built later). */
  private final Supplier<List<MemberState>> members;
  private final Runnable changed;
  private final PoolTimers timers;
  private final LongSupplier nanoTime;
  private final BooleanSupplier panic;
  private final long periodNanos;
  private PoolTimers.Timer timer;
  /** The last update's weights and counts, for metrics; read by other threads. */
  private volatile LoadWeights last;
  private volatile long updates;

  LoadWeighting(LoadAwarePolicy policy, Supplier<List<MemberState>> members, Runnable changed, PoolTimers timers,
      LongSupplier nanoTime, BooleanSupplier panic) {
    this.policy = policy;
    boolean reports = policy.signal() == Signal.BACKEND_REPORTS;
    this.reported = reports ? new ReportedLoadWeights(policy) : null;
    this.observed = reports ? null : new ObservedLatencyWeights(policy);
    this.members = members;
    this.changed = changed;
    this.timers = timers;
    this.nanoTime = nanoTime;
    this.panic = panic;
    this.periodNanos = policy.weightUpdatePeriod().toNanos();
  }

  LoadAwarePolicy policy() {
    return policy;
  }

  /** Whether the weights follow backend reports (else observed latency). */
  boolean usesReports() {
    return reported != null;
  }

  /** The load-aware state of a member that joins now. */
  MemberLoad newMemberLoad() {
    return reported != null ? MemberLoad.reported(reported.newState()) : MemberLoad.observed(observed.newState());
  }

  /** Starts the periodic update (the pool started); idempotent. */
  void start() {
    if (timer == null) {
      timer = timers.after(periodNanos, this::tick);
    }
  }

  /** Stops the periodic update (the pool closed). */
  void stop() {
    if (timer != null) {
      timer.cancel();
      timer = null;
    }
  }

  private void tick() {
    timer = timers.after(periodNanos, this::tick);
    if (update(members.get(), panic.getAsBoolean(), nanoTime.getAsLong())) {
      changed.run();
    }
  }

  /**
   * One update at {@code now}: takes what was handed in, computes the weights of the members that may take
   * picks, and sets them. Returns whether a weight changed (the pool then publishes).
   */
  boolean update(List<MemberState> states, boolean failOpen, long now) {
    List<MemberLoad> weighed = new ArrayList<>(states.size());
    List<ReportedLoadWeights.State> reportStates = reported != null ? new ArrayList<>(states.size()) : null;
    List<ObservedLatencyWeights.State> latencyStates = reported == null ? new ArrayList<>(states.size()) : null;
    for (MemberState s : states) {
      MemberLoad load = s.member().load;
      boolean usable = s.serving() && (failOpen ? s.checked() : s.usable());
      if (reported != null) {
        if (usable && !load.wasUsable) {
          reported.restartBlackout(load.reported); // new, or back from unhealthy or disabled: maybe a cold process
        }
        var report = load.take();
        if (report != null) {
          reported.onReport(load.reported, report, now);
        }
      } else {
        load.drainObserved(observed, now);
      }
      load.wasUsable = usable;
      if (usable) {
        weighed.add(load);
        if (reported != null) {
          reportStates.add(load.reported);
        } else {
          latencyStates.add(load.observed);
        }
      }
    }
    LoadWeights w = reported != null ? reported.weightsOf(reportStates, now) : observed.weightsOf(latencyStates, now);
    boolean changed = false;
    for (int i = 0; i < weighed.size(); i++) {
      MemberLoad load = weighed.get(i);
      int next = w.weight(i);
      changed |= load.weight != next;
      load.weight = next;
    }
    last = w;
    updates = updates + 1; // one writer: the control context
    return changed;
  }

  /**
   * Gives each member without a load weight yet (it joined since the last update) the mean of the current
   * load weights, or 100 when there are none: it is neither favoured nor starved until it earns its own.
   */
  void assignNew(List<MemberState> states) {
    long sum = 0;
    int n = 0;
    boolean any = false;
    for (MemberState s : states) {
      int w = s.member().load.weight;
      if (w > 0) {
        sum += w;
        n++;
      } else {
        any = true;
      }
    }
    if (!any) {
      return;
    }
    int mean = n == 0 ? 100 : (int) Math.max(1, Math.round((double) sum / n));
    for (MemberState s : states) {
      MemberLoad load = s.member().load;
      if (load.weight == 0) {
        load.weight = mean;
      }
    }
  }

  /** The last update's weights and counts, or null before the first. Any thread. */
  LoadWeights last() {
    return last;
  }

  /** How many updates ran. Any thread. */
  long updates() {
    return updates;
  }
}
