package io.lb4j.impl.health;

import static io.lb4j.api.health.HealthStatus.HEALTHY;
import static io.lb4j.api.health.HealthStatus.UNHEALTHY;
import static io.lb4j.impl.health.Loopback.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lb4j.api.Backend;
import io.lb4j.api.Outcome;
import io.lb4j.api.health.HealthCheckPolicy;
import io.lb4j.api.health.HealthCheckType;
import io.lb4j.api.health.HealthTransition;
import io.lb4j.api.health.OutlierDetectionPolicy;
import io.lb4j.impl.health.Loopback.Transitions;
import io.lb4j.testing.HttpTestBackend;
import io.lb4j.testing.TcpTestBackend;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class HealthCheckerTcpTest {

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

  static HealthCheckPolicy.Builder fast() {
    return HealthCheckPolicy.builder().interval(Duration.ofMillis(20)).responseTimeout(Duration.ofSeconds(2))
        .jitterPercent(10);
  }

  private HealthChecker checker(HealthCheckPolicy policy, Transitions transitions) {
    HealthChecker c = track(HealthChecker.builder(policy).random(42).build());
    c.onTransition(transitions);
    return c;
  }

  @Test
  void newBackend_isUnhealthyUntilItsFirstSuccessfulCheck_thenHealthyAtOnce() {
    TcpTestBackend server = track(Loopback.tcp(Loopback.nextHost()));
    Transitions transitions = new Transitions();
    HealthChecker checker = checker(fast().healthyThreshold(3).build(), transitions);
    checker.add(Backend.of("a", server.host(), server.port()));
    assertThat(checker.status("a")).isEqualTo(UNHEALTHY);
    assertThat(checker.lastResult("a")).isEmpty();

    checker.start();

    HealthTransition t = transitions.next();
    assertThat(t.backend().id()).isEqualTo("a");
    assertThat(t.from()).isEqualTo(UNHEALTHY);
    assertThat(t.to()).isEqualTo(HEALTHY);
    assertThat(t.cause()).isEqualTo("ok");
    assertThat(checker.status("a")).isEqualTo(HEALTHY);
    assertThat(checker.lastResult("a")).isEqualTo("ok");
    assertThat(checker.metrics().probesSucceeded()).isPositive();
  }

  @Test
  void resetRightAfterTheHandshake_isHealthyForATcpCheck() {
    // The handshake completed, which is all a TCP check asks; a refused connect is another error
    // (ECONNREFUSED). Regression: the reset used to race finishConnect and count as a failure.
    TcpTestBackend server = track(Loopback.tcpResetting(Loopback.nextHost()));
    Transitions transitions = new Transitions();
    HealthChecker checker = checker(fast().startHealthy(true).unhealthyThreshold(1).build(), transitions);
    checker.add(Backend.of("a", server.host(), server.port()));
    checker.start();

    await("100 accepted probes", () -> server.connections().count() >= 100);
    await("100 results", () -> checker.metrics().probesSucceeded() + checker.metrics().probesFailed() >= 100);
    assertThat(checker.metrics().probesFailed()).isZero();
    assertThat(checker.status("a")).isEqualTo(HEALTHY);
  }

  @Test
  void resetRightAfterTheHandshake_isAFailureForAnHttpCheck() {
    TcpTestBackend server = track(Loopback.tcpResetting(Loopback.nextHost()));
    Transitions transitions = new Transitions();
    HealthChecker checker = checker(fast().type(HealthCheckType.HTTP).startHealthy(true).unhealthyThreshold(1).build(),
        transitions);
    checker.add(Backend.of("a", server.host(), server.port()));
    checker.start();

    HealthTransition t = transitions.next();
    assertThat(t.to()).isEqualTo(UNHEALTHY);
    assertThat(t.cause()).containsIgnoringCase("reset");
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 3})
  void transitionsBothWays_afterExactlyThresholdConsecutiveResults(int threshold) {
    String host = Loopback.nextHost();
    int port = Loopback.closedPort(host);
    HealthChecker checker = track(HealthChecker.builder(
        fast().startHealthy(true).unhealthyThreshold(threshold).healthyThreshold(threshold).build()).build());
    AtomicLong failuresAtTransition = new AtomicLong();
    AtomicLong successesAtTransition = new AtomicLong();
    // Registered before the collecting listener, so its counts are in place when next() returns.
    checker.onTransition(t -> {
      failuresAtTransition.compareAndSet(0, checker.metrics().probesFailed());
      if (t.to() == HEALTHY) {
        successesAtTransition.set(checker.metrics().probesSucceeded());
      }
    });
    Transitions transitions = new Transitions();
    checker.onTransition(transitions);
    checker.add(Backend.of("b", host, port));
    assertThat(checker.status("b")).isEqualTo(HEALTHY);
    checker.start();

    HealthTransition down = transitions.next();
    assertThat(down.from()).isEqualTo(HEALTHY);
    assertThat(down.to()).isEqualTo(UNHEALTHY);
    assertThat(down.cause()).isEqualTo("connect refused");
    assertThat(failuresAtTransition).hasValue(threshold);
    assertThat(checker.lastResult("b")).isEqualTo("connect refused");

    track(Loopback.tcp(host, port));

    HealthTransition up = transitions.next();
    assertThat(up.from()).isEqualTo(UNHEALTHY);
    assertThat(up.to()).isEqualTo(HEALTHY);
    assertThat(up.cause()).isEqualTo("ok");
    assertThat(successesAtTransition).hasValue(threshold);
    assertThat(transitions.all).hasSize(2);
  }

  @Test
  void checkPort_isProbedInsteadOfTheTrafficPort() {
    String host = Loopback.nextHost();
    TcpTestBackend checkServer = track(Loopback.tcp(host));
    int deadTrafficPort = Loopback.closedPort(host);
    Transitions transitions = new Transitions();
    HealthChecker checker = checker(fast().port(checkServer.port()).build(), transitions);
    checker.add(Backend.of("c", host, deadTrafficPort));
    checker.start();

    assertThat(transitions.next().to()).isEqualTo(HEALTHY);
    // The server's accept thread counts a connection after the kernel completed it: wait for it.
    await("the check server to accept a probe", () -> checkServer.connections().count() > 0);
  }

  @Test
  void checkPort_thatIsClosed_keepsABackendWithALiveTrafficPortUnhealthy() {
    String host = Loopback.nextHost();
    TcpTestBackend trafficServer = track(Loopback.tcp(host));
    int deadCheckPort = Loopback.closedPort(host);
    HealthChecker checker = checker(fast().port(deadCheckPort).build(), new Transitions());
    checker.add(Backend.of("c", host, trafficServer.port()));
    checker.start();

    await("a failed probe", () -> checker.metrics().probesFailed() >= 3);
    assertThat(checker.status("c")).isEqualTo(UNHEALTHY);
    assertThat(checker.lastResult("c")).isEqualTo("connect refused");
    assertThat(trafficServer.connections().count()).isZero();
  }

  @Test
  void addAndRemove_whileRunning_startAndStopProbesAtOnce() {
    TcpTestBackend first = track(Loopback.tcp(Loopback.nextHost()));
    TcpTestBackend second = track(Loopback.tcp(Loopback.nextHost()));
    TcpTestBackend third = track(Loopback.tcp(Loopback.nextHost()));
    Transitions transitions = new Transitions();
    HealthChecker checker = checker(fast().build(), transitions);
    checker.start();

    checker.add(Backend.of("first", first.host(), first.port()));
    assertThat(transitions.next().backend().id()).isEqualTo("first");
    checker.add(Backend.of("second", second.host(), second.port()));
    assertThat(transitions.next().backend().id()).isEqualTo("second");

    checker.remove("first");
    assertThat(checker.status("first")).isEqualTo(UNHEALTHY);
    checker.add(Backend.of("third", third.host(), third.port()));
    assertThat(transitions.next().backend().id()).isEqualTo("third");
    // Rounds of another backend prove the loop moved on; by then the accept thread has also counted
    // any probe that was under way when remove() was called. After that, not one more connection.
    int thirdSoFar = third.connections().count();
    await("more probes of the third backend", () -> third.connections().count() >= thirdSoFar + 5);
    int firstAfterRemoval = first.connections().count();
    int thirdLater = third.connections().count();
    await("still more probes of the third backend", () -> third.connections().count() >= thirdLater + 5);
    assertThat(first.connections().count()).isEqualTo(firstAfterRemoval);
    assertThat(transitions.all).hasSize(3);
  }

  @Test
  void disabledChecks_reportEveryBackendHealthy_andSendNoProbes() {
    String host = Loopback.nextHost();
    int deadPort = Loopback.closedPort(host);
    TcpTestBackend server = track(Loopback.tcp(Loopback.nextHost()));
    Transitions transitions = new Transitions();
    HealthChecker checker = checker(HealthCheckPolicy.disabled(), transitions);
    checker.add(Backend.of("dead", host, deadPort));
    checker.add(Backend.of("live", server.host(), server.port()));
    checker.start();

    assertThat(checker.status("dead")).isEqualTo(HEALTHY);
    assertThat(checker.status("live")).isEqualTo(HEALTHY);
    assertThat(checker.metrics().probesStarted()).isZero();
    assertThat(server.connections().count()).isZero();
  }

  @Test
  void disablingAtRuntime_makesUnhealthyBackendsHealthyWithOneTransitionEach() {
    String host = Loopback.nextHost();
    int deadPort = Loopback.closedPort(host);
    TcpTestBackend server = track(Loopback.tcp(Loopback.nextHost()));
    Transitions transitions = new Transitions();
    HealthChecker checker = checker(fast().build(), transitions);
    checker.add(Backend.of("dead", host, deadPort));
    checker.add(Backend.of("live", server.host(), server.port()));
    checker.start();
    HealthTransition live = transitions.next();
    assertThat(live.backend().id()).isEqualTo("live");
    await("the dead backend to be probed", () -> !checker.lastResult("dead").isEmpty());

    checker.setPolicy(HealthCheckPolicy.disabled());

    assertThat(checker.status("dead")).isEqualTo(HEALTHY);
    HealthTransition disabled = transitions.next();
    assertThat(disabled.backend().id()).isEqualTo("dead");
    assertThat(disabled.to()).isEqualTo(HEALTHY);
    assertThat(disabled.cause()).isEqualTo("health check disabled");
    long started = checker.metrics().probesStarted();

    checker.setPolicy(fast().unhealthyThreshold(1).build());
    HealthTransition reEnabled = transitions.next();
    assertThat(reEnabled.backend().id()).isEqualTo("dead");
    assertThat(reEnabled.to()).isEqualTo(UNHEALTHY);
    assertThat(checker.metrics().probesStarted()).isGreaterThan(started);
    assertThat(transitions.all).hasSize(3);
  }

  @Test
  void disableThenReEnableBeforeTheLoopRuns_neverMarksAnUncheckedDeadBackendHealthy() {
    // Regression: the queued disable task forced every backend healthy from the policy it was queued
    // with, although by the time it ran checks were enabled again.
    String host = Loopback.nextHost();
    int deadPort = Loopback.closedPort(host);
    Transitions transitions = new Transitions();
    HealthCheckPolicy enabled = fast().build();
    HealthChecker checker = checker(enabled, transitions);
    checker.add(Backend.of("dead", host, deadPort));
    checker.setPolicy(HealthCheckPolicy.disabled());
    checker.setPolicy(enabled);

    checker.start();

    await("three failed probes", () -> checker.metrics().probesFailed() >= 3);
    assertThat(checker.status("dead")).isEqualTo(UNHEALTHY);
    assertThat(checker.lastResult("dead")).isEqualTo("connect refused");
    assertThat(transitions.all).isEmpty();
  }

  @Test
  void clockThatThrowsOnce_doesNotStopHealthChecking() {
    // Regression: a RuntimeException from a callback run by the loop (here the clock stamping the
    // first transition) ended the probe thread silently; probes stopped while the checker said started.
    TcpTestBackend server = track(Loopback.tcp(Loopback.nextHost()));
    AtomicBoolean threw = new AtomicBoolean();
    Clock throwingOnce = new Clock() {
      @Override
      public ZoneId getZone() {
        return ZoneOffset.UTC;
      }

      @Override
      public Clock withZone(ZoneId zone) {
        throw new UnsupportedOperationException();
      }

      @Override
      public Instant instant() {
        if (threw.compareAndSet(false, true)) {
          throw new IllegalStateException("clock bug");
        }
        return Instant.EPOCH;
      }
    };
    HealthChecker checker = track(HealthChecker.builder(fast().unhealthyThreshold(1).build())
        .clock(throwingOnce).random(42).build());
    Transitions transitions = new Transitions();
    checker.onTransition(transitions);
    checker.add(Backend.of("a", server.host(), server.port()));
    checker.start();

    await("the clock to throw", threw::get);
    long succeededAfterThrow = checker.metrics().probesSucceeded();
    await("five more successful probes",
        () -> checker.metrics().probesSucceeded() >= succeededAfterThrow + 5);
    assertThat(checker.status("a")).as("the result that hit the bad clock still counted").isEqualTo(HEALTHY);
    assertThat(transitions.all).as("the throw lost only that transition's event").isEmpty();

    server.stop();

    HealthTransition down = transitions.next();
    assertThat(down.to()).isEqualTo(UNHEALTHY);
    assertThat(down.at()).as("stamped by the same clock, which works again").isEqualTo(Instant.EPOCH);
  }

  @Test
  void checkersShareOneProbeThread_closeStopsOnlyItsOwnProbes_andTheLastCloseEndsTheThread() throws Exception {
    TcpTestBackend server = track(Loopback.tcp(Loopback.nextHost()));
    TcpTestBackend other = track(Loopback.tcp(Loopback.nextHost()));
    Transitions first = new Transitions();
    Transitions second = new Transitions();
    HealthChecker a = HealthChecker.builder(fast().build()).build();
    HealthChecker b = HealthChecker.builder(fast().build()).build();
    a.onTransition(first);
    b.onTransition(second);
    a.add(Backend.of("a", server.host(), server.port()));
    b.add(Backend.of("b", other.host(), other.port()));
    a.start();
    a.start();
    b.start();
    assertThat(healthThreads()).as("one probe thread for every checker, also when started twice").hasSize(1);
    first.next();
    second.next();

    a.close();
    assertThat(healthThreads()).as("still used by the other checker").hasSize(1);
    server.stop();
    other.stop();
    assertThat(second.next().to()).isEqualTo(UNHEALTHY); // the other checker still probes
    assertThat(a.metrics().inFlight()).as("a closed checker's probes").isZero();

    b.close();
    await("no probe thread once the last checker closed", () -> healthThreads().isEmpty());
    a.close();
    assertThatThrownBy(() -> a.add(Backend.of("b", server.host(), server.port())))
        .isInstanceOf(IllegalStateException.class).hasMessage("health checker is closed");
    assertThat(first.all).as("the closed checker saw its server stop").hasSize(1);
  }

  @Test
  void unsubscribedListener_receivesNoMoreTransitions() throws Exception {
    TcpTestBackend server = track(Loopback.tcp(Loopback.nextHost()));
    Transitions kept = new Transitions();
    Transitions dropped = new Transitions();
    HealthChecker checker = checker(fast().build(), kept);
    checker.onTransition(dropped).close();
    checker.add(Backend.of("a", server.host(), server.port()));
    checker.start();
    kept.next();
    assertThat(dropped.all).isEmpty();
  }

  @Test
  void throwingListener_doesNotStopOthers() {
    TcpTestBackend server = track(Loopback.tcp(Loopback.nextHost()));
    HealthChecker checker = track(HealthChecker.builder(fast().build()).build());
    checker.onTransition(t -> {
      throw new IllegalStateException("listener bug");
    });
    Transitions transitions = new Transitions();
    checker.onTransition(transitions);
    checker.add(Backend.of("a", server.host(), server.port()));
    checker.start();
    assertThat(transitions.next().to()).isEqualTo(HEALTHY);
  }

  @Test
  void trafficSuccess_skipsProbesOfAHealthyBackend() {
    TcpTestBackend server = track(Loopback.tcp(Loopback.nextHost()));
    Transitions transitions = new Transitions();
    HealthChecker checker = checker(fast().skipWhenTrafficSucceeds(true).build(), transitions);
    checker.add(Backend.of("busy", server.host(), server.port()));
    checker.start();
    transitions.next();

    await("a skipped probe", () -> {
      checker.recordTrafficSuccess("busy");
      return checker.metrics().probesSkipped() > 0;
    });
    assertThat(checker.status("busy")).isEqualTo(HEALTHY);
  }

  @Test
  void trafficSuccess_isRecordedAlsoWhenNanoTimeIsNegative() {
    // Regression: 0 meant "none yet" only implicitly, through now - 0 > 1 ms, which never holds for
    // a negative System.nanoTime() (allowed by its contract), so no success was ever recorded.
    long negative = -5_000_000_000L;
    assertThat(HealthChecker.trafficSuccessIsNews(0, negative)).isTrue();
    assertThat(HealthChecker.trafficSuccessIsNews(0, 42)).isTrue();
    assertThat(HealthChecker.trafficSuccessIsNews(negative, negative + 1_000_000L))
        .as("under 1 ms later: not worth a write").isFalse();
    assertThat(HealthChecker.trafficSuccessIsNews(negative, negative + 1_000_001L)).isTrue();
  }

  @Test
  void probesInFlightCap_defersProbesButEveryBackendIsStillChecked() throws Exception {
    TcpTestBackend hung = track(Loopback.silent(Loopback.nextHost()));
    List<HttpTestBackend> servers = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      servers.add(track(Loopback.http(Loopback.nextHost())));
    }
    Transitions transitions = new Transitions();
    HealthCheckPolicy http = fast().type(HealthCheckType.HTTP).responseTimeout(Duration.ofMillis(200))
        .build();
    HealthChecker checker = track(HealthChecker.builder(http).maxProbesInFlight(1).random(7).build());
    checker.onTransition(transitions);
    checker.add(Backend.of("hung", hung.host(), hung.port()));
    for (int i = 0; i < servers.size(); i++) {
      checker.add(Backend.of("s" + i, servers.get(i).host(), servers.get(i).port()));
    }
    checker.start();

    for (int i = 0; i < servers.size(); i++) {
      assertThat(transitions.next().to()).isEqualTo(HEALTHY);
    }
    await("a timed-out probe of the hung backend", () -> checker.lastResult("hung").startsWith("timeout"));
    await("a probe deferred by the cap", () -> checker.metrics().probesDeferred() > 0);
    assertThat(checker.lastResult("hung")).isEqualTo("timeout after 200ms");
    assertThat(checker.status("hung")).isEqualTo(UNHEALTHY);
    // Started minus finished is what is in flight (nothing is aborted here); a snapshot reads the
    // started count first, so a probe ending or starting while it is taken cannot inflate it.
    for (int i = 0; i < 20; i++) {
      ProbeMetrics m = checker.metrics();
      assertThat(m.probesStarted() - m.probesSucceeded() - m.probesFailed()).as("probes in flight, cap 1")
          .isBetween(0L, 1L);
    }
  }

  @Test
  void backendAddedWhileDisabled_staysHealthyWhenChecksAreEnabled() {
    TcpTestBackend server = track(Loopback.tcp(Loopback.nextHost()));
    Transitions transitions = new Transitions();
    HealthChecker checker = checker(HealthCheckPolicy.disabled(), transitions);
    checker.start();
    checker.add(Backend.of("a", server.host(), server.port()));

    checker.setPolicy(fast().build());

    await("a probe", () -> checker.metrics().probesSucceeded() > 0);
    assertThat(checker.status("a")).isEqualTo(HEALTHY);
    assertThat(transitions.all).isEmpty();
  }

  @Test
  void successfulProbe_endsAPassiveEjectionForConnectFailuresEarly() {
    TcpTestBackend server = track(Loopback.tcp(Loopback.nextHost()));
    Backend b = Backend.of("a", server.host(), server.port());
    OutlierDetector detector = new OutlierDetector(OutlierDetectionPolicy.builder()
        .baseEjectionTime(Duration.ofHours(1)).maxEjectionTime(Duration.ofHours(1)).build());
    detector.add(b);
    Transitions passive = new Transitions();
    detector.onTransition(passive);
    for (int i = 0; i < 5; i++) {
      detector.report("a", Outcome.failure(Outcome.Kind.CONNECT_FAILURE, Duration.ZERO));
    }
    assertThat(passive.next().to()).isEqualTo(UNHEALTHY);
    assertThat(detector.isEjected("a")).isTrue();

    HealthChecker checker = track(HealthChecker.builder(fast().build()).outlierDetector(detector).build());
    checker.add(b);
    checker.start();

    HealthTransition back = passive.next();
    assertThat(back.to()).isEqualTo(HEALTHY);
    assertThat(back.cause()).isEqualTo("ejection ended early by a successful TCP check");
    assertThat(detector.isEjected("a")).isFalse();
  }

  @Test
  void successfulTcpProbes_neverEndA5xxOrTimeoutEjection() {
    // Issue 25 item 5: the port of a backend that fails requests accepts connections, so a passing TCP
    // check says nothing about why it was ejected.
    TcpTestBackend server = track(Loopback.tcp(Loopback.nextHost()));
    Backend b = Backend.of("a", server.host(), server.port());
    OutlierDetector detector = new OutlierDetector(OutlierDetectionPolicy.builder()
        .baseEjectionTime(Duration.ofHours(1)).maxEjectionTime(Duration.ofHours(1)).build());
    detector.add(b);
    Transitions passive = new Transitions();
    detector.onTransition(passive);
    for (int i = 0; i < 4; i++) {
      detector.report("a", Outcome.httpStatus(502, Duration.ZERO));
    }
    detector.report("a", Outcome.failure(Outcome.Kind.TIMEOUT, Duration.ofSeconds(5)));
    assertThat(detector.isEjected("a")).isTrue();

    HealthChecker checker = track(HealthChecker.builder(fast().build()).outlierDetector(detector).build());
    checker.add(b);
    checker.start();

    await("three passing TCP probes", () -> checker.metrics().probesSucceeded() >= 3);
    assertThat(detector.isEjected("a")).isTrue();
    assertThat(passive.all).extracting(HealthTransition::to).containsExactly(UNHEALTHY);
  }

  @Test
  void builder_rejectsAnOutOfRangeInFlightCapWithTheFieldInTheMessage() {
    assertThatThrownBy(() -> HealthChecker.builder(HealthCheckPolicy.defaults()).maxProbesInFlight(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("healthChecker.maxProbesInFlight must be between 1 and 65536, was 0");
    assertThatThrownBy(() -> HealthChecker.builder(null))
        .isInstanceOf(NullPointerException.class).hasMessage("policy");
  }

  static Set<Thread> healthThreads() {
    Set<Thread> threads = new HashSet<>();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.getName().startsWith("lb4j-health-") && t.isAlive()) {
        threads.add(t);
      }
    }
    return threads;
  }
}
