package io.lb4j.impl.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {

  @Test
  void defaults_areTheDocumentedOnes() {
    RetryPolicy p = RetryPolicy.defaults();

    assertThat(p.maxAttempts()).isEqualTo(3);
    assertThat(p.initialBackoff()).isEqualTo(Duration.ofMillis(20));
    assertThat(p.maxBackoff()).isEqualTo(Duration.ofSeconds(1));
    assertThat(p.backoffMultiplier()).isEqualTo(2.0);
    assertThat(p.jitter()).isEqualTo(0.2);
    assertThat(p.retryableStatuses()).containsExactly(502, 503, 504);
    assertThat(p.budgetRatio()).isEqualTo(0.2);
    assertThat(p.budgetBurst()).isEqualTo(10);
    assertThat(p.requeueBudgetRatio()).isEqualTo(1.0);
    assertThat(p.requeueBudgetBurst()).isEqualTo(10);
    assertThat(RetryPolicy.none().maxAttempts()).isEqualTo(1);
    assertThat(p.toBuilder().build()).isEqualTo(p).hasSameHashCodeAs(p);
  }

  @Test
  void setters_acceptTheirEdges() {
    RetryPolicy p = RetryPolicy.builder().maxAttempts(10).initialBackoff(Duration.ZERO).maxBackoff(Duration.ofSeconds(60))
        .backoffMultiplier(10.0).jitter(1.0).retryableStatuses(Set.of(500, 599)).budgetRatio(1.0).budgetBurst(1000)
        .requeueBudgetRatio(10.0).requeueBudgetBurst(1000).build();

    assertThat(p.maxAttempts()).isEqualTo(10);
    assertThat(p.budgetRatio()).isEqualTo(1.0);
    assertThat(p.budgetBurst()).isEqualTo(1000);
    assertThat(p.requeueBudgetRatio()).isEqualTo(10.0);
    assertThat(p.requeueBudgetBurst()).isEqualTo(1000);
    assertThat(p.retryableStatuses()).containsExactly(500, 599);
    assertThat(p.isRetryableStatus(599)).isTrue();
    assertThat(p.isRetryableStatus(503)).isFalse();
    assertThat(RetryPolicy.builder().maxAttempts(1).backoffMultiplier(1.0).jitter(0).retryableStatuses(Set.of())
        .budgetRatio(0.0).budgetBurst(1).requeueBudgetRatio(0.0).requeueBudgetBurst(1).build().retryableStatuses())
        .isEmpty();
  }

  @Test
  void setters_rejectValuesPastTheirEdges_withTheFieldAndValue() {
    RetryPolicy.Builder b = RetryPolicy.builder();

    assertThatThrownBy(() -> b.maxAttempts(0)).hasMessage("retry.maxAttempts must be between 1 and 10, was 0");
    assertThatThrownBy(() -> b.maxAttempts(11)).hasMessage("retry.maxAttempts must be between 1 and 10, was 11");
    assertThatThrownBy(() -> b.initialBackoff(Duration.ofMillis(-1)))
        .hasMessage("retry.initialBackoff must be between 0s and 60s, was -1ms");
    assertThatThrownBy(() -> b.maxBackoff(Duration.ofMillis(60_001)))
        .hasMessage("retry.maxBackoff must be between 0s and 60s, was 60001ms");
    assertThatThrownBy(() -> b.backoffMultiplier(0.99))
        .hasMessage("retry.backoffMultiplier must be between 1.0 and 10.0, was 0.99");
    assertThatThrownBy(() -> b.jitter(1.01)).hasMessage("retry.jitter must be between 0.0 and 1.0, was 1.01");
    assertThatThrownBy(() -> b.retryableStatuses(Set.of(499)))
        .hasMessage("retry.retryableStatuses must be 5xx statuses (500-599), was [499]");
    assertThatThrownBy(() -> b.budgetRatio(1.5)).hasMessage("retry.budgetRatio must be between 0.0 and 1.0, was 1.5");
    assertThatThrownBy(() -> b.budgetRatio(-0.1)).hasMessage("retry.budgetRatio must be between 0.0 and 1.0, was -0.1");
    assertThatThrownBy(() -> b.budgetBurst(0)).hasMessage("retry.budgetBurst must be between 1 and 1000, was 0");
    assertThatThrownBy(() -> b.budgetBurst(1001)).hasMessage("retry.budgetBurst must be between 1 and 1000, was 1001");
    assertThatThrownBy(() -> b.requeueBudgetRatio(10.01))
        .hasMessage("retry.requeueBudgetRatio must be between 0.0 and 10.0, was 10.01");
    assertThatThrownBy(() -> b.requeueBudgetRatio(-1))
        .hasMessage("retry.requeueBudgetRatio must be between 0.0 and 10.0, was -1.0");
    assertThatThrownBy(() -> b.requeueBudgetBurst(0))
        .hasMessage("retry.requeueBudgetBurst must be between 1 and 1000, was 0");
    assertThatThrownBy(() -> b.requeueBudgetBurst(1001))
        .hasMessage("retry.requeueBudgetBurst must be between 1 and 1000, was 1001");
    assertThat(b.build()).isEqualTo(RetryPolicy.defaults()); // nothing half-applied
  }

  @Test
  void budgetSetters_areNamedAfterTheirGetters() {
    // Issue 19 item 5: the getters were budgetRatio()/budgetBurst() but the one setter budget(ratio, burst).
    RetryPolicy p = RetryPolicy.builder().budgetRatio(0.3).budgetBurst(7).requeueBudgetRatio(2.5)
        .requeueBudgetBurst(40).build();

    assertThat(p.budgetRatio()).isEqualTo(0.3);
    assertThat(p.budgetBurst()).isEqualTo(7);
    assertThat(p.requeueBudgetRatio()).isEqualTo(2.5);
    assertThat(p.requeueBudgetBurst()).isEqualTo(40);
    assertThat(p.toBuilder().build()).isEqualTo(p).isNotEqualTo(RetryPolicy.defaults());
    assertThat(p.toString()).contains("budget=0.3+7 requeueBudget=2.5+40");
  }

  @Test
  void build_rejectsMaxBackoffBelowInitialBackoff() {
    assertThatThrownBy(() -> RetryPolicy.builder().initialBackoff(Duration.ofMillis(500))
        .maxBackoff(Duration.ofMillis(100)).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("retry.maxBackoff 100ms must not be below retry.initialBackoff 500ms");
  }

  @Test
  void backoff_growsByTheMultiplierUpToTheCap_withinTheJitter() {
    RetryPolicy p = RetryPolicy.builder().initialBackoff(Duration.ofMillis(100)).maxBackoff(Duration.ofMillis(350))
        .backoffMultiplier(2.0).jitter(0.2).build();

    assertThat(p.backoffNanos(1, 0.5)).isEqualTo(100_000_000L);
    assertThat(p.backoffNanos(2, 0.5)).isEqualTo(200_000_000L);
    assertThat(p.backoffNanos(3, 0.5)).isEqualTo(350_000_000L);
    assertThat(p.backoffNanos(1, 0.0)).isEqualTo(80_000_000L);
    assertThat(p.backoffNanos(1, 0.999_999)).isBetween(119_999_000L, 120_000_000L);
    assertThat(p.backoffNanos(9, 0.0)).isEqualTo(280_000_000L);
  }
}
