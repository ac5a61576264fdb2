package io.lb4j.impl.listener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lb4j.api.Backend;
import io.lb4j.api.Listener;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.Protocol;
import io.lb4j.api.health.HealthCheckPolicy;
import io.lb4j.api.routing.ForwardingRules;
import io.lb4j.api.routing.Routing;
import io.lb4j.api.routing.ServerGroup;
import io.lb4j.impl.listener.RawHttpClient.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A whole-routing change applies at once (issue 24): while clients keep sending on keep-alive connections, the
 * routing flips between two configurations that swap rules and change the membership of groups kept under the
 * same name. Every request is answered (no connection dropped), and every answer comes from a backend that one
 * configuration as a whole sends that path to: a request routed by the old rules never reaches a backend only the
 * new membership has, and the other way round.
 */
class RoutingReconfigureTest {

  private static final int CLIENTS = 4;
  private static final int SWITCHES = 6;
  private static final String[] PATHS = {"/x", "/y", "/z"};

  private final List<AutoCloseable> closeables = new ArrayList<>();
  private final ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);

  @AfterEach
  void closeAll() throws Exception {
    clients.shutdownNow();
    assertThat(clients.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
    for (int i = closeables.size() - 1; i >= 0; i--) {
      closeables.get(i).close();
    }
  }

  private Backend backend(String name) {
    HttpTestBackend b = HttpTestBackend.ok("127.0.0.1", name);
    closeables.add(b);
    return Backend.of(name, b.host(), b.port());
  }

  @Test
  void routingFlipsUnderTraffic_everyAnswerFitsOneConfigurationWhole_andNoConnectionDrops() throws Exception {
    Backend a1 = backend("a1");
    Backend a2 = backend("a2");
    Backend b1 = backend("b1");
    Backend b2 = backend("b2");
    Backend c1 = backend("c1");
    // A: /x -> x{a1,a2}, /y -> y{b1}, the rest -> y.
    Routing configA = Routing.builder()
        .group(ServerGroup.of("x", List.of(a1, a2))).group(ServerGroup.of("y", List.of(b1)))
        .rules(ForwardingRules.builder().rule(null, "/x", "x").rule(null, "/y", "y").defaultGroup("y").build())
        .build();
    // B: the rules swapped, x{a2,c1} and y{b1,b2} kept with other backends, /z -> a new group z{b2}.
    Routing configB = Routing.builder()
        .group(ServerGroup.of("x", List.of(a2, c1))).group(ServerGroup.of("y", List.of(b1, b2)))
        .group(ServerGroup.of("z", List.of(b2)))
        .rules(ForwardingRules.builder().rule(null, "/x", "y").rule(null, "/y", "x").rule(null, "/z", "z")
            .defaultGroup("x").build())
        .build();
    Map<String, Set<String>> inA = Map.of("/x", Set.of("a1", "a2"), "/y", Set.of("b1"), "/z", Set.of("b1"));
    Map<String, Set<String>> inB = Map.of("/x", Set.of("b1", "b2"), "/y", Set.of("a2", "c1"), "/z", Set.of("b2"));

    ListenerServer server = ListenerServer.builder(Listener.builder("flip", Protocol.HTTP, 0)
            .healthCheck(HealthCheckPolicy.disabled()).build())
        .routing(configA).bindAddress(Fixtures.LOOPBACK).eventLoops(2).build().start();
    closeables.add(server);
    LoadBalancer x = server.group("x");
    LoadBalancer y = server.group("y");

    AtomicBoolean stop = new AtomicBoolean();
    AtomicLong sent = new AtomicLong();
    AtomicLong answered = new AtomicLong();
    AtomicLong mixed = new AtomicLong();
    Map<String, AtomicLong> counts = new ConcurrentHashMap<>();
    List<Future<?>> running = new ArrayList<>();
    for (int c = 0; c < CLIENTS; c++) {
      int client = c;
      running.add(clients.submit(() -> {
        try (RawHttpClient conn = RawHttpClient.connect(server.localAddress())) {
          for (int i = client; !stop.get(); i++) {
            String path = PATHS[i % PATHS.length];
            sent.incrementAndGet();
            Response r = conn.send("GET " + path + " HTTP/1.1\r\nHost: flip.test\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(200);
            answered.incrementAndGet();
            String who = r.bodyText();
            counts.computeIfAbsent(path + "->" + who, k -> new AtomicLong()).incrementAndGet();
            if (!inA.get(path).contains(who) && !inB.get(path).contains(who)) {
              mixed.incrementAndGet();
            }
          }
        }
        return null;
      }));
    }
    Await.until("traffic", () -> answered.get() >= 200);
    LoadBalancer z = null;
    for (int i = 0; i < SWITCHES; i++) {
      boolean toB = i % 2 == 0;
      server.reconfigure(toB ? configB : configA).get(60, TimeUnit.SECONDS);
      assertThat(server.group("x")).as("a kept group keeps its pool").isSameAs(x);
      assertThat(server.group("y")).isSameAs(y);
      if (toB) {
        z = server.group("z");
      } else {
        LoadBalancer retired = z;
        assertThatThrownBy(retired::start).as("a retired group's pool is closed").isInstanceOf(
            IllegalStateException.class);
        assertThat(server.groups().keySet()).containsExactly("x", "y");
      }
      long now = answered.get();
      Await.until("traffic on this configuration", () -> answered.get() >= now + 200);
    }
    stop.set(true);
    for (Future<?> f : running) {
      f.get(60, TimeUnit.SECONDS);
    }

    assertThat(answered.get()).as("every request sent was answered").isEqualTo(sent.get());
    assertThat(server.metrics().connectionsTotal()).as("each client kept its one keep-alive connection throughout")
        .isEqualTo(CLIENTS);
    assertThat(mixed.get()).as("answers that fit neither configuration whole: " + counts).isZero();
    assertThat(counts.keySet()).as("both configurations served: " + counts)
        .contains("/x->b1", "/y->c1", "/z->b2", "/x->a1", "/y->b1");
    assertThat(server.routing()).isEqualTo(configA);
    assertThat(x.view()).extracting(v -> v.backend().id()).containsExactlyInAnyOrder("a1", "a2");
    assertThat(y.view()).extracting(v -> v.backend().id()).containsExactly("b1");
  }

  @Test
  void aRoutingThatDoesNotFit_changesNothing() {
    Backend a = backend("a");
    ServerGroup g = ServerGroup.of("g", List.of(a));
    try (ListenerServer server = ListenerServer.builder(Listener.builder("tcp-flip", Protocol.TCP, 0)
            .healthCheck(HealthCheckPolicy.disabled()).build())
        .routing(Routing.of(g)).bindAddress(Fixtures.LOOPBACK).eventLoops(1).build().start()) {
      Routing withRules = Routing.builder().group(g)
          .rules(ForwardingRules.builder().rule(null, "/a", "g").build()).build();
      assertThatThrownBy(() -> server.reconfigure(withRules)).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("forwarding rules need an http or https listener");
      assertThat(server.routing()).isEqualTo(Routing.of(g));
    }
  }

  @Test
  void aServerOfTheCallersPool_cannotBeReconfigured() {
    try (HttpTestBackend b = HttpTestBackend.ok("127.0.0.1", "b");
        LoadBalancer pool = Fixtures.pool(Listener.builder("callers", Protocol.HTTP, 0),
            Backend.of("b", b.host(), b.port()));
        ListenerServer server = Fixtures.server(pool).build()) {
      assertThatThrownBy(() -> server.reconfigure(Routing.of(ServerGroup.of("g", List.of()))))
          .isInstanceOf(IllegalStateException.class)
          .hasMessage("listener callers serves a pool of the caller's: build the server with"
              + " ListenerServer.builder(listener).routing(...) to change its routing");
      assertThat(server.groups()).containsOnlyKeys("callers");
    }
  }
}
