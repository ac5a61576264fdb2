package io.lb4j.benchmarks.scheduler;

import com.linecorp.armeria.common.loadbalancer.LoadBalancer;
import com.linecorp.armeria.common.loadbalancer.SimpleLoadBalancer;
import io.grpc.xds.GrpcStaticStrideAdapter;
import io.lb4j.api.Backend;
import io.lb4j.api.RequestContext;
import io.lb4j.api.scheduler.PickResult;
import io.lb4j.api.scheduler.Scheduler;
import io.lb4j.api.scheduler.SchedulingAlgorithm;
import io.lb4j.impl.scheduler.Schedulers;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.dubbo.rpc.cluster.loadbalance.ConsistentHashLoadBalance;
import org.apache.dubbo.rpc.cluster.loadbalance.LeastActiveLoadBalance;
import org.apache.dubbo.rpc.cluster.loadbalance.RoundRobinLoadBalance;

/** Every implementation the scheduler benchmarks compare, each built from the same inputs. Public for JMH. */
public enum PickerType {

  /** The floor of a shared-counter design: one AtomicLong, modulo the array length, weights ignored. */
  BASELINE_ATOMIC_ARRAY {
    @Override
    Picker create(BackendSet set) {
      Backend[] backends = set.backends.clone();
      AtomicLong counter = new AtomicLong();
      return key -> backends[(int) ((counter.getAndIncrement() & Long.MAX_VALUE) % backends.length)];
    }
  },
  LB4J_WRR {
    @Override
    Picker create(BackendSet set) {
      return lb4j(set, SchedulingAlgorithm.WEIGHTED_ROUND_ROBIN);
    }
  },
  LB4J_RR {
    @Override
    Picker create(BackendSet set) {
      return lb4j(set, SchedulingAlgorithm.ROUND_ROBIN);
    }
  },
  /** Pick and release. */
  LB4J_WLC {
    @Override
    Picker create(BackendSet set) {
      return lb4jCounting(set, SchedulingAlgorithm.WEIGHTED_LEAST_CONNECTIONS);
    }
  },
  /** Pick and release. */
  LB4J_P2C {
    @Override
    Picker create(BackendSet set) {
      return lb4jCounting(set, SchedulingAlgorithm.LEAST_REQUEST_P2C);
    }
  },
  LB4J_SCH {
    @Override
    Picker create(BackendSet set) {
      return lb4jHashed(set, SchedulingAlgorithm.SOURCE_IP_HASH);
    }
  },
  LB4J_TCH {
    @Override
    Picker create(BackendSet set) {
      return lb4jHashed(set, SchedulingAlgorithm.CONSISTENT_HASH);
    }
  },
  /** gRPC-java's WRR picker core (grpc-xds). */
  GRPC_STATIC_STRIDE {
    @Override
    Picker create(BackendSet set) {
      float[] weights = new float[set.weights.length];
      for (int i = 0; i < weights.length; i++) {
        weights[i] = set.weights[i];
      }
      GrpcStaticStrideAdapter scheduler = new GrpcStaticStrideAdapter(weights, 12345);
      Backend[] backends = set.backends.clone();
      return key -> backends[scheduler.pick()];
    }
  },
  DUBBO_ROUND_ROBIN {
    @Override
    Picker create(BackendSet set) {
      return DubboAdapters.picker(set, new RoundRobinLoadBalance(), false, false);
    }
  },
  DUBBO_CONSISTENT_HASH {
    @Override
    Picker create(BackendSet set) {
      return DubboAdapters.picker(set, new ConsistentHashLoadBalance(), true, false);
    }
  },
  /** Select, then begin and end the call's active count. */
  DUBBO_LEAST_ACTIVE {
    @Override
    Picker create(BackendSet set) {
      return DubboAdapters.picker(set, new LeastActiveLoadBalance(), false, true);
    }
  },
  ARMERIA_WRR {
    @Override
    Picker create(BackendSet set) {
      List<Integer> indices = indices(set);
      SimpleLoadBalancer<Integer> lb = LoadBalancer.ofWeightedRoundRobin(indices, i -> set.weights[i]);
      Backend[] backends = set.backends.clone();
      return key -> backends[lb.pick()];
    }
  },
  /** Armeria's sticky (consistent hash) balancer over the same precomputed 64-bit keys as lb4j's tch. */
  ARMERIA_STICKY {
    @Override
    Picker create(BackendSet set) {
      LoadBalancer<Backend, RequestContext> lb = LoadBalancer.ofSticky(Arrays.asList(set.backends),
          RequestContext::hashKey);
      RequestContext[] contexts = set.contexts.clone();
      return key -> lb.pick(contexts[key & (BackendSet.KEYS - 1)]);
    }
  },
  /** nginx's smooth WRR under a lock. */
  NGINX_SWRR_LOCKED {
    @Override
    Picker create(BackendSet set) {
      NginxSmoothWrr wrr = new NginxSmoothWrr(set.backends, set.weights);
      return key -> wrr.pick();
    }
  };

  abstract Picker create(BackendSet set);

  private static Picker lb4j(BackendSet set, SchedulingAlgorithm algorithm) {
    Scheduler s = Schedulers.create(algorithm, 12345);
    s.update(set.candidates);
    return key -> s.pick(RequestContext.EMPTY);
  }

  private static Picker lb4jCounting(BackendSet set, SchedulingAlgorithm algorithm) {
    Scheduler s = Schedulers.create(algorithm, 12345);
    s.update(set.candidates);
    return key -> {
      // What a pool does per request: the pick, then the request counted and ended on the pick's counter.
      PickResult r = s.pick(RequestContext.EMPTY);
      r.activeRequests().increment();
      r.activeRequests().decrement();
      return r;
    };
  }

  private static Picker lb4jHashed(BackendSet set, SchedulingAlgorithm algorithm) {
    Scheduler s = Schedulers.create(algorithm, 12345);
    s.update(set.candidates);
    RequestContext[] contexts = set.contexts.clone();
    return key -> s.pick(contexts[key & (BackendSet.KEYS - 1)]);
  }

  private static List<Integer> indices(BackendSet set) {
    Integer[] indices = new Integer[set.backends.length];
    for (int i = 0; i < indices.length; i++) {
      indices[i] = i;
    }
    return Arrays.asList(indices);
  }
}
