package io.lb4j.impl.pool;

import io.lb4j.api.LoadBalancerEvent;
import io.lb4j.api.Subscription;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import org.slf4j.Logger;

/**
 * A pool's subscribers and the events waiting for them. Every event is delivered by the pool's
 * {@link ControlContext}, after the publication of the change it announces, one at a time and in order.
 *
 * <p><b>Control events</b> ({@link #emit}) are raised by the context's own tasks. <b>Events raised by
 * selects</b> (no eligible backend, a session that moved: {@link #offerFromSelect}) never run a subscriber
 * on the selecting thread (often a listener's event loop): they go to a bounded buffer of
 * {@value #SELECT_EVENT_CAPACITY}, which one task at a time hands to the context. When subscribers fall that
 * far behind (every select of an outage failing), further ones are dropped and counted, and the count is
 * logged once the buffer drains; nothing queues without bound and no select waits.
 *
 * <p>Subscriptions are kept in a copy-on-write list of handles, one per subscribe call, so the same
 * consumer subscribed twice is delivered twice and each handle ends only its own subscription.
 * {@link #hasSubscribers()} lets a select skip building an event nobody would receive.
 */
final class PoolEvents {

  /** Events raised by selects that may wait for the control context at once. */
  static final int SELECT_EVENT_CAPACITY = 1024;

  private final Logger log;
  private final String poolName;
  private final CopyOnWriteArrayList<Handle> subscribers = new CopyOnWriteArrayList<>();
  /** Events of the current batch, delivered after it is published. Confined to the control context. */
  private final List<LoadBalancerEvent> pending = new ArrayList<>();
  private final Queue<LoadBalancerEvent> fromSelects = new ConcurrentLinkedQueue<>();
  private final AtomicInteger fromSelectsSize = new AtomicInteger();
  private final AtomicBoolean handOffQueued = new AtomicBoolean();
  private final LongAdder dropped = new LongAdder();
  private final Runnable handOff = this::takeFromSelects;

  PoolEvents(Logger log, String poolName) {
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

  /** Queues an event of the current batch (control context). */
  void emit(LoadBalancerEvent event) {
    if (!subscribers.isEmpty()) {
      pending.add(event);
    }
  }

  /**
   * Hands an event raised by a select to the control context, or drops it when
   * {@value #SELECT_EVENT_CAPACITY} are already waiting. Lock-free; never runs a subscriber.
   */
  void offerFromSelect(LoadBalancerEvent event, ControlContext context) {
    if (fromSelectsSize.incrementAndGet() > SELECT_EVENT_CAPACITY) {
      fromSelectsSize.decrementAndGet();
      dropped.increment();
      return;
    }
    fromSelects.add(event);
    if (handOffQueued.compareAndSet(false, true)) {
      context.submit(handOff);
    }
  }

  /** Moves what selects raised into the current batch (control context). */
  private void takeFromSelects() {
    // Cleared before polling: an event offered after our last poll queues another hand-off.
    handOffQueued.set(false);
    LoadBalancerEvent e;
    while ((e = fromSelects.poll()) != null) {
      fromSelectsSize.decrementAndGet();
      emit(e);
    }
    long lost = dropped.sumThenReset();
    if (lost > 0) {
      log.warn("load balancer '{}': {} select events dropped, subscribers fell {} events behind", poolName, lost,
          SELECT_EVENT_CAPACITY);
    }
  }

  /**
   * Delivers the batch's events in order (control context). An event raised while delivering (a
   * subscriber that calls back into the pool) is delivered in the same pass, after the earlier ones.
   */
  void deliver() {
    try {
      for (int i = 0; i < pending.size(); i++) {
        LoadBalancerEvent event = pending.get(i);
        for (Handle h : subscribers) {
          try {
            h.consumer.accept(event);
          } catch (RuntimeException e) {
            log.warn("load balancer '{}': event consumer failed on {}", poolName, event, e);
          }
        }
      }
    } finally {
      pending.clear();
    }
  }

  /** Whether events wait for delivery (control context). */
  boolean pending() {
    return !pending.isEmpty();
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
