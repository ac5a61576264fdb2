package io.lb4j.impl.scheduler;

import io.lb4j.api.RequestContext;
import io.lb4j.api.scheduler.Candidate;
import io.lb4j.api.scheduler.NoBackendReason;
import io.lb4j.api.scheduler.PickResult;
import io.lb4j.api.scheduler.Picker;
import io.lb4j.api.scheduler.Scheduler;
import io.lb4j.api.scheduler.SchedulingAlgorithm;
import java.util.Collection;

/**
 * Smooth weighted round robin ({@code wrr}) and plain round robin ({@code rr}, every eligible backend
 * weight 1, except a backend in slow start, which gets the fraction of a share its ramp has reached).
 * Thread-safe; picks are lock-free and allocation-free.
 *
 * <p>A pick is {@code schedule.pick(sequence.next())}: one striped counter increment and one array load on
 * the picker's immutable {@link WrrSchedule} (see {@link WrrSchedule} for the smoothness bound and
 * {@link StripedSequence} for how threads share the cycle).
 *
 * <p><b>What an update resets.</b> Nothing positional: the counters are owned by the scheduler and
 * shared by its pickers, not by one picker, and keep running, so after an update each thread continues at the same offset of the
 * new cycle. Because every window of a cycle, including one that wraps around, obeys the window bound,
 * no backend (new, re-weighted or untouched) gets a burst after an update; a window that straddles the
 * update obeys the bound on each side of it.
 */
final class RoundRobinScheduler implements Scheduler {

  private final SchedulingAlgorithm algorithm;
  private final boolean weighted;
  private final StripedSequence sequence;
  private volatile SchedulePicker picker;

  RoundRobinScheduler(boolean weighted, long seed) {
    this.algorithm = weighted ? SchedulingAlgorithm.WEIGHTED_ROUND_ROBIN : SchedulingAlgorithm.ROUND_ROBIN;
    this.weighted = weighted;
    this.sequence = new StripedSequence(seed);
    this.picker = new SchedulePicker(WrrSchedule.empty(PickResult.noBackend(NoBackendReason.NO_BACKENDS)), sequence);
  }

  /** One immutable cycle and the scheduler's shared position counters. */
  static final class SchedulePicker implements Picker {
    final WrrSchedule schedule;
    private final StripedSequence sequence;

    SchedulePicker(WrrSchedule schedule, StripedSequence sequence) {
      this.schedule = schedule;
      this.sequence = sequence;
    }

    @Override
    public PickResult pick(RequestContext context) {
      // The empty schedule is a one-entry cycle holding the "no backend" result: no branch needed here.
      return schedule.pick(sequence.next());
    }
  }

  @Override
  public SchedulingAlgorithm algorithm() {
    return algorithm;
  }

  @Override
  public PickResult pick(RequestContext context) {
    return picker.pick(context);
  }

  @Override
  public synchronized Picker update(Collection<Candidate> candidates) {
    CandidateSet set = CandidateSet.of(candidates);
    WrrSchedule schedule = set.none != null ? WrrSchedule.empty(set.none) : WrrSchedule.build(set.eligible, weighted);
    SchedulePicker next = new SchedulePicker(schedule, sequence);
    picker = next;
    return next;
  }

  /** The schedule in use; for tests. */
  WrrSchedule schedule() {
    return picker.schedule;
  }

  @Override
  public String toString() {
    return algorithm.code() + " scheduler, cycle of " + picker.schedule.cycle();
  }
}
