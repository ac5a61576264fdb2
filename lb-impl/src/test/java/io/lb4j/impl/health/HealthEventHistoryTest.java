package io.lb4j.impl.health;

import static io.lb4j.api.health.HealthStatus.HEALTHY;
import static io.lb4j.api.health.HealthStatus.UNHEALTHY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lb4j.api.Backend;
import io.lb4j.api.health.HealthTransition;
import io.lb4j.impl.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class HealthEventHistoryTest {

  private static final Backend A = Backend.of("a", "127.0.0.1", 8080);
  private static final Backend B = Backend.of("b", "127.0.0.2", 8080);

  private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));

  private HealthTransition event(Backend b, String cause) {
    return new HealthTransition(b, HEALTHY, UNHEALTHY, cause, clock.instant());
  }

  @Test
  void defaults_keepThreeDaysAndTenThousandEvents() {
    HealthEventHistory h = HealthEventHistory.create();
    assertThat(h.retention()).isEqualTo(Duration.ofDays(3));
    assertThat(h.maximumSize()).isEqualTo(10_000);
  }

  @Test
  void query_filtersByBackendAndHalfOpenTimeRange_oldestFirst() {
    HealthEventHistory h = HealthEventHistory.builder().clock(clock).build();
    Instant start = clock.instant();
    h.record(event(A, "a1"));
    clock.advance(Duration.ofMinutes(1));
    h.record(event(B, "b1"));
    clock.advance(Duration.ofMinutes(1));
    h.record(event(A, "a2"));
    Instant end = clock.instant();

    assertThat(h.query("a")).extracting(HealthTransition::cause).containsExactly("a1", "a2");
    assertThat(h.query("a", start, end)).extracting(HealthTransition::cause).containsExactly("a1");
    assertThat(h.query(start.plusSeconds(1), end.plusSeconds(1))).extracting(HealthTransition::cause)
        .containsExactly("b1", "a2");
    assertThat(h.query("nobody")).isEmpty();
  }

  @Test
  void events_expireAfterTheRetention() {
    HealthEventHistory h = HealthEventHistory.builder().clock(clock).retention(Duration.ofDays(3)).build();
    h.record(event(A, "old"));
    clock.advance(Duration.ofDays(2));
    h.record(event(A, "recent"));

    clock.advance(Duration.ofDays(1).minusMillis(1));
    assertThat(h.query("a")).extracting(HealthTransition::cause).containsExactly("old", "recent");

    clock.advance(Duration.ofMillis(1));
    assertThat(h.query("a")).extracting(HealthTransition::cause).containsExactly("recent");

    clock.advance(Duration.ofDays(2));
    assertThat(h.query(Instant.MIN, Instant.MAX)).isEmpty();
  }

  @Test
  void sizeBound_dropsTheOldestEventsFirst() {
    HealthEventHistory h = HealthEventHistory.builder().clock(clock).maximumSize(3).build();
    for (int i = 0; i < 10; i++) {
      h.record(event(A, "e" + i));
    }
    assertThat(h.query("a")).extracting(HealthTransition::cause).containsExactly("e7", "e8", "e9");
    assertThat(h.size()).isEqualTo(3);
  }

  @Test
  void builder_rejectsOutOfRangeValuesWithTheFieldInTheMessage() {
    assertThatThrownBy(() -> HealthEventHistory.builder().maximumSize(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("healthHistory.maximumSize must be between 1 and 10000000, was 0");
    assertThatThrownBy(() -> HealthEventHistory.builder().retention(Duration.ofDays(31)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("healthHistory.retention must be between 1s and 2592000s, was 2678400s");
  }
}
