package io.lb4j.impl.pool;

import io.lb4j.api.scheduler.Candidate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Turns members, the policy and the time into the candidate set a scheduler picks from: a pure
 * function of its inputs (no clock read, no lock, no shared state), so it is tested without threads.
 *
 * <p><b>Serving set.</b> A member serves (counts for fail-open and may take new picks) when its health is
 * known (checked at least once), it is not removed, it is enabled and its weight is above 0.
 *
 * <p><b>Fail-open ("panic").</b> When the share of healthy backends among those that serve falls below the
 * threshold, health is ignored and every backend whose health is known may be picked. Backends nobody has
 * checked yet are neither counted nor picked, so a pool that just started does not send traffic to backends
 * never seen working.
 *
 * <p><b>Effective weight.</b> 0 while removed or at weight 0; else the configured weight, or with load-aware
 * weights the member's load weight (1-100, set by {@link LoadWeighting}); during slow start it ramps linearly
 * from {@code floorPercent} of that weight (at least 1) to all of it over the window.
 *
 * <p><b>Priority tiers.</b> Members are grouped by {@link io.lb4j.api.Backend#priority()}. The active tier is
 * the lowest priority value with a healthy serving backend; when no tier has one, the lowest with a serving
 * backend whose health is known (so that fail-open still applies when everything is down, as with one tier);
 * when none has that either, the lowest priority present. Only the active tier's candidates may be eligible:
 * the others are planned as not healthy, so schedulers, the snapshot and the request path need nothing else.
 * Fail-open is judged within the active tier. A pool whose backends share one priority plans exactly as it
 * would without tiers.
 */
final class CandidatePlanner {

  /**
   * The result of one planning.
   *
   * @param candidates one candidate per member, in member order, each carrying its member's counter
   * @param panic whether fail-open is on
   * @param healthyPercent the share of serving backends that are healthy, 0-100 (0 when none serve)
   * @param healthy how many backends serve and are healthy (not ejected): what {@code awaitHealthy} counts
   * @param anyEligible whether any candidate can take a new pick
   * @param ramping whether a slow-start ramp is still under way (its weight moves with time)
   * @param activePriority the tier whose candidates may be eligible
   * @param eligible how many candidates can take a new pick (all of the active tier)
   */
  record Plan(List<Candidate> candidates, boolean panic, int healthyPercent, int healthy, boolean anyEligible,
      boolean ramping, int activePriority, int eligible) {}

  private final int panicThresholdPercent;
  private final long slowStartNanos;
  private final int slowStartFloorPercent;

  /**
   * @param panicThresholdPercent fail-open threshold, 0 for never
   * @param slowStartNanos the slow-start window, 0 for none
   * @param slowStartFloorPercent the weight slow start begins at, in percent of the full weight
   */
  CandidatePlanner(int panicThresholdPercent, long slowStartNanos, int slowStartFloorPercent) {
    this.panicThresholdPercent = panicThresholdPercent;
    this.slowStartNanos = slowStartNanos;
    this.slowStartFloorPercent = slowStartFloorPercent;
  }

  int panicThresholdPercent() {
    return panicThresholdPercent;
  }

  /** Plans the candidates of {@code states} at time {@code now}. */
  Plan plan(List<MemberState> states, long now) {
    // Per tier: {serving, healthy}; sorted by priority. Control path only: one small map per publication.
    TreeMap<Integer, int[]> tiers = new TreeMap<>();
    int healthy = 0;
    for (MemberState s : states) {
      int[] counts = tiers.computeIfAbsent(s.backend().priority(), p -> new int[2]);
      if (s.checked() && s.serving()) {
        counts[0]++;
        if (s.usable()) {
          counts[1]++;
          healthy++;
        }
      }
    }
    int active = activeTier(tiers);
    int[] counts = tiers.getOrDefault(active, new int[2]);
    int serving = counts[0];
    int activeHealthy = counts[1];
    boolean panic = panicThresholdPercent > 0 && serving > 0
        && activeHealthy * 100 < panicThresholdPercent * serving;
    List<Candidate> candidates = new ArrayList<>(states.size());
    int eligible = 0;
    boolean ramping = false;
    for (MemberState s : states) {
      boolean inTier = s.backend().priority() == active;
      Candidate c = new Candidate(s.backend(), inTier && (panic ? s.checked() : s.usable()),
          effectiveWeight(s, now), s.member().active);
      if (c.eligible()) {
        eligible++;
      }
      ramping |= !rampOver(s.rampStart(), now);
      candidates.add(c);
    }
    return new Plan(candidates, panic, serving == 0 ? 0 : activeHealthy * 100 / serving, healthy, eligible > 0,
        ramping, active, eligible);
  }

  /**
   * The lowest tier with a healthy serving backend, else the lowest with a serving backend whose health is
   * known (fail-open may pick there), else the lowest present ({@link io.lb4j.api.Backend#DEFAULT_PRIORITY} for
   * an empty pool).
   */
  private static int activeTier(TreeMap<Integer, int[]> tiers) {
    for (Map.Entry<Integer, int[]> e : tiers.entrySet()) {
      if (e.getValue()[1] > 0) {
        return e.getKey();
      }
    }
    for (Map.Entry<Integer, int[]> e : tiers.entrySet()) {
      if (e.getValue()[0] > 0) {
        return e.getKey();
      }
    }
    return tiers.isEmpty() ? io.lb4j.api.Backend.DEFAULT_PRIORITY : tiers.firstKey();
  }

  /** The weight schedulers use at {@code now}. */
  int effectiveWeight(MemberState s, long now) {
    int weight = s.backend().weight();
    if (s.removed() || weight == 0) {
      return 0;
    }
    MemberLoad load = s.member().load;
    if (load != null && load.weight > 0) {
      weight = load.weight; // set by the control context, which runs this planning too
    }
    long rampStart = s.rampStart();
    if (rampStart == MemberState.NOT_RAMPING || slowStartNanos == 0) {
      return weight;
    }
    long elapsed = now - rampStart;
    if (elapsed >= slowStartNanos) {
      return weight;
    }
    int floor = Math.max(1, weight * slowStartFloorPercent / 100);
    return (int) Math.max(1, floor + (weight - floor) * Math.max(0, elapsed) / slowStartNanos);
  }

  /** Whether a ramp that began at {@code rampStart} is over at {@code now}. */
  boolean rampOver(long rampStart, long now) {
    return rampStart == MemberState.NOT_RAMPING || slowStartNanos == 0 || now - rampStart >= slowStartNanos;
  }

  /** How often a ramp under way is re-planned: a twentieth of the window, 10 ms to 1 s. */
  long rampStepNanos() {
    return Math.max(10_000_000L, Math.min(1_000_000_000L, slowStartNanos / 20));
  }
}
