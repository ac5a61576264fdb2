package io.lb4j.testing;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The load a test backend reports, on a clock the test holds: every figure over the same complete slots. */
class LoadMeterTest {

  private static final long MS = 1_000_000L;

  @Test
  void beforeTheFirstCompleteSlot_reportsNothing() {
    LoadMeter m = new LoadMeter(1000 * MS, 1, 0);
    m.record(10 * MS, 5 * MS, false);
    assertThat(m.header(50 * MS)).isEqualTo("TEXT cpu_utilization=0.000000, rps_fractional=0.000, eps=0.000");
  }

  @Test
  void utilizationRateAndErrors_coverTheSameCompleteSlots() {
    LoadMeter m = new LoadMeter(1000 * MS, 2, 0); // 10 slots of 100 ms, two cores
    for (int i = 0; i < 10; i++) {
      m.record(i * 100 * MS + 10 * MS, 30 * MS, i == 3); // one request of 30 ms per slot, one 5xx
    }
    m.record(1000 * MS + 1, 999 * MS, false); // in the current, incomplete slot: not counted yet
    // 10 complete slots (1 s): 10 requests, 300 ms busy of 2 cores, 1 error.
    assertThat(m.header(1050 * MS)).isEqualTo("TEXT cpu_utilization=0.150000, rps_fractional=10.000, eps=1.000");
  }

  @Test
  void justAfterTheStart_ratesAreTakenOverTheCompleteSlotsSoFar() {
    LoadMeter m = new LoadMeter(1000 * MS, 1, 0);
    m.record(20 * MS, 50 * MS, false);
    m.record(120 * MS, 50 * MS, false);
    // 2 complete slots (200 ms): 2 requests, 100 ms busy.
    assertThat(m.header(250 * MS)).isEqualTo("TEXT cpu_utilization=0.500000, rps_fractional=10.000, eps=0.000");
  }

  @Test
  void slotsOlderThanTheWindow_areForgotten() {
    LoadMeter m = new LoadMeter(1000 * MS, 1, 0);
    m.record(50 * MS, 100 * MS, false);
    m.record(1550 * MS, 100 * MS, false);
    // At 2.05 s the window is 1.0-2.0 s: only the second request.
    assertThat(m.header(2050 * MS)).isEqualTo("TEXT cpu_utilization=0.100000, rps_fractional=1.000, eps=0.000");
  }
}
