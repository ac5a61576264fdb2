package io.lb4j.impl.health;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The health of one backend as a single atomic word: a HEALTHY bit, a CHECKED bit and the current
 * success and failure streaks.
 *
 * <p>Rules: a healthy backend becomes unhealthy after {@code unhealthyThreshold} consecutive
 * failures; an unhealthy one becomes healthy after {@code healthyThreshold} consecutive successes; a
 * success resets the failure streak and vice versa; both streaks restart at 0 after a transition.
 * A backend that was never checked becomes healthy on its <em>first</em> success whatever the healthy
 * threshold (Envoy's choice): it got no traffic before because nobody had seen it work, and once one
 * check has passed there is nothing to gain from waiting for more. If its first result is a failure it
 * is "checked" from then on and needs the full healthy threshold.
 *
 * <p>Thread-safe and lock-free: results may arrive concurrently; each is applied by a CAS on the word,
 * so no result is lost and exactly one caller observes each change of the HEALTHY bit. Recording a
 * result allocates nothing.
 */
final class HealthStateMachine {

  /** {@link #record} and {@link #force} results. */
  static final int NO_CHANGE = 0;
  static final int BECAME_HEALTHY = 1;
  static final int BECAME_UNHEALTHY = 2;

  // Layout: bit 0 HEALTHY, bit 1 CHECKED, bits 16-31 success streak, bits 32-47 failure streak.
  // Streaks saturate at 0xFFFF, far above MAX_THRESHOLD (10), so saturation never hides a transition.
  private static final long HEALTHY = 1L;
  private static final long CHECKED = 2L;
  private static final int SUCCESS_SHIFT = 16;
  private static final int FAILURE_SHIFT = 32;
  private static final long STREAK_MAX = 0xFFFFL;

  private static final VarHandle WORD;

  static {
    try {
      WORD = MethodHandles.lookup().findVarHandle(HealthStateMachine.class, "word", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  @SuppressWarnings("unused") // accessed through WORD
  private volatile long word;

  HealthStateMachine(boolean startHealthy) {
    // A backend that starts healthy by policy counts as checked: it is trusted, not "never seen".
    this.word = startHealthy ? HEALTHY | CHECKED : 0L;
  }

  /**
   * Applies one probe result and returns {@link #NO_CHANGE}, {@link #BECAME_HEALTHY} or
   * {@link #BECAME_UNHEALTHY}.
   */
  int record(boolean success, int healthyThreshold, int unhealthyThreshold) {
    for (;;) {
      long prev = word;
      long next = next(prev, success, healthyThreshold, unhealthyThreshold);
      // prev == next (saturated streak) needs no write; a failed CAS means another result won the
      // race, and we re-apply ours on top of it, so results are serialised in CAS order.
      if (prev == next || WORD.compareAndSet(this, prev, next)) {
        return change(prev, next);
      }
    }
  }

  /** Sets the status regardless of streaks (checks disabled, or a trusted override). */
  int force(boolean healthy) {
    for (;;) {
      long prev = word;
      long next = (healthy ? HEALTHY : 0L) | (prev & CHECKED);
      if (prev == next || WORD.compareAndSet(this, prev, next)) {
        return change(prev, next);
      }
    }
  }

  boolean isHealthy() {
    return (word & HEALTHY) != 0;
  }

  /**
   * True while a change is under way: a failure streak on a healthy backend or a success streak on an
   * unhealthy one. The edge interval applies then.
   */
  boolean betweenStates() {
    long w = word;
    return (w & HEALTHY) != 0 ? failures(w) > 0 : successes(w) > 0;
  }

  int successStreak() {
    return successes(word);
  }

  int failureStreak() {
    return failures(word);
  }

  static long next(long w, boolean success, int healthyThreshold, int unhealthyThreshold) {
    boolean healthy = (w & HEALTHY) != 0;
    boolean checked = (w & CHECKED) != 0;
    long s = successes(w);
    long f = failures(w);
    if (success) {
      s = Math.min(s + 1, STREAK_MAX);
      f = 0;
      if (!healthy && (!checked || s >= healthyThreshold)) {
        return HEALTHY | CHECKED;
      }
    } else {
      f = Math.min(f + 1, STREAK_MAX);
      s = 0;
      if (healthy && f >= unhealthyThreshold) {
        return CHECKED;
      }
    }
    return (healthy ? HEALTHY : 0L) | CHECKED | (s << SUCCESS_SHIFT) | (f << FAILURE_SHIFT);
  }

  private static int change(long prev, long next) {
    if (((prev ^ next) & HEALTHY) == 0) {
      return NO_CHANGE;
    }
    return (next & HEALTHY) != 0 ? BECAME_HEALTHY : BECAME_UNHEALTHY;
  }

  private static int successes(long w) {
    return (int) ((w >>> SUCCESS_SHIFT) & STREAK_MAX);
  }

  private static int failures(long w) {
    return (int) ((w >>> FAILURE_SHIFT) & STREAK_MAX);
  }
}
