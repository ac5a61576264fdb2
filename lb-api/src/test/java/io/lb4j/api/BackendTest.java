package io.lb4j.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class BackendTest {

  @Test
  void of_usesDefaultWeightAndIsEnabled() {
    Backend b = Backend.of("b1", "127.0.0.1", 8080);
    assertThat(b.weight()).isEqualTo(100);
    assertThat(b.enabled()).isTrue();
    assertThat(b.metadata()).isEmpty();
    assertThat(b.authority()).isEqualTo("127.0.0.1:8080");
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 65535})
  void builder_acceptsPortAtRangeEdges(int port) {
    assertThat(Backend.of("b", "127.0.0.1", port).port()).isEqualTo(port);
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 65536, -1})
  void builder_rejectsPortOutsideRange(int port) {
    assertThatThrownBy(() -> Backend.of("b", "127.0.0.1", port))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("backend.port must be between 1 and 65535, was " + port);
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 100})
  void builder_acceptsWeightAtRangeEdges(int weight) {
    assertThat(Backend.of("b", "127.0.0.1", 80, weight).weight()).isEqualTo(weight);
  }

  @ParameterizedTest
  @ValueSource(ints = {-1, 101})
  void builder_rejectsWeightOutsideRange(int weight) {
    assertThatThrownBy(() -> Backend.of("b", "127.0.0.1", 80, weight))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("backend.weight must be between 0 and 100, was " + weight);
  }

  @Test
  void builder_rejectsEmptyAndOverlongIdAndSpaces() {
    assertThatThrownBy(() -> Backend.of("", "h", 80))
        .hasMessage("backend.id must be 1-128 characters of printable ASCII without spaces, was '' (0 characters)");
    assertThat(Backend.of("x".repeat(128), "h", 80).id()).hasSize(128);
    assertThatThrownBy(() -> Backend.of("x".repeat(129), "h", 80))
        .hasMessageStartingWith("backend.id must be 1-128 characters")
        .hasMessageEndingWith("(129 characters)");
    assertThatThrownBy(() -> Backend.of("a b", "h", 80))
        .hasMessage("backend.id must be 1-128 characters of printable ASCII without spaces, was 'a b' (character ' ' at index 1 is not allowed)");
    assertThatThrownBy(() -> Backend.of("a", "", 80))
        .hasMessageStartingWith("backend.host must be 1-253 characters");
  }

  @Test
  void builder_rejectsNullIdWithFieldName() {
    assertThatThrownBy(() -> Backend.of(null, "h", 80))
        .isInstanceOf(NullPointerException.class).hasMessage("backend.id");
  }

  @Test
  void equality_isByIdAndAddressNotByWeightOrMetadata() {
    Backend a = Backend.builder("b1", "127.0.0.1", 80).weight(3).metadata("zone", "a").build();
    Backend sameIdentity = Backend.of("b1", "127.0.0.1", 80, 50);
    assertThat(a).isEqualTo(sameIdentity).hasSameHashCodeAs(sameIdentity);
    assertThat(a).isNotEqualTo(Backend.of("b1", "127.0.0.2", 80));
    assertThat(a).isNotEqualTo(Backend.of("b1", "127.0.0.1", 81));
    assertThat(a).isNotEqualTo(Backend.of("b2", "127.0.0.1", 80));
  }

  @Test
  void withWeight_keepsEverythingElse() {
    Backend a = Backend.builder("b1", "127.0.0.1", 80).weight(3).enabled(false).metadata("zone", "a").build();
    Backend b = a.withWeight(7);
    assertThat(b.weight()).isEqualTo(7);
    assertThat(b.enabled()).isFalse();
    assertThat(b.metadata()).containsEntry("zone", "a");
    assertThat(a.withWeight(3)).isSameAs(a);
    assertThatThrownBy(() -> a.withWeight(101)).hasMessage("backend.weight must be between 0 and 100, was 101");
  }

  @Test
  void metadata_isUnmodifiable() {
    Backend a = Backend.builder("b1", "127.0.0.1", 80).metadata("k", "v").build();
    assertThatThrownBy(() -> a.metadata().put("x", "y")).isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void authority_bracketsIpv6Literals() {
    assertThat(Backend.of("b", "::1", 80).authority()).isEqualTo("[::1]:80");
  }
}
