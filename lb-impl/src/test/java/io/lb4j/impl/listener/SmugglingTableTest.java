package io.lb4j.impl.listener;

import static org.assertj.core.api.Assertions.assertThat;

import io.lb4j.api.Backend;
import io.lb4j.api.Listener;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.Protocol;
import io.lb4j.impl.listener.http.MalformedRequests;
import io.lb4j.impl.listener.http.MalformedRequests.Case;
import io.lb4j.impl.listener.http.MalformedRequests.Stage;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The codec's table of malformed and ambiguous requests, replayed end to end through a running listener:
 * each gets its status, the connection is closed, and the backend receives no complete request (for a
 * refused head not even a connection).
 */
class SmugglingTableTest {
  private static HttpTestBackend backend;
  private static LoadBalancer pool;
  private static ListenerServer server;

  @BeforeAll
  static void start() {
    backend = new HttpTestBackend("127.0.0.1", HttpTestBackend.respond(200, "smuggled"));
    pool = Fixtures.pool(Listener.builder("smuggling", Protocol.HTTP, 0),
        Backend.of("a", backend.host(), backend.port()));
    server = Fixtures.server(pool).build().start();
  }

  @AfterAll
  static void stop() {
    server.close();
    pool.close();
    backend.close();
  }

  static List<Case> cases() {
    return MalformedRequests.all();
  }

  @Test
  void table_hasAtLeastFortyCases() {
    assertThat(cases()).hasSizeGreaterThanOrEqualTo(40);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void malformedRequest_isAnsweredWithItsStatus_closed_andNeverForwarded(Case c) {
    int connectionsBefore = backend.connections.get();
    try (RawHttpClient client = RawHttpClient.connect(server.localAddress())) {
      RawHttpClient.Response r = client.send(c.request()).read();
      assertThat(r.status()).as(c.why()).isEqualTo(c.status());
      assertThat(r.bodyText()).contains(c.reason());
      assertThat(r.header("Connection")).isEqualTo("close");
      assertThat(client.closedByServer()).isTrue();
    }
    assertThat(backend.requests).as("requests the backend received").isEmpty();
    if (c.stage() == Stage.HEAD) {
      assertThat(backend.connections.get()).as("connections to the backend").isEqualTo(connectionsBefore);
    }
  }
}
