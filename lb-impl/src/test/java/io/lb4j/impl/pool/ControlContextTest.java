package io.lb4j.impl.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lb4j.testing.Await;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The pool's serial control context: order, batches, who drains, calls from inside. */
class ControlContextTest {

  private final ExecutorService control = Executors.newSingleThreadExecutor(r -> new Thread(r, "test-control"));
  private final ExecutorService callers = Executors.newFixedThreadPool(4);
  private final List<String> log = Collections.synchronizedList(new ArrayList<>());
  private final AtomicInteger publications = new AtomicInteger();
  private Runnable onDeliver = () -> { };

  @AfterEach
  void stop() throws InterruptedException {
    control.shutdownNow();
    callers.shutdownNow();
    assertThat(control.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
    assertThat(callers.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
  }

  private ControlContext context() {
    return new ControlContext("test", LoggerFactory.getLogger(ControlContextTest.class), control, () -> {
      publications.incrementAndGet();
      log.add("publish");
    }, () -> {
      log.add("deliver");
      onDeliver.run();
    });
  }

  @Test
  void call_returnsOnceItsTaskRanAndTheBatchWasPublishedAndDelivered() {
    ControlContext c = context();
    String result = c.call(() -> {
      log.add("task");
      return "done";
    });
    assertThat(result).isEqualTo("done");
    assertThat(log).containsExactly("task", "publish", "deliver");
  }

  @Test
  void call_throwsWhatItsTaskThrew_andTheContextGoesOn() {
    ControlContext c = context();
    assertThatThrownBy(() -> c.run(() -> {
      throw new IllegalArgumentException("bad");
    })).isInstanceOf(IllegalArgumentException.class).hasMessage("bad");
    assertThat(c.call(() -> 1)).isEqualTo(1);
  }

  @Test
  void submit_neverRunsTheTaskOnTheCallersThread() throws Exception {
    ControlContext c = context();
    AtomicReference<String> ranOn = new AtomicReference<>();
    CountDownLatch ran = new CountDownLatch(1);
    c.submit(() -> {
      ranOn.set(Thread.currentThread().getName());
      ran.countDown();
    });
    assertThat(ran.await(30, TimeUnit.SECONDS)).isTrue();
    assertThat(ranOn.get()).isEqualTo("test-control");
  }

  @Test
  void tasksRunOneAtATime_inOrder_underContention() throws Exception {
    ControlContext c = context();
    AtomicBoolean inside = new AtomicBoolean();
    AtomicInteger overlaps = new AtomicInteger();
    int[] counter = new int[1]; // no synchronisation: the context is the only writer at any time
    int[] lastOfThread = new int[4];
    AtomicInteger outOfOrder = new AtomicInteger();
    CyclicBarrier go = new CyclicBarrier(4);
    List<Future<?>> done = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      int thread = t;
      done.add(callers.submit(() -> {
        go.await(30, TimeUnit.SECONDS);
        for (int i = 1; i <= 5_000; i++) {
          int seq = i;
          Runnable task = () -> {
            if (!inside.compareAndSet(false, true)) {
              overlaps.incrementAndGet();
            }
            counter[0]++;
            if (lastOfThread[thread] != seq - 1) {
              outOfOrder.incrementAndGet();
            }
            lastOfThread[thread] = seq;
            inside.set(false);
          };
          if (i % 2 == 0) {
            c.run(task);
          } else {
            c.submit(task);
          }
        }
        return null;
      }));
    }
    for (Future<?> f : done) {
      f.get(60, TimeUnit.SECONDS);
    }
    Await.until("every submitted task ran", () -> c.call(() -> counter[0]) == 20_000);
    assertThat(overlaps.get()).isZero();
    assertThat(outOfOrder.get()).as("tasks of one thread out of their order").isZero();
  }

  @Test
  void manyTasksQueuedWhileOneRuns_endInOnePublication() throws Exception {
    ControlContext c = context();
    CountDownLatch holding = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    c.submit(() -> {
      holding.countDown();
      try {
        release.await(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    assertThat(holding.await(30, TimeUnit.SECONDS)).isTrue();
    AtomicInteger applied = new AtomicInteger();
    for (int i = 0; i < 1_000; i++) {
      c.submit(applied::incrementAndGet); // a mass outage: a thousand health results
    }
    release.countDown();
    Await.until("all applied", () -> c.call(applied::get) == 1_000);
    assertThat(publications.get()).as("publications for 1,000 queued changes").isLessThanOrEqualTo(2);
  }

  @Test
  void aCallFromDelivery_runsAtOnceAndIsPublishedBeforeItReturns() {
    ControlContext c = context();
    AtomicBoolean once = new AtomicBoolean();
    onDeliver = () -> {
      if (once.compareAndSet(false, true)) {
        int before = publications.get();
        int r = c.call(() -> {
          log.add("nested");
          return 7;
        });
        log.add("nested returned " + r + ", published " + (publications.get() - before));
      }
    };
    c.run(() -> log.add("task"));
    assertThat(log).containsExactly("task", "publish", "deliver", "nested", "publish", "nested returned 7, published 1");
  }

  @Test
  void aCallFromInsideATask_isQueuedBehindIt() {
    ControlContext c = context();
    c.run(() -> {
      log.add("outer start");
      c.run(() -> log.add("inner"));
      log.add("outer end");
    });
    assertThat(log).containsExactly("outer start", "outer end", "inner", "publish", "deliver");
  }

  @Test
  void aCallIntoAnotherContext_fromDelivery_drainsItInline() {
    ControlContext a = context();
    ControlContext b = new ControlContext("b", LoggerFactory.getLogger(ControlContextTest.class), control,
        () -> log.add("b publish"), () -> log.add("b deliver"));
    AtomicBoolean once = new AtomicBoolean();
    onDeliver = () -> {
      if (once.compareAndSet(false, true)) {
        b.run(() -> log.add("b task"));
        log.add("b returned");
      }
    };
    a.run(() -> log.add("a task"));
    assertThat(log).containsExactly("a task", "publish", "deliver", "b task", "b publish", "b deliver", "b returned");
  }

  @Test
  void submit_afterStop_isDropped_whileCallsStillRun() throws Exception {
    ControlContext c = context();
    c.stop();
    AtomicBoolean ran = new AtomicBoolean();
    c.submit(() -> ran.set(true));
    assertThat(c.call(() -> "still")).isEqualTo("still");
    assertThat(ran).isFalse();
  }
}
