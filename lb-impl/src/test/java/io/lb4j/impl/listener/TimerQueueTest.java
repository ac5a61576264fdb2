package io.lb4j.impl.listener;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The loop's timer heap against a plain map of deadlines: arm, move, cancel and expire in any order. */
class TimerQueueTest {

  /** A timer that records when it was called. */
  static final class Recording extends LoopTimer {
    final int id;
    final List<Integer> calls;

    Recording(int id, List<Integer> calls) {
      this.id = id;
      this.calls = calls;
    }

    @Override
    void checkTimeouts(long nowNanos) {
      calls.add(id);
    }
  }

  @Test
  void randomOperations_expireExactlyTheTimersDueInDeadlineOrder() {
    Random random = new Random(17);
    List<Integer> calls = new ArrayList<>();
    Recording[] timers = new Recording[300];
    for (int i = 0; i < timers.length; i++) {
      timers[i] = new Recording(i, calls);
    }
    TimerQueue queue = new TimerQueue();
    Map<Integer, Long> model = new HashMap<>();
    // Near Long.MAX_VALUE, so deadlines wrap around: the heap must compare by difference.
    long now = Long.MAX_VALUE - 50_000;
    for (int step = 0; step < 20_000; step++) {
      Recording t = timers[random.nextInt(timers.length)];
      int op = random.nextInt(10);
      if (op < 4) {
        long deadline = now + random.nextInt(100_000);
        queue.schedule(t, deadline);
        model.put(t.id, deadline);
      } else if (op < 6) {
        long deadline = now + random.nextInt(100_000);
        queue.scheduleNoLaterThan(t, deadline);
        model.merge(t.id, deadline, (old, d) -> d - old < 0 ? d : old);
      } else if (op < 8) {
        queue.cancel(t);
        model.remove(t.id);
      } else {
        now += random.nextInt(20_000);
        long at = now;
        List<Integer> due = new ArrayList<>();
        model.entrySet().stream().filter(e -> e.getValue() - at <= 0)
            .sorted((a, b) -> Long.signum(a.getValue() - b.getValue()))
            .forEach(e -> due.add(e.getKey()));
        calls.clear();
        int ran = queue.runExpired(now);
        assertThat(ran).isEqualTo(due.size());
        // Equal deadlines may come in any order: compare the deadlines of the calls, and the sets.
        assertThat(calls).containsExactlyInAnyOrderElementsOf(due);
        for (int i = 1; i < calls.size(); i++) {
          assertThat(model.get(calls.get(i)) - model.get(calls.get(i - 1))).isGreaterThanOrEqualTo(0);
        }
        due.forEach(id -> {
          model.remove(id);
          assertThat(timers[id].isArmed()).isFalse();
        });
      }
      assertThat(queue.size()).isEqualTo(model.size());
      model.forEach((id, deadline) -> assertThat(timers[id].deadline).isEqualTo(deadline));
    }
  }

  @Test
  void aTimerThatReArmsInThePast_runsOncePerTurn() {
    TimerQueue queue = new TimerQueue();
    int[] calls = {0};
    LoopTimer stubborn = new LoopTimer() {
      @Override
      void checkTimeouts(long nowNanos) {
        calls[0]++;
        queue.schedule(this, nowNanos - 1);
      }
    };
    queue.schedule(stubborn, 10);

    assertThat(queue.runExpired(100)).isEqualTo(1);
    assertThat(calls[0]).isEqualTo(1);
    assertThat(stubborn.isArmed()).isTrue();
  }
}
