package io.lb4j.impl.health;

import static io.lb4j.api.health.HealthStatus.HEALTHY;
import static io.lb4j.api.health.HealthStatus.UNHEALTHY;
import static io.lb4j.impl.health.Loopback.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.lb4j.api.Backend;
import io.lb4j.api.health.HealthCheckMethod;
import io.lb4j.api.health.HealthCheckPolicy;
import io.lb4j.api.health.HealthCheckType;
import io.lb4j.api.health.HealthTransition;
import io.lb4j.api.health.StatusClass;
import io.lb4j.impl.health.Loopback.Transitions;
import io.lb4j.testing.Behavior;
import io.lb4j.testing.Fault;
import io.lb4j.testing.HttpTestBackend;
import io.lb4j.testing.RecordedRequest;
import io.lb4j.testing.TcpTestBackend;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class HealthCheckerHttpTest {

  private final List<AutoCloseable> closeables = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = closeables.size() - 1; i >= 0; i--) {
      closeables.get(i).close();
    }
  }

  private <T extends AutoCloseable> T track(T c) {
    closeables.add(c);
    return c;
  }

  static HealthCheckPolicy.Builder http() {
    return HealthCheckPolicy.builder().type(HealthCheckType.HTTP).interval(Duration.ofMillis(20))
        .responseTimeout(Duration.ofSeconds(2));
  }

  private HealthChecker started(HealthCheckPolicy policy, Transitions transitions, Backend... backends) {
    HealthChecker c = track(HealthChecker.builder(policy).random(1).build());
    c.onTransition(transitions);
    for (Backend b : backends) {
      c.add(b);
    }
    c.start();
    return c;
  }

  @Test
  void headIsTheDefaultMethod_withBackendAddressAsHost_andAnLb4jUserAgent() {
    HttpTestBackend server = track(Loopback.http(Loopback.nextHost()));
    Transitions transitions = new Transitions();
    started(http().build(), transitions, Backend.of("a", server.host(), server.port()));

    HealthTransition t = transitions.next();
    assertThat(t.to()).isEqualTo(HEALTHY);
    assertThat(t.cause()).isEqualTo("HTTP 200");
    RecordedRequest probe = server.requests().all().get(0);
    assertThat(probe.method()).isEqualTo("HEAD");
    assertThat(probe.target()).isEqualTo("/");
    assertThat(probe.header("Host")).isEqualTo(server.host() + ":" + server.port());
    assertThat(probe.header("User-Agent")).startsWith("lb4j-health-check/");
  }

  @Test
  void getMethod_path_andDomain_areSentAsConfigured() {
    HttpTestBackend server = track(Loopback.http(Loopback.nextHost()));
    Transitions transitions = new Transitions();
    started(http().method(HealthCheckMethod.GET).path("/status.html").domain("app.example.com").build(),
        transitions, Backend.of("a", server.host(), server.port()));

    transitions.next();
    RecordedRequest probe = server.requests().all().get(0);
    assertThat(probe.method()).isEqualTo("GET");
    assertThat(probe.target()).isEqualTo("/status.html");
    assertThat(probe.header("Host")).isEqualTo("app.example.com");
  }

  @Test
  void pathWithUpperCaseEscapesAndQuery_isSentVerbatim() {
    HttpTestBackend server = track(Loopback.http(Loopback.nextHost()));
    Transitions transitions = new Transitions();
    String target = "/actuator/healthCheck;v=2/%C3%A9?probe=Liveness&x=a:b@c";
    started(http().method(HealthCheckMethod.GET).path(target).build(), transitions,
        Backend.of("a", server.host(), server.port()));

    assertThat(transitions.next().to()).isEqualTo(HEALTHY);
    assertThat(server.requests().all().get(0).target()).isEqualTo(target);
  }

  @Test
  void notFound_isUnhealthyByDefault_withTheStatusAndClassesInTheCause() {
    HttpTestBackend server = track(Loopback.http(Loopback.nextHost()));
    server.set(Behavior.status(404));
    Transitions transitions = new Transitions();
    HealthChecker checker = started(http().build(), transitions, Backend.of("a", server.host(), server.port()));

    await("three probes", () -> server.requests().count() >= 3);
    assertThat(checker.status("a")).isEqualTo(UNHEALTHY);
    assertThat(checker.lastResult("a")).isEqualTo("HTTP 404 not in [2xx, 3xx]");
    assertThat(transitions.all).isEmpty();
  }

  @Test
  void notFound_isHealthyWhen4xxIsANormalClass() {
    HttpTestBackend server = track(Loopback.http(Loopback.nextHost()));
    server.set(Behavior.status(404));
    Transitions transitions = new Transitions();
    started(http().normalStatuses(StatusClass.HTTP_2XX, StatusClass.HTTP_4XX).build(), transitions,
        Backend.of("a", server.host(), server.port()));

    HealthTransition t = transitions.next();
    assertThat(t.to()).isEqualTo(HEALTHY);
    assertThat(t.cause()).isEqualTo("HTTP 404");
  }

  @Test
  void serverError_turnsAHealthyBackendUnhealthy_withTheStatusInTheCause() {
    HttpTestBackend server = track(Loopback.http(Loopback.nextHost()));
    Transitions transitions = new Transitions();
    started(http().unhealthyThreshold(2).build(), transitions, Backend.of("a", server.host(), server.port()));
    assertThat(transitions.next().to()).isEqualTo(HEALTHY);

    server.set(Behavior.status(503));

    HealthTransition down = transitions.next();
    assertThat(down.to()).isEqualTo(UNHEALTHY);
    assertThat(down.cause()).isEqualTo("HTTP 503 not in [2xx, 3xx]");
  }

  @Test
  void redirect_isNotFollowed_andCountsAsNormalWhen3xxIs() {
    HttpTestBackend server = track(Loopback.http(Loopback.nextHost()));
    server.set(Behavior.builder().status(301).header("Location", "/elsewhere").build());
    Transitions transitions = new Transitions();
    started(http().build(), transitions, Backend.of("a", server.host(), server.port()));

    assertThat(transitions.next().cause()).isEqualTo("HTTP 301");
    await("more probes", () -> server.requests().count() >= 3);
    assertThat(server.requests().all()).extracting(RecordedRequest::target).containsOnly("/");
  }

  @Test
  void serverThatAcceptsButNeverAnswers_failsWithATimeout() throws Exception {
    TcpTestBackend silent = track(Loopback.silent(Loopback.nextHost()));
    String host = silent.host();
    Transitions transitions = new Transitions();
    HealthChecker checker = started(http().startHealthy(true).unhealthyThreshold(1)
        .responseTimeout(Duration.ofMillis(100)).build(), transitions, Backend.of("a", host, silent.port()));

    HealthTransition down = transitions.next();
    assertThat(down.to()).isEqualTo(UNHEALTHY);
    assertThat(down.cause()).isEqualTo("timeout after 100ms");
    assertThat(checker.lastResult("a")).isEqualTo("timeout after 100ms");
  }

  @Test
  void hungBackend_delaysOnlyItself_andIsNeverProbedTwiceAtOnce() throws Exception {
    TcpTestBackend hung = track(Loopback.silent(Loopback.nextHost()));
    HttpTestBackend healthy = track(Loopback.http(Loopback.nextHost()));
    String hungHost = hung.host();
    Transitions transitions = new Transitions();
    // 60 s: the hung probe must still be waiting after ten healthy probes on a slow, loaded machine.
    HealthChecker checker = started(http().responseTimeout(Duration.ofSeconds(60)).build(), transitions,
        Backend.of("hung", hungHost, hung.port()), Backend.of("healthy", healthy.host(), healthy.port()));

    await("the hung backend's first probe", () -> hung.connections().count() >= 1);
    int before = healthy.requests().count();
    await("ten more probes of the healthy backend", () -> healthy.requests().count() >= before + 10);

    assertThat(checker.lastResult("hung")).as("its first probe is still waiting").isEmpty();
    assertThat(hung.connections().count()).as("connections to the hung backend").isEqualTo(1);
    assertThat(checker.status("healthy")).isEqualTo(HEALTHY);
  }

  @Test
  void close_closesAProbeStillInFlight() throws Exception {
    TcpTestBackend hung = track(Loopback.silent(Loopback.nextHost()));
    String hungHost = hung.host();
    HealthChecker checker = HealthChecker.builder(http().responseTimeout(Duration.ofSeconds(60)).build()).build();
    checker.add(Backend.of("hung", hungHost, hung.port()));
    checker.start();
    await("the probe to connect", () -> hung.connections().count() >= 1);

    checker.close();

    await("the probe's socket to be closed", () -> hung.connections().all().get(0).clientClosed());
  }

  @Test
  void closedPort_failsWithConnectRefused() {
    String host = Loopback.nextHost();
    int port = Loopback.closedPort(host);
    Transitions transitions = new Transitions();
    started(http().startHealthy(true).unhealthyThreshold(1).build(), transitions, Backend.of("a", host, port));

    assertThat(transitions.next().cause()).isEqualTo("connect refused");
  }

  @Test
  void connectionClosedWithoutAnswer_isItsOwnCause() {
    HttpTestBackend server = track(Loopback.http(Loopback.nextHost()));
    server.set(Behavior.fault(Fault.closeAfterBytes(0)));
    Transitions transitions = new Transitions();
    started(http().startHealthy(true).unhealthyThreshold(1).build(), transitions,
        Backend.of("a", server.host(), server.port()));

    assertThat(transitions.next().cause()).isEqualTo("connection closed before HTTP status");
  }

  @Test
  void garbageResponse_isAnInvalidHttpResponse() {
    HttpTestBackend server = track(Loopback.http(Loopback.nextHost()));
    server.set(Behavior.fault(Fault.malformed("SSH-2.0-OpenSSH_9.2\r\n")));
    Transitions transitions = new Transitions();
    started(http().startHealthy(true).unhealthyThreshold(1).build(), transitions,
        Backend.of("a", server.host(), server.port()));

    assertThat(transitions.next().cause()).isEqualTo("invalid HTTP response");
  }

  @Test
  void flappingBackend_alternatesTransitionsInOrder() {
    HttpTestBackend server = track(Loopback.http(Loopback.nextHost()));
    AtomicInteger probes = new AtomicInteger();
    server.dispatch(request -> probes.incrementAndGet() % 2 == 1 ? Behavior.ok() : Behavior.status(503));
    Transitions transitions = new Transitions();
    started(http().unhealthyThreshold(1).healthyThreshold(1).build(), transitions,
        Backend.of("a", server.host(), server.port()));

    for (int i = 0; i < 6; i++) {
      HealthTransition t = transitions.next();
      assertThat(t.to()).isEqualTo(i % 2 == 0 ? HEALTHY : UNHEALTHY);
      assertThat(t.cause()).isEqualTo(i % 2 == 0 ? "HTTP 200" : "HTTP 503 not in [2xx, 3xx]");
    }
  }

  @Test
  void edgeInterval_confirmsAFailureStreakWithTheSameTransitions() {
    HttpTestBackend server = track(Loopback.http(Loopback.nextHost()));
    Transitions transitions = new Transitions();
    started(http().interval(Duration.ofSeconds(1)).edgeInterval(Duration.ofMillis(10)).unhealthyThreshold(3)
        .build(), transitions, Backend.of("a", server.host(), server.port()));
    assertThat(transitions.next().to()).isEqualTo(HEALTHY);
    server.set(Behavior.status(500));

    HealthTransition down = transitions.next();
    assertThat(down.to()).isEqualTo(UNHEALTHY);
    assertThat(down.cause()).isEqualTo("HTTP 500 not in [2xx, 3xx]");
  }

  @Test
  void parseStatus_readsTheStatusCodeOrAsksForMoreBytes() {
    byte[] full = "HTTP/1.1 503 Service Unavailable".getBytes(StandardCharsets.US_ASCII);
    assertThat(StatusLine.parse(full, 16)).isEqualTo(503);
    assertThat(StatusLine.parse(full, 11)).isEqualTo(StatusLine.NEED_MORE);
    assertThat(StatusLine.parse(full, 3)).isEqualTo(StatusLine.NEED_MORE);
    assertThat(StatusLine.parse("HTTP/1.0 200 OK".getBytes(StandardCharsets.US_ASCII), 15)).isEqualTo(200);
    assertThat(StatusLine.parse("SSH-2.0-Open".getBytes(StandardCharsets.US_ASCII), 12))
        .isEqualTo(StatusLine.MALFORMED);
    assertThat(StatusLine.parse("HTTP/1.1 2x0 OK".getBytes(StandardCharsets.US_ASCII), 15))
        .isEqualTo(StatusLine.MALFORMED);
  }
}
