package io.lb4j.api.internal;

import static org.assertj.core.api.Assertions.assertThat;

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
}
