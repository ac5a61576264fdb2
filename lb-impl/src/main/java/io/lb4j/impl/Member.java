package io.lb4j.impl;

import io.lb4j.api.scheduler.ActiveRequests;
import io.lb4j.impl.scheduler.Schedulers;
import java.util.concurrent.atomic.LongAdder;

/**
 * One backend's place in a {@link DefaultLoadBalancer}: its lifecycle state (one immutable
 * {@link MemberState}, replaced whole under the pool's control lock and read without a lock by selects)
 * and its traffic counters. The object lives as long as the backend is a member, so selections can count
 * on it.
 */
final class Member {
  final String id;
  volatile MemberState state;
  /**
   * Requests or connections selected and not yet released: one counter per membership, handed to the
   * scheduler in every candidate, so a backend added again starts at zero.
   */
  final ActiveRequests active = Schedulers.activeRequests();
  final LongAdder picks = new LongAdder();

  Member(MemberState state) {
    this.id = state.backend().id();
    this.state = state;
  }
}
