package io.lb4j.examples.gateway;

import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * Runs a blocking task, such as a gateway's {@code run} command that returns only once stopped, on a daemon
 * thread of its own. {@code CompletableFuture.supplyAsync} without an executor would take a worker of the
 * common pool, which has one worker on a 2-core machine: a second gateway queued behind the first never
 * started (seen on JDK 25).
 */
final class OwnThread {
  private OwnThread() {}

  /** Starts {@code task} on a new daemon thread; the future completes with its result. */
  static <T> CompletableFuture<T> supply(Supplier<T> task) {
    return CompletableFuture.supplyAsync(task, r -> {
      Thread t = new Thread(r, "gateway-under-test");
      t.setDaemon(true);
      t.start();
    });
  }
}
