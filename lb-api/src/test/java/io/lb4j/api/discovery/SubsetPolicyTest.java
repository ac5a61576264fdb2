package io.lb4j.api.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SubsetPolicyTest {

  @Test
  void byIndex_keepsTheValuesAndAcceptsEachEdge() {
    SubsetPolicy p = SubsetPolicy.byIndex(0, 1, 1);
    assertThat(p.byIndex()).isTrue();
    assertThat(p.clientIndex()).isZero();
    assertThat(p.clientCount()).isEqualTo(1);
    assertThat(p.clientId()).isEmpty();
    assertThat(p.subsetSize()).isEqualTo(1);
    assertThat(p.salt()).isEmpty();
    assertThat(SubsetPolicy.byIndex(999_999, 1_000_000, 10_000)).hasToString(
        "SubsetPolicy{client 999999 of 1000000, subsetSize=10000}");
  }

  @Test
  void byIndex_rejectsEachValueOnePastItsRange() {
    assertThatThrownBy(() -> SubsetPolicy.byIndex(0, 0, 3)).hasMessage("subset.clientCount must be between 1 and 1000000, was 0");
    assertThatThrownBy(() -> SubsetPolicy.byIndex(0, 1_000_001, 3))
        .hasMessage("subset.clientCount must be between 1 and 1000000, was 1000001");
    assertThatThrownBy(() -> SubsetPolicy.byIndex(10, 10, 3)).hasMessage("subset.clientIndex must be between 0 and 9, was 10");
    assertThatThrownBy(() -> SubsetPolicy.byIndex(-1, 10, 3)).hasMessage("subset.clientIndex must be between 0 and 9, was -1");
    assertThatThrownBy(() -> SubsetPolicy.byIndex(0, 10, 0)).hasMessage("subset.subsetSize must be between 1 and 10000, was 0");
    assertThatThrownBy(() -> SubsetPolicy.byIndex(0, 10, 10_001))
        .hasMessage("subset.subsetSize must be between 1 and 10000, was 10001");
  }

  @Test
  void byClientId_validatesTheName() {
    SubsetPolicy p = SubsetPolicy.byClientId("gw-7", 5);
    assertThat(p.byIndex()).isFalse();
    assertThat(p.clientIndex()).isEqualTo(-1);
    assertThat(p.clientCount()).isZero();
    assertThat(p.clientId()).isEqualTo("gw-7");
    assertThat(p).hasToString("SubsetPolicy{client 'gw-7', subsetSize=5}");
    assertThatThrownBy(() -> SubsetPolicy.byClientId("", 5))
        .hasMessage("subset.clientId must be 1-256 characters of printable ASCII without spaces, was '' (0 characters)");
    assertThatThrownBy(() -> SubsetPolicy.byClientId("a b", 5)).hasMessage("subset.clientId must be 1-256 characters of"
        + " printable ASCII without spaces, was 'a b' (character ' ' at index 1 is not allowed)");
    assertThatThrownBy(() -> SubsetPolicy.byClientId("x".repeat(257), 5)).hasMessageEndingWith("(257 characters)");
    assertThatThrownBy(() -> SubsetPolicy.byClientId(null, 5)).isInstanceOf(NullPointerException.class)
        .hasMessage("subset.clientId");
  }

  @Test
  void withSalt_changesOnlyTheSaltAndTakesPartInEquality() {
    SubsetPolicy p = SubsetPolicy.byIndex(3, 10, 4);
    SubsetPolicy salted = p.withSalt("checkout");
    assertThat(salted.salt()).isEqualTo("checkout");
    assertThat(salted.clientIndex()).isEqualTo(3);
    assertThat(salted).isNotEqualTo(p).isEqualTo(SubsetPolicy.byIndex(3, 10, 4).withSalt("checkout"))
        .hasSameHashCodeAs(SubsetPolicy.byIndex(3, 10, 4).withSalt("checkout"))
        .hasToString("SubsetPolicy{client 3 of 10, subsetSize=4, salt='checkout'}");
    assertThat(salted.withSalt("")).isEqualTo(p);
    assertThatThrownBy(() -> p.withSalt("a\tb")).hasMessageStartingWith("subset.salt must be 0-256 characters");
  }
}
