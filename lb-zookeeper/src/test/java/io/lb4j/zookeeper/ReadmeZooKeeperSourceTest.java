package io.lb4j.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;

import io.lb4j.api.Listener;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.Protocol;
import io.lb4j.api.discovery.BackendSource;
import io.lb4j.api.health.HealthCheckPolicy;
import io.lb4j.impl.LoadBalancers;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.TestingServer;
import org.apache.curator.x.discovery.ServiceDiscovery;
import org.apache.curator.x.discovery.ServiceDiscoveryBuilder;
import org.apache.curator.x.discovery.ServiceInstance;
import org.apache.curator.x.discovery.details.JsonInstanceSerializer;
import org.junit.jupiter.api.Test;

/** Keeps README's ZooKeeper snippet compiling and true: the block between the markers is the snippet. */
class ReadmeZooKeeperSourceTest {

  @Test
  void readmeZooKeeperSource_feedsThePoolFromCuratorRegistrations() throws Exception {
    try (TestingServer zk = new TestingServer(true);
        CuratorFramework service = CuratorFrameworkFactory.newClient(zk.getConnectString(), new RetryOneTime(100));
        ServiceDiscovery<Object> registration = ServiceDiscoveryBuilder.builder(Object.class).client(service)
            .basePath("/services").serializer(new JsonInstanceSerializer<>(Object.class))
            .thisInstance(ServiceInstance.builder().name("web").id("web-1").address("127.0.0.1").port(8080).build())
            .build()) {
      service.start();
      registration.start();
      String connectString = zk.getConnectString();
      Listener listener = Listener.builder("web", Protocol.HTTP, 0).healthCheck(HealthCheckPolicy.disabled()).build();
      // --- README ZooKeeper source ---
      BackendSource registry = ZooKeeperBackendSource.builder(connectString, "web") // curator-x-discovery's format
          .basePath("/services")                                                   // Curator's usual parent path
          .build();
      try (LoadBalancer pool = LoadBalancers.builder(listener).backendSource(registry).build().start()) {
        pool.whenReady().get(10, TimeUnit.SECONDS);
        // --- end of README ZooKeeper source ---
        assertThat(pool.view()).extracting(v -> v.backend().id()).containsExactly("web-1");
      }
    }
  }
}
