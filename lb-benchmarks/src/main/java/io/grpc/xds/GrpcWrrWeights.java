package io.grpc.xds;

import com.google.common.collect.ImmutableList;
import io.grpc.ConnectivityState;
import io.grpc.Deadline;
import io.grpc.EquivalentAddressGroup;
import io.grpc.LoadBalancer;
import io.grpc.ManagedChannel;
import io.grpc.SynchronizationContext;
import io.grpc.services.InternalCallMetricRecorder;
import io.grpc.services.MetricReport;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * gRPC-java's own {@code weighted_round_robin} weight code (grpc-xds, see the parent pom for the version)
 * driven without channels, for the lb4j load-aware benchmarks: one {@code WeightedChildLbState} per backend,
 * reports fed to its ORCA listener ({@code onLoadReport}: the weight formula), weights read with its
 * {@code getWeight} (blackout and expiry), and the {@code StaticStrideScheduler} gRPC builds from them each
 * period (mean fallback, clamping, scaling). The clock is the caller's. Not part of gRPC; lives in this
 * package only because these types are package-private, and reaches the private members it needs (the
 * balancer's config, {@code getWeight}, and the start of each child's blackout, which gRPC sets when the
 * child's connection becomes ready) by reflection, once, at construction.
 *
 * <p>Single-threaded, as gRPC runs this code in its synchronization context.
 */
public final class GrpcWrrWeights {

  private final List<WeightedRoundRobinLoadBalancer.WeightedChildLbState> children = new ArrayList<>();
  private final List<WeightedRoundRobinLoadBalancer.WeightedChildLbState.OrcaReportListener> listeners =
      new ArrayList<>();
  private final MethodHandle getWeight;
  private final AtomicInteger stale = new AtomicInteger();
  private final AtomicInteger notYetUsable = new AtomicInteger();
  private final AtomicInteger sequence = new AtomicInteger();
  private final ScheduledExecutorService unusedTimer;

  /**
   * gRPC's weight state for {@code backends} backends.
   *
   * @param backends how many
   * @param blackoutNanos gRPC's {@code blackout_period}
   * @param expirationNanos gRPC's {@code weight_expiration_period}
   * @param errorUtilizationPenalty gRPC's {@code error_utilization_penalty}
   * @param clock the time, in nanoseconds
   */
  public GrpcWrrWeights(int backends, long blackoutNanos, long expirationNanos, float errorUtilizationPenalty,
      LongSupplier clock) {
    unusedTimer = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "grpc-wrr-unused-timer");
      t.setDaemon(true);
      return t;
    });
    SynchronizationContext sync = new SynchronizationContext((t, e) -> {
      throw new IllegalStateException(e);
    });
    LoadBalancer.Helper helper = new LoadBalancer.Helper() {
      @Override
      public ManagedChannel createOobChannel(EquivalentAddressGroup eag, String authority) {
        throw new UnsupportedOperationException();
      }

      @Override
      public void updateBalancingState(ConnectivityState state, LoadBalancer.SubchannelPicker picker) {}

      @Override
      public String getAuthority() {
        return "benchmark";
      }

      @Override
      public SynchronizationContext getSynchronizationContext() {
        return sync;
      }

      @Override
      public ScheduledExecutorService getScheduledExecutorService() {
        return unusedTimer;
      }
    };
    WeightedRoundRobinLoadBalancer lb = new WeightedRoundRobinLoadBalancer(helper, new Deadline.Ticker() {
      @Override
      public long nanoTime() {
        return clock.getAsLong();
      }
    });
    try {
      Field config = WeightedRoundRobinLoadBalancer.class.getDeclaredField("config");
      config.setAccessible(true);
      config.set(lb, WeightedRoundRobinLoadBalancer.WeightedRoundRobinLoadBalancerConfig.newBuilder()
          .setBlackoutPeriodNanos(blackoutNanos).setWeightExpirationPeriodNanos(expirationNanos)
          .setErrorUtilizationPenalty(errorUtilizationPenalty).build());
      MethodHandles.Lookup lookup = MethodHandles.privateLookupIn(
          WeightedRoundRobinLoadBalancer.WeightedChildLbState.class, MethodHandles.lookup());
      getWeight = lookup.findVirtual(WeightedRoundRobinLoadBalancer.WeightedChildLbState.class, "getWeight",
          MethodType.methodType(double.class, AtomicInteger.class, AtomicInteger.class));
      Field infTime = WeightedRoundRobinLoadBalancer.class.getDeclaredField("infTime");
      infTime.setAccessible(true);
      Field nonEmptySince = WeightedRoundRobinLoadBalancer.WeightedChildLbState.class.getDeclaredField("nonEmptySince");
      nonEmptySince.setAccessible(true);
      for (int i = 0; i < backends; i++) {
        WeightedRoundRobinLoadBalancer.WeightedChildLbState child =
            (WeightedRoundRobinLoadBalancer.WeightedChildLbState) lb.createChildLbState("backend-" + i);
        // What gRPC does when the child's subchannel turns READY: the blackout then starts at its first report.
        nonEmptySince.setLong(child, infTime.getLong(lb));
        children.add(child);
        listeners.add(child.getOrCreateOrcaListener(errorUtilizationPenalty, ImmutableList.of()));
      }
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("this gRPC version's weighted_round_robin is not the one this adapter knows", e);
    }
  }

  /**
   * A report as gRPC receives it (ORCA's proto, already decoded).
   *
   * @param cpuUtilization CPU utilization
   * @param qps requests per second
   * @param eps errors per second
   * @return the report
   */
  public static MetricReport report(double cpuUtilization, double qps, double eps) {
    return InternalCallMetricRecorder.createMetricReport(cpuUtilization, 0, 0, qps, eps, Map.of(), Map.of(),
        Map.of());
  }

  /**
   * Hands a report to backend {@code index}'s ORCA listener.
   *
   * @param index the backend
   * @param report its report
   */
  public void onReport(int index, MetricReport report) {
    listeners.get(index).onLoadReport(report);
  }

  /**
   * One period's update as gRPC's picker does it: every child's weight, then a new static stride scheduler.
   *
   * @return the scheduler, for {@link #pick}
   */
  public Object update() {
    float[] weights = new float[children.size()];
    try {
      for (int i = 0; i < weights.length; i++) {
        double w = (double) getWeight.invokeExact(children.get(i), stale, notYetUsable);
        weights[i] = w > 0 ? (float) w : 0f;
      }
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
    return new WeightedRoundRobinLoadBalancer.StaticStrideScheduler(weights, sequence);
  }

  /**
   * One pick from a scheduler {@link #update} built.
   *
   * @param scheduler the scheduler
   * @return the backend's index
   */
  public static int pick(Object scheduler) {
    return ((WeightedRoundRobinLoadBalancer.StaticStrideScheduler) scheduler).pick();
  }

  /** Stops the timer thread gRPC's constructor insists on (never used here). */
  public void close() {
    unusedTimer.shutdownNow();
  }
}
