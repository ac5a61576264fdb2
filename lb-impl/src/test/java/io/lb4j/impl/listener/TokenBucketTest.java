package io.lb4j.impl.listener;

import static org.assertj.core.api.Assertions.assertThat;

import io.lb4j.api.PeakBandwidth;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The shared token bucket's arithmetic and its lock-free sharing, with a clock moved by hand. */
class TokenBucketTest {

  private static final long ONE_MBIT = PeakBandwidth.bytesPerSecond(1); // 125,000 bytes/s: 8,000 ns a byte

  @Test
  void newCap_startsFullAtTheBurst() {
    ManualNanoClock clock = new ManualNanoClock();
    TokenBucket b = new TokenBucket(clock.getAsLong());
    assertThat(b.unlimited()).isTrue();
    assertThat(b.acquire(1, 5000, clock.getAsLong())).isEqualTo(5000);
    b.setRate(ONE_MBIT, clock.getAsLong());
    assertThat(b.burst()).isEqualTo(TokenBucket.MIN_BURST_BYTES); // 50 ms of 1 Mbit/s is 6,250: the floor wins
    assertThat(b.available(clock.getAsLong())).isEqualTo(16_384);
    b.setRate(PeakBandwidth.bytesPerSecond(1000), clock.getAsLong());
    assertThat(b.burst()).isEqualTo(6_250_000); // 50 ms of 1 Gbit/s
    assertThat(b.available(clock.getAsLong())).as("a changed cap keeps the level").isEqualTo(16_384);
  }

  @Test
  void acquire_takesUpToTheMaximumOnlyWhenTheMinimumIsThere() {
    ManualNanoClock clock = new ManualNanoClock();
    TokenBucket b = new TokenBucket(clock.getAsLong());
    b.setRate(ONE_MBIT, clock.getAsLong());
    long now = clock.getAsLong();
    assertThat(b.acquire(4096, 10_000, now)).isEqualTo(10_000);
    assertThat(b.acquire(4096, 10_000, now)).isEqualTo(6_384);
    assertThat(b.acquire(1, 10_000, now)).isZero();
    b.refund(3_000);
    assertThat(b.acquire(4096, 10_000, now)).as("3,000 is below the minimum").isZero();
    assertThat(b.acquire(1, 10_000, now)).isEqualTo(3_000);
    assertThat(b.nanosUntil(4096, now)).isEqualTo(4096 * 8_000L);
  }

  @Test
  void refill_isExactOverTimeCarryingFractionsOfATokenAcrossRefills() {
    ManualNanoClock clock = new ManualNanoClock();
    TokenBucket b = new TokenBucket(clock.getAsLong());
    b.setRate(ONE_MBIT, clock.getAsLong());
    assertThat(b.acquire(1, Long.MAX_VALUE, clock.getAsLong())).isEqualTo(16_384);
    // 3,000 ns at a time: no refill earns a whole token by itself in 2 of 3 steps, yet 8,000 steps of it
    // (24 ms) earn exactly 3,000 bytes.
    for (int i = 0; i < 8_000; i++) {
      clock.advanceNanos(3_000);
      b.available(clock.getAsLong());
    }
    assertThat(b.available(clock.getAsLong())).isEqualTo(3_000);
    clock.advance(Duration.ofSeconds(10));
    assertThat(b.available(clock.getAsLong())).as("capped at the burst").isEqualTo(16_384);
  }

  @Test
  void datagramLargerThanTheBurst_passesOnAFullBucketAndLeavesADebt() {
    ManualNanoClock clock = new ManualNanoClock();
    TokenBucket b = new TokenBucket(clock.getAsLong());
    b.setRate(ONE_MBIT, clock.getAsLong());
    assertThat(b.acquireExactly(60_000, clock.getAsLong())).isTrue();
    assertThat(b.available(clock.getAsLong())).isEqualTo(16_384 - 60_000);
    assertThat(b.acquireExactly(1, clock.getAsLong())).isFalse();
    clock.advanceNanos((60_000 - 16_384 + 100) * 8_000L); // the debt paid back, plus 100 bytes
    assertThat(b.available(clock.getAsLong())).isEqualTo(100);
    assertThat(b.acquireExactly(100, clock.getAsLong())).isTrue();
    assertThat(b.acquireExactly(1, clock.getAsLong())).isFalse();
  }

