package io.lb4j.impl.listener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lb4j.api.Backend;
import io.lb4j.api.health.HealthCheckPolicy;
import io.lb4j.api.routing.ForwardingRules;
import io.lb4j.api.routing.Routing;
import io.lb4j.api.routing.ServerGroup;
import io.lb4j.impl.listener.H2TestClient.Response;
import io.lb4j.impl.listener.http2.Http2Headers;
import org.junit.jupiter.api.Test;

/**
 * HTTP/2 streams through a listener with server groups: each stream is routed like an HTTP/1.1 request, by its
 * {@code :authority} and normalized {@code :path}; streams relayed to h2c backends go to the default group, and
 * rules beside h2c backends are refused when the server is built.
 */
class Http2RoutingTest {

  private static final HealthCheckPolicy OFF = HealthCheckPolicy.disabled();

  private static Http2Headers get(String authority, String path) {
    return new Http2Headers().add(":method", "GET").add(":scheme", "http").add(":authority", authority)
        .add(":path", path);
  }

  private static ServerGroup group(String name, HttpTestBackend backend) {
    return ServerGroup.builder(name).backend(Backend.of(name + "-0", backend.host(), backend.port())).build();
  }

  @Test
  void streams_reachTheGroupTheirAuthorityAndPathName_withTheNormalizedPathForwarded() {
    try (HttpTestBackend web = new HttpTestBackend("127.0.0.1", HttpTestBackend.mirror());
        HttpTestBackend api = new HttpTestBackend("127.0.0.1", HttpTestBackend.mirror());
        ListenerServer server = ListenerServer.builder(HttpListenerTest.http("h2-routed").healthCheck(OFF).build())
            .routing(Routing.builder().group(group("web", web)).group(group("api", api))
                .rules(ForwardingRules.builder().rule("api.example.com", "/v1", "api")
                    .rule("www.example.com", "/", "web").build())
                .build())
            .bindAddress(Fixtures.LOOPBACK).eventLoops(1).build().start();
        H2TestClient c = H2TestClient.connect(server.localAddress())) {
      Response toApi = H2TestClient.await(c.send(get("api.example.com", "/v1/./orders//7"), null));
      Response toWeb = H2TestClient.await(c.send(get("www.example.com", "/index.html"), null));
      Response unrouted = H2TestClient.await(c.send(get("other.example.com", "/v1"), null));
      Response encodedSlash = H2TestClient.await(c.send(get("api.example.com", "/v1%2F..%2Fadmin"), null));

      assertThat(toApi.status()).as(toApi.bodyText()).isEqualTo(200);
      assertThat(api.requests).hasSize(1);
      assertThat(api.requests.get(0).requestLine()).as("the normalized path goes to the backend")
          .isEqualTo("GET /v1/orders/7 HTTP/1.1");
      assertThat(toWeb.status()).isEqualTo(200);
      assertThat(web.requests).extracting(HttpTestBackend.Request::requestLine)
          .containsExactly("GET /index.html HTTP/1.1");
      assertThat(unrouted.status()).as("no rule and no default group").isEqualTo(404);
      assertThat(encodedSlash.status()).as("an escaped slash is refused, never guessed").isEqualTo(400);
      assertThat(api.requests).as("refused streams reach no backend").hasSize(1);
      assertThat(web.requests).hasSize(1);

      RoutingMetrics m = server.routingMetrics();
      assertThat(m.rules()).extracting(RoutingMetrics.RuleCount::requests).containsExactly(1L, 1L);
      assertThat(m.notFound()).isEqualTo(1);
      assertThat(m.badPath()).isEqualTo(1);
    }
  }

  @Test
  void rulesBesideH2cBackends_areRefusedAtBuild_namingTheSetting() {
    try (HttpTestBackend a = HttpTestBackend.ok("127.0.0.1", "a");
        HttpTestBackend b = HttpTestBackend.ok("127.0.0.1", "b")) {
      ListenerServer.Builder builder = ListenerServer.builder(Http2BackendRelayTest.h2c("grpc-routed").healthCheck(OFF).build())
          .routing(Routing.builder().group(group("one", a)).group(group("two", b))
              .rules(ForwardingRules.builder().rule("*.example.com", "/", "one").defaultGroup("two").build())
              .build())
          .bindAddress(Fixtures.LOOPBACK);
      assertThatThrownBy(builder::build).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("backendHttpVersion HTTP_2").hasMessageContaining("was 1 rules");
    }
  }
}
