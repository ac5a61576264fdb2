package io.lb4j.impl.listener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lb4j.api.Backend;
import io.lb4j.api.Listener;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.PoolSettings;
import io.lb4j.api.Protocol;
import io.lb4j.api.health.HealthCheckPolicy;
import io.lb4j.api.persistence.SessionPersistence;
import io.lb4j.api.routing.ForwardingRules;
import io.lb4j.api.routing.Routing;
import io.lb4j.api.routing.ServerGroup;
import io.lb4j.impl.LoadBalancers;
import io.lb4j.impl.listener.RawHttpClient.Response;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Server groups and forwarding rules on a Layer-7 listener, on loopback: each request reaches the group its
 * Host and normalized path name, the backend receives the normalized path, refusals get their status (404 no
 * route, 400 bad host or path) and are counted and access-logged, and a backend in two groups with the same
 * check is probed once.
 */
class ServerGroupRoutingTest {

  private static final HealthCheckPolicy OFF = HealthCheckPolicy.disabled();

  private static Listener http(String name) {
    return Listener.builder(name, Protocol.HTTP, 0).healthCheck(OFF).build();
  }

  private static ServerGroup group(String name, HttpTestBackend... backends) {
    ServerGroup.Builder b = ServerGroup.builder(name);
    for (int i = 0; i < backends.length; i++) {
      b.backend(Backend.of(name + "-" + i, backends[i].host(), backends[i].port()));
    }
    return b.build();
  }

  private static ListenerServer.Builder server(Listener listener, Routing routing) {
    return ListenerServer.builder(listener).routing(routing).bindAddress(Fixtures.LOOPBACK).eventLoops(2);
  }

  private static Response get(ListenerServer server, String target, String host) {
    try (RawHttpClient c = RawHttpClient.connect(server.localAddress())) {
      return c.send("GET " + target + " HTTP/1.1\r\n" + (host == null ? "" : "Host: " + host + "\r\n")
          + "Connection: close\r\n\r\n").read();
    }
  }

  @Test
  void requests_reachTheGroupTheirHostAndPathName_andTheDefaultTakesTheRest() {
    try (HttpTestBackend web = HttpTestBackend.ok("127.0.0.1", "web");
        HttpTestBackend api = HttpTestBackend.ok("127.0.0.1", "api");
        HttpTestBackend admin = HttpTestBackend.ok("127.0.0.1", "admin");
        ListenerServer server = server(http("routed"), Routing.builder()
            .group(group("web", web)).group(group("api", api)).group(group("admin", admin))
            .rules(ForwardingRules.builder().rule("*.example.com", "/api", "api")
                .rule("admin.example.com", "/", "admin").defaultGroup("web").build())
            .build()).build().start()) {
      assertThat(get(server, "/api/orders", "www.example.com").bodyText()).isEqualTo("api");
      assertThat(get(server, "/api", "WWW.Example.com:8080").bodyText()).as("host without case or port")
          .isEqualTo("api");
      assertThat(get(server, "/apix", "www.example.com").bodyText()).as("whole segments").isEqualTo("web");
      assertThat(get(server, "/api/x", "admin.example.com").bodyText()).as("exact host first").isEqualTo("admin");
      assertThat(get(server, "/api/x", "other.test").bodyText()).as("the default group").isEqualTo("web");

      RoutingMetrics m = server.routingMetrics();
      assertThat(m.rules()).extracting(r -> r.rule() + "=" + r.requests())
          .containsExactly("*.example.com/api -> api=2", "admin.example.com/ -> admin=1");
      assertThat(m.defaultRequests()).isEqualTo(2);
      assertThat(m.groups()).extracting(RoutingMetrics.GroupState::pool)
          .containsExactly("routed/api", "routed/admin", "routed/web");
      assertThat(web.requests).hasSize(2);
      assertThat(api.requests).hasSize(2);
      assertThat(admin.requests).hasSize(1);
      assertThat(server.groups().keySet()).containsExactly("api", "admin", "web");
    }
  }

