package io.lb4j.impl.diagnostics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReportTest {

  private static final Instant AT = Instant.parse("2026-11-27T13:00:00Z");

  private static Finding finding(FindingCode code, Severity severity, String subject, Map<String, String> evidence) {
    return new Finding(code, severity, subject, "summary of " + code.id(), evidence, "fix " + code.id());
  }

  @Test
  void findingsAreSortedMostSevereFirst() {
    Report r = new Report("web", AT, List.of(finding(FindingCode.PROBE_VOLUME, Severity.INFO, "listener web", Map.of()),
        finding(FindingCode.FLAPPING, Severity.WARNING, "backend b", Map.of()),
        finding(FindingCode.NO_ELIGIBLE_BACKEND, Severity.ERROR, "pool web", Map.of()),
        finding(FindingCode.FLAPPING, Severity.WARNING, "backend a", Map.of())));

    assertThat(r.findings()).extracting(Finding::key).containsExactly("no-eligible-backend pool web",
        "flapping backend a", "flapping backend b", "probe-volume listener web");
    assertThat(r.worst()).contains(Severity.ERROR);
    assertThat(new Report("web", AT, List.of()).worst()).isEmpty();
  }

  @Test
  void toText_headingCountsThenEachFindingWithEvidenceAndFix() {
    Map<String, String> evidence = new LinkedHashMap<>();
    evidence.put("reason", "ALL_UNHEALTHY");
    evidence.put("backend a (127.0.0.1:80)", "UNHEALTHY, last check: connect refused");
    Report r = new Report("web", AT, List.of(finding(FindingCode.NO_ELIGIBLE_BACKEND, Severity.ERROR, "pool web",
        evidence), finding(FindingCode.PROBE_VOLUME, Severity.INFO, "listener web", Map.of())));

    assertThat(r.toText()).isEqualTo("""
        lb4j diagnostics of pool 'web' at 2026-11-27T13:00:00Z: 1 error(s), 0 warning(s), 1 info

        ERROR   no-eligible-backend [pool web]
          summary of no-eligible-backend
            reason: ALL_UNHEALTHY
            backend a (127.0.0.1:80): UNHEALTHY, last check: connect refused
          fix: fix no-eligible-backend

        INFO    probe-volume [listener web]
          summary of probe-volume
          fix: fix probe-volume
        """);
    assertThat(new Report("web", AT, List.of()).toText()).endsWith("0 info\n  nothing found\n");
  }

  @Test
  void toJson_escapesQuotesBackslashesAndControlCharacters() {
    Map<String, String> evidence = new LinkedHashMap<>();
    evidence.put("path", "/a\"b\\c");
    evidence.put("line", "x\ny\tz\u0001\u2028");
    Report r = new Report("w\"eb", AT, List.of(finding(FindingCode.DYNAMIC_CHECK_PATH, Severity.WARNING, "listener web",
        evidence)));

    assertThat(r.toJson()).isEqualTo("{\"pool\":\"w\\\"eb\",\"at\":\"2026-11-27T13:00:00Z\",\"findings\":[{"
        + "\"code\":\"dynamic-check-path\",\"severity\":\"warning\",\"subject\":\"listener web\","
        + "\"summary\":\"summary of dynamic-check-path\","
        + "\"evidence\":{\"path\":\"/a\\\"b\\\\c\",\"line\":\"x\\ny\\tz\\u0001\\u2028\"},"
        + "\"fix\":\"fix dynamic-check-path\"}]}");
    assertThat(new Report("web", AT, List.of()).toJson()).isEqualTo(
        "{\"pool\":\"web\",\"at\":\"2026-11-27T13:00:00Z\",\"findings\":[]}");
  }

  @Test
  void finding_evidenceIsACopyKeptInOrder() {
    Map<String, String> evidence = new LinkedHashMap<>();
    evidence.put("z", "1");
    evidence.put("a", "2");
    Finding f = finding(FindingCode.FLAPPING, Severity.WARNING, "backend a", evidence);
    evidence.put("later", "3");

    assertThat(f.evidence()).containsExactly(Map.entry("z", "1"), Map.entry("a", "2"));
    assertThatThrownBy(() -> f.evidence().put("x", "y")).isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void diagnosticsBuilder_rejectsValuesOutOfRangeNamingTheField() {
    assertThatThrownBy(() -> Diagnostics.builder().flapping(0, Duration.ofMinutes(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("diagnostics.flappingTransitions must be between 1 and 1000, was 0");
    assertThatThrownBy(() -> Diagnostics.builder().flapping(3, Duration.ofDays(4)))
        .hasMessage("diagnostics.flappingWindow must be between 1s and 259200s, was 345600s");
    assertThatThrownBy(() -> Diagnostics.builder().probeVolumeThreshold(6001))
        .hasMessage("diagnostics.probeVolumeThreshold must be between 1 and 6000, was 6001");
    assertThatThrownBy(() -> Diagnostics.builder().timeWaitThreshold(0))
        .hasMessage("diagnostics.timeWaitThreshold must be between 1 and 1000000, was 0");
    assertThatThrownBy(() -> Diagnostics.builder().persistenceSkew(100, 10))
        .hasMessage("diagnostics.persistenceSkewPercent must be between 101 and 1000, was 100");
    assertThatThrownBy(() -> Diagnostics.builder().persistenceSkew(150, 0))
        .hasMessage("diagnostics.persistenceMinPicks must be between 1 and 1000000000, was 0");
    assertThatThrownBy(() -> Diagnostics.builder().slowResponsePercent(101))
        .hasMessage("diagnostics.slowResponsePercent must be between 1 and 100, was 101");
    assertThatThrownBy(() -> Diagnostics.builder().portProbeTimeout(Duration.ofMillis(9)))
        .hasMessage("diagnostics.portProbeTimeout must be between 10ms and 10s, was 9ms");
    assertThatThrownBy(() -> Diagnostics.builder().maxPortProbes(1001))
        .hasMessage("diagnostics.maxPortProbes must be between 0 and 1000, was 1001");
  }

  @Test
  void diagnosticsBuilder_aRejectedValueLeavesThePreviousOnes() {
    Diagnostics.Builder b = Diagnostics.builder().flapping(3, Duration.ofMinutes(1));

    assertThatThrownBy(() -> b.flapping(5, Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);

    Diagnostics d = b.build();
    assertThat(d.flappingTransitions).isEqualTo(3);
    assertThat(d.flappingWindow).isEqualTo(Duration.ofMinutes(1));
  }
}
