package io.lb4j.api.persistence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lb4j.api.persistence.SessionPersistence.Mode;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SessionPersistenceTest {

  @Test
  void none_isOff() {
    assertThat(SessionPersistence.none().enabled()).isFalse();
    assertThat(SessionPersistence.none().timeout()).isZero();
    assertThat(SessionPersistence.none().maxEntries()).isZero();
  }

  @ParameterizedTest
  @CsvSource({"-1,false", "0,true", "3600,true", "3601,false"})
  void sourceIp_timeoutRangeEdges(long seconds, boolean accepted) {
    Duration d = Duration.ofSeconds(seconds);
    if (accepted) {
      SessionPersistence p = SessionPersistence.sourceIp(d);
      assertThat(p.timeout()).isEqualTo(d);
      assertThat(p.maxEntries()).isEqualTo(1_000_000);
      assertThat(p.cookieName()).isNull();
    } else {
      assertThatThrownBy(() -> SessionPersistence.sourceIp(d))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("sessionPersistence.timeout must be between 0s and 3600s, was " + seconds + "s");
    }
  }

  @ParameterizedTest
  @CsvSource({"0,false", "1,true", "86400,true", "86401,false"})
  void insertCookie_timeoutRangeEdges(long seconds, boolean accepted) {
    Duration d = Duration.ofSeconds(seconds);
    if (accepted) {
      SessionPersistence p = SessionPersistence.insertCookie(d);
      assertThat(p.timeout()).isEqualTo(d);
      assertThat(p.cookieName()).isEqualTo("LB4J_SESSION");
      assertThat(p.maxEntries()).isZero();
    } else {
      assertThatThrownBy(() -> SessionPersistence.insertCookie(d))
          .hasMessage("sessionPersistence.timeout must be between 1s and 86400s, was " + seconds + "s");
    }
  }

  @Test
  void cookieName_charsetAndLength() {
    assertThat(SessionPersistence.serverCookie("JSESSIONID").cookieName()).isEqualTo("JSESSIONID");
    assertThat(SessionPersistence.serverCookie("a-B_9").cookieName()).isEqualTo("a-B_9");
    assertThat(SessionPersistence.serverCookie("c".repeat(200)).cookieName()).hasSize(200);
    assertThatThrownBy(() -> SessionPersistence.serverCookie("c".repeat(201)))
        .hasMessageStartingWith("sessionPersistence.cookieName must be 1-200 characters of A-Z a-z 0-9 '_' '-'")
        .hasMessageEndingWith("(201 characters)");
    assertThatThrownBy(() -> SessionPersistence.serverCookie(""))
        .hasMessage("sessionPersistence.cookieName must be 1-200 characters of A-Z a-z 0-9 '_' '-', was '' (0 characters)");
    assertThatThrownBy(() -> SessionPersistence.serverCookie("a=b"))
        .hasMessage("sessionPersistence.cookieName must be 1-200 characters of A-Z a-z 0-9 '_' '-', was 'a=b' (character '=' at index 1 is not allowed)");
    assertThatThrownBy(() -> SessionPersistence.serverCookie("a;b"))
        .hasMessageContaining("character ';' at index 1 is not allowed");
  }

  @Test
  void serverCookie_requiresAName() {
    assertThatThrownBy(() -> SessionPersistence.builder(Mode.SERVER_COOKIE).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("sessionPersistence.cookieName is required when sessionPersistence.mode is SERVER_COOKIE");
  }

  @Test
  void settingsThatDoNotApplyToTheModeAreRejected() {
    assertThatThrownBy(() -> SessionPersistence.builder(Mode.SOURCE_IP).cookieName("x"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("sessionPersistence.cookieName applies to INSERT_COOKIE and SERVER_COOKIE only, but sessionPersistence.mode is SOURCE_IP");
    assertThatThrownBy(() -> SessionPersistence.builder(Mode.INSERT_COOKIE).maxEntries(10))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("sessionPersistence.maxEntries applies to SOURCE_IP and SERVER_COOKIE only, but sessionPersistence.mode is INSERT_COOKIE");
    assertThatThrownBy(() -> SessionPersistence.builder(Mode.NONE).timeout(Duration.ofSeconds(1)))
        .isInstanceOf(IllegalStateException.class);
  }

  @ParameterizedTest
  @CsvSource({"0,false", "1,true", "100000000,true", "100000001,false"})
  void maxEntries_rangeEdges(int entries, boolean accepted) {
    if (accepted) {
      assertThat(SessionPersistence.builder(Mode.SOURCE_IP).maxEntries(entries).build().maxEntries()).isEqualTo(entries);
    } else {
      assertThatThrownBy(() -> SessionPersistence.builder(Mode.SOURCE_IP).maxEntries(entries))
          .hasMessage("sessionPersistence.maxEntries must be between 1 and 100000000, was " + entries);
    }
  }

  @Test
  void equalityCoversEveryField() {
    assertThat(SessionPersistence.sourceIp(Duration.ofSeconds(5))).isEqualTo(SessionPersistence.sourceIp(Duration.ofSeconds(5)));
    assertThat(SessionPersistence.sourceIp(Duration.ofSeconds(5))).isNotEqualTo(SessionPersistence.sourceIp(Duration.ofSeconds(6)));
    assertThat(SessionPersistence.serverCookie("a")).isNotEqualTo(SessionPersistence.serverCookie("b"));
  }
}
