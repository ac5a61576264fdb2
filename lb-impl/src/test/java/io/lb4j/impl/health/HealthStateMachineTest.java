package io.lb4j.impl.health;

import static io.lb4j.impl.health.HealthStateMachine.BECAME_HEALTHY;
import static io.lb4j.impl.health.HealthStateMachine.BECAME_UNHEALTHY;
import static io.lb4j.impl.health.HealthStateMachine.NO_CHANGE;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.management.ThreadMXBean;
import java.lang.management.ManagementFactory;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class HealthStateMachineTest {

  @Test
  void neverCheckedBackend_becomesHealthyOnFirstSuccessWhateverTheThreshold() {
    HealthStateMachine s = new HealthStateMachine(false);
    assertThat(s.isHealthy()).isFalse();
    assertThat(s.record(true, 10, 3)).isEqualTo(BECAME_HEALTHY);
    assertThat(s.isHealthy()).isTrue();
  }

  @Test
  void backendWhoseFirstCheckFailed_needsTheFullHealthyThreshold() {
    HealthStateMachine s = new HealthStateMachine(false);
    assertThat(s.record(false, 3, 3)).isEqualTo(NO_CHANGE);
    assertThat(s.record(true, 3, 3)).isEqualTo(NO_CHANGE);
    assertThat(s.record(true, 3, 3)).isEqualTo(NO_CHANGE);
    assertThat(s.record(true, 3, 3)).isEqualTo(BECAME_HEALTHY);
  }

  @Test
  void startHealthy_startsHealthyAndCountsAsChecked() {
    HealthStateMachine s = new HealthStateMachine(true);
    assertThat(s.isHealthy()).isTrue();
    assertThat(s.record(false, 2, 1)).isEqualTo(BECAME_UNHEALTHY);
    assertThat(s.record(true, 2, 1)).isEqualTo(NO_CHANGE);
    assertThat(s.record(true, 2, 1)).isEqualTo(BECAME_HEALTHY);
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 3})
  void healthyBackend_turnsUnhealthyAfterExactlyThresholdConsecutiveFailures(int threshold) {
    HealthStateMachine s = new HealthStateMachine(true);
    for (int i = 1; i < threshold; i++) {
      assertThat(s.record(false, 3, threshold)).isEqualTo(NO_CHANGE);
    }
    assertThat(s.record(false, 3, threshold)).isEqualTo(BECAME_UNHEALTHY);
    assertThat(s.record(false, 3, threshold)).isEqualTo(NO_CHANGE);
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 3})
  void unhealthyBackend_turnsHealthyAfterExactlyThresholdConsecutiveSuccesses(int threshold) {
    HealthStateMachine s = new HealthStateMachine(true);
    s.record(false, threshold, 1);
    for (int i = 1; i < threshold; i++) {
      assertThat(s.record(true, threshold, 1)).isEqualTo(NO_CHANGE);
    }
    assertThat(s.record(true, threshold, 1)).isEqualTo(BECAME_HEALTHY);
  }

  @Test
  void success_resetsTheFailureStreak_andFailure_resetsTheSuccessStreak() {
    HealthStateMachine s = new HealthStateMachine(true);
    s.record(false, 3, 3);
    s.record(false, 3, 3);
    s.record(true, 3, 3);
    assertThat(s.failureStreak()).isZero();
    assertThat(s.record(false, 3, 3)).isEqualTo(NO_CHANGE);
    assertThat(s.record(false, 3, 3)).isEqualTo(NO_CHANGE);
    assertThat(s.record(false, 3, 3)).isEqualTo(BECAME_UNHEALTHY);
    s.record(true, 3, 3);
    s.record(true, 3, 3);
    s.record(false, 3, 3);
    assertThat(s.successStreak()).isZero();
  }

  @Test
  void betweenStates_isTrueOnlyWhileAChangeIsUnderWay() {
    HealthStateMachine s = new HealthStateMachine(true);
    assertThat(s.betweenStates()).isFalse();
    s.record(false, 2, 2);
    assertThat(s.betweenStates()).isTrue();
    s.record(false, 2, 2);
    assertThat(s.betweenStates()).isFalse();
    s.record(true, 2, 2);
    assertThat(s.betweenStates()).isTrue();
    s.record(true, 2, 2);
    assertThat(s.betweenStates()).isFalse();
  }

  @Test
  void streaks_saturateWithoutWrappingIntoAFalseTransition() {
    HealthStateMachine s = new HealthStateMachine(false);
    s.record(false, 10, 10);
    for (int i = 0; i < 70_000; i++) {
      assertThat(s.record(false, 10, 10)).isEqualTo(NO_CHANGE);
    }
    assertThat(s.failureStreak()).isEqualTo(0xFFFF);
    assertThat(s.isHealthy()).isFalse();
  }

  @Test
  void force_reportsAChangeOnlyWhenTheStatusFlips() {
    HealthStateMachine s = new HealthStateMachine(false);
    assertThat(s.force(true)).isEqualTo(BECAME_HEALTHY);
    assertThat(s.force(true)).isEqualTo(NO_CHANGE);
    assertThat(s.force(false)).isEqualTo(BECAME_UNHEALTHY);
  }

  @Test
  void record_allocatesNothing() {
    // com.sun.management's ThreadMXBean: the JDK's own extension, which counts allocated bytes.
    ThreadMXBean mx = (ThreadMXBean) ManagementFactory.getThreadMXBean();
    HealthStateMachine s = new HealthStateMachine(false);
    long id = Thread.currentThread().getId();
    int changes = 0;
    for (int i = 0; i < 200_000; i++) { // warm up so the measured loop runs compiled code
      changes += s.record(i % 7 != 0, 2, 2);
    }
    long before = mx.getThreadAllocatedBytes(id);
    for (int i = 0; i < 1_000_000; i++) {
      changes += s.record(i % 7 != 0, 2, 2);
    }
    long allocated = mx.getThreadAllocatedBytes(id) - before;
    assertThat(changes).isPositive();
    // A few hundred bytes of slack for the measurement itself; one object per result would be 16 MB.
    assertThat(allocated).isLessThan(1024);
  }

  @Test
  void concurrentFailures_produceExactlyOneTransition() throws InterruptedException {
    for (int round = 0; round < 50; round++) {
      HealthStateMachine s = new HealthStateMachine(true);
      AtomicInteger unhealthy = new AtomicInteger();
      CountDownLatch go = new CountDownLatch(1);
      Thread[] threads = new Thread[4];
      for (int i = 0; i < threads.length; i++) {
        threads[i] = new Thread(() -> {
          try {
            go.await();
          } catch (InterruptedException e) {
            return;
          }
          for (int k = 0; k < 1000; k++) {
            if (s.record(false, 3, 3) == BECAME_UNHEALTHY) {
              unhealthy.incrementAndGet();
            }
          }
        });
        threads[i].start();
      }
      go.countDown();
      for (Thread t : threads) {
        t.join();
      }
      assertThat(unhealthy).hasValue(1);
      assertThat(s.failureStreak()).isEqualTo(4000 - 3);
    }
  }
}