  @Test
  void theBackendReceivesTheNormalizedPath_soDotSegmentsAndEscapesCannotBypassARule() {
    try (HttpTestBackend web = HttpTestBackend.ok("127.0.0.1", "web");
        HttpTestBackend admin = HttpTestBackend.ok("127.0.0.1", "admin");
        ListenerServer server = server(http("normalized"), Routing.builder()
            .group(group("web", web)).group(group("admin", admin))
            .rules(ForwardingRules.builder().rule(null, "/admin", "admin").defaultGroup("web").build())
            .build()).build().start()) {
      assertThat(get(server, "/static/../admin/x?q=%2E", "a.test").bodyText()).isEqualTo("admin");
      assertThat(get(server, "/%61dmin", "a.test").bodyText()).isEqualTo("admin");
      assertThat(get(server, "//admin/./y/", "a.test").bodyText()).isEqualTo("admin");
      assertThat(get(server, "/ADMIN", "a.test").bodyText()).as("paths keep their case").isEqualTo("web");
      assertThat(get(server, "http://a.test/a/../admin", "a.test").bodyText()).as("absolute-form")
          .isEqualTo("admin");

      assertThat(admin.requests).extracting(HttpTestBackend.Request::requestLine).containsExactly(
          "GET /admin/x?q=%2E HTTP/1.1", "GET /admin HTTP/1.1", "GET /admin/y/ HTTP/1.1", "GET /admin HTTP/1.1");
      assertThat(web.requests).extracting(HttpTestBackend.Request::requestLine).containsExactly("GET /ADMIN HTTP/1.1");
    }
  }

  @Test
  void refusals_getTheirStatus_areCounted_andNameTheirCauseInTheAccessLog() {
    CapturingLogger access = new CapturingLogger();
    try (HttpTestBackend api = HttpTestBackend.ok("127.0.0.1", "api");
        ListenerServer server = server(http("refusing"), Routing.builder().group(group("api", api))
            .rules(ForwardingRules.builder().rule("api.test", "/v1", "api").build()).build())
            .accessLog(access).build().start()) {
      Response noRoute = get(server, "/v2", "api.test");
      assertThat(noRoute.status()).isEqualTo(404);
      assertThat(noRoute.bodyText()).contains("no forwarding rule matches the request");
      assertThat(get(server, "/v1", "a/b").status()).as("the codec refuses a Host that is no host[:port]")
          .isEqualTo(400);
      Response emptyLabel = get(server, "/v1", "api..test");
      assertThat(emptyLabel.status()).as("an unusable Host is never the default").isEqualTo(400);
      assertThat(emptyLabel.bodyText()).contains("the request has no usable Host");
      Response encodedSlash = get(server, "/v1%2Fsecret", "api.test");
      assertThat(encodedSlash.status()).isEqualTo(400);
      assertThat(encodedSlash.bodyText()).contains("an encoded '/' or '\\' in the path");
      assertThat(get(server, "/v1/../../etc", "api.test").status()).isEqualTo(400);
      assertThat(get(server, "/v1/ok", "api.test").status()).isEqualTo(200);

      Await.until("the refusals are counted", () -> server.metrics().failures(FailureCause.BAD_PATH) == 2);
      assertThat(server.metrics().failures(FailureCause.NO_ROUTE)).isEqualTo(1);
      assertThat(server.metrics().failures(FailureCause.BAD_HOST)).isEqualTo(1);
      assertThat(server.metrics().failures(FailureCause.BAD_REQUEST)).isEqualTo(1);
      RoutingMetrics m = server.routingMetrics();
      assertThat(List.of(m.notFound(), m.badHost(), m.badPath(), m.routed())).containsExactly(1L, 1L, 2L, 1L);
      assertThat(api.requests).hasSize(1);
      Await.until("six access-log lines", () -> access.lines.size() == 6);
      assertThat(access.lines).filteredOn(l -> l.contains("\"GET /v2\" 404 no route")).hasSize(1);
      assertThat(access.lines).filteredOn(l -> l.contains(" 400 bad host")).hasSize(1);
      assertThat(access.lines).filteredOn(l -> l.contains(" 400 bad path")).hasSize(2);
    }
  }

  @Test
  void http10WithoutHost_isRoutedByTheRulesForAnyHost() {
    try (HttpTestBackend web = HttpTestBackend.ok("127.0.0.1", "web");
        HttpTestBackend api = HttpTestBackend.ok("127.0.0.1", "api");
        ListenerServer server = server(http("http10"), Routing.builder().group(group("web", web))
            .group(group("api", api)).rules(ForwardingRules.builder().rule(null, "/api", "api")
                .rule("web.test", "/", "web").build()).build()).build().start();
        RawHttpClient c = RawHttpClient.connect(server.localAddress())) {
      assertThat(c.send("GET /api/a HTTP/1.0\r\n\r\n").read().bodyText()).isEqualTo("api");
    }
  }

