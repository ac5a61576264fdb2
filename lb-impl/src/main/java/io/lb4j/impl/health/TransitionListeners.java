package io.lb4j.impl.health;

import io.lb4j.api.health.HealthTransition;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;

/**
 * Registered transition listeners. Copy-on-write: registration is rare, delivery frequent and
 * lock-free. Each registration is its own entry, so the same consumer registered twice is called twice
 * and each handle removes only its own registration. Thread-safe.
 */
final class TransitionListeners {

  private final CopyOnWriteArrayList<Subscription> subscriptions = new CopyOnWriteArrayList<>();
  private final Logger log;

  TransitionListeners(Logger log) {
    this.log = log;
  }

  AutoCloseable add(Consumer<HealthTransition> listener) {
    Subscription s = new Subscription(Objects.requireNonNull(listener, "listener"));
    subscriptions.add(s);
    return () -> subscriptions.remove(s);
  }

  boolean isEmpty() {
    return subscriptions.isEmpty();
  }

  /** Calls every listener; one that throws is logged and does not stop the others. */
  void emit(HealthTransition t) {
    for (Subscription s : subscriptions) {
      try {
        s.listener.accept(t);
      } catch (RuntimeException e) {
        log.warn("health transition listener {} failed on {}", s.listener, t, e);
      }
    }
  }

  private static final class Subscription {
    final Consumer<HealthTransition> listener;

    Subscription(Consumer<HealthTransition> listener) {
      this.listener = listener;
    }
  }
}
