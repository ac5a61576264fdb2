package io.grpc.xds;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Reaches gRPC-java's package-private {@code WeightedRoundRobinLoadBalancer.StaticStrideScheduler}
 * (grpc-xds, see the parent pom for the version) for the lb4j scheduler benchmarks. Not part of gRPC; lives in this package only
 * because the scheduler is package-private. Thread-safe as the wrapped scheduler is.
 */
public final class GrpcStaticStrideAdapter {

  private final WeightedRoundRobinLoadBalancer.StaticStrideScheduler scheduler;

  /** A scheduler over {@code weights}, starting at a random sequence number like gRPC does. */
  public GrpcStaticStrideAdapter(float[] weights, int startSequence) {
    this.scheduler = new WeightedRoundRobinLoadBalancer.StaticStrideScheduler(
        weights.clone(), new AtomicInteger(startSequence));
  }

  /** The index of the picked weight. */
  public int pick() {
    return scheduler.pick();
  }
}
