package io.lb4j.impl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lb4j.api.Listener;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.PoolSettings;
import io.lb4j.api.Protocol;
import io.lb4j.api.health.HealthCheckPolicy;
import io.lb4j.api.health.OutlierDetectionPolicy;
import io.lb4j.api.persistence.SessionPersistence;
import io.lb4j.api.scheduler.SchedulingAlgorithm;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** What a pool runs under, apart from what a frontend needs (issue 18 item 9). */
class LoadBalancersSettingsTest {

  @Test
  void settings_ofAListenersPool_areTheListenersPoolSettings() {
    Listener listener = Listener.builder("web", Protocol.HTTP, 0).backendPort(8443)
        .drainTimeout(Duration.ofSeconds(5)).build();
    try (LoadBalancer lb = LoadBalancers.builder(listener).build()) {
      assertThat(lb.settings()).isEqualTo(listener.poolSettings());
      assertThat(lb.settings().backendPort()).isEqualTo(8443);
      assertThat(lb.settings().healthCheck()).isEqualTo(HealthCheckPolicy.http());
    }
  }

  @Test
  void settings_ofAClientSidePool_holdWhatTheBuilderSet_withoutAListener() {
    OutlierDetectionPolicy outliers = OutlierDetectionPolicy.builder().consecutiveFailures(7).build();
    SessionPersistence sticky = SessionPersistence.sourceIp(Duration.ofSeconds(60));
    try (LoadBalancer lb = LoadBalancers.builder().name("orders").outlierDetection(outliers)
        .sessionPersistence(sticky).build()) {
      PoolSettings settings = lb.settings();

      assertThat(lb.listener()).isNull();
      assertThat(lb.name()).isEqualTo("orders");
      assertThat(settings.outlierDetection()).isEqualTo(outliers);
      assertThat(settings.sessionPersistence()).isEqualTo(sticky);
      assertThat(settings.toString()).doesNotContain("Listener");
    }
  }

  @Test
  void clientSidePoolSettings_nameThePoolsFieldsInTheirMessages_andCanBeGivenWhole() {
    assertThatThrownBy(() -> LoadBalancers.builder().drainTimeout(Duration.ofMillis(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("pool.drainTimeout must be 0 (off) or between 10ms and 900s, was 1ms");
    assertThatThrownBy(() -> LoadBalancers.builder().scheduler((SchedulingAlgorithm) null))
        .isInstanceOf(NullPointerException.class).hasMessage("pool.scheduler");

    PoolSettings whole = PoolSettings.builder().scheduler(SchedulingAlgorithm.LEAST_REQUEST_P2C).backendPort(9000)
        .slowStartFloorPercent(50).build();
    try (LoadBalancer lb = LoadBalancers.builder().settings(whole).build()) {
      assertThat(lb.settings()).isEqualTo(whole);
    }
  }

  @Test
  void clientSideSetters_onAListenersPool_sayWhereTheSettingBelongs() {
    LoadBalancers.Builder b = LoadBalancers.builder(Listener.builder("web", Protocol.HTTP, 0).build());
    assertThatThrownBy(() -> b.settings(PoolSettings.defaults())).isInstanceOf(IllegalStateException.class)
        .hasMessage("settings of a listener's pool is set on the listener, not the pool builder");
  }
}
