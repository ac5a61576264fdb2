package io.lb4j.impl.diagnostics;

import static org.assertj.core.api.Assertions.assertThat;

import io.lb4j.api.Backend;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.RequestContext;
import io.lb4j.api.Selection;
import io.lb4j.api.health.HealthCheckPolicy;
import io.lb4j.api.load.LoadAwarePolicy;
import io.lb4j.api.load.LoadReport;
import io.lb4j.impl.LoadBalancers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Diagnostics of load reports: malformed ones judged by growth, and backends that never report. */
class LoadFindingsTest {

  private final Loop loop = new Loop();
  private final Diagnostics diagnostics = Loop.withoutHost().build();

  @AfterEach
  void close() throws Exception {
    loop.close();
  }

  private LoadBalancer pool(LoadAwarePolicy policy) {
    return loop.track(LoadBalancers.builder().name("orders").healthCheck(HealthCheckPolicy.disabled())
        .loadAware(policy).backend(Backend.of("a", "127.0.0.1", 80)).backend(Backend.of("b", "127.0.0.1", 81))
        .build()).start();
  }

  private static Selection of(LoadBalancer pool, String id) {
    for (int i = 0; i < 100; i++) {
      Selection s = pool.select(RequestContext.EMPTY);
      s.release();
      if (s.backend().id().equals(id)) {
        return s;
      }
    }
    throw new AssertionError(id + " never selected");
  }

  @Test
  void malformedReports_areReportedWhileTheyGrow_withTheLastReason() {
    LoadBalancer pool = pool(LoadAwarePolicy.backendReports());
    pool.reportLoad(of(pool, "b"), LoadReport.of(0.5, 10, 0));
    pool.reportMalformedLoad(of(pool, "a"), "endpoint-load-metrics eps must be a finite number, 0 or above, was '-1'");
    pool.reportMalformedLoad(of(pool, "a"), "endpoint-load-metrics must appear at most once in a response, appeared 2"
        + " times");

    Finding f = PoolFindingsTest.only(diagnostics.examine(pool), FindingCode.LOAD_REPORT_MALFORMED);

    assertThat(f.severity()).isEqualTo(Severity.WARNING);
    assertThat(f.summary()).startsWith("a sent load reports that could not be read: each keeps the weight");
    assertThat(f.evidence()).containsOnlyKeys("a").containsEntry("a", "2 malformed of 0 well-formed since it joined;"
        + " last: endpoint-load-metrics must appear at most once in a response, appeared 2 times");
    assertThat(diagnostics.examine(pool).findings(FindingCode.LOAD_REPORT_MALFORMED)).as("no growth").isEmpty();
    pool.reportMalformedLoad(of(pool, "a"), "endpoint-load-metrics must be at most 2048 characters, was 4000");
    assertThat(PoolFindingsTest.only(diagnostics.examine(pool), FindingCode.LOAD_REPORT_MALFORMED).evidence())
        .containsEntry("a", "1 malformed of 0 well-formed since it joined; last: endpoint-load-metrics must be at"
            + " most 2048 characters, was 4000");
  }

  @Test
  void aBackendThatTookTrafficButNeverReported_isNamed_onlyWhenTheWeightsFollowReports() {
    LoadBalancer pool = pool(LoadAwarePolicy.backendReports());
    pool.reportLoad(of(pool, "a"), LoadReport.of(0.5, 10, 0));
    of(pool, "b");

    Finding f = PoolFindingsTest.only(diagnostics.examine(pool), FindingCode.LOAD_REPORT_MISSING);
    assertThat(f.evidence()).containsOnlyKeys("b");
    assertThat(f.fix()).contains("OBSERVED_LATENCY");

    LoadBalancer observed = pool(LoadAwarePolicy.builder().signal(LoadAwarePolicy.Signal.OBSERVED_LATENCY).build());
    of(observed, "a");
    assertThat(diagnostics.examine(observed).findings(FindingCode.LOAD_REPORT_MISSING)).isEmpty();
  }
}
