package io.lb4j.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.lb4j.api.Backend;
import io.lb4j.api.Listener;
import io.lb4j.api.Protocol;
import io.lb4j.api.routing.ForwardingRules;
import io.lb4j.api.routing.Routing;
import io.lb4j.api.routing.ServerGroup;
import io.lb4j.impl.listener.ListenerServer;
import io.lb4j.testing.Await;
import io.lb4j.testing.Behavior;
import io.lb4j.testing.HttpTestBackend;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** README's server-groups snippet, run as written against three real backends. */
class ReadmeServerGroupsTest {

  @Test
  void readmeServerGroups_routeByHostAndPath_andTheStandbyTakesOver() throws Exception {
    try (HttpTestBackend web = backend("web-1", "127.0.0.1");
        HttpTestBackend api = backend("api-1", "127.0.0.2");
        HttpTestBackend sorry = backend("sorry-1", "127.0.0.3")) {
      int webPort = web.port();
      int apiPort = api.port();
      int sorryPort = sorry.port();
      Routing routing = Routing.builder()
          .group(ServerGroup.builder("web").backend(Backend.of("web-1", "127.0.0.1", webPort)).standby("sorry").build())
          .group(ServerGroup.builder("api").backend(Backend.of("api-1", "127.0.0.2", apiPort)).build())
          .group(ServerGroup.builder("sorry").backend(Backend.of("sorry-1", "127.0.0.3", sorryPort)).build())
          .rules(ForwardingRules.builder().rule("*.example.com", "/api", "api").defaultGroup("web").build())
          .build();
      try (ListenerServer gateway = ListenerServer.builder(Listener.builder("gateway", Protocol.HTTP, 0).build())
          .routing(routing).build().start()) {
        gateway.group("web").awaitHealthy(2, Duration.ofSeconds(10)); // web-1 and its standby sorry-1 checked
        // Host www.example.com, /api/orders -> api-1; anything else -> web-1, or sorry-1 while web-1 is down
        // (awaitAnyHealthy would return once sorry-1 alone is up: until web-1's first check passes, sorry-1 serves)
        Await.until("web-1's tier serves", () -> gateway.group("web").activePriority() == 0, Duration.ofSeconds(10));
        assertThat(gateway.group("api").awaitAnyHealthy(Duration.ofSeconds(10))).isTrue();
        InetSocketAddress to = new InetSocketAddress("127.0.0.1", gateway.localAddress().getPort());
        assertThat(get(to, "www.example.com", "/api/orders")).isEqualTo("api-1");
        assertThat(get(to, "www.example.com", "/")).isEqualTo("web-1");
        web.stop();
        Await.until("the standby took over", () -> gateway.group("web").activePriority() == 1,
            Duration.ofSeconds(30));
        assertThat(get(to, "www.example.com", "/")).isEqualTo("sorry-1");
      }
    }
  }

  private static HttpTestBackend backend(String name, String host) {
    HttpTestBackend b = HttpTestBackend.builder(name).host(host).build().start();
    b.set(Behavior.builder().body(name).build());
    return b;
  }

  private static String get(InetSocketAddress to, String host, String path) throws IOException {
    try (Socket s = new Socket(to.getAddress(), to.getPort())) {
      s.setSoTimeout(30_000);
      s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      InputStream in = s.getInputStream();
      String response = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      return response.substring(response.indexOf("\r\n\r\n") + 4);
    }
  }
}
