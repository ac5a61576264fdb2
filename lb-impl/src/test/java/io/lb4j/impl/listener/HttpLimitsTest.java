package io.lb4j.impl.listener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lb4j.api.Listener;
import org.junit.jupiter.api.Test;

class HttpLimitsTest {

  @Test
  void defaults_areTheDocumentedValues() {
    HttpLimits d = HttpLimits.defaults();

    assertThat(d.maxRequestLineLength()).isEqualTo(8192);
    assertThat(d.maxHeaderSectionBytes()).isEqualTo(32768).isEqualTo(Listener.DEFAULT_MAX_REQUEST_HEADER_SIZE);
    assertThat(d.maxFieldCount()).isEqualTo(100);
    assertThat(d.maxChunkSizeLineLength()).isEqualTo(1024);
    assertThat(d.maxTrailerSectionBytes()).isEqualTo(8192);
    assertThat(d.maxResponseHeadBytes()).isEqualTo(65536);
  }

  @Test
  void builder_acceptsEveryRangeEdge() {
    HttpLimits low = HttpLimits.builder().maxRequestLineLength(64).maxHeaderSectionBytes(1024).maxFieldCount(1)
        .maxChunkSizeLineLength(16).maxTrailerSectionBytes(64).maxResponseHeadBytes(1024).build();
    HttpLimits high = HttpLimits.builder().maxRequestLineLength(65536).maxHeaderSectionBytes(1048576)
        .maxFieldCount(10000).maxChunkSizeLineLength(65536).maxTrailerSectionBytes(1048576)
        .maxResponseHeadBytes(1048576).build();

    assertThat(low.maxFieldCount()).isEqualTo(1);
    assertThat(high.maxResponseHeadBytes()).isEqualTo(1048576);
    assertThat(low.toBuilder().build()).isEqualTo(low).hasSameHashCodeAs(low);
    assertThat(low).isNotEqualTo(high);
  }

  @Test
  void builder_rejectsValuesOutsideTheirRange_withTheProjectMessage() {
    HttpLimits.Builder b = HttpLimits.builder();

    assertThatThrownBy(() -> b.maxRequestLineLength(63)).hasMessage(
        "httpLimits.maxRequestLineLength must be between 64 and 65536, was 63");
    assertThatThrownBy(() -> b.maxHeaderSectionBytes(1048577)).hasMessage(
        "httpLimits.maxHeaderSectionBytes must be between 1024 and 1048576, was 1048577");
    assertThatThrownBy(() -> b.maxFieldCount(0)).hasMessage(
        "httpLimits.maxFieldCount must be between 1 and 10000, was 0");
    assertThatThrownBy(() -> b.maxChunkSizeLineLength(15)).hasMessage(
        "httpLimits.maxChunkSizeLineLength must be between 16 and 65536, was 15");
    assertThatThrownBy(() -> b.maxTrailerSectionBytes(63)).hasMessage(
        "httpLimits.maxTrailerSectionBytes must be between 64 and 1048576, was 63");
    assertThatThrownBy(() -> b.maxResponseHeadBytes(1023)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("httpLimits.maxResponseHeadBytes must be between 1024 and 1048576, was 1023");
    assertThat(b.build()).as("a setter that threw changed nothing").isEqualTo(HttpLimits.defaults());
  }
}
