package io.lb4j.api.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LoadReportTest {

  @Test
  void of_setsTheThreeWeightInputsAndNothingElse() {
    LoadReport r = LoadReport.of(0.3, 10, 1);
    assertThat(r.cpuUtilization()).isEqualTo(0.3);
    assertThat(r.qps()).isEqualTo(10);
    assertThat(r.eps()).isEqualTo(1);
    assertThat(r.memUtilization()).isZero();
    assertThat(r.applicationUtilization()).isZero();
    assertThat(r.utilization()).isEmpty();
    assertThat(r.namedMetrics()).isEmpty();
    assertThat(LoadReport.HEADER).isEqualTo("endpoint-load-metrics");
  }

  @Test
  void effectiveUtilization_prefersApplicationUtilizationAboveZero() {
    assertThat(new LoadReport(0.9, 0, 0.4, 1, 0, Map.of(), Map.of()).effectiveUtilization()).isEqualTo(0.4);
    assertThat(new LoadReport(0.9, 0, 0, 1, 0, Map.of(), Map.of()).effectiveUtilization()).isEqualTo(0.9);
    assertThat(LoadReport.of(0, 1, 0).effectiveUtilization()).isZero();
  }

  @Test
  void values_mustBeFiniteAndNotNegative_cpuAndApplicationMayExceedOne() {
    assertThat(LoadReport.of(2.5, Double.MAX_VALUE, 0).cpuUtilization()).isEqualTo(2.5);
    assertThatThrownBy(() -> LoadReport.of(-0.1, 1, 0))
        .hasMessage("loadReport.cpuUtilization must be a finite number, 0 or above, was -0.1");
    assertThatThrownBy(() -> LoadReport.of(Double.NaN, 1, 0))
        .hasMessage("loadReport.cpuUtilization must be a finite number, 0 or above, was NaN");
    assertThatThrownBy(() -> LoadReport.of(0.1, Double.POSITIVE_INFINITY, 0))
        .hasMessage("loadReport.qps must be a finite number, 0 or above, was Infinity");
    assertThatThrownBy(() -> LoadReport.of(0.1, 1, -1))
        .hasMessage("loadReport.eps must be a finite number, 0 or above, was -1.0");
    assertThatThrownBy(() -> new LoadReport(0, 0, -1, 0, 0, Map.of(), Map.of()))
        .hasMessage("loadReport.applicationUtilization must be a finite number, 0 or above, was -1.0");
  }

  @Test
  void memoryAndUtilizationMap_areFractionsUpToOne() {
    assertThat(new LoadReport(0, 1.0, 0, 0, 0, Map.of("disk", 1.0), Map.of()).memUtilization()).isEqualTo(1.0);
    assertThatThrownBy(() -> new LoadReport(0, 1.01, 0, 0, 0, Map.of(), Map.of()))
        .hasMessage("loadReport.memUtilization must be between 0 and 1, was 1.01");
    assertThatThrownBy(() -> new LoadReport(0, 0, 0, 0, 0, Map.of("disk", 1.5), Map.of()))
        .hasMessage("loadReport.utilization[disk] must be between 0 and 1, was 1.5");
    assertThatThrownBy(() -> new LoadReport(0, 0, 0, 0, 0, Map.of(), Map.of("queue", -2.0)))
        .hasMessage("loadReport.namedMetrics[queue] must be a finite number, 0 or above, was -2.0");
  }

  @Test
  void metricNames_areNonEmptyWithoutSeparators() {
    assertThatThrownBy(() -> new LoadReport(0, 0, 0, 0, 0, Map.of("", 0.5), Map.of()))
        .hasMessage("loadReport.utilization key must be 1 or more printable ASCII characters without spaces,"
            + " ',' or '=', was ''");
    assertThatThrownBy(() -> new LoadReport(0, 0, 0, 0, 0, Map.of(), Map.of("a=b", 1.0)))
        .hasMessage("loadReport.namedMetrics key must be 1 or more printable ASCII characters without spaces,"
            + " ',' or '=', was 'a=b'");
    assertThatThrownBy(() -> new LoadReport(0, 0, 0, 0, 0, Map.of(), Map.of("a\nb", 1.0)))
        .hasMessageEndingWith("was 'a\\u000Ab'");
    assertThat(LoadReport.isNameChar('x')).isTrue();
    assertThat(LoadReport.isNameChar(',')).isFalse();
    assertThat(LoadReport.isNameChar(' ')).isFalse();
    assertThat(LoadReport.isNameChar(127)).isFalse();
  }

  @Test
  void maps_areCopiedAndUnmodifiable() {
    Map<String, Double> mutable = new HashMap<>(Map.of("queue", 3.0));
    LoadReport r = new LoadReport(0, 0, 0, 0, 0, Map.of(), mutable);
    mutable.put("other", 1.0);
    assertThat(r.namedMetrics()).containsOnly(Map.entry("queue", 3.0));
    assertThatThrownBy(() -> r.namedMetrics().put("x", 1.0)).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> new LoadReport(0, 0, 0, 0, 0, null, Map.of()))
        .isInstanceOf(NullPointerException.class).hasMessage("loadReport.utilization");
  }
}
