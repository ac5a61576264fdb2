package io.lb4j.impl;

import io.lb4j.api.Backend;
import io.lb4j.api.discovery.BackendSource;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A backend source the test drives by hand: it answers nothing by itself, {@link #deliver} and
 * {@link #fail} push what a registry would, and it counts the pool's refresh calls. Thread-safe.
 */
final class ScriptedSource implements BackendSource {
  final AtomicInteger refreshes = new AtomicInteger();
  final AtomicInteger closes = new AtomicInteger();
  private volatile Subscriber subscriber;
  private final boolean retriesItself;

  ScriptedSource() {
    this(false);
  }

  /** A source that says whether it retries by itself (then the pool must not call refresh). */
  ScriptedSource(boolean retriesItself) {
    this.retriesItself = retriesItself;
  }

  @Override
  public boolean retriesItself() {
    return retriesItself;
  }

  @Override
  public String description() {
    return "scripted";
  }

  @Override
  public void start(Subscriber subscriber) {
    this.subscriber = subscriber;
  }

  boolean started() {
    return subscriber != null;
  }

  void deliver(List<Backend> backends) {
    subscriber.onBackends(backends);
  }

  void fail(String error) {
    subscriber.onError(error);
  }

  @Override
  public void refresh() {
    refreshes.incrementAndGet();
  }

  @Override
  public void close() {
    closes.incrementAndGet();
  }
}
