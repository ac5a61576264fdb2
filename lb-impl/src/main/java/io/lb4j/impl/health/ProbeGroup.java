package io.lb4j.impl.health;

import java.util.ArrayDeque;
import java.util.random.RandomGenerator;

/**
 * One {@link HealthChecker}'s share of the shared {@link ProbeLoop}: its cap on probes in flight, the probes
 * waiting for a free place, its source of jitter and its counters. Each checker keeps its own, so pools
 * sharing the loop keep their own limits and metrics.
 *
 * <p>Confined to the probe loop thread, except {@link #inFlight} and {@link #stats}, read by
 * {@link HealthChecker#metrics()} from any thread.
 */
final class ProbeGroup {
  final HealthChecker owner;
  final RandomGenerator random;
  final int maxInFlight;
  /** Due probes waiting for a place under {@link #maxInFlight}. */
  final ArrayDeque<Target> queued = new ArrayDeque<>();
  final ProbeStats stats = new ProbeStats();
  // Written by the loop thread only (so ++/-- lose nothing); volatile for metrics() on other threads.
  volatile int inFlight;

  ProbeGroup(HealthChecker owner, RandomGenerator random, int maxInFlight) {
    this.owner = owner;
    this.random = random;
    this.maxInFlight = maxInFlight;
  }
}
