package io.lb4j.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A static extension: one fleet for the class, reset between tests, backends resolved as parameters. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FleetExtensionPerClassTest {

  @RegisterExtension
  static final FleetExtension FLEET = FleetExtension.of(BackendFleet.builder()
      .http("web-a", 3).http("web-b", 1).tcp("db", 1).build());

  private static int firstPort;

  @Test
  @Order(1)
  void resolvesTheFleetAndBackendsByName(BackendFleet fleet, @BackendName("web-a") HttpTestBackend a,
      @BackendName("db") TcpTestBackend db, @BackendName("web-b") TestBackend b) throws IOException {
    assertThat(fleet).isSameAs(FLEET.fleet());
    assertThat(a).isSameAs(FLEET.http("web-a"));
    assertThat(db).isSameAs(FLEET.tcp("db"));
    assertThat(b.name()).isEqualTo("web-b");
    assertThat(fleet.backends()).extracting(io.lb4j.api.Backend::id).containsExactly("web-a", "web-b", "db");
    assertThat(fleet.backends()).extracting(io.lb4j.api.Backend::host).doesNotHaveDuplicates();
    assertThat(fleet.weights()).containsExactly(entry("web-a", 3), entry("web-b", 1), entry("db", 1));
    firstPort = a.port();
    a.set(Behavior.status(500));
    b.stop();
    assertThat(RawClient.get(a, "/").status()).isEqualTo(500);
  }

  @Test
  @Order(2)
  void theNextTestStartsFromTheInitialBehaviour(@BackendName("web-a") HttpTestBackend a,
      @BackendName("web-b") HttpTestBackend b) throws IOException {
    assertThat(a.port()).isEqualTo(firstPort); // same fleet for the whole class
    assertThat(a.requests().count()).isZero();
    assertThat(b.isRunning()).isTrue();
    assertThat(RawClient.get(a, "/").status()).isEqualTo(200);
    assertThat(FLEET.fleet().hits()).containsExactly(entry("web-a", 1), entry("web-b", 0), entry("db", 0));
  }

  private static java.util.Map.Entry<String, Integer> entry(String k, int v) {
    return java.util.Map.entry(k, v);
  }
}
