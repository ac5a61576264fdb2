package io.lb4j.impl.discovery;

import io.lb4j.api.Backend;
import io.lb4j.api.discovery.BackendSource;
import java.util.List;
import java.util.Objects;

/** A fixed list, delivered on start and again on each refresh. Thread-safe. */
final class FixedBackendSource implements BackendSource {

  private final List<Backend> backends;
  private volatile Subscriber subscriber;
  private boolean started;

  FixedBackendSource(List<Backend> backends) {
    this.backends = backends;
  }

  @Override
  public String description() {
    return "fixed " + backends.size() + " backends";
  }

  @Override
  public synchronized void start(Subscriber subscriber) {
    if (started) {
      throw new IllegalStateException("source already started: " + description());
    }
    started = true;
    this.subscriber = Objects.requireNonNull(subscriber, "subscriber");
    subscriber.onBackends(backends);
  }

  @Override
  public void refresh() {
    Subscriber s = subscriber;
    if (s != null) {
      s.onBackends(backends);
    }
  }

  @Override
  public synchronized void close() {
    started = true; // a closed source cannot be started
    subscriber = null;
  }
}
