package io.lb4j.api.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class DiscoveryPolicyTest {

  @Test
  void defaults_waitTenSecondsRetryOneToSixtyAndRefuseEmptyLists() {
    DiscoveryPolicy p = DiscoveryPolicy.defaults();
    assertThat(p.initialTimeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(p.retryInitialBackoff()).isEqualTo(Duration.ofSeconds(1));
    assertThat(p.retryMaxBackoff()).isEqualTo(Duration.ofSeconds(60));
    assertThat(p.allowEmptyList()).isFalse();
    assertThat(p).isEqualTo(DiscoveryPolicy.builder().build()).hasToString(
        "DiscoveryPolicy{initialTimeout=10s, retryBackoff=1s-60s, allowEmptyList=false}");
  }

  @Test
  void ranges_acceptEachEdgeAndRejectOnePast() {
    DiscoveryPolicy.Builder b = DiscoveryPolicy.builder();
    assertThat(b.initialTimeout(Duration.ofMillis(10)).build().initialTimeout()).isEqualTo(Duration.ofMillis(10));
    assertThat(b.initialTimeout(Duration.ofMinutes(10)).build().initialTimeout()).isEqualTo(Duration.ofMinutes(10));
    assertThatThrownBy(() -> b.initialTimeout(Duration.ofMillis(9)))
        .hasMessage("discovery.initialTimeout must be between 10ms and 600s, was 9ms");
    assertThatThrownBy(() -> b.initialTimeout(Duration.ofSeconds(601)))
        .hasMessage("discovery.initialTimeout must be between 10ms and 600s, was 601s");
    assertThatThrownBy(() -> b.retryInitialBackoff(Duration.ofMillis(9)))
        .hasMessage("discovery.retryInitialBackoff must be between 10ms and 600s, was 9ms");
    assertThatThrownBy(() -> b.retryMaxBackoff(Duration.ofSeconds(601)))
        .hasMessage("discovery.retryMaxBackoff must be between 10ms and 600s, was 601s");
    assertThatThrownBy(() -> b.retryInitialBackoff(null)).isInstanceOf(NullPointerException.class)
        .hasMessage("discovery.retryInitialBackoff");
  }

  @Test
  void build_rejectsMaxBackoffBelowInitialAndKeepsPreviousValues() {
    DiscoveryPolicy.Builder b = DiscoveryPolicy.builder().retryInitialBackoff(Duration.ofSeconds(5))
        .retryMaxBackoff(Duration.ofSeconds(4));
    assertThatThrownBy(b::build).isInstanceOf(IllegalStateException.class)
        .hasMessage("discovery.retryMaxBackoff must be at least discovery.retryInitialBackoff (5s), was 4s");
    assertThatThrownBy(() -> b.retryMaxBackoff(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
    assertThat(b.retryMaxBackoff(Duration.ofSeconds(5)).build().retryMaxBackoff()).isEqualTo(Duration.ofSeconds(5));
  }

  @Test
  void backoff_doublesFromInitialUpToTheCap() {
    DiscoveryPolicy p = DiscoveryPolicy.builder().retryInitialBackoff(Duration.ofMillis(100))
        .retryMaxBackoff(Duration.ofMillis(1000)).build();
    assertThat(p.backoff(1)).isEqualTo(Duration.ofMillis(100));
    assertThat(p.backoff(2)).isEqualTo(Duration.ofMillis(200));
    assertThat(p.backoff(4)).isEqualTo(Duration.ofMillis(800));
    assertThat(p.backoff(5)).isEqualTo(Duration.ofMillis(1000));
    assertThat(p.backoff(Integer.MAX_VALUE)).isEqualTo(Duration.ofMillis(1000));
    assertThatThrownBy(() -> p.backoff(0)).hasMessage("attempt must be at least 1, was 0");
  }

  @Test
  void toBuilder_keepsEveryValue() {
    DiscoveryPolicy p = DiscoveryPolicy.builder().initialTimeout(Duration.ofSeconds(3))
        .retryInitialBackoff(Duration.ofMillis(50)).retryMaxBackoff(Duration.ofSeconds(2)).allowEmptyList(true)
        .build();
    assertThat(p.toBuilder().build()).isEqualTo(p).hasSameHashCodeAs(p);
  }
}
