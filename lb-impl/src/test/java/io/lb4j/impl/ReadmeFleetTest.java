package io.lb4j.impl;

import static org.assertj.core.api.Assertions.assertThat;

import io.lb4j.api.Backend;
import io.lb4j.api.Listener;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.Protocol;
import io.lb4j.api.discovery.BackendSource;
import io.lb4j.api.discovery.SubsetPolicy;
import io.lb4j.api.health.HealthCheckPolicy;
import io.lb4j.api.load.LoadAwarePolicy;
import io.lb4j.api.load.LoadReport;
import io.lb4j.impl.client.BalancedHttpClient;
import io.lb4j.impl.discovery.BackendSources;
import io.lb4j.testing.Behavior;
import io.lb4j.testing.HttpTestBackend;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** README's fleet snippets, run as written: load-aware weights from real reports, and a subset of a registry. */
class ReadmeFleetTest {

  @Test
  void readmeLoadAware_readsEachResponsesReport() throws Exception {
    try (HttpTestBackend a = HttpTestBackend.builder("a").build().start();
        HttpTestBackend b = HttpTestBackend.builder("b").build().start()) {
      for (HttpTestBackend t : List.of(a, b)) {
        t.set(Behavior.builder().header(LoadReport.HEADER, "TEXT cpu_utilization=0.4, rps_fractional=80").build());
      }
      List<Backend> backends = List.of(Backend.of("a", a.host(), a.port()), Backend.of("b", b.host(), b.port()));

      try (LoadBalancer pool = LoadBalancers.builder().name("orders").backends(backends)
          .loadAware(LoadAwarePolicy.backendReports()) // weights follow endpoint-load-metrics, updated every 1 s
          .build().start()) {
        pool.whenReady().get(10, TimeUnit.SECONDS);
        BalancedHttpClient client = BalancedHttpClient.builder(pool).build(); // reads each response's report
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(client.uri("/orders")).build(),
            HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        LoadAwareMetrics m = LoadBalancers.loadAwareMetrics(pool).orElseThrow();
        assertThat(m.backends()).extracting(LoadAwareMetrics.BackendLoad::reports).containsOnly(0L, 1L)
            .contains(1L);
      }
    }
  }

  @Test
  void readmeSubset_usesAndChecksFiveOfFortyBackends() throws Exception {
    List<Backend> forty = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      forty.add(Backend.of("app-" + i, "10.1.0." + (i + 1), 8080));
    }
    BackendSource registry = BackendSources.fixed(forty);
    Listener listener = Listener.builder("web", Protocol.HTTP, 0).healthCheck(HealthCheckPolicy.disabled()).build();

    int replica = 3; // this instance's index among the 12 (a StatefulSet ordinal)
    try (LoadBalancer pool = LoadBalancers.builder(listener).backendSource(registry)
        .subset(SubsetPolicy.byIndex(replica, 12, 5)) // uses and checks 5 of the backends, spread evenly
        .build().start()) {
      pool.whenReady().get(10, TimeUnit.SECONDS);
      SubsetStatus status = LoadBalancers.subsetStatus(pool).orElseThrow(); // 5 of the 40 backends given
      assertThat(status.subset()).isEqualTo(5);
      assertThat(status.membership()).isEqualTo(40);
      assertThat(pool.view()).hasSize(5);
      assertThat(status.clientsPerBackend()).isEqualTo(1.5);
    }
  }
}
