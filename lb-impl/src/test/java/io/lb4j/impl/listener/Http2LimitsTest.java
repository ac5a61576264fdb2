package io.lb4j.impl.listener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class Http2LimitsTest {

  @Test
  void defaults_areTheDocumentedValues() {
    Http2Limits d = Http2Limits.defaults();
    assertThat(d.headerTableSize()).isEqualTo(4096);
    assertThat(d.encoderTableSize()).isEqualTo(4096);
    assertThat(d.maxHeaderListSize()).isEqualTo(32768);
    assertThat(d.maxHeaderBlockBytes()).isEqualTo(65536);
    assertThat(d.maxContinuationFrames()).isEqualTo(8);
    assertThat(d.maxFrameSize()).isEqualTo(16384);
    assertThat(d.maxConcurrentStreams()).isEqualTo(100);
    assertThat(d.initialWindowSize()).isEqualTo(65535);
    assertThat(d.connectionWindowSize()).isEqualTo(1 << 20);
    assertThat(d.maxBufferedOutputBytes()).isEqualTo(65536);
    assertThat(d.maxQueuedControlFrames()).isEqualTo(1000);
    assertThat(d.streamIdleTimeout()).isEqualTo(Duration.ofSeconds(120));
    assertThat(d.settingsAckTimeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(d.settingsRate()).hasToString("20 burst, 10/s");
    assertThat(d.pingRate()).hasToString("50 burst, 10/s");
    assertThat(d.priorityRate()).hasToString("200 burst, 100/s");
    assertThat(d.windowUpdateRate()).hasToString("200 burst, 100/s");
    assertThat(d.emptyDataRate()).hasToString("20 burst, 10/s");
    assertThat(d.resetRate().burst()).isEqualTo(1000);
    assertThat(d.resetRate().perSecond()).isEqualTo(33);
  }

  @Test
  void builder_acceptsEveryRangeEdge() {
    Http2Limits low = Http2Limits.builder().headerTableSize(0).encoderTableSize(0).maxHeaderListSize(1024)
        .maxHeaderBlockBytes(1024).maxContinuationFrames(1).maxFrameSize(16384).maxConcurrentStreams(1)
        .initialWindowSize(1024).connectionWindowSize(65535).maxBufferedOutputBytes(16384)
        .maxQueuedControlFrames(16).streamIdleTimeout(Duration.ZERO).settingsAckTimeout(Duration.ofSeconds(1))
        .settingsRate(1, 1).pingRate(1, 1).priorityRate(1, 1).windowUpdateRate(1, 1).emptyDataRate(1, 1)
        .resetRate(1, 1).build();
    Http2Limits high = Http2Limits.builder().headerTableSize(65536).encoderTableSize(65536)
        .maxHeaderListSize(1 << 20).maxHeaderBlockBytes(4 << 20).maxContinuationFrames(1024)
        .maxFrameSize(16_777_215).maxConcurrentStreams(10_000).initialWindowSize(16 << 20)
        .connectionWindowSize(Integer.MAX_VALUE).maxBufferedOutputBytes(16 << 20).maxQueuedControlFrames(100_000)
        .streamIdleTimeout(Duration.ofHours(1)).settingsAckTimeout(Duration.ofMinutes(5))
        .resetRate(1_000_000, 1_000_000).build();
    assertThat(low.streamIdleTimeout()).isZero();
    assertThat(high.maxFrameSize()).isEqualTo(16_777_215);
    assertThat(low.toBuilder().build()).isEqualTo(low).hasSameHashCodeAs(low);
    assertThat(high.toBuilder().build()).isEqualTo(high);
    assertThat(low).isNotEqualTo(high);
    assertThat(Http2Limits.builder().streamIdleTimeout(Duration.ofSeconds(1)).build().streamIdleTimeout())
        .isEqualTo(Duration.ofSeconds(1));
  }

  @Test
  void builder_rejectsValuesOutsideTheirRange_withTheProjectMessage() {
    Http2Limits.Builder b = Http2Limits.builder();
    assertThatThrownBy(() -> b.headerTableSize(-1))
        .hasMessage("http2Limits.headerTableSize must be between 0 and 65536, was -1");
    assertThatThrownBy(() -> b.encoderTableSize(65537))
        .hasMessage("http2Limits.encoderTableSize must be between 0 and 65536, was 65537");
    assertThatThrownBy(() -> b.maxHeaderListSize(1023))
        .hasMessage("http2Limits.maxHeaderListSize must be between 1024 and 1048576, was 1023");
    assertThatThrownBy(() -> b.maxHeaderBlockBytes(4 * 1024 * 1024 + 1))
        .hasMessage("http2Limits.maxHeaderBlockBytes must be between 1024 and 4194304, was 4194305");
    assertThatThrownBy(() -> b.maxContinuationFrames(0))
        .hasMessage("http2Limits.maxContinuationFrames must be between 1 and 1024, was 0");
    assertThatThrownBy(() -> b.maxFrameSize(16383))
        .hasMessage("http2Limits.maxFrameSize must be between 16384 and 16777215, was 16383");
    assertThatThrownBy(() -> b.maxFrameSize(16_777_216))
        .hasMessage("http2Limits.maxFrameSize must be between 16384 and 16777215, was 16777216");
    assertThatThrownBy(() -> b.maxConcurrentStreams(0))
        .hasMessage("http2Limits.maxConcurrentStreams must be between 1 and 10000, was 0");
    assertThatThrownBy(() -> b.initialWindowSize(1023))
        .hasMessage("http2Limits.initialWindowSize must be between 1024 and 16777216, was 1023");
    assertThatThrownBy(() -> b.connectionWindowSize(65534))
        .hasMessage("http2Limits.connectionWindowSize must be between 65535 and 2147483647, was 65534");
    assertThatThrownBy(() -> b.maxBufferedOutputBytes(16383))
        .hasMessage("http2Limits.maxBufferedOutputBytes must be between 16384 and 16777216, was 16383");
    assertThatThrownBy(() -> b.maxQueuedControlFrames(15))
        .hasMessage("http2Limits.maxQueuedControlFrames must be between 16 and 100000, was 15");
    assertThatThrownBy(() -> b.streamIdleTimeout(Duration.ofMillis(999)))
        .hasMessage("http2Limits.streamIdleTimeout must be 0 (off) or between 1s and 3600s, was 999ms");
    assertThatThrownBy(() -> b.settingsAckTimeout(Duration.ofMinutes(6)))
        .hasMessage("http2Limits.settingsAckTimeout must be between 1s and 300s, was 360s");
    assertThatThrownBy(() -> b.pingRate(0, 10)).hasMessage("http2Limits.pingRate.burst must be between 1 and 1000000, was 0");
    assertThatThrownBy(() -> b.resetRate(10, 1_000_001))
        .hasMessage("http2Limits.resetRate.perSecond must be between 1 and 1000000, was 1000001");
    assertThatThrownBy(() -> b.settingsAckTimeout(null)).isInstanceOf(NullPointerException.class);
    assertThat(b.build()).as("a setter that threw changed nothing").isEqualTo(Http2Limits.defaults());
  }
}
