package io.lb4j.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PeakBandwidthTest {

  @Test
  void factories_setTheRightCaps() {
    assertThat(PeakBandwidth.unlimited().isUnlimited()).isTrue();
    PeakBandwidth each = PeakBandwidth.eachDirection(50);
    assertThat(each.upstreamMbps()).isEqualTo(50);
    assertThat(each.downstreamMbps()).isEqualTo(50);
    assertThat(each.totalMbps()).isZero();
    assertThat(each).hasToString("up=50Mbit/s down=50Mbit/s");
    PeakBandwidth total = PeakBandwidth.total(100);
    assertThat(total.totalMbps()).isEqualTo(100);
    assertThat(total).hasToString("total=100Mbit/s");
    assertThat(PeakBandwidth.builder().downstreamMbps(5).build()).hasToString("down=5Mbit/s");
    assertThat(PeakBandwidth.builder().build()).isSameAs(PeakBandwidth.unlimited());
  }

  @Test
  void bytesPerSecond_isDecimalMegabits() {
    assertThat(PeakBandwidth.bytesPerSecond(1)).isEqualTo(125_000);
    assertThat(PeakBandwidth.bytesPerSecond(1000)).isEqualTo(125_000_000);
    assertThat(PeakBandwidth.bytesPerSecond(PeakBandwidth.MAX_MBPS)).isEqualTo(1_250_000_000L);
  }

  @ParameterizedTest
  @CsvSource({"-1,false", "0,true", "1,true", "10000,true", "10001,false"})
  void directionCaps_rangeEdges(int mbps, boolean accepted) {
    if (accepted) {
      assertThat(PeakBandwidth.builder().upstreamMbps(mbps).build().upstreamMbps()).isEqualTo(mbps);
    } else {
      assertThatThrownBy(() -> PeakBandwidth.builder().upstreamMbps(mbps))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("listener.peakBandwidth.upstreamMbps must be between 0 and 10000, was " + mbps);
    }
  }

  @Test
  void factories_refuseZeroAndAboveTheMaximum() {
    assertThatThrownBy(() -> PeakBandwidth.eachDirection(0))
        .hasMessage("listener.peakBandwidth.mbps must be between 1 and 10000, was 0");
    assertThatThrownBy(() -> PeakBandwidth.total(10001))
        .hasMessage("listener.peakBandwidth.totalMbps must be between 1 and 10000, was 10001");
  }

  @Test
  void build_refusesADirectionAboveTheTotal() {
    assertThatThrownBy(() -> PeakBandwidth.builder().totalMbps(50).downstreamMbps(60).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("listener.peakBandwidth.downstreamMbps (60) must not exceed listener.peakBandwidth.totalMbps (50):"
            + " it could never be reached");
    assertThat(PeakBandwidth.builder().totalMbps(50).upstreamMbps(50).downstreamMbps(20).build())
        .hasToString("up=50Mbit/s down=20Mbit/s total=50Mbit/s");
  }

  @Test
  void listener_carriesItsPeakBandwidth() {
    Listener plain = Listener.builder("web", Protocol.TCP, 80).build();
    assertThat(plain.peakBandwidth().isUnlimited()).isTrue();
    Listener capped = plain.toBuilder().peakBandwidth(PeakBandwidth.eachDirection(50)).build();
    assertThat(capped.peakBandwidth()).isEqualTo(PeakBandwidth.eachDirection(50));
    assertThat(capped).isNotEqualTo(plain);
    assertThat(capped.toBuilder().build()).isEqualTo(capped).hasSameHashCodeAs(capped);
    assertThat(capped.toString()).contains("peakBandwidth=up=50Mbit/s down=50Mbit/s");
    assertThat(plain.toString()).doesNotContain("peakBandwidth");
  }
}
