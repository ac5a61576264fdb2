package io.lb4j.impl.groups;

import io.lb4j.api.Backend;
import io.lb4j.api.discovery.BackendSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One {@link BackendSource} feeding several pools: each pool gets a {@link #tap()}, itself a source. The first
 * tap started starts the source; every list and error goes to every started tap, and a tap started later gets
 * the last list at once; the last tap closed closes the source. A server group's source is shared this way
 * between the group's pool and the pools of the groups it stands by for, and between the pools of two
 * generations of a listener's routing while one replaces the other.
 *
 * <p>Thread-safe: taps start and close on control threads while the source delivers on its own; deliveries
 * are made under the lock, one at a time and in order, as the source contract asks.
 */
public final class SharedSource {

  private final BackendSource source;
  private final List<Tap> started = new ArrayList<>();
  private int open;
  private boolean running;
  private boolean closed;
  private List<Backend> last;
  private final BackendSource.Subscriber fanOut = new BackendSource.Subscriber() {
    @Override
    public void onBackends(List<Backend> backends) {
      synchronized (SharedSource.this) {
        last = List.copyOf(backends);
        for (Tap t : started) {
          t.subscriber.onBackends(last);
        }
      }
    }

    @Override
    public void onError(String error) {
      synchronized (SharedSource.this) {
        for (Tap t : started) {
          t.subscriber.onError(error);
        }
      }
    }
  };

  /** Shares {@code source}, which belongs to this object from now on. */
  public SharedSource(BackendSource source) {
    this.source = Objects.requireNonNull(source, "source");
  }

  /** The source shared. */
  public BackendSource source() {
    return source;
  }

  /**
   * A new tap: a source for one pool.
   *
   * @throws IllegalStateException once every tap closed (the source is closed)
   */
  public synchronized BackendSource tap() {
    if (closed) {
      throw new IllegalStateException("the shared source " + source.description() + " is closed");
    }
    open++;
    return new Tap();
  }

  /** Whether the source was closed, its last tap being closed. */
  public synchronized boolean closed() {
    return closed;
  }

  private synchronized void started(Tap t) {
    started.add(t);
    if (last != null) {
      t.subscriber.onBackends(last);
    }
    if (!running) {
      running = true;
      source.start(fanOut);
    }
  }

  private void closed(Tap t) {
    boolean last;
    synchronized (this) {
      started.remove(t);
      last = --open == 0;
      closed |= last;
    }
    if (last) {
      source.close(); // outside the lock: a source may wait for its own thread, which may be delivering
    }
  }

  /** One pool's view of the shared source. */
  private final class Tap implements BackendSource {
    private BackendSource.Subscriber subscriber;
    private boolean tapStarted;
    private boolean tapClosed;

    @Override
    public String description() {
      return source.description();
    }

    @Override
    public void start(BackendSource.Subscriber s) {
      Objects.requireNonNull(s, "subscriber");
      synchronized (SharedSource.this) {
        if (tapStarted || tapClosed) {
          throw new IllegalStateException("a tap of " + source.description() + " starts once");
        }
        tapStarted = true;
        subscriber = s;
        started(this);
      }
    }

    @Override
    public void refresh() {
      source.refresh();
    }

    @Override
    public void close() {
      synchronized (SharedSource.this) {
        if (tapClosed) {
          return;
        }
        tapClosed = true;
      }
      closed(this);
    }
  }
}