  @Test
  void concurrentTakersAndRefunds_neverSpendMoreThanTheBucketHeld() throws Exception {
    ManualNanoClock clock = new ManualNanoClock();
    TokenBucket b = new TokenBucket(clock.getAsLong());
    b.setRate(PeakBandwidth.bytesPerSecond(10_000), clock.getAsLong()); // burst 62.5 MB
    long burst = b.burst();
    int threads = 4;
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService exec = Executors.newFixedThreadPool(threads);
    try {
      List<Future<Long>> spent = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int seed = t;
        spent.add(exec.submit(() -> {
          SplittableRandom r = new SplittableRandom(seed);
          long mine = 0;
          start.await();
          for (int i = 0; i < 200_000; i++) {
            long got = b.acquire(1, 1 + r.nextInt(4096), clock.getAsLong());
            long back = got == 0 ? 0 : r.nextLong(got + 1);
            b.refund(back);
            mine += got - back;
          }
          return mine;
        }));
      }
      start.countDown();
      long total = 0;
      for (Future<Long> f : spent) {
        total += f.get(120, TimeUnit.SECONDS);
      }
      // The clock never moved: what was spent and what is left make exactly the one full bucket.
      assertThat(total + b.available(clock.getAsLong())).isEqualTo(burst);
      assertThat(b.available(clock.getAsLong())).isGreaterThanOrEqualTo(0);
    } finally {
      exec.shutdownNow();
    }
  }

  @Test
  void concurrentRefills_addEachSpanOfTimeOnce() throws Exception {
    ManualNanoClock clock = new ManualNanoClock();
    TokenBucket b = new TokenBucket(clock.getAsLong());
    b.setRate(PeakBandwidth.bytesPerSecond(10_000), clock.getAsLong()); // 1,250,000,000 bytes/s
    b.acquire(1, Long.MAX_VALUE, clock.getAsLong());
    clock.advance(Duration.ofMillis(1)); // earns 1,250,000 bytes
    int threads = 8;
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService exec = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        done.add(exec.submit(() -> {
          start.await();
          for (int i = 0; i < 10_000; i++) {
            b.available(clock.getAsLong());
          }
          return null;
        }));
      }
      start.countDown();
      for (Future<?> f : done) {
        f.get(60, TimeUnit.SECONDS);
      }
      assertThat(b.available(clock.getAsLong())).isEqualTo(1_250_000);
    } finally {
      exec.shutdownNow();
    }
  }

  @Test
  void directions_shareTheTotalBucketAndCapsChangeInPlace() {
    ManualNanoClock clock = new ManualNanoClock();
    BandwidthLimiter limiter = new BandwidthLimiter(PeakBandwidth.total(1), clock);
    long now = clock.getAsLong();
    assertThat(limiter.upstream.unlimited()).isFalse();
    assertThat(limiter.upstream.acquire(1, 10_000, now)).isEqualTo(10_000);
    assertThat(limiter.downstream.acquire(1, 10_000, now)).as("one budget for both directions").isEqualTo(6_384);
    assertThat(limiter.upstream.acquire(1, 10_000, now)).isZero();
    limiter.set(PeakBandwidth.builder().downstreamMbps(1).build());
    assertThat(limiter.upstream.unlimited()).isTrue();
    assertThat(limiter.upstream.acquire(1, 10_000, now)).isEqualTo(10_000);
    assertThat(limiter.downstream.acquire(1, 100_000, now)).as("a new cap starts full").isEqualTo(16_384);
    assertThat(limiter.current()).isEqualTo(PeakBandwidth.builder().downstreamMbps(1).build());
    limiter.set(PeakBandwidth.unlimited());
    assertThat(limiter.downstream.unlimited()).isTrue();
  }
}
