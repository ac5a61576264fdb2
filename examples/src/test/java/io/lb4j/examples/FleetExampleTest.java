package io.lb4j.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.lb4j.api.Listener;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.Protocol;
import io.lb4j.api.RequestContext;
import io.lb4j.api.Selection;
import io.lb4j.api.discovery.SourceState.Phase;
import io.lb4j.api.health.HealthCheckPolicy;
import io.lb4j.api.scheduler.SchedulingAlgorithm;
import io.lb4j.impl.LoadBalancers;
import io.lb4j.zookeeper.ZooKeeperBackendSource;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.TestingServer;
import org.apache.curator.x.discovery.ServiceDiscovery;
import org.apache.curator.x.discovery.ServiceDiscoveryBuilder;
import org.apache.curator.x.discovery.ServiceInstance;
import org.apache.curator.x.discovery.details.JsonInstanceSerializer;
import org.junit.jupiter.api.Test;

/**
 * The fleet example: two gateways, each with its own pool and its own ZooKeeper session, fed from one
 * registry. They agree on membership within the watch delay and, with consistent hashing, send each key
 * to the same backend, without talking to each other; when a backend leaves, both move only its keys.
 */
class FleetExampleTest {

  private static final int KEYS = 10_000;

  @Test
  void twoGatewaysFedFromOneZooKeeper_agreeOnMembershipAndMapEveryKeyToTheSameBackend() throws Exception {
    try (TestingServer zk = new TestingServer(true);
        CuratorFramework registryClient = CuratorFrameworkFactory.newClient(zk.getConnectString(), new RetryOneTime(100));
        ServiceDiscovery<Object> registry = ServiceDiscoveryBuilder.builder(Object.class).client(registryClient)
            .basePath("/services").serializer(new JsonInstanceSerializer<>(Object.class)).build()) {
      registryClient.start();
      registry.start();
      for (int i = 1; i <= 6; i++) {
        registry.registerService(instance("web-" + i, i));
      }

      Listener listener = Listener.builder("web", Protocol.HTTP, 0).scheduler(SchedulingAlgorithm.CONSISTENT_HASH)
          .healthCheck(HealthCheckPolicy.disabled()).build(); // the registry is trusted here
      try (LoadBalancer gatewayA = gateway(listener, zk, 1); LoadBalancer gatewayB = gateway(listener, zk, 2)) {
        await("both gateways see six backends", () -> healthy(gatewayA) && healthy(gatewayB)
            && members(gatewayA).size() == 6 && members(gatewayB).size() == 6);
        assertThat(members(gatewayA)).isEqualTo(members(gatewayB));
        Map<Long, String> before = routes(gatewayA);
        assertThat(routes(gatewayB)).as("every key on the same backend").isEqualTo(before);

        registry.unregisterService(instance("web-3", 3));

        await("both gateways see web-3 leave",
            () -> !members(gatewayA).contains("web-3") && !members(gatewayB).contains("web-3"));
        Map<Long, String> after = routes(gatewayA);
        assertThat(routes(gatewayB)).isEqualTo(after);
        assertThat(after.values()).doesNotContain("web-3");
        long moved = before.keySet().stream().filter(k -> !before.get(k).equals(after.get(k))).count();
        long onLeaver = before.values().stream().filter("web-3"::equals).count();
        assertThat(moved).as("only the leaver's keys move").isEqualTo(onLeaver);
        assertThat(healthy(gatewayA) && healthy(gatewayB)).as("both sources healthy").isTrue();
      }
    }
  }

  private static ServiceInstance<Object> instance(String id, int n) throws Exception {
    return ServiceInstance.builder().name("web").id(id).address("127.0.0." + n).port(8080).build();
  }

  private static LoadBalancer gateway(Listener listener, TestingServer zk, long seed) {
    return LoadBalancers.builder(listener)
        .backendSource(ZooKeeperBackendSource.builder(zk.getConnectString(), "web").build())
        .seed(seed)
        .build().start();
  }

  private static boolean healthy(LoadBalancer lb) {
    return lb.sourceState().orElseThrow().phase() == Phase.HEALTHY;
  }

  private static Set<String> members(LoadBalancer lb) {
    return lb.view().stream().map(v -> v.backend().id()).collect(Collectors.toSet());
  }

  private static Map<Long, String> routes(LoadBalancer lb) {
    Map<Long, String> routes = new HashMap<>();
    for (long key = 0; key < KEYS; key++) {
      try (Selection s = lb.select(RequestContext.ofKey(key * 0x9E3779B97F4A7C15L))) {
        routes.put(key, s.hasBackend() ? s.backend().id() : "none: " + s.reason());
      }
    }
    return routes;
  }

  private static void await(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("timed out after 30s waiting for: " + what);
      }
      LockSupport.parkNanos(10_000_000);
    }
  }
}
