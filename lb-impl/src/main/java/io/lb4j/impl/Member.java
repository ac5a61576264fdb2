package io.lb4j.impl;

import io.lb4j.api.Backend;
import io.lb4j.api.BackendState;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * One backend's runtime state in a {@link DefaultLoadBalancer}. The object lives as long as the
 * backend is a member, so selections can count on it; its volatile fields are written only under the
 * load balancer's lock and read without one on the select path.
 */
final class Member {
  volatile Backend backend;
  volatile BackendState state = BackendState.ACTIVE;
  /** Active health (checks disabled: always true). */
  volatile boolean healthy;
  /** True once the member's health is known: it was checked at least once, or is healthy. */
  volatile boolean checked;
  /** Passive health: ejected by outlier detection. */
  volatile boolean ejected;
  /**
   * True while a drain window is open: the member was removed, or set to weight 0, with a drain
   * timeout; its sessions keep working until {@link #drainDeadline}.
   */
  volatile boolean drainWindow;
  /** When the drain window closes ({@link System#nanoTime} scale); meaningful only while it is open. */
  volatile long drainDeadline;
  /** When slow start began; {@link Long#MIN_VALUE} when the member is not ramping. */
  volatile long rampStart = Long.MIN_VALUE;
  final AtomicInteger active = new AtomicInteger();
  final LongAdder picks = new LongAdder();

  Member(Backend backend, boolean healthy) {
    this.backend = backend;
    this.healthy = healthy;
  }

  String id() {
    return backend.id();
  }
}
