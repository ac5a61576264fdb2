package io.lb4j.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import io.lb4j.api.Backend;
import io.lb4j.api.BackendView;
import io.lb4j.api.Listener;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.Protocol;
import io.lb4j.api.discovery.DiscoveryPolicy;
import io.lb4j.api.discovery.SourceState;
import io.lb4j.api.discovery.SourceState.Phase;
import io.lb4j.api.health.HealthCheckPolicy;
import io.lb4j.impl.LoadBalancers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.imps.CuratorFrameworkState;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.retry.RetryUntilElapsed;
import org.apache.curator.test.TestingServer;
import org.apache.curator.x.discovery.ServiceDiscovery;
import org.apache.curator.x.discovery.ServiceDiscoveryBuilder;
import org.apache.curator.x.discovery.ServiceInstance;
import org.apache.curator.x.discovery.details.JsonInstanceSerializer;
import org.apache.zookeeper.CreateMode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ZooKeeperBackendSourceTest {

  private static final Duration DEADLINE = Duration.ofSeconds(60);
  private static final Listener LISTENER = Listener.builder("zk", Protocol.HTTP, 0)
      .healthCheck(HealthCheckPolicy.disabled()).build();
  private static final DiscoveryPolicy FAST_RETRY = DiscoveryPolicy.builder().initialTimeout(Duration.ofSeconds(30))
      .retryInitialBackoff(Duration.ofMillis(50)).retryMaxBackoff(Duration.ofMillis(500)).build();

  private TestingServer zk;
  private final List<AutoCloseable> closeables = new ArrayList<>();

  @BeforeEach
  void startZooKeeper() throws Exception {
    zk = new TestingServer(true);
  }

  @AfterEach
  void stop() throws Exception {
    for (int i = closeables.size() - 1; i >= 0; i--) {
      closeables.get(i).close();
    }
    zk.close();
  }

  /**
   * A service instance registered the way services do with Curator, in a session of its own; closing the
   * returned client ends the session without unregistering.
   *
   * <p>Its session (60 s asked; the server may grant less) outlives any stop and restart of the server on a
   * loaded machine, and its operations retry until the tests' deadline: with a 10 s session and one retry,
   * a slow restart could expire the session (ZooKeeper then deletes the registration) and a connection
   * blip could fail Curator's one re-registration after the reconnect, so the instance never came back
   * and the test waited out its deadline for it.
   */
  private CuratorFramework register(String id, String address, int port) throws Exception {
    CuratorFramework client = CuratorFrameworkFactory.newClient(zk.getConnectString(), 60_000, 15_000,
        new RetryUntilElapsed((int) DEADLINE.toMillis(), 100));
    client.start();
    ServiceDiscovery<Object> discovery = ServiceDiscoveryBuilder.builder(Object.class).client(client)
        .basePath("/services").serializer(new JsonInstanceSerializer<>(Object.class))
        .thisInstance(ServiceInstance.builder().name("web").id(id).address(address).port(port).build())
        .build();
    discovery.start();
    closeables.add(() -> {
      if (client.getState() == CuratorFrameworkState.STARTED) {
        discovery.close();
        client.close();
      }
    });
    return client;
  }

  private LoadBalancer pool(ZooKeeperBackendSource source) {
    LoadBalancer pool = LoadBalancers.builder(LISTENER).backendSource(source).discoveryPolicy(FAST_RETRY).build()
        .start();
    closeables.add(pool);
    return pool;
  }

  private ZooKeeperBackendSource.Builder source() {
    return ZooKeeperBackendSource.builder(zk.getConnectString(), "web").sessionTimeout(Duration.ofSeconds(10))
        .connectionTimeout(Duration.ofSeconds(5));
  }

  /**
   * The pool's backend ids, sorted: the pool keeps members in the order they joined, so an instance that
   * registers after the first list was read comes last (seen under load with registerSelf: [web-1, me]).
   */
  private static List<String> ids(LoadBalancer pool) {
    return pool.view().stream().map(v -> v.backend().id()).sorted().toList();
  }

  private static SourceState state(LoadBalancer pool) {
    return pool.sourceState().orElseThrow();
  }

  @Test
  void instancesJoiningAndLeavingWithTheirSession_areWatched() throws Exception {
    register("web-1", "127.0.0.1", 8001);
    LoadBalancer pool = pool(source().build());
    // The state turns HEALTHY just after the list is applied: wait for it, then look at the list.
    await("first list", () -> state(pool).phase() == Phase.HEALTHY);
    assertThat(ids(pool)).containsExactly("web-1");
    assertThat(state(pool).source()).isEqualTo("zookeeper /services/web");
    Backend web1 = pool.view().get(0).backend();
    assertThat(web1.authority()).isEqualTo("127.0.0.1:8001");
    assertThat(web1.weight()).isEqualTo(100);
    assertThat(web1.metadata()).containsEntry("zookeeper.service", "web");

    CuratorFramework second = register("web-2", "127.0.0.2", 8002);
    await("the joiner", () -> ids(pool).equals(List.of("web-1", "web-2")));

    second.close(); // ends its session: ZooKeeper deletes the ephemeral registration
    await("the leaver gone with its session", () -> ids(pool).equals(List.of("web-1")));
  }

  @Test
  void serverStopped_keepsTheLastKnownGoodListAndSaysFailing_restarted_watchResumes() throws Exception {
    register("web-1", "127.0.0.1", 8001);
    LoadBalancer pool = pool(source().build());
    await("first list", () -> ids(pool).equals(List.of("web-1")));

    zk.stop();

    await("failing", () -> state(pool).phase() == Phase.FAILING);
    assertThat(state(pool).lastError()).contains("zookeeper");
    assertThat(ids(pool)).as("last known good").containsExactly("web-1");
    assertThat(state(pool).backends()).isEqualTo(1);

    zk.restart();

    await("healthy again", () -> state(pool).phase() == Phase.HEALTHY);
    register("web-3", "127.0.0.3", 8003);
    await("the watch resumed: a new instance arrives", () -> ids(pool).equals(List.of("web-1", "web-3")));
  }

  /**
   * Issue 22: the ZooKeeper source's SUSPENDED state was logged but not shown anywhere an operator looks; the
   * first retry of the pool replaced it with "not connected". The source state now names the connection's
   * state through every retry, until the connection is back.
   */
  @Test
  void suspendedConnection_staysInTheSourceStateThroughThePoolsRetries() throws Exception {
    register("web-1", "127.0.0.1", 8001);
    LoadBalancer pool = pool(source().build()); // a 10 s session: SUSPENDED long before LOST
    await("first list", () -> state(pool).phase() == Phase.HEALTHY);

    zk.stop();

    await("several retries while the connection is down", () -> state(pool).phase() == Phase.FAILING
        && state(pool).retries() >= 4);
    // LOST only if the machine is so loaded that the 10 s session ran out meanwhile.
    assertThat(state(pool).lastError()).matches("zookeeper connection (SUSPENDED|LOST) \\(zookeeper /services/web\\)");
    assertThat(ids(pool)).as("last known good").containsExactly("web-1");

    zk.restart();
    await("healthy again", () -> state(pool).phase() == Phase.HEALTHY);
  }

  @Test
  void serverDownUntilTheSessionIsLost_theNewSessionWatchesAgain() throws Exception {
    register("web-1", "127.0.0.1", 8001);
    LoadBalancer pool = pool(source().sessionTimeout(Duration.ofSeconds(1)).build());
    await("first list", () -> state(pool).phase() == Phase.HEALTHY);

    zk.stop();

    await("the session lost", () -> state(pool).lastError().contains("LOST"));
    assertThat(ids(pool)).as("last known good").containsExactly("web-1");

    zk.restart();
    register("web-4", "127.0.0.4", 8004);

    await("a new session and a new watch", () -> ids(pool).contains("web-4") && state(pool).phase() == Phase.HEALTHY);
  }

  @Test
  void zooKeeperDownAtStart_poolStartsAtOnceSaysSoAndFillsWhenItComesUp() throws Exception {
    int port = zk.getPort();
    zk.close();
    LoadBalancer pool = LoadBalancers.builder(LISTENER).backendSource(source().build())
        .discoveryPolicy(FAST_RETRY.toBuilder().initialTimeout(Duration.ofMillis(100)).build()).build().start();
    closeables.add(pool);

    await("the first-list timeout reported", () -> state(pool).phase() == Phase.FAILING);
    assertThat(state(pool).lastError()).isEqualTo("no backend list within 100ms");
    assertThat(ids(pool)).isEmpty();

    zk = new TestingServer(port, true);
    register("web-1", "127.0.0.1", 8001);
    await("filled once ZooKeeper is up",
        () -> state(pool).phase() == Phase.HEALTHY && ids(pool).equals(List.of("web-1")));
  }

  /**
   * Issue 22, ZooKeeper defect 1: refresh() did nothing while the start thread was alive, and that thread sat
   * in Curator's blocking ensureContainers (retrying for minutes) while ZooKeeper was down, so the pool's
   * retries went unanswered and its state never moved past the first failure. Now every retry is answered.
   */
  @Test
  void refreshWhileZooKeeperIsDown_answersEveryRetry() throws Exception {
    int port = zk.getPort();
    zk.close();
    LoadBalancer pool = LoadBalancers.builder(LISTENER).backendSource(source().build())
        .discoveryPolicy(FAST_RETRY.toBuilder().initialTimeout(Duration.ofMillis(100)).build()).build().start();
    closeables.add(pool);

    await("several retries answered", () -> state(pool).retries() >= 5);
    assertThat(state(pool).lastError()).isEqualTo("zookeeper not connected (zookeeper /services/web)");
    assertThat(Thread.getAllStackTraces().keySet()).as("no thread waits on ZooKeeper")
        .noneMatch(t -> t.getName().startsWith("lb4j-zk-"));

    zk = new TestingServer(port, true);
    register("web-1", "127.0.0.1", 8001);
    await("filled once ZooKeeper is up", () -> state(pool).phase() == Phase.HEALTHY && ids(pool).equals(List.of("web-1")));
  }

  /**
   * Issue 22, ZooKeeper defect 2: ensureContainers blocked the start thread while ZooKeeper was down; with
   * the caller's client (not closed by the source) close() then waited 10 s for it and left it running.
   */
  @Test
  void closeWhileZooKeeperIsDown_withTheCallersPatientClient_leavesNoThreadBehind() throws Exception {
    int port = zk.getPort();
    zk.close();
    try (CuratorFramework mine = CuratorFrameworkFactory.newClient("127.0.0.1:" + port, 60_000, 5_000,
        new RetryUntilElapsed(600_000, 100))) {
      mine.start();
      LoadBalancer pool = LoadBalancers.builder(LISTENER)
          .backendSource(ZooKeeperBackendSource.builder(mine, "web").registerSelf(Backend.of("me", "127.0.0.7", 9000))
              .build())
          .discoveryPolicy(FAST_RETRY.toBuilder().initialTimeout(Duration.ofMillis(100)).build()).build().start();
      await("failing", () -> state(pool).phase() == Phase.FAILING);

      pool.close();

      assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().startsWith("lb4j-zk-") && t.isAlive());
      assertThat(state(pool).phase()).isEqualTo(Phase.CLOSED);
    }
  }

  @Test
  void missingServiceNode_isAnEmptyServiceUntilAnInstanceRegisters() throws Exception {
    LoadBalancer pool = LoadBalancers.builder(LISTENER).backendSource(source().build())
        .discoveryPolicy(FAST_RETRY.toBuilder().allowEmptyList(true).build()).build().start();
    closeables.add(pool);
    await("an empty list applied", () -> state(pool).phase() == Phase.HEALTHY);
    assertThat(ids(pool)).isEmpty();

    register("web-1", "127.0.0.1", 8001);

    await("the first instance", () -> ids(pool).equals(List.of("web-1")));
  }

  @Test
  void registrationsWithPayloadClassesThisProcessLacks_areRead() throws Exception {
    CuratorFramework client = register("web-1", "127.0.0.1", 8001);
    // Curator's own format with a payload class nobody here has, as written by another service.
    String json = "{\"name\":\"web\",\"id\":\"web-9\",\"address\":\"127.0.0.9\",\"port\":null,\"sslPort\":8443,"
        + "\"payload\":{\"@class\":\"com.example.NotOnThisClasspath\",\"weight\":25,\"zone\":\"a\"},"
        + "\"registrationTimeUTC\":1700000000000,\"serviceType\":\"DYNAMIC\",\"uriSpec\":null,\"enabled\":false}";
    client.create().withMode(CreateMode.EPHEMERAL).forPath("/services/web/web-9", json.getBytes(StandardCharsets.UTF_8));
    // And one that cannot be a backend: left out, not fatal to the list.
    client.create().withMode(CreateMode.EPHEMERAL).forPath("/services/web/web-bad",
        "{\"name\":\"web\",\"id\":\"web-bad\",\"address\":\"127.0.0.8\",\"port\":70000}".getBytes(StandardCharsets.UTF_8));

    LoadBalancer pool = pool(source().build());

    await("both valid instances", () -> ids(pool).equals(List.of("web-1", "web-9")));
    Backend web9 = pool.view().stream().map(BackendView::backend).filter(b -> b.id().equals("web-9")).findFirst()
        .orElseThrow();
    assertThat(web9.port()).as("the SSL port when there is no plain one").isEqualTo(8443);
    assertThat(web9.weight()).isEqualTo(25);
    assertThat(web9.enabled()).isFalse();
    assertThat(web9.metadata()).containsEntry("zookeeper.sslPort", "8443");
  }

  @Test
  void registerSelf_isReadableByCuratorClientsAndGoneAfterClose() throws Exception {
    register("web-1", "127.0.0.1", 8001);
    LoadBalancer pool = pool(source().registerSelf(Backend.of("me", "127.0.0.7", 9000, 40)).build());
    await("itself and the other", () -> ids(pool).equals(List.of("me", "web-1")));
    assertThat(pool.view()).extracting(BackendView::backend).extracting(Backend::id, Backend::weight)
        .containsExactlyInAnyOrder(tuple("me", 40), tuple("web-1", 100));

    try (CuratorFramework reader = CuratorFrameworkFactory.newClient(zk.getConnectString(), new RetryOneTime(100));
        ServiceDiscovery<Object> discovery = ServiceDiscoveryBuilder.builder(Object.class).client(reader)
            .basePath("/services").serializer(new JsonInstanceSerializer<>(Object.class)).build()) {
      reader.start();
      discovery.start();
      ServiceInstance<Object> me = discovery.queryForInstance("web", "me");
      assertThat(me.getAddress()).isEqualTo("127.0.0.7");
      assertThat(me.getPort()).isEqualTo(9000);
      assertThat(me.getPayload()).isInstanceOf(Map.class).isEqualTo(Map.of("weight", 40));

      pool.close();

      await("unregistered on close", () -> query(discovery).size() == 1);
      assertThat(query(discovery)).extracting(ServiceInstance::getId).containsExactly("web-1");
    }
    assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().startsWith("lb4j-zk-"));
  }

  private static Collection<ServiceInstance<Object>> query(ServiceDiscovery<Object> discovery) {
    try {
      return discovery.queryForInstances("web");
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void callersClient_isUsedAndLeftOpen() throws Exception {
    register("web-1", "127.0.0.1", 8001);
    try (CuratorFramework mine = CuratorFrameworkFactory.newClient(zk.getConnectString(), new RetryOneTime(100))) {
      mine.start();
      LoadBalancer pool = pool(ZooKeeperBackendSource.builder(mine, "web").build());
      await("first list", () -> ids(pool).equals(List.of("web-1")));

      pool.close();

      assertThat(mine.getState()).isEqualTo(CuratorFrameworkState.STARTED);
      assertThat(mine.checkExists().forPath("/services/web/web-1")).isNotNull();
    }
  }

  @Test
  void builder_validatesEachValue() {
    assertThatThrownBy(() -> ZooKeeperBackendSource.builder("zk:2181", "we/b"))
        .hasMessage("zookeeper.service must be 1-255 characters of printable ASCII without spaces or '/', was 'we/b'"
            + " (character '/' at index 2 is not allowed)");
    assertThatThrownBy(() -> ZooKeeperBackendSource.builder("", "web"))
        .hasMessage("zookeeper.connectString must be 1-1024 characters of printable ASCII without spaces, was '' (0 characters)");
    ZooKeeperBackendSource.Builder b = ZooKeeperBackendSource.builder("zk:2181", "web");
    assertThatThrownBy(() -> b.basePath("services")).hasMessage(
        "zookeeper.basePath must be an absolute ZooKeeper path without a trailing or double '/', was 'services'");
    assertThatThrownBy(() -> b.basePath("/a/")).hasMessage(
        "zookeeper.basePath must be an absolute ZooKeeper path without a trailing or double '/', was '/a/'");
    assertThatThrownBy(() -> b.sessionTimeout(Duration.ofMillis(999)))
        .hasMessage("zookeeper.sessionTimeout must be between 1s and 600s, was 999ms");
    assertThatThrownBy(() -> b.connectionTimeout(Duration.ofMillis(99)))
        .hasMessage("zookeeper.connectionTimeout must be between 100ms and 600s, was 99ms");
    assertThat(b.basePath("/").build().description()).isEqualTo("zookeeper /web");
    assertThat(b.basePath("/prod/services").build().description()).isEqualTo("zookeeper /prod/services/web");
  }

  private static void await(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("timed out after " + DEADLINE.toSeconds() + "s waiting for: " + what);
      }
      LockSupport.parkNanos(10_000_000);
    }
  }
}