  @Test
  void aBackendInTwoGroupsWithTheSameCheck_isProbedOnce() throws Exception {
    HealthCheckPolicy check = HealthCheckPolicy.builder().interval(Duration.ofMillis(20)).healthyThreshold(1)
        .unhealthyThreshold(1).build();
    try (HttpTestBackend shared = HttpTestBackend.ok("127.0.0.1", "shared");
        ListenerServer server = server(Listener.builder("shared-check", Protocol.HTTP, 0).healthCheck(check).build(),
            Routing.builder().group(group("a", shared)).group(group("b", shared))
                .rules(ForwardingRules.builder().rule(null, "/b", "b").defaultGroup("a").build()).build())
            .build().start()) {
      LoadBalancer a = server.group("a");
      LoadBalancer b = server.group("b");
      assertThat(a.awaitHealthy(1, Await.DEADLINE)).isTrue();
      assertThat(b.awaitHealthy(1, Await.DEADLINE)).isTrue();
      Await.until("ten probes", () -> LoadBalancers.healthCheckMetrics(a).probesSucceeded()
          + LoadBalancers.healthCheckMetrics(b).probesSucceeded() >= 10);
      assertThat(Math.min(LoadBalancers.healthCheckMetrics(a).probesStarted(),
          LoadBalancers.healthCheckMetrics(b).probesStarted())).as("one pool probes for both").isZero();
      assertThat(get(server, "/b", "x.test").bodyText()).isEqualTo("shared");
    }
  }

  @Test
  void routingThatDoesNotFitTheListener_isRefusedAtBuild_namingTheProblem() {
    Listener tcp = Listener.builder("l4", Protocol.TCP, 0).build();
    ServerGroup g = ServerGroup.of("g", List.of(Backend.of("a", "127.0.0.1", 9)));
    Routing withRules = Routing.builder().group(g)
        .rules(ForwardingRules.builder().rule(null, "/a", "g").defaultGroup("g").build()).build();
    assertThatThrownBy(() -> ListenerServer.builder(tcp).routing(withRules).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("listener l4 routing: listener l4 (TCP) sends every connection to its default group: forwarding"
            + " rules need an http or https listener, was 1 rules");

    PoolSettings cookies = PoolSettings.builder().sessionPersistence(SessionPersistence.insertCookie(
        Duration.ofMinutes(5))).build();
    Routing twoCookies = Routing.builder()
        .group(ServerGroup.builder("a").settings(cookies).build())
        .group(ServerGroup.builder("b").settings(cookies).build())
        .rules(ForwardingRules.builder().rule(null, "/b", "b").defaultGroup("a").build()).build();
    assertThatThrownBy(() -> ListenerServer.builder(http("cookies")).routing(twoCookies).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("listener cookies routing: groups 'b' and 'a' both insert session cookie LB4J_SESSION: a client"
            + " visiting both would lose its session at each switch; give each its own cookieName");

    assertThatThrownBy(() -> ListenerServer.builder(http("none")).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("listenerServer.routing is required for a server built from listener none (its server groups"
            + " and rules)");
  }

  @Test
  void aTcpListener_sendsEveryConnectionToItsDefaultGroup() throws Exception {
    try (EchoBackend echo = EchoBackend.echo("127.0.0.1");
        ListenerServer server = ListenerServer.builder(Listener.builder("l4-group", Protocol.TCP, 0)
                .healthCheck(OFF).build())
            .routing(Routing.of(ServerGroup.of("only", List.of(Fixtures.backend("e", echo)))))
            .bindAddress(Fixtures.LOOPBACK).eventLoops(1).build().start()) {
      byte[] got = Fixtures.exchange(server.localAddress(), null, "hello".getBytes());
      assertThat(new String(got)).isEqualTo("hello");
      assertThat(server.group("only").name()).isEqualTo("l4-group/only");
    }
  }

  @Test
  void optionsAsterisk_isRoutedByHostAsTheRoot_andForwardedAsAnAsterisk() {
    try (HttpTestBackend web = new HttpTestBackend("127.0.0.1", HttpTestBackend.mirror());
        HttpTestBackend api = HttpTestBackend.ok("127.0.0.1", "api");
        ListenerServer server = server(http("asterisk"), Routing.builder().group(group("web", web))
            .group(group("api", api)).rules(ForwardingRules.builder().rule("api.test", "/x", "api")
                .defaultGroup("web").build()).build()).build().start();
        RawHttpClient c = RawHttpClient.connect(server.localAddress())) {
      assertThat(c.send("OPTIONS * HTTP/1.1\r\nHost: www.test\r\nConnection: close\r\n\r\n").read().status())
          .isEqualTo(200);
      assertThat(web.requests).extracting(HttpTestBackend.Request::requestLine).containsExactly("OPTIONS * HTTP/1.1");
    }
  }

  @Test
  void aListedBackendAtTheListenersOwnAddress_isRefusedAtBuild() throws Exception {
    java.net.InetAddress loopback = java.net.InetAddress.getByName("127.0.0.1");
    Routing loop = Routing.of(ServerGroup.of("g", List.of(Backend.of("self", "127.0.0.1", 18080))));
    assertThatThrownBy(() -> ListenerServer.builder(Listener.builder("self", Protocol.HTTP, 18080).build())
        .routing(loop).bindAddress(loopback).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("backend self (127.0.0.1:18080) is listener self's own address: requests would loop back to the"
            + " listener");
  }
}
