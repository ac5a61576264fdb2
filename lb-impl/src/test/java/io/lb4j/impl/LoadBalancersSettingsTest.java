package io.lb4j.impl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lb4j.api.Listener;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.Protocol;
import io.lb4j.api.health.OutlierDetectionPolicy;
import io.lb4j.api.persistence.SessionPersistence;
import java.lang.reflect.Proxy;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class LoadBalancersSettingsTest {

  @Test
  void settings_ofAListenersPool_isTheListener() {
    Listener listener = Listener.builder("web", Protocol.HTTP, 0).build();
    try (LoadBalancer lb = LoadBalancers.builder(listener).build()) {
      assertThat(LoadBalancers.settings(lb)).isSameAs(listener);
    }
  }

  @Test
  void settings_ofAClientSidePool_holdWhatTheBuilderSet() {
    OutlierDetectionPolicy outliers = OutlierDetectionPolicy.builder().consecutiveFailures(7).build();
    SessionPersistence sticky = SessionPersistence.sourceIp(Duration.ofSeconds(60));
    try (LoadBalancer lb = LoadBalancers.builder().name("orders").outlierDetection(outliers)
        .sessionPersistence(sticky).build()) {
      Listener settings = LoadBalancers.settings(lb);

      assertThat(lb.listener()).isNull();
      assertThat(lb.name()).isEqualTo("orders");
      assertThat(settings.outlierDetection()).isEqualTo(outliers);
      assertThat(settings.sessionPersistence()).isEqualTo(sticky);
    }
  }

  @Test
  void settings_rejectsALoadBalancerBuiltElsewhere() {
    LoadBalancer foreign = (LoadBalancer) Proxy.newProxyInstance(getClass().getClassLoader(),
        new Class<?>[] {LoadBalancer.class}, (proxy, method, args) -> method.getName().equals("toString")
            ? "ForeignLoadBalancer" : null);

    assertThatThrownBy(() -> LoadBalancers.settings(foreign)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("lb must be built by LoadBalancers, was ForeignLoadBalancer");
  }
}
