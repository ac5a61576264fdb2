package io.lb4j.impl.listener;

import io.lb4j.api.Backend;
import io.lb4j.api.LoadBalancer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;

/**
 * The end of a routing change: what the previous generation still holds once the new one is published. Its
 * requests that may still select (a request routed by the old rules can retry on another backend until its
 * response starts) keep seeing the old membership of a kept group, the new generation hiding the other half;
 * once none is left ({@link GroupPool#users()} of every old generation's group is 0, counted after a barrier
 * on every event loop so that no request can still be routing with the old rules), kept pools take their new
 * membership alone and the pools no group uses any more are closed.
 *
 * <p>Ends by itself on a daemon thread that looks every 10 ms, or at once through {@link #finishNow()} (the
 * next change, or the server stopping). Thread-safe; {@link #done()} completes once.
 */
final class RoutingChange {

  /** A kept pool whose membership changed: it holds both generations' backends until the change ends. */
  record Transition(LoadBalancer pool, List<Backend> membership, GroupPool next) {}

  private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

  private final String listenerName;
  private final Logger log;
  private final List<GroupPool> previous;
  private final List<Transition> transitions;
  private final List<LoadBalancer> retired;
  private final Runnable afterClose;
  private final CompletableFuture<Void> done = new CompletableFuture<>();
  private boolean finished;

  RoutingChange(String listenerName, Logger log, List<GroupPool> previous, List<Transition> transitions,
      List<LoadBalancer> retired, Runnable afterClose) {
    this.listenerName = listenerName;
    this.log = log;
    this.previous = List.copyOf(previous);
    this.transitions = List.copyOf(transitions);
    this.retired = List.copyOf(retired);
    this.afterClose = afterClose;
  }

  /** Completes when the change ended. */
  CompletableFuture<Void> done() {
    return done;
  }

  /** Ends when the previous generation's last selecting request is gone, on a thread of its own. */
  void finishWhenDrained() {
    if (drained()) {
      finish();
      return;
    }
    Thread t = new Thread(() -> {
      while (!done.isDone() && !drained()) {
        LockSupport.parkNanos(POLL_NANOS);
      }
      finish();
    }, "lb4j-listener-" + listenerName + "-routing-change");
    t.setDaemon(true);
    t.start();
  }

  private boolean drained() {
    for (GroupPool g : previous) {
      if (g.users() > 0) {
        return false;
      }
    }
    return true;
  }

  /**
   * Ends now, whatever the previous generation still does: a request it routed that retries from here on
   * may select among the new membership.
   */
  void finishNow() {
    finish();
  }

  private void finish() {
    synchronized (this) {
      if (finished) {
        return;
      }
      finished = true;
    }
    try {
      for (Transition t : transitions) {
        try {
          t.pool().setBackends(t.membership());
        } catch (IllegalStateException closed) {
          // the server stopped meanwhile and closed the pool: nothing left to change
        }
        t.next().hidden = List.of();
      }
      List<String> names = new ArrayList<>();
      for (LoadBalancer pool : retired) {
        names.add(pool.name());
        pool.close();
      }
      afterClose.run();
      if (!names.isEmpty()) {
        log.info("listener {}: routing change done, closed {}", listenerName, names);
      }
    } finally {
      done.complete(null);
    }
  }
}
