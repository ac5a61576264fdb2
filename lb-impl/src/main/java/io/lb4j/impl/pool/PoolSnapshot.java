package io.lb4j.impl.pool;

import io.lb4j.api.discovery.SourceState;
import io.lb4j.api.scheduler.Candidate;
import io.lb4j.api.scheduler.NoBackendReason;
import io.lb4j.api.scheduler.PickResult;
import io.lb4j.api.scheduler.Picker;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;

/**
 * Everything a selection, a view or a readiness check reads, as one immutable value: the control context
 * builds one per batch of changes and publishes it with a single volatile write, so a reader sees the
 * members, their candidates, the scheduler's picker, the fail-open flag, the lifecycle and the readiness of
 * one and the same moment. gRPC's balancers publish their {@code SubchannelPicker} the same way.
 *
 * <p>Immutable (the member counters it reaches are the members' own, live); thread-safe.
 */
final class PoolSnapshot {

  /** A picker for a pool with no publication yet: every pick says there are no backends. */
  private static final Picker EMPTY = context -> PickResult.noBackend(NoBackendReason.NO_BACKENDS);

  /** The members in the order they joined. */
  final List<MemberState> members;
  /** The same members by id, for sessions and picks. */
  final Map<String, MemberState> byId;
  /** One candidate per member, in member order: what the picker was built from. */
  final List<Candidate> candidates;
  final Picker picker;
  /** Fail-open: picks ignore health. */
  final boolean panic;
  final boolean started;
  final boolean closed;
  /** Some candidate can take a new pick. */
  final boolean anyEligible;
  /** How many backends serve and are healthy. */
  final int healthy;
  /** The backend source's state, or null for a pool without one. */
  final SourceState source;
  /** Why the pool is not ready: its source sent no first list in time; null otherwise. */
  final TimeoutException sourceTimeout;
  /** Whether traffic successes skip probes (the health-check policy in force). */
  final boolean skipWhenTrafficSucceeds;

  PoolSnapshot(List<MemberState> members, List<Candidate> candidates, Picker picker, boolean panic,
      boolean started, boolean closed, boolean anyEligible, int healthy, SourceState source,
      TimeoutException sourceTimeout, boolean skipWhenTrafficSucceeds) {
    this.members = members;
    Map<String, MemberState> index = new HashMap<>(Math.max(4, members.size() * 4 / 3 + 1));
    for (MemberState s : members) {
      index.put(s.backend().id(), s);
    }
    this.byId = index;
    this.candidates = candidates;
    this.picker = picker;
    this.panic = panic;
    this.started = started;
    this.closed = closed;
    this.anyEligible = anyEligible;
    this.healthy = healthy;
    this.source = source;
    this.sourceTimeout = sourceTimeout;
    this.skipWhenTrafficSucceeds = skipWhenTrafficSucceeds;
  }

  /** The snapshot of a pool that has published nothing yet. */
  static PoolSnapshot initial(SourceState source) {
    return new PoolSnapshot(List.of(), List.of(), EMPTY, false, false, false, false, 0, source, null,
        false);
  }

  /**
   * The one place a pool's snapshot is published: written by the control context only, read by every
   * selecting thread with one volatile read.
   */
  static final class Published {
    volatile PoolSnapshot current;

    Published(PoolSnapshot initial) {
      this.current = initial;
    }
  }

  /** Whether at least {@code n} backends serve and are healthy ({@code n == 0}: any eligible candidate). */
  boolean satisfies(int n) {
    return !closed && (n == 0 ? anyEligible : healthy >= n);
  }
}
