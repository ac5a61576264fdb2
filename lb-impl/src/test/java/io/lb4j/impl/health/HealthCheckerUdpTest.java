package io.lb4j.impl.health;

import static io.lb4j.api.health.HealthStatus.HEALTHY;
import static io.lb4j.api.health.HealthStatus.UNHEALTHY;
import static io.lb4j.impl.health.Loopback.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.lb4j.api.Backend;
import io.lb4j.api.health.HealthCheckPolicy;
import io.lb4j.api.health.HealthCheckType;
import io.lb4j.api.health.HealthTransition;
import io.lb4j.impl.health.Loopback.Transitions;
import io.lb4j.testing.TcpTestBackend;
import io.lb4j.testing.UdpTestBackend;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** UDP health checks against real UDP servers on loopback: answers, wrong answers, silence, closed ports. */
class HealthCheckerUdpTest {

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

  private static HealthCheckPolicy.Builder udp(String request) {
    return HealthCheckPolicy.builder().type(HealthCheckType.UDP).udpRequest(request).interval(Duration.ofMillis(20))
        .responseTimeout(Duration.ofMillis(300)).unhealthyThreshold(1).healthyThreshold(1);
  }

  private HealthChecker checker(HealthCheckPolicy policy, Transitions transitions) {
    HealthChecker c = track(HealthChecker.builder(policy).random(7).build());
    c.onTransition(transitions);
    return c;
  }

  @Test
  void expectedResponse_passes_anotherAnswerFails() {
    UdpTestBackend server = track(UdpTestBackend.echo("u")).reply("status: pong\n");
    Transitions transitions = new Transitions();
    HealthChecker checker = checker(udp("ping\\n").udpExpectedResponse("pong").build(), transitions);
    checker.add(server.backend());
    checker.start();
    HealthTransition up = transitions.next();
    assertThat(up.to()).isEqualTo(HEALTHY);
    assertThat(up.cause()).isEqualTo("ok");
    await("the request seen by the backend", () -> server.received() > 0);

    server.reply("busy");
    HealthTransition down = transitions.next();
    assertThat(down.to()).isEqualTo(UNHEALTHY);
    assertThat(down.cause()).isEqualTo("unexpected UDP response");
  }

  @Test
  void anyResponse_passesWhateverTheBackendSays() {
    UdpTestBackend server = track(UdpTestBackend.echo("u"));
    Transitions transitions = new Transitions();
    HealthChecker checker = checker(udp("\\x00\\x01hello").build(), transitions);
    checker.add(server.backend());
    checker.start();
    assertThat(transitions.next().to()).isEqualTo(HEALTHY);
    assertThat(checker.lastResult("u")).isEqualTo("ok");
    assertThat(server.receivedBytes()).isGreaterThanOrEqualTo(7); // the two escaped bytes and "hello"
  }

  @Test
  void closedPort_failsOnTheIcmpError_andSilenceFailsAtTheTimeout() {
    UdpTestBackend server = track(UdpTestBackend.echo("u"));
    Transitions transitions = new Transitions();
    HealthChecker checker = checker(udp("ping").build(), transitions);
    checker.add(server.backend());
    checker.start();
    assertThat(transitions.next().to()).isEqualTo(HEALTHY);

    server.stop(); // datagrams to the port now get ICMP port unreachable
    HealthTransition down = transitions.next();
    assertThat(down.to()).isEqualTo(UNHEALTHY);
    assertThat(down.cause()).isEqualTo("port unreachable (ICMP)");

    server.start();
    assertThat(transitions.next().to()).isEqualTo(HEALTHY);
    server.mode(UdpTestBackend.Mode.SILENT); // the port is open, the service does not answer
    HealthTransition silent = transitions.next();
    assertThat(silent.to()).isEqualTo(UNHEALTHY);
    assertThat(silent.cause()).isEqualTo("no UDP response within 300ms");
  }

  @Test
  void tcpCheckOnAnotherPort_keepsWorkingForAUdpBackend() {
    UdpTestBackend server = track(UdpTestBackend.echo("u").mode(UdpTestBackend.Mode.SILENT));
    TcpTestBackend sidecar = track(TcpTestBackend.builder("sidecar").host(server.host()).build().start());
    Transitions transitions = new Transitions();
    HealthChecker checker = checker(HealthCheckPolicy.builder().port(sidecar.port()).interval(Duration.ofMillis(20))
        .unhealthyThreshold(1).build(), transitions);
    checker.add(server.backend());
    checker.start();
    assertThat(transitions.next().to()).isEqualTo(HEALTHY);
    assertThat(server.received()).as("the UDP port is not probed").isZero();
    sidecar.stop();
    assertThat(transitions.next().to()).isEqualTo(UNHEALTHY);
  }

  @Test
  void contains_findsTheExpectedBytesAnywhereInTheDatagram() {
    byte[] expected = "pong".getBytes(StandardCharsets.US_ASCII);
    assertThat(UdpProbe.contains(ByteBuffer.wrap("pong".getBytes(StandardCharsets.US_ASCII)), expected)).isTrue();
    assertThat(UdpProbe.contains(ByteBuffer.wrap("xx pong yy".getBytes(StandardCharsets.US_ASCII)), expected)).isTrue();
    assertThat(UdpProbe.contains(ByteBuffer.wrap("pon".getBytes(StandardCharsets.US_ASCII)), expected)).isFalse();
    assertThat(UdpProbe.contains(ByteBuffer.wrap("ppongg".getBytes(StandardCharsets.US_ASCII), 2, 4), expected))
        .as("within the remaining bytes only").isFalse();
    assertThat(Backend.of("b", "h", 1).id()).isEqualTo("b");
  }
}
