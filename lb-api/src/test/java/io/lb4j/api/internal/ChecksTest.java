package io.lb4j.api.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ChecksTest {

  @Test
  void format_choosesTheLargestExactUnit() {
    assertThat(Checks.format(Duration.ofSeconds(60))).isEqualTo("60s");
    assertThat(Checks.format(Duration.ofMillis(10))).isEqualTo("10ms");
    assertThat(Checks.format(Duration.ofMillis(1500))).isEqualTo("1500ms");
    assertThat(Checks.format(Duration.ofNanos(1500))).isEqualTo("1500ns");
    assertThat(Checks.format(Duration.ofNanos(2000))).isEqualTo("2us");
    assertThat(Checks.format(Duration.ZERO)).isEqualTo("0s");
    assertThat(Checks.format(Duration.ofSeconds(-5))).isEqualTo("-5s");
  }

  @Test
  void checkRangeOfADouble_acceptsTheEdges_andRejectsOutsideAndNaN() {
    assertThat(Checks.checkRange("share", 0.0, 0.0, 1.0)).isEqualTo(0.0);
    assertThat(Checks.checkRange("share", 1.0, 0.0, 1.0)).isEqualTo(1.0);
    assertThatThrownBy(() -> Checks.checkRange("share", 1.01, 0.0, 1.0))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("share must be between 0.0 and 1.0, was 1.01");
    assertThatThrownBy(() -> Checks.checkRange("share", Double.NaN, 0.0, 1.0))
        .hasMessage("share must be between 0.0 and 1.0, was NaN");
  }
}
