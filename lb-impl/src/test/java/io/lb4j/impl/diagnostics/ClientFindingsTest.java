package io.lb4j.impl.diagnostics;

import static io.lb4j.impl.diagnostics.PoolFindingsTest.only;
import static org.assertj.core.api.Assertions.assertThat;

import io.lb4j.api.LoadBalancer;
import io.lb4j.api.health.HealthCheckPolicy;
import io.lb4j.api.scheduler.SchedulingAlgorithm;
import io.lb4j.impl.LoadBalancers;
import io.lb4j.impl.client.BalancedHttpClient;
import io.lb4j.impl.client.RetryPolicy;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The client findings, from a real {@link BalancedHttpClient} sending to real loopback applications. */
class ClientFindingsTest {

  private final Loop loop = new Loop();
  private final Diagnostics diagnostics = Loop.withoutHost().build();

  @AfterEach
  void close() throws Exception {
    loop.close();
  }

  @Test
  void retryBudgetExhausted_namesThePoolAndTheBackendsWhoseAnswersSpentIt_andClearsWhenItStops() throws Exception {
    // Issue 25 item 2: running out of retry budget showed nowhere.
    Loop.App a = loop.app().status("/", 503);
    Loop.App b = loop.app().status("/", 503);
    LoadBalancer pool = loop.track(LoadBalancers.builder().name("web").healthCheck(HealthCheckPolicy.disabled())
        .scheduler(SchedulingAlgorithm.ROUND_ROBIN).backends(List.of(a.backend("a"), b.backend("b"))).build())
        .start();
    BalancedHttpClient client = BalancedHttpClient.builder(pool).retryPolicy(RetryPolicy.builder().maxAttempts(2)
        .initialBackoff(Duration.ZERO).maxBackoff(Duration.ZERO).budgetRatio(0).budgetBurst(2).build()).build();
    HttpRequest get = HttpRequest.newBuilder(URI.create("http://web/")).build();
    for (int i = 0; i < 6; i++) {
      assertThat(client.send(get, BodyHandlers.discarding()).statusCode()).isEqualTo(503);
    }

    Finding f = only(diagnostics.examine(pool, client.metrics()), FindingCode.RETRY_BUDGET_EXHAUSTED);

    assertThat(f.severity()).isEqualTo(Severity.WARNING);
    assertThat(f.subject()).isEqualTo("pool web");
    assertThat(f.summary()).startsWith("the client's budgets refused 4 retries and 0 requeues: ")
        .matches(".* came from (a, b|b, a)$");
    assertThat(f.evidence()).containsEntry("retriesRefused", "4").containsEntry("requeuesRefused", "0")
        .containsEntry("requests", "6").containsEntry("retries", "2")
        .containsEntry("retryBudget", "0% of requests + 2").containsEntry("requeueBudget", "100% of requests + 10");
    assertThat(f.evidence().get("backends")).contains("a (" + a.backend("a").authority() + "): ")
        .contains("b (" + b.backend("b").authority() + "): ");
    assertThat(f.fix()).contains("RetryPolicy.budgetRatio");

    assertThat(diagnostics.examine(pool, client.metrics()).findings(FindingCode.RETRY_BUDGET_EXHAUSTED))
        .as("no refusal since the last examination").isEmpty();

    client.send(get, BodyHandlers.discarding());
    Finding again = only(diagnostics.examine(pool, client.metrics()), FindingCode.RETRY_BUDGET_EXHAUSTED);
    assertThat(again.evidence()).containsEntry("retriesRefused", "1 since the last examination");
  }

  @Test
  void aClientWhoseBudgetsRefusedNothing_findsNothing() throws Exception {
    Loop.App a = loop.app();
    LoadBalancer pool = loop.track(LoadBalancers.builder().name("web").healthCheck(HealthCheckPolicy.disabled())
        .backends(List.of(a.backend("a"))).build()).start();
    BalancedHttpClient client = BalancedHttpClient.builder(pool).build();
    client.send(HttpRequest.newBuilder(URI.create("http://web/")).build(), BodyHandlers.discarding());

    assertThat(diagnostics.examine(pool, client.metrics()).findings(FindingCode.RETRY_BUDGET_EXHAUSTED)).isEmpty();
  }
}
