package io.lb4j.api.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class UdpHealthCheckPolicyTest {

  private static HealthCheckPolicy.Builder udp() {
    return HealthCheckPolicy.builder().type(HealthCheckType.UDP);
  }

  @Test
  void udpCheck_keepsRequestAndExpectedResponseAndDecodesEscapes() {
    HealthCheckPolicy p = udp().port(5353).udpRequest("ping\\n").udpExpectedResponse("pong").build();
    assertThat(p.type()).isEqualTo(HealthCheckType.UDP);
    assertThat(p.udpRequest()).isEqualTo("ping\\n");
    assertThat(p.udpRequestBytes()).isEqualTo("ping\n".getBytes(StandardCharsets.US_ASCII));
    assertThat(p.udpExpectedResponseBytes()).isEqualTo("pong".getBytes(StandardCharsets.US_ASCII));
    assertThat(p.toString()).contains("UDP port=5353 request='ping\\n' expect='pong'");
    assertThat(p.toBuilder().build()).isEqualTo(p).hasSameHashCodeAs(p);
    assertThat(p.toBuilder().udpAnyResponse().build()).isNotEqualTo(p);
  }

  @Test
  void anyResponse_isTheDefault() {
    HealthCheckPolicy p = udp().udpRequest("x").build();
    assertThat(p.udpExpectedResponse()).isNull();
    assertThat(p.udpExpectedResponseBytes()).isNull();
    assertThat(p.toString()).contains("expect=any");
  }

  @Test
  void escapes_coverBinaryBytes() {
    HealthCheckPolicy p = udp().udpRequest("\\x00\\xff\\\\\\r\\t\\0A").build();
    assertThat(p.udpRequestBytes()).containsExactly(0, (byte) 0xff, '\\', '\r', '\t', 0, 'A');
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
      "a\\q|unknown escape at index 1",
      "a\\|unknown escape at index 1",
      "\\x4|'\\x' at index 0 needs two hex digits",
      "\\xg0|'\\x' at index 0 needs two hex digits",
  })
  void udpRequest_refusesBadEscapes(String value, String why) {
    assertThatThrownBy(() -> udp().udpRequest(value))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("healthCheck.udpRequest must be 1-512 bytes of printable ASCII with \\\\, \\n, \\r, \\t, \\0 and"
            + " \\xHH escapes, was '" + value + "' (" + why + ")");
  }

  @Test
  void udpRequest_refusesControlCharactersAndLengthsOutside1To512() {
    assertThatThrownBy(() -> udp().udpRequest("a\nb"))
        .hasMessage("healthCheck.udpRequest must be 1-512 bytes of printable ASCII with \\\\, \\n, \\r, \\t, \\0 and"
            + " \\xHH escapes, was 'a\\u000Ab' (character '\\u000A' at index 1 must be escaped)");
    assertThatThrownBy(() -> udp().udpRequest(""))
        .hasMessage("healthCheck.udpRequest must be 1-512 bytes of printable ASCII with \\\\, \\n, \\r, \\t, \\0 and"
            + " \\xHH escapes, was '' (0 bytes)");
    String max = "x".repeat(512);
    assertThat(udp().udpRequest(max).build().udpRequestBytes()).hasSize(512);
    // 513 bytes written as 512 characters and one escape: the limit is on the bytes sent.
    assertThatThrownBy(() -> udp().udpExpectedResponse(max + "\\n"))
        .hasMessageStartingWith("healthCheck.udpExpectedResponse must be 1-512 bytes of ")
        .hasMessageEndingWith("(513 bytes)");
  }

  @Test
  void build_requiresARequestForAUdpCheck() {
    assertThatThrownBy(() -> udp().build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("healthCheck.udpRequest is required when healthCheck.type is UDP (the datagram the check sends)");
  }

  @Test
  void build_refusesUdpSettingsOnOtherTypesAndHttpSettingsOnUdp() {
    assertThatThrownBy(() -> HealthCheckPolicy.builder().udpRequest("x").build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("healthCheck.udpRequest and udpExpectedResponse apply to UDP checks only, but healthCheck.type is TCP");
    assertThatThrownBy(() -> HealthCheckPolicy.builder().type(HealthCheckType.HTTP).udpExpectedResponse("x").build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("healthCheck.udpRequest and udpExpectedResponse apply to UDP checks only, but healthCheck.type is HTTP");
    assertThatThrownBy(() -> udp().udpRequest("x").path("/h").build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("healthCheck.domain, path, method and normalStatuses apply to HTTP checks only, but healthCheck.type is UDP");
  }
}
