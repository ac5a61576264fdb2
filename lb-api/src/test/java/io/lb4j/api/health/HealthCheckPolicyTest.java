package io.lb4j.api.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lb4j.api.Backend;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class HealthCheckPolicyTest {

  private static HealthCheckPolicy.Builder http() {
    return HealthCheckPolicy.builder().type(HealthCheckType.HTTP);
  }

  @Test
  void defaults_matchTheReference() {
    HealthCheckPolicy p = HealthCheckPolicy.defaults();
    assertThat(p.enabled()).isTrue();
    assertThat(p.type()).isEqualTo(HealthCheckType.TCP);
    assertThat(p.port()).isZero();
    assertThat(p.portFor(Backend.of("b", "h", 8080))).isEqualTo(8080);
    assertThat(p.responseTimeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(p.interval()).isEqualTo(Duration.ofSeconds(2));
    assertThat(p.unhealthyThreshold()).isEqualTo(3);
    assertThat(p.healthyThreshold()).isEqualTo(3);
    assertThat(p.jitterPercent()).isEqualTo(10);
    assertThat(p.edgeInterval()).isZero();
    assertThat(p.startHealthy()).isFalse();
    assertThat(p.skipWhenTrafficSucceeds()).isFalse();
    assertThat(p.panicThresholdPercent()).isZero();

    HealthCheckPolicy h = HealthCheckPolicy.http();
    assertThat(h.method()).isEqualTo(HealthCheckMethod.HEAD);
    assertThat(h.path()).isEqualTo("/");
    assertThat(h.domain()).isNull();
    assertThat(h.normalStatuses()).containsExactly(StatusClass.HTTP_2XX, StatusClass.HTTP_3XX);
  }

  @ParameterizedTest
  @CsvSource({"9,false", "10,true", "300000,true", "300001,false"})
  void responseTimeout_rangeEdges(long millis, boolean accepted) {
    Duration d = Duration.ofMillis(millis);
    if (accepted) {
      assertThat(HealthCheckPolicy.builder().responseTimeout(d).build().responseTimeout()).isEqualTo(d);
    } else {
      assertThatThrownBy(() -> HealthCheckPolicy.builder().responseTimeout(d))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("healthCheck.responseTimeout must be between 10ms and 300s, was ");
    }
  }

  @ParameterizedTest
  @CsvSource({"9,false,9ms", "10,true,", "50000,true,", "50001,false,50001ms", "60000,false,60s"})
  void interval_rangeEdges(long millis, boolean accepted, String shown) {
    Duration d = Duration.ofMillis(millis);
    if (accepted) {
      assertThat(HealthCheckPolicy.builder().interval(d).build().interval()).isEqualTo(d);
    } else {
      assertThatThrownBy(() -> HealthCheckPolicy.builder().interval(d))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("healthCheck.interval must be between 10ms and 50s, was " + shown);
    }
  }

  @ParameterizedTest
  @CsvSource({"0,false", "1,true", "10,true", "11,false"})
  void thresholds_rangeEdges(int threshold, boolean accepted) {
    if (accepted) {
      HealthCheckPolicy p = HealthCheckPolicy.builder().unhealthyThreshold(threshold).healthyThreshold(threshold).build();
      assertThat(p.unhealthyThreshold()).isEqualTo(threshold);
      assertThat(p.healthyThreshold()).isEqualTo(threshold);
    } else {
      assertThatThrownBy(() -> HealthCheckPolicy.builder().unhealthyThreshold(threshold))
          .hasMessage("healthCheck.unhealthyThreshold must be between 1 and 10, was " + threshold);
      assertThatThrownBy(() -> HealthCheckPolicy.builder().healthyThreshold(threshold))
          .hasMessage("healthCheck.healthyThreshold must be between 1 and 10, was " + threshold);
    }
  }

  @ParameterizedTest
  @CsvSource({"0,false", "1,true", "65535,true", "65536,false"})
  void port_rangeEdges(int port, boolean accepted) {
    if (accepted) {
      HealthCheckPolicy p = HealthCheckPolicy.builder().port(port).build();
      assertThat(p.portFor(Backend.of("b", "h", 8080))).isEqualTo(port);
    } else {
      assertThatThrownBy(() -> HealthCheckPolicy.builder().port(port))
          .hasMessage("healthCheck.port must be between 1 and 65535, was " + port);
    }
  }

  @ParameterizedTest
  @CsvSource({"-1,false", "0,true", "50,true", "51,false"})
  void jitterPercent_rangeEdges(int percent, boolean accepted) {
    if (accepted) {
      assertThat(HealthCheckPolicy.builder().jitterPercent(percent).build().jitterPercent()).isEqualTo(percent);
    } else {
      assertThatThrownBy(() -> HealthCheckPolicy.builder().jitterPercent(percent))
          .hasMessage("healthCheck.jitterPercent must be between 0 and 50, was " + percent);
    }
  }

  @ParameterizedTest
  @CsvSource({"-1,false", "0,true", "100,true", "101,false"})
  void panicThresholdPercent_rangeEdges(int percent, boolean accepted) {
    if (accepted) {
      assertThat(HealthCheckPolicy.builder().panicThresholdPercent(percent).build().panicThresholdPercent())
          .isEqualTo(percent);
    } else {
      assertThatThrownBy(() -> HealthCheckPolicy.builder().panicThresholdPercent(percent))
          .hasMessage("healthCheck.panicThresholdPercent must be between 0 and 100, was " + percent);
    }
  }

  @Test
  void domain_acceptsLowerAlnumDashDotUpTo80() {
    assertThat(http().domain("a").build().domain()).isEqualTo("a");
    assertThat(http().domain("health-1.example.com").build().domain()).isEqualTo("health-1.example.com");
    assertThat(http().domain("d".repeat(80)).build().domain()).hasSize(80);
  }

  @Test
  void domain_rejectsEmptyOverlongAndOtherCharacters() {
    assertThatThrownBy(() -> http().domain(""))
        .hasMessage("healthCheck.domain must be 1-80 characters of a-z 0-9 '-' '.', was '' (0 characters)");
    assertThatThrownBy(() -> http().domain("d".repeat(81)))
        .hasMessageStartingWith("healthCheck.domain must be 1-80 characters of a-z 0-9 '-' '.', was 'ddd")
        .hasMessageEndingWith("(81 characters)");
    assertThatThrownBy(() -> http().domain("Example.com"))
        .hasMessage("healthCheck.domain must be 1-80 characters of a-z 0-9 '-' '.', was 'Example.com' (character 'E' at index 0 is not allowed)");
    assertThatThrownBy(() -> http().domain("a_b"))
        .hasMessage("healthCheck.domain must be 1-80 characters of a-z 0-9 '-' '.', was 'a_b' (character '_' at index 1 is not allowed)");
    assertThatThrownBy(() -> http().domain("a:80"))
        .hasMessageContaining("character ':' at index 1 is not allowed");
  }

  @Test
  void path_acceptsOriginFormPathsAndQueries() {
    for (String path : List.of("/", "/healthCheck", "/actuator/health?probe=Liveness", "/Health_Check~v2",
        "/a/b;v=1/c:d@e", "/p?q=1&r=a/b?c", "/%C3%A9t%c3%a9", "/!$&'()*+,;=", "//double", "/?")) {
      assertThat(http().path(path).build().path()).isEqualTo(path);
    }
  }

  @Test
  void path_acceptsEveryAllowedCharacterUpToMaxLength() {
    String all = "/azAZ09-._~!$&'()*+,;=:@/?%0a%FF";
    assertThat(http().path(all).build().path()).isEqualTo(all);
    assertThat(http().path("/" + "p".repeat(1023)).build().path()).hasSize(HealthCheckPolicy.MAX_PATH_LENGTH);
  }

  @Test
  void path_rejectsEmptyOverlongAndMissingSlash() {
    String charset = "ASCII letters, digits, '%' escapes and - . _ ~ ! $ & ' ( ) * + , ; = : @ / ?";
    assertThatThrownBy(() -> http().path(""))
        .hasMessage("healthCheck.path must be 1-1024 characters of " + charset + ", was '' (0 characters)");
    assertThatThrownBy(() -> http().path("/" + "p".repeat(1024)))
        .hasMessageStartingWith("healthCheck.path must be 1-1024 characters of " + charset)
        .hasMessageEndingWith("(1025 characters)");
    assertThatThrownBy(() -> http().path("health"))
        .hasMessage("healthCheck.path must be a path starting with '/', was 'health'");
    assertThatThrownBy(() -> http().path("?q=1"))
        .hasMessage("healthCheck.path must be a path starting with '/', was '?q=1'");
    assertThatThrownBy(() -> http().path("http://example.com/health"))
        .hasMessageContaining("was 'http://example.com/health'");
  }

  @Test
  void path_rejectsSpacesControlsNonAsciiFragmentsAndOtherCharacters() {
    String charset = "ASCII letters, digits, '%' escapes and - . _ ~ ! $ & ' ( ) * + , ; = : @ / ?";
    assertThatThrownBy(() -> http().path("/a b"))
        .hasMessage("healthCheck.path must be 1-1024 characters of " + charset
            + ", was '/a b' (character ' ' at index 2 is not allowed)");
    assertThatThrownBy(() -> http().path("/h\r\nX-Injected: 1"))
        .hasMessage("healthCheck.path must be 1-1024 characters of " + charset
            + ", was '/h\\u000D\\u000AX-Injected: 1' (character '\\u000D' at index 2 is not allowed)");
    assertThatThrownBy(() -> http().path("/tab\there"))
        .hasMessageContaining("(character '\\u0009' at index 4 is not allowed)");
    assertThatThrownBy(() -> http().path("/del\u007F"))
        .hasMessageContaining("(character '\\u007F' at index 4 is not allowed)");
    assertThatThrownBy(() -> http().path("/caf\u00e9"))
        .hasMessage("healthCheck.path must be 1-1024 characters of " + charset
            + ", was '/caf\\u00E9' (character '\\u00E9' at index 4 is not allowed)");
    assertThatThrownBy(() -> http().path("/health#top"))
        .hasMessageContaining("(character '#' at index 7 is not allowed)");
    for (char c : "\"<>\\^`{|}[]".toCharArray()) {
      assertThatThrownBy(() -> http().path("/a" + c))
          .as("character %s", c)
          .hasMessageContaining("(character '" + c + "' at index 2 is not allowed)");
    }
  }

  @Test
  void path_rejectsPercentNotFollowedByTwoHexDigits() {
    assertThatThrownBy(() -> http().path("/a%zz"))
        .hasMessage("healthCheck.path must be a path whose '%' are followed by two hex digits, was '/a%zz' "
            + "('%' at index 2)");
    assertThatThrownBy(() -> http().path("/a%2"))
        .hasMessageEndingWith("was '/a%2' ('%' at index 2)");
    assertThatThrownBy(() -> http().path("/a%"))
        .hasMessageEndingWith("was '/a%' ('%' at index 2)");
    assertThatThrownBy(() -> http().path("/%41%4g"))
        .hasMessageEndingWith("was '/%41%4g' ('%' at index 4)");
  }

  @Test
  void path_rejectedValueLeavesBuilderUnchanged() {
    HealthCheckPolicy.Builder b = http().path("/ok");
    assertThatThrownBy(() -> b.path("/not ok")).isInstanceOf(IllegalArgumentException.class);
    assertThat(b.build().path()).isEqualTo("/ok");
  }

  @Test
  void normalStatuses_mustBeNonEmpty() {
    assertThatThrownBy(() -> http().normalStatuses(EnumSet.noneOf(StatusClass.class)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("healthCheck.normalStatuses must be a non-empty subset of [2xx, 3xx, 4xx, 5xx], was []");
    HealthCheckPolicy p = http().normalStatuses(StatusClass.HTTP_4XX).build();
    assertThat(p.isNormalStatus(404)).isTrue();
    assertThat(p.isNormalStatus(200)).isFalse();
    assertThat(p.isNormalStatus(600)).isFalse();
    assertThat(p.isNormalStatus(199)).isFalse();
  }

  @Test
  void isNormalStatus_defaultAcceptsOnly2xxAnd3xx() {
    HealthCheckPolicy p = HealthCheckPolicy.http();
    assertThat(p.isNormalStatus(200)).isTrue();
    assertThat(p.isNormalStatus(399)).isTrue();
    assertThat(p.isNormalStatus(404)).isFalse();
    assertThat(p.isNormalStatus(503)).isFalse();
  }

  @Test
  void build_rejectsHttpSettingsOnTcpCheck() {
    assertThatThrownBy(() -> HealthCheckPolicy.builder().path("/x").build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("healthCheck.domain, path, method and normalStatuses apply to HTTP checks only, but healthCheck.type is TCP");
  }

  @Test
  void edgeInterval_offByZeroAndNotAboveInterval() {
    assertThat(HealthCheckPolicy.builder().edgeInterval(Duration.ofMillis(10)).build().edgeInterval())
        .isEqualTo(Duration.ofMillis(10));
    assertThatThrownBy(() -> HealthCheckPolicy.builder().edgeInterval(Duration.ofMillis(9)))
        .hasMessage("healthCheck.edgeInterval must be 0 (off) or between 10ms and 50s, was 9ms");
    assertThatThrownBy(() -> HealthCheckPolicy.builder().edgeInterval(Duration.ofSeconds(3)).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("healthCheck.edgeInterval must not exceed healthCheck.interval (2s), was 3s");
  }

  @Test
  void toBuilder_roundTripsAndEqualityCoversFields() {
    HealthCheckPolicy p = http().port(81).domain("x.io").path("/h").method(HealthCheckMethod.GET)
        .normalStatuses(Set.of(StatusClass.HTTP_2XX)).responseTimeout(Duration.ofMillis(100))
        .interval(Duration.ofMillis(200)).edgeInterval(Duration.ofMillis(50)).unhealthyThreshold(2)
        .healthyThreshold(1).jitterPercent(0).startHealthy(true).skipWhenTrafficSucceeds(true)
        .panicThresholdPercent(50).build();
    assertThat(p.toBuilder().build()).isEqualTo(p).hasSameHashCodeAs(p);
    assertThat(p).isNotEqualTo(p.toBuilder().healthyThreshold(2).build());
    assertThat(p.toString()).contains("HTTP", "GET /h", "host=x.io", "normal=[2xx]", "timeout=100ms", "interval=200ms");
    assertThat(HealthCheckPolicy.disabled().enabled()).isFalse();
  }

  @ParameterizedTest
  @ValueSource(ints = {200, 299})
  void statusClass_of_mapsBounds(int status) {
    assertThat(StatusClass.of(status)).isEqualTo(StatusClass.HTTP_2XX);
    assertThat(StatusClass.of(599)).isEqualTo(StatusClass.HTTP_5XX);
    assertThat(StatusClass.of(600)).isNull();
    assertThat(StatusClass.HTTP_4XX.label()).isEqualTo("4xx");
  }
}
