package io.lb4j.impl;

import io.lb4j.api.LoadBalancerEvent;
import io.lb4j.api.Subscription;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.slf4j.Logger;

/**
 * Delivers a pool's events and callbacks one at a time, in the order they were queued, the way gRPC's
 * {@code SynchronizationContext} runs a balancer's callbacks: {@link #enqueue} is called under the pool's
 * control lock (so queue order is the order of the state changes), {@link #drain} after the lock is
 * released, by whichever thread gets there first; a thread that finds another one draining leaves its
 * tasks to it. Consumers thus never run under the control lock (they may call back into the pool: their
 * calls queue behind the current task) and never run concurrently with each other.
 *
 * <p>Subscriptions are kept in a copy-on-write list of handles, one per subscribe call, so the same
 * consumer subscribed twice is delivered twice and each handle ends only its own subscription.
 * {@link #hasSubscribers()} lets the request path skip building an event nobody would receive.
 */
final class EventDispatch {

  private final Logger log;
  private final String poolName;
  private final Queue<Runnable> queue = new ConcurrentLinkedQueue<>();
  private final AtomicReference<Thread> drainingThread = new AtomicReference<>();
  private final CopyOnWriteArrayList<Handle> subscribers = new CopyOnWriteArrayList<>();

  EventDispatch(Logger log, String poolName) {
    this.log = log;
    this.poolName = poolName;
  }

  boolean hasSubscribers() {
    return !subscribers.isEmpty();
  }

  Subscription subscribe(Consumer<? super LoadBalancerEvent> consumer) {
    Handle h = new Handle(Objects.requireNonNull(consumer, "consumer"));
    subscribers.add(h);
    return h;
  }

  /** Queues the delivery of {@code event} to the current subscribers; no-op when there are none. */
  void enqueue(LoadBalancerEvent event) {
    if (!subscribers.isEmpty()) {
      queue.add(() -> publish(event));
    }
  }

  /** Queues a callback (completing a future, for example) in order with the events. */
  void enqueue(Runnable task) {
    queue.add(task);
  }

  /** Queues and delivers at once, unless another thread is delivering, which then delivers it too. */
  void execute(LoadBalancerEvent event) {
    enqueue(event);
    drain();
  }

  /** Runs every queued task, unless another thread is already doing so. */
  void drain() {
    do {
      Thread me = Thread.currentThread();
      if (!drainingThread.compareAndSet(null, me)) {
        return; // the draining thread (perhaps this one, re-entering from a consumer) runs our tasks
      }
      try {
        Runnable r;
        while ((r = queue.poll()) != null) {
          try {
            r.run();
          } catch (RuntimeException e) {
            log.warn("load balancer '{}': event task failed", poolName, e);
          }
        }
      } finally {
        drainingThread.set(null);
      }
      // A task queued after our last poll but before the reset found us draining and left: run it.
    } while (!queue.isEmpty());
  }

  private void publish(LoadBalancerEvent event) {
    for (Handle h : subscribers) {
      try {
        h.consumer.accept(event);
      } catch (RuntimeException e) {
        log.warn("load balancer '{}': event consumer failed on {}", poolName, event, e);
      }
    }
  }

  private final class Handle implements Subscription {
    final Consumer<? super LoadBalancerEvent> consumer;

    Handle(Consumer<? super LoadBalancerEvent> consumer) {
      this.consumer = consumer;
    }

    @Override
    public void close() {
      subscribers.remove(this); // identity: Handle does not override equals
    }
  }
}
