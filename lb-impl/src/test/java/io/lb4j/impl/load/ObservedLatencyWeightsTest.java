package io.lb4j.impl.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.lb4j.api.load.LoadAwarePolicy;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Finagle's peak EWMA as weights, on an injected clock: no threads, no sleeping. */
class ObservedLatencyWeightsTest {

  private static final long MS = 1_000_000L;
  private static final long DECAY = 10_000 * MS;

  private long now = -7_000 * MS;
  private final ObservedLatencyWeights ewma = new ObservedLatencyWeights(LoadAwarePolicy.observedLatency());

  @Test
  void aSlowerResponseCountsAtOnce_aFasterOneFadesInOverTheDecay() {
    assertThat(ewma.onOutcome("a", 10 * MS, false, now)).isEqualTo(10 * MS);
    assertThat(ewma.onOutcome("a", 50 * MS, false, now + MS)).as("peak").isEqualTo(50 * MS);
    double w = Math.exp(-1000.0 * MS / DECAY);
    assertThat(ewma.onOutcome("a", 10 * MS, false, now + 1001 * MS))
        .isCloseTo(50 * MS * w + 10 * MS * (1 - w), within(1.0));
  }

  @Test
  void betweenSamples_theEstimateDecaysTowardZero_andIsForgottenAfterFiveDecays() {
    ewma.onOutcome("a", 20 * MS, false, now);
    assertThat(ewma.estimateNanos("a", now + DECAY)).isCloseTo(20 * MS * Math.exp(-1), within(1.0));
    assertThat(ewma.estimateNanos("a", now + 5 * DECAY - 1)).isPositive();
    assertThat(ewma.estimateNanos("a", now + 5 * DECAY)).isEqualTo(-1);
    assertThat(ewma.estimateNanos("nobody", now)).isEqualTo(-1);
    assertThat(ewma.onOutcome("a", 3 * MS, false, now + 5 * DECAY)).as("a fresh start").isEqualTo(3 * MS);
  }

  @Test
  void failures_multiplyTheEstimateSoAFastFailingBackendDoesNotLookFast() {
    ewma.onOutcome("bad", 20 * MS, false, now);
    assertThat(ewma.onOutcome("bad", MS, true, now + MS)).as("fails in 1 ms: counts as 2 x 20 ms").isEqualTo(40 * MS);
    assertThat(ewma.onOutcome("bad", MS, true, now + 2 * MS)).isEqualTo(80 * MS);
    assertThat(ewma.onOutcome("bad", 500 * MS, true, now + 3 * MS)).as("its own latency when larger")
        .isEqualTo(500 * MS);
    for (int i = 0; i < 100; i++) {
      ewma.onOutcome("bad", MS, true, now + (4 + i) * MS);
    }
    assertThat(ewma.estimateNanos("bad", now + 104 * MS)).as("capped at an hour").isLessThanOrEqualTo(3.6e12);

    ObservedLatencyWeights lenient = new ObservedLatencyWeights(LoadAwarePolicy.builder()
        .signal(LoadAwarePolicy.Signal.OBSERVED_LATENCY).failurePenalty(1).build());
    lenient.onOutcome("x", 20 * MS, false, now);
    assertThat(lenient.onOutcome("x", 30 * MS, true, now + MS)).as("penalty 1: its own latency").isEqualTo(30 * MS);
  }

  @Test
  void weights_areTheInverseOfTheEstimate_boundedAroundTheMean() {
    ewma.onOutcome("a", 10 * MS, false, now);
    ewma.onOutcome("b", 10 * MS, false, now);
    ewma.onOutcome("c", 30 * MS, false, now);
    LoadWeights w = ewma.weights(List.of("a", "b", "c", "new"), now);
    assertThat(w.toArray()).containsExactly(100, 100, 33, 78);
    assertThat(w.usable()).isEqualTo(3);
    assertThat(w.notYetUsable()).isEqualTo(1);

    LoadWeights later = ewma.weights(List.of("a", "b", "c"), now + 5 * DECAY);
    assertThat(later.equalFallback()).as("all forgotten").isTrue();
    assertThat(later.stale()).isEqualTo(3);
  }

  @Test
  void aBlackHoleFallsToTheFloorWithinAFewFailures() {
    for (int i = 0; i < 5; i++) {
      ewma.onOutcome("good1", 50 * MS, false, now + i * MS);
      ewma.onOutcome("good2", 50 * MS, false, now + i * MS);
    }
    ewma.onOutcome("hole", 50 * MS, false, now);
    for (int i = 1; i <= 6; i++) {
      ewma.onOutcome("hole", MS, true, now + i * MS); // connection refused at once
    }
    int[] w = ewma.weights(List.of("good1", "good2", "hole"), now + 10 * MS).toArray();
    assertThat(w[0]).isEqualTo(100);
    // 2^6 = 64 times slower than the others, 1/64 of their weight: raised to the floor, a tenth of the mean
    // (0.0134 against their 0.02), 6.7 of 100.
    assertThat(w[2]).isEqualTo(7);
  }

  @Test
  void forgetAndRetainOnly_dropDepartedBackends() {
    ewma.onOutcome("a", MS, false, now);
    ewma.onOutcome("b", MS, false, now);
    ewma.forget("a");
    assertThat(ewma.tracked()).isEqualTo(1);
    ewma.retainOnly(List.of("a"));
    assertThat(ewma.tracked()).isZero();
    assertThat(ewma.onOutcome("neg", -5, false, now)).as("a negative latency counts as 0").isZero();
  }

  @Test
  void anIdleBackendsDecayedEstimateIsBoundedNotInfinite() {
    ewma.onOutcome("busy", 10 * MS, false, now);
    ewma.onOutcome("idle", 10 * MS, false, now - 4 * DECAY);
    int[] w = ewma.weights(List.of("busy", "idle"), now).toArray();
    // The idle one looks e^4 = 55 times faster: bounded, not infinite; the busy one keeps the floor, a tenth
    // of the mean of the two, 5 of 100.
    assertThat(w).containsExactly(5, 100);
    assertThat(Duration.ofNanos(DECAY)).isEqualTo(LoadAwarePolicy.DEFAULT_LATENCY_DECAY);
  }
}
