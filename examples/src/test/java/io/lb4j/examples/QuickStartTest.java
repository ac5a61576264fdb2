package io.lb4j.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.lb4j.api.Backend;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.Outcome;
import io.lb4j.api.RequestContext;
import io.lb4j.api.Selection;
import io.lb4j.api.health.HealthCheckPolicy;
import io.lb4j.api.persistence.SessionPersistence;
import io.lb4j.impl.LoadBalancers;
import io.lb4j.testing.HttpTestBackend;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Keeps README's quick start compiling and true: the block between the markers is the README snippet. */
class QuickStartTest {

  @Test
  void readmeQuickStart_selectsAHealthyBackendAndSetsASessionCookie() throws Exception {
    List<String> sentTo = new ArrayList<>();
    try (HttpTestBackend a = HttpTestBackend.builder("a").host("127.0.0.1").build().start();
        HttpTestBackend b = HttpTestBackend.builder("b").host("127.0.0.2").build().start()) {
      int portA = a.port();
      int portB = b.port();
      // --- README quick start ---
      try (LoadBalancer lb = LoadBalancers.builder().name("web") // a client-side pool: no listener needed
          .healthCheck(HealthCheckPolicy.http().toBuilder().path("/health").interval(Duration.ofMillis(200)).build())
          .sessionPersistence(SessionPersistence.insertCookie(Duration.ofMinutes(30)))
          .backend(Backend.of("a", "127.0.0.1", portA, 3))
          .backend(Backend.of("b", "127.0.0.2", portB, 1))
          .build().start()) {
        lb.whenReady().get(10, TimeUnit.SECONDS); // new backends get no traffic until checked
        try (Selection s = lb.select(RequestContext.builder().cookieHeader("theme=dark").build())) {
          if (!s.hasBackend()) {
            throw new IllegalStateException("502: " + s.reason().description());
          }
          // connect to s.address(); add s.setCookie() to the response if not null
          lb.report(s, Outcome.httpStatus(200, Duration.ofMillis(3)));
      // --- end of README quick start ---
          sentTo.add(s.backend().id());
          assertThat(s.setCookie()).startsWith("LB4J_SESSION=");
          assertThat(s.address().getPort()).isIn(portA, portB);
        }
      }
    }
    assertThat(sentTo).hasSize(1);
  }
}
