package io.lb4j.impl.pool;

import io.lb4j.api.Backend;
import java.net.InetSocketAddress;

/**
 * One member's lifecycle as one immutable value: the control context replaces it whole and publishes it in
 * the pool's snapshot, so a reader never sees half a transition, such as "healthy" from one change and
 * "draining" from the next.
 *
 * @param member the membership this state belongs to (its counters), the same object for its whole life
 * @param backend the backend with its current attributes (weight, enabled flag, metadata)
 * @param address where traffic goes: the resolved host with the traffic port; unresolved while the
 *     first resolution of a host name is pending or failed
 * @param removed true once the member was removed and is draining (it gets no new picks)
 * @param healthy active health (true while checks are disabled)
 * @param checked true once its health is known: checked at least once, or healthy
 * @param ejected passive health: ejected by outlier detection
 * @param drainWindow true while a drain window is open (removed, or weight 0, with a drain timeout):
 *     its sessions keep working until {@code drainDeadline}
 * @param drainDeadline when the drain window closes, on the pool's nanosecond time line
 * @param rampStart when slow start began, or {@link #NOT_RAMPING}
 */
record MemberState(Member member, Backend backend, InetSocketAddress address, boolean removed, boolean healthy,
    boolean checked, boolean ejected, boolean drainWindow, long drainDeadline, long rampStart) {

  /** {@link #rampStart} of a member that is not in slow start. */
  static final long NOT_RAMPING = Long.MIN_VALUE;

  /** A new membership of {@code backend}. */
  static MemberState joined(Backend backend, InetSocketAddress address, boolean healthy) {
    return joined(backend, address, healthy, null);
  }

  /** A new membership of {@code backend} with its load-aware state ({@code load} null when off). */
  static MemberState joined(Backend backend, InetSocketAddress address, boolean healthy, MemberLoad load) {
    return new MemberState(new Member(backend.id(), load), backend, address, false, healthy, healthy, false, false,
        0, NOT_RAMPING);
  }

  MemberState withBackend(Backend b) {
    return new MemberState(member, b, address, removed, healthy, checked, ejected, drainWindow, drainDeadline, rampStart);
  }

  MemberState withAddress(InetSocketAddress a) {
    return new MemberState(member, backend, a, removed, healthy, checked, ejected, drainWindow, drainDeadline, rampStart);
  }

  MemberState withHealth(boolean isHealthy, boolean isChecked) {
    return new MemberState(member, backend, address, removed, isHealthy, isChecked, ejected, drainWindow, drainDeadline,
        rampStart);
  }

  MemberState withEjected(boolean isEjected) {
    return new MemberState(member, backend, address, removed, healthy, checked, isEjected, drainWindow, drainDeadline,
        rampStart);
  }

  /** Removed and draining until {@code deadline}. */
  MemberState draining(long deadline) {
    return new MemberState(member, backend, address, true, healthy, checked, ejected, true, deadline, NOT_RAMPING);
  }

  /** Listed again while draining: back in rotation with {@code b}'s attributes. */
  MemberState revived(Backend b) {
    return new MemberState(member, b, address, false, healthy, checked, ejected, false, 0, NOT_RAMPING);
  }

  MemberState withDrainWindow(boolean open, long deadline) {
    return new MemberState(member, backend, address, removed, healthy, checked, ejected, open, deadline, rampStart);
  }

  MemberState withRampStart(long start) {
    return new MemberState(member, backend, address, removed, healthy, checked, ejected, drainWindow, drainDeadline, start);
  }

  /** Usable for new traffic as far as health goes: healthy and not ejected (fail-open aside). */
  boolean usable() {
    return healthy && !ejected;
  }

  /** Whether it takes new picks as far as membership goes: not removed, enabled, weight above 0. */
  boolean serving() {
    return !removed && backend.enabled() && backend.weight() > 0;
  }

  /** Whether the drain window is still open at {@code now}. */
  boolean inDrainWindow(long now) {
    return drainWindow && now - drainDeadline < 0;
  }
}
