package io.lb4j.impl.listener;

import io.lb4j.api.LoadBalancer;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/**
 * One server group as one generation of a listener's routing serves it: the group's pool, the backends this
 * generation must not select while a routing change is under way, and a count of the requests (Layer 7),
 * connections being dialled (TCP) or flows (UDP) that may still select through it.
 *
 * <p>A pool kept across a routing change is shared by two generations, each with its own {@code GroupPool}:
 * while the change is under way the pool holds the backends of both, and each generation hides the other's
 * ({@link #hidden}), so a request routed by the old rules never reaches a backend only the new configuration
 * has, and the other way round ({@link RoutingChange}).
 *
 * <p>Thread-safe: {@link #hidden} is written on the control path and read by every select (volatile, an
 * immutable list); the count is a {@link LongAdder}, raised and lowered by the event loops.
 */
final class GroupPool {
  final String name;
  final LoadBalancer pool;
  /** Backend ids this generation must not select; empty except during a routing change. Never null. */
  volatile Collection<String> hidden = List.of();
  private final LongAdder users = new LongAdder();

  GroupPool(String name, LoadBalancer pool) {
    this.name = name;
    this.pool = pool;
  }

  /** One more request, dial or flow may select through this generation. */
  void acquire() {
    users.increment();
  }

  /** It will select no more. */
  void release() {
    users.decrement();
  }

  /** How many may still select through it (exact once no acquire can start: after a loop barrier). */
  long users() {
    return users.sum();
  }

  @Override
  public String toString() {
    return "GroupPool{" + name + " " + pool.name() + (hidden.isEmpty() ? "" : " hiding " + hidden) + "}";
  }
}
