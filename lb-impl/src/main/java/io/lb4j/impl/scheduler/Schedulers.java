package io.lb4j.impl.scheduler;

import io.lb4j.api.scheduler.ActiveRequests;
import io.lb4j.api.scheduler.Scheduler;
import io.lb4j.api.scheduler.SchedulingAlgorithm;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Creates lb4j's {@link Scheduler}s, one per {@link SchedulingAlgorithm}.
 *
 * <p>Every scheduler returned is thread-safe: any number of threads may {@code pick} while another
 * thread calls {@code update}; picks never block, never allocate and return a "no backend" value rather
 * than throwing. A new scheduler has no candidates (every pick returns
 * {@link io.lb4j.api.scheduler.NoBackendReason#NO_BACKENDS}) until its first {@code update}. What an
 * update keeps and resets is stated per algorithm:
 *
 * <ul>
 *   <li>{@code wrr}, {@code rr}: position counters keep running (no backend is flooded after a change);
 *       the cycle is rebuilt. Exact shares over each whole cycle; over any window of consecutive picks
 *       from one counter stripe a backend's count is strictly within 2 of window x share (about 2 for
 *       tens of thousands of backends with co-prime weights, whose cycle exceeds 1 MiB as a table).
 *       Threads pick from a few independent counter
 *       stripes, so across threads the shares are exact once every stripe has made whole cycles.
 *   <li>{@code wlc}, {@code p2c}: nothing but the picker; they read the requests in flight from the
 *       candidates' {@link io.lb4j.api.scheduler.ActiveRequests}, which the caller keeps (a load balancer
 *       keeps one per member; {@link #activeRequests()} makes one for a scheduler used on its own).
 *   <li>{@code sch}, {@code tch}: the hash ring is rebuilt; only keys of a backend that left or joined move.
 * </ul>
 *
 * <p><b>Seeds.</b> Round robin and least connections start at a random point of their cycle and p2c
 * draws random pairs, so a fleet of gateways started together does not send its first requests to the
 * same backend. {@link #create(SchedulingAlgorithm, long)} fixes the seed, which makes a scheduler's
 * picks from a given thread reproducible (tests, simulations). Hash schedulers are deterministic by
 * design: every instance maps a key to the same backend.
 *
 * <p>This class is stateless and thread-safe.
 *
 * @since 0.1.0
 */
public final class Schedulers {

  private Schedulers() {}

  /** A scheduler for {@code algorithm} with a random seed. */
  public static Scheduler create(SchedulingAlgorithm algorithm) {
    return create(algorithm, randomSeed());
  }

  /**
   * A scheduler for {@code algorithm} whose random starting point and random choices derive from
   * {@code seed}.
   */
  public static Scheduler create(SchedulingAlgorithm algorithm, long seed) {
    Objects.requireNonNull(algorithm, "algorithm");
    switch (algorithm) {
      case WEIGHTED_ROUND_ROBIN:
        return new RoundRobinScheduler(true, seed);
      case ROUND_ROBIN:
        return new RoundRobinScheduler(false, seed);
      case WEIGHTED_LEAST_CONNECTIONS:
        return new LeastConnectionsScheduler(seed);
      case LEAST_REQUEST_P2C:
        return new PowerOfTwoChoicesScheduler(seed);
      case SOURCE_IP_HASH:
      case CONSISTENT_HASH:
        return new RingHashScheduler(algorithm);
      default:
        throw new IllegalArgumentException("algorithm must be a known algorithm, was " + algorithm);
    }
  }

  /** Smooth weighted round robin ({@code wrr}). */
  public static Scheduler weightedRoundRobin() {
    return create(SchedulingAlgorithm.WEIGHTED_ROUND_ROBIN);
  }

  /** Round robin ({@code rr}): weights ignored except 0. */
  public static Scheduler roundRobin() {
    return create(SchedulingAlgorithm.ROUND_ROBIN);
  }

  /** Weighted least connections ({@code wlc}). */
  public static Scheduler weightedLeastConnections() {
    return create(SchedulingAlgorithm.WEIGHTED_LEAST_CONNECTIONS);
  }

  /** Least request with the power of two random choices ({@code p2c}). */
  public static Scheduler leastRequestP2c() {
    return create(SchedulingAlgorithm.LEAST_REQUEST_P2C);
  }

  /** Source-IP hash ({@code sch}) on a weighted consistent-hash ring. */
  public static Scheduler sourceIpHash() {
    return create(SchedulingAlgorithm.SOURCE_IP_HASH);
  }

  /** Consistent hash on the request's hash key ({@code tch}/{@code qch}), weighted ring. */
  public static Scheduler consistentHash() {
    return create(SchedulingAlgorithm.CONSISTENT_HASH);
  }

  /**
   * A new count of requests in flight for one backend, starting at zero: what a caller that uses a
   * connection-aware scheduler on its own puts in each {@link io.lb4j.api.scheduler.Candidate} (a load
   * balancer keeps its own). Thread-safe, lock-free, padded against false sharing.
   *
   * @return the counter
   * @since 0.1.0
   */
  public static ActiveRequests activeRequests() {
    return new ActiveCount();
  }

  private static long randomSeed() {
    return ThreadLocalRandom.current().nextLong() ^ System.nanoTime();
  }
}
