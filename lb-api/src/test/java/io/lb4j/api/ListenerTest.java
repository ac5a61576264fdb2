package io.lb4j.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lb4j.api.health.HealthCheckPolicy;
import io.lb4j.api.health.HealthCheckType;
import io.lb4j.api.persistence.SessionPersistence;
import io.lb4j.api.scheduler.SchedulingAlgorithm;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ListenerTest {

  private static Listener.Builder tcp() {
    return Listener.builder("l4", Protocol.TCP, 80);
  }

  private static Listener.Builder http() {
    return Listener.builder("web", Protocol.HTTP, 80);
  }

  @Test
  void defaults_matchTheReference() {
    Listener l = http().build();
    assertThat(l.scheduler()).isEqualTo(SchedulingAlgorithm.WEIGHTED_ROUND_ROBIN);
    assertThat(l.requestTimeout()).isEqualTo(Duration.ofSeconds(60));
    assertThat(l.writeTimeout()).isEqualTo(Duration.ofSeconds(60));
    assertThat(l.lingeringTime()).isEqualTo(Duration.ofSeconds(30));
    assertThat(l.underscoresInHeaders()).isFalse();
    assertThat(l.allowH2cUpgrade()).isFalse();
    assertThat(l.http2()).isTrue();
    assertThat(l.backendHttpVersion()).isEqualTo(HttpVersion.HTTP_1_1);
    assertThat(l.idleTimeout()).isEqualTo(Duration.ofSeconds(900));
    assertThat(l.acceptBacklog()).isEqualTo(1024);
    assertThat(l.maxRequestHeaderSize()).isEqualTo(32 * 1024);
    assertThat(l.sessionPersistence()).isEqualTo(SessionPersistence.none());
    assertThat(l.outlierDetection().enabled()).isFalse();
    assertThat(l.drainTimeout()).isZero();
    assertThat(l.slowStartWindow()).isZero();
    assertThat(l.backendPort()).isZero();
    assertThat(l.backendPortFor(Backend.of("b", "h", 8081))).isEqualTo(8081);
  }

  @Test
  void defaults_healthCheckFollowsTheFrontendProtocol() {
    assertThat(http().build().healthCheck().type()).isEqualTo(HealthCheckType.HTTP);
    assertThat(Listener.builder("s", Protocol.HTTPS, 443).build().healthCheck().type()).isEqualTo(HealthCheckType.HTTP);
    assertThat(tcp().build().healthCheck()).isEqualTo(HealthCheckPolicy.defaults());
    assertThat(Listener.builder("u", Protocol.UDP, 53).build().healthCheck().enabled()).isFalse();
  }

  @Test
  void defaults_backendProtocolFollowsTheFrontend() {
    assertThat(Listener.builder("s", Protocol.HTTPS, 443).build().backendProtocol()).isEqualTo(Protocol.HTTP);
    assertThat(tcp().build().backendProtocol()).isEqualTo(Protocol.TCP);
    assertThat(Listener.builder("u", Protocol.UDP, 53).build().backendProtocol()).isEqualTo(Protocol.UDP);
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 65535})
  void frontendPort_acceptsRangeEdges(int port) {
    assertThat(Listener.builder("l", Protocol.TCP, port).build().frontendPort()).isEqualTo(port);
  }

  @ParameterizedTest
  @ValueSource(ints = {-1, 65536})
  void frontendPort_rejectsOutsideRange(int port) {
    assertThatThrownBy(() -> Listener.builder("l", Protocol.TCP, port))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("listener.frontendPort must be between 0 and 65535, was " + port);
  }

  @ParameterizedTest
  @CsvSource({"0,false", "1,true", "65535,true", "65536,false"})
  void backendPort_rangeEdges(int port, boolean accepted) {
    if (accepted) {
      assertThat(tcp().backendPort(port).build().backendPort()).isEqualTo(port);
    } else {
      assertThatThrownBy(() -> tcp().backendPort(port))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("listener.backendPort must be between 1 and 65535, was " + port);
    }
  }

  @ParameterizedTest
  @CsvSource({"999,false", "1000,true", "180000,true", "180001,false"})
  void requestTimeout_rangeEdges(long millis, boolean accepted) {
    Duration d = Duration.ofMillis(millis);
    if (accepted) {
      assertThat(http().requestTimeout(d).build().requestTimeout()).isEqualTo(d);
    } else {
      assertThatThrownBy(() -> http().requestTimeout(d))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("listener.requestTimeout must be between 1s and 180s, was "
              + (millis % 1000 == 0 ? millis / 1000 + "s" : millis + "ms"));
    }
  }

  @ParameterizedTest
  @CsvSource({"999,false", "1000,true", "900000,true", "900001,false"})
  void writeTimeout_rangeEdges(long millis, boolean accepted) {
    Duration d = Duration.ofMillis(millis);
    if (accepted) {
      assertThat(http().writeTimeout(d).build().writeTimeout()).isEqualTo(d);
    } else {
      assertThatThrownBy(() -> http().writeTimeout(d))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("listener.writeTimeout must be between 1s and 900s, was "
              + (millis % 1000 == 0 ? millis / 1000 + "s" : millis + "ms"));
    }
  }

  @ParameterizedTest
  @CsvSource({"999,false", "1000,true", "900000,true", "900001,false"})
  void lingeringTime_rangeEdges(long millis, boolean accepted) {
    Duration d = Duration.ofMillis(millis);
    if (accepted) {
      assertThat(http().lingeringTime(d).build().lingeringTime()).isEqualTo(d);
    } else {
      assertThatThrownBy(() -> http().lingeringTime(d))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("listener.lingeringTime must be between 1s and 900s, was "
              + (millis % 1000 == 0 ? millis / 1000 + "s" : millis + "ms"));
    }
  }

  @ParameterizedTest
  @CsvSource({"9999,false", "10000,true", "900000,true", "900001,false"})
  void idleTimeout_rangeEdges(long millis, boolean accepted) {
    Duration d = Duration.ofMillis(millis);
    if (accepted) {
      assertThat(tcp().idleTimeout(d).build().idleTimeout()).isEqualTo(d);
    } else {
      assertThatThrownBy(() -> tcp().idleTimeout(d))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("listener.idleTimeout must be between 10s and 900s, was ");
    }
  }

  @Test
  void idleTimeout_messageShowsTheValue() {
    assertThatThrownBy(() -> tcp().idleTimeout(Duration.ofSeconds(901)))
        .hasMessage("listener.idleTimeout must be between 10s and 900s, was 901s");
  }

  @ParameterizedTest
  @CsvSource({"1023,false", "1024,true", "1048576,true", "1048577,false"})
  void maxRequestHeaderSize_rangeEdges(int bytes, boolean accepted) {
    if (accepted) {
      assertThat(http().maxRequestHeaderSize(bytes).build().maxRequestHeaderSize()).isEqualTo(bytes);
    } else {
      assertThatThrownBy(() -> http().maxRequestHeaderSize(bytes))
          .hasMessage("listener.maxRequestHeaderSize must be between 1024 and 1048576, was " + bytes);
    }
  }

  @ParameterizedTest
  @CsvSource({"0,false", "1,true", "65535,true", "65536,false"})
  void acceptBacklog_rangeEdges(int backlog, boolean accepted) {
    if (accepted) {
      assertThat(tcp().acceptBacklog(backlog).build().acceptBacklog()).isEqualTo(backlog);
    } else {
      assertThatThrownBy(() -> tcp().acceptBacklog(backlog))
          .hasMessage("listener.acceptBacklog must be between 1 and 65535, was " + backlog);
    }
  }

  @ParameterizedTest
  @CsvSource({"0,true", "9,false", "10,true", "900000,true", "900001,false"})
  void drainTimeout_zeroOrRange(long millis, boolean accepted) {
    Duration d = Duration.ofMillis(millis);
    if (accepted) {
      assertThat(tcp().drainTimeout(d).build().drainTimeout()).isEqualTo(d);
    } else {
      assertThatThrownBy(() -> tcp().drainTimeout(d))
          .hasMessageStartingWith("listener.drainTimeout must be 0 (off) or between 10ms and 900s, was ");
    }
  }

  @ParameterizedTest
  @CsvSource({"0,true", "9,false", "10,true", "900000,true", "900001,false"})
  void slowStartWindow_zeroOrRange(long millis, boolean accepted) {
    Duration d = Duration.ofMillis(millis);
    if (accepted) {
      assertThat(tcp().slowStartWindow(d).build().slowStartWindow()).isEqualTo(d);
    } else {
      assertThatThrownBy(() -> tcp().slowStartWindow(d))
          .hasMessageStartingWith("listener.slowStartWindow must be 0 (off) or between 10ms and 900s, was ");
    }
  }

  @ParameterizedTest
  @CsvSource({"0,false", "1,true", "100,true", "101,false"})
  void slowStartFloorPercent_rangeEdges(int percent, boolean accepted) {
    if (accepted) {
      assertThat(tcp().slowStartFloorPercent(percent).build().slowStartFloorPercent()).isEqualTo(percent);
    } else {
      assertThatThrownBy(() -> tcp().slowStartFloorPercent(percent))
          .hasMessage("listener.slowStartFloorPercent must be between 1 and 100, was " + percent);
    }
  }

  @Test
  void name_charsetAndLength() {
    assertThat(Listener.builder("A-z_0.9", Protocol.TCP, 1).build().name()).isEqualTo("A-z_0.9");
    assertThat(Listener.builder("n".repeat(80), Protocol.TCP, 1).build().name()).hasSize(80);
    assertThatThrownBy(() -> Listener.builder("n".repeat(81), Protocol.TCP, 1))
        .hasMessageStartingWith("listener.name must be 1-80 characters of A-Z a-z 0-9 '-' '_' '.'");
    assertThatThrownBy(() -> Listener.builder("", Protocol.TCP, 1))
        .hasMessage("listener.name must be 1-80 characters of A-Z a-z 0-9 '-' '_' '.', was '' (0 characters)");
    assertThatThrownBy(() -> Listener.builder("web/1", Protocol.TCP, 1))
        .hasMessage("listener.name must be 1-80 characters of A-Z a-z 0-9 '-' '_' '.', was 'web/1' (character '/' at index 3 is not allowed)");
  }

  @Test
  void build_rejectsBackendProtocolThatCannotServeTheFrontend() {
    assertThatThrownBy(() -> tcp().backendProtocol(Protocol.HTTP).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("listener.backendProtocol HTTP cannot serve listener.frontendProtocol TCP (expected: TCP)");
    assertThatThrownBy(() -> http().backendProtocol(Protocol.UDP).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("listener.backendProtocol UDP cannot serve listener.frontendProtocol HTTP (expected: HTTP or HTTPS)");
    assertThat(Listener.builder("s", Protocol.HTTPS, 443).backendProtocol(Protocol.HTTPS).build().backendProtocol())
        .isEqualTo(Protocol.HTTPS);
  }

  @Test
  void backendHttpVersion_h2cNeedsAPlainHttpBackendOnALayer7Listener() {
    Listener h2c = http().backendHttpVersion(HttpVersion.HTTP_2).build();
    assertThat(h2c.backendHttpVersion()).isEqualTo(HttpVersion.HTTP_2);
    assertThat(h2c.backendProtocol()).isEqualTo(Protocol.HTTP);
    assertThat(Listener.builder("s", Protocol.HTTPS, 443).backendHttpVersion(HttpVersion.HTTP_2).build()
        .backendHttpVersion()).isEqualTo(HttpVersion.HTTP_2);
    assertThatThrownBy(() -> http().backendProtocol(Protocol.HTTPS).backendHttpVersion(HttpVersion.HTTP_2).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("listener.backendHttpVersion HTTP_2 is h2c: it needs listener.backendProtocol HTTP (lb4j has no"
            + " TLS towards backends), but it is HTTPS");
    assertThatThrownBy(() -> tcp().backendHttpVersion(HttpVersion.HTTP_2).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("listener.backendHttpVersion HTTP_2 needs an HTTP or HTTPS listener, but listener.frontendProtocol"
            + " is TCP");
    assertThatThrownBy(() -> http().backendHttpVersion(null)).isInstanceOf(NullPointerException.class)
        .hasMessage("listener.backendHttpVersion");
  }

  @Test
  void backendHttpVersion_h2cBackendsAreProbedByTcpByDefault() {
    assertThat(http().backendHttpVersion(HttpVersion.HTTP_2).build().healthCheck())
        .isEqualTo(HealthCheckPolicy.defaults());
    HealthCheckPolicy chosen = HealthCheckPolicy.http();
    assertThat(http().backendHttpVersion(HttpVersion.HTTP_2).healthCheck(chosen).build().healthCheck())
        .isEqualTo(chosen);
    assertThat(HttpVersion.HTTP_1_1.code()).isEqualTo("http1");
    assertThat(HttpVersion.HTTP_2.code()).isEqualTo("h2c");
  }

  @Test
  void build_rejectsCookiePersistenceOnLayer4() {
    assertThatThrownBy(() -> tcp().sessionPersistence(SessionPersistence.insertCookie(Duration.ofSeconds(60))).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("listener.sessionPersistence INSERT_COOKIE needs an HTTP or HTTPS listener, but listener.frontendProtocol is TCP");
    assertThat(tcp().sessionPersistence(SessionPersistence.sourceIp(Duration.ofSeconds(60))).build()
        .sessionPersistence().mode()).isEqualTo(SessionPersistence.Mode.SOURCE_IP);
  }

  @Test
  void toBuilder_roundTripsEveryField() {
    Listener l = http().backendPort(8080).scheduler(SchedulingAlgorithm.CONSISTENT_HASH)
        .requestTimeout(Duration.ofSeconds(5)).writeTimeout(Duration.ofSeconds(7)).idleTimeout(Duration.ofSeconds(30))
        .lingeringTime(Duration.ofSeconds(9)).underscoresInHeaders(true).allowH2cUpgrade(true)
        .http2(false).backendHttpVersion(HttpVersion.HTTP_2).maxRequestHeaderSize(4096)
        .acceptBacklog(64).drainTimeout(Duration.ofSeconds(20)).slowStartWindow(Duration.ofSeconds(30))
        .slowStartFloorPercent(25).sessionPersistence(SessionPersistence.serverCookie("JSESSIONID")).build();
    assertThat(l.toBuilder().build()).isEqualTo(l).hasSameHashCodeAs(l);
    assertThat(l.toString()).contains("web HTTP:80 -> HTTP:8080", "scheduler=tch", "requestTimeout=5s", "writeTimeout=7s",
        "lingeringTime=9s", "underscoresInHeaders", "h2cUpgrade", "http1Only", "backendHttpVersion=h2c",
        "drainTimeout=20s");
    assertThat(l.toBuilder().http2(true).build()).isNotEqualTo(l);
    assertThat(l.toBuilder().backendHttpVersion(HttpVersion.HTTP_1_1).build()).isNotEqualTo(l);
  }
}
