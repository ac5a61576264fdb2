package io.lb4j.impl.diagnostics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lb4j.api.Backend;
import io.lb4j.api.Listener;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.Protocol;
import io.lb4j.api.health.HealthCheckPolicy;
import io.lb4j.impl.diagnostics.PeriodicCheck.Change;
import io.lb4j.impl.diagnostics.PeriodicCheck.Kind;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class PeriodicCheckTest {

  private static Finding finding(FindingCode code, String subject, String evidence) {
    return new Finding(code, Severity.WARNING, subject, "s", Map.of("n", evidence), "f");
  }

  private static Report report(Finding... findings) {
    return new Report("web", Instant.EPOCH, List.of(findings));
  }

  @Test
  void aFindingIsReportedWhenItAppearsAndWhenItClears_notWhileItPersists() {
    AtomicReference<Report> next = new AtomicReference<>();
    List<Change> sunk = new ArrayList<>();
    PeriodicCheck check = PeriodicCheck.reporting(next::get, sunk::add);
    Finding flapA1 = finding(FindingCode.FLAPPING, "backend a", "7");

    next.set(report(flapA1));
    assertThat(check.runOnce()).containsExactly(new Change(Kind.APPEARED, flapA1));
    next.set(report(finding(FindingCode.FLAPPING, "backend a", "9"))); // same problem, new evidence
    assertThat(check.runOnce()).isEmpty();
    Finding flapB = finding(FindingCode.FLAPPING, "backend b", "7");
    next.set(report(flapB));
    assertThat(check.runOnce()).containsExactly(new Change(Kind.APPEARED, flapB), new Change(Kind.CLEARED,
        finding(FindingCode.FLAPPING, "backend a", "9")));
    next.set(report());
    assertThat(check.runOnce()).containsExactly(new Change(Kind.CLEARED, flapB));
    assertThat(check.runOnce()).isEmpty();

    assertThat(sunk).extracting(Change::kind).containsExactly(Kind.APPEARED, Kind.APPEARED, Kind.CLEARED,
        Kind.CLEARED);
  }

  @Test
  void concurrentRuns_neverOverlap_soEachAppearanceAndClearingIsCountedOnce() throws Exception {
    Finding flap = finding(FindingCode.FLAPPING, "backend a", "1");
    AtomicInteger examinations = new AtomicInteger();
    // Present in every other examination: serialized runs see it appear and clear alternately.
    PeriodicCheck check = PeriodicCheck.reporting(() -> examinations.incrementAndGet() % 2 == 1 ? report(flap)
        : report(), c -> { });
    int threads = 4;
    int runsEach = 250;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    List<Future<List<Change>>> results = new ArrayList<>();
    CountDownLatch go = new CountDownLatch(1);
    for (int t = 0; t < threads; t++) {
      results.add(pool.submit(() -> {
        go.await(30, TimeUnit.SECONDS);
        List<Change> mine = new ArrayList<>();
        for (int i = 0; i < runsEach; i++) {
          mine.addAll(check.runOnce());
        }
        return mine;
      }));
    }
    go.countDown();
    List<Change> all = new ArrayList<>();
    for (Future<List<Change>> r : results) {
      all.addAll(r.get(60, TimeUnit.SECONDS));
    }
    pool.shutdown();
    assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();

    assertThat(examinations.get()).isEqualTo(threads * runsEach);
    assertThat(all.stream().filter(c -> c.kind() == Kind.APPEARED).count()).isEqualTo(threads * runsEach / 2);
    assertThat(all.stream().filter(c -> c.kind() == Kind.CLEARED).count()).isEqualTo(threads * runsEach / 2);
  }

  @Test
  void aFailingExaminationChangesNothing() {
    AtomicReference<Report> next = new AtomicReference<>(report(finding(FindingCode.FLAPPING, "backend a", "1")));
    PeriodicCheck check = PeriodicCheck.reporting(() -> {
      Report r = next.get();
      if (r == null) {
        throw new IllegalStateException("pool closed");
      }
      return r;
    }, c -> { });
    check.runOnce();

    next.set(null);
    assertThat(check.runOnce()).isEmpty();
    next.set(report(finding(FindingCode.FLAPPING, "backend a", "2")));
    assertThat(check.runOnce()).as("still the same problem, not re-reported").isEmpty();
  }

  @Test
  void onARealPool_noEligibleBackendAppearsWhenTheBackendDiesAndClearsWhenItReturns() throws Exception {
    String host = Loop.host();
    HealthCheckPolicy fast = HealthCheckPolicy.builder().interval(Duration.ofMillis(20))
        .responseTimeout(Duration.ofMillis(500)).unhealthyThreshold(1).healthyThreshold(1).build();
    Diagnostics diagnostics = Loop.withoutHost().build();
    List<Change> changes = new CopyOnWriteArrayList<>();
    try (Loop loop = new Loop()) {
      ServerSocket backend = new ServerSocket(0, 50, InetAddress.getByName(host));
      int port = backend.getLocalPort();
      LoadBalancer pool = loop.pool(Listener.builder("tcp", Protocol.TCP, 0).healthCheck(fast).build(),
          Backend.of("a", host, port));
      assertThat(pool.awaitAnyHealthy(Loop.DEADLINE)).isTrue();
      PeriodicCheck check = PeriodicCheck.reporting(() -> diagnostics.examine(pool), changes::add);
      check.runOnce();
      assertThat(changes).extracting(c -> c.finding().code()).doesNotContain(FindingCode.NO_ELIGIBLE_BACKEND);

      backend.close();
      Loop.await("no eligible backend reported", () -> {
        check.runOnce();
        return changes.stream().anyMatch(c -> c.kind() == Kind.APPEARED
            && c.finding().code() == FindingCode.NO_ELIGIBLE_BACKEND);
      });
      try (ServerSocket back = new ServerSocket()) {
        back.setReuseAddress(true);
        back.bind(new InetSocketAddress(host, port), 50);
        // Accept (and close) every probe: a socket that never accepts fills its backlog within a second of
        // 20 ms probes, and the backend turns unhealthy again before a loaded machine sees it healthy.
        Thread acceptor = new Thread(() -> {
          while (!back.isClosed()) {
            try {
              back.accept().close();
            } catch (java.io.IOException closed) {
              return;
            }
          }
        }, "periodic-check-test-backend");
        acceptor.setDaemon(true);
        acceptor.start();
        Loop.await("the finding cleared", () -> {
          check.runOnce();
          return changes.stream().anyMatch(c -> c.kind() == Kind.CLEARED
              && c.finding().code() == FindingCode.NO_ELIGIBLE_BACKEND);
        });
      }
    }
    assertThat(changes.stream().filter(c -> c.finding().code() == FindingCode.NO_ELIGIBLE_BACKEND))
        .extracting(Change::kind).containsExactly(Kind.APPEARED, Kind.CLEARED);
  }

  @Test
  void start_runsOnItsOwnThread_andCloseStopsIt() throws Exception {
    CountDownLatch twice = new CountDownLatch(2);
    PeriodicCheck check = PeriodicCheck.reporting(() -> {
      twice.countDown();
      return report();
    }, c -> { });

    check.start(Duration.ofMillis(10));
    assertThat(twice.await(30, TimeUnit.SECONDS)).isTrue();
    assertThatThrownBy(() -> check.start(Duration.ofSeconds(1))).isInstanceOf(IllegalStateException.class)
        .hasMessage("periodicCheck is already started or closed");
    check.close();

    assertThat(Thread.getAllStackTraces().keySet()).extracting(Thread::getName).doesNotContain("lb4j-diagnostics");
    assertThatThrownBy(() -> check.start(Duration.ofSeconds(1))).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void close_fromTheSinkOnTheChecksOwnThread_doesNotWaitForItself() throws Exception {
    CountDownLatch closedBySink = new CountDownLatch(1);
    AtomicReference<PeriodicCheck> self = new AtomicReference<>();
    PeriodicCheck check = PeriodicCheck.reporting(() -> report(finding(FindingCode.FLAPPING, "backend a", "1")),
        c -> {
          self.get().close();
          closedBySink.countDown();
        });
    self.set(check);

    check.start(Duration.ofMillis(10));

    assertThat(closedBySink.await(30, TimeUnit.SECONDS)).isTrue();
    check.close(); // from the test thread: joins the check's thread
    assertThat(Thread.getAllStackTraces().keySet()).extracting(Thread::getName).doesNotContain("lb4j-diagnostics");
  }

  @Test
  void start_rejectsAPeriodOutOfRange() {
    PeriodicCheck check = PeriodicCheck.reporting(PeriodicCheckTest::report, c -> { });

    assertThatThrownBy(() -> check.start(Duration.ofMillis(9))).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("periodicCheck.period must be between 10ms and 3600s, was 9ms");
  }
}
