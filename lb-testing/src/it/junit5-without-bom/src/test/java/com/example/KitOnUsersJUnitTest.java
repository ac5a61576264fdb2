package com.example;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.lb4j.testing.BackendFleet;
import io.lb4j.testing.BackendName;
import io.lb4j.testing.Behavior;
import io.lb4j.testing.FleetExtension;
import io.lb4j.testing.HttpTestBackend;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The kit's JUnit extension in a user's project: the JUnit that runs is the user's, and the fleet works. */
class KitOnUsersJUnitTest {

  @RegisterExtension
  static final FleetExtension FLEET = FleetExtension.of(BackendFleet.builder().http("a", 1).build());

  @Test
  void theUsersJUnitRuns() {
    String running = Test.class.getPackage().getImplementationVersion();
    assertEquals(System.getProperty("expected.junit"), running, "the JUnit Jupiter API on the test classpath");
  }

  @Test
  void theExtensionStartsTheFleetAndResolvesABackend(@BackendName("a") HttpTestBackend a) throws Exception {
    a.set(Behavior.status(418));
    HttpResponse<String> response = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create("http://" + a.host() + ":" + a.port() + "/")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(418, response.statusCode());
    assertEquals(1, a.requests().count());
  }
}
