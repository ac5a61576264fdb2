package io.lb4j.api.discovery;

import io.lb4j.api.Backend;
import java.util.List;

/**
 * A source of backends for a pool: a registry, a DNS name, a file. It delivers <em>whole</em> lists (the
 * complete membership each time, never deltas) and reports failures; the pool applies each list as one
 * update, keeps the last good list while the source fails, and asks it to try again with backoff.
 *
 * <p><b>Lifecycle.</b> The pool calls {@link #start(Subscriber)} once, when it starts, and {@link #close()}
 * when it closes; a source belongs to one pool. {@code start} must not block: resolution happens on the
 * source's own thread (or its client library's), which then calls the subscriber. After {@code close} the
 * source calls the subscriber no more and leaves no thread behind.
 *
 * <p><b>Threading.</b> Implementations are thread-safe: {@link #refresh()} and {@link #close()} may be
 * called from any thread while the source delivers on its own. A source calls its subscriber from one
 * thread at a time, in the order it learned things, so the last list delivered is the current one.
 *
 * @since 0.1.0
 */
public interface BackendSource extends AutoCloseable {

  /**
   * What the source reads, for events, logs and the view, for example {@code dns A web.internal:8080} or
   * {@code zookeeper /services/web}.
   *
   * @return the description, stable for the source's lifetime
   */
  String description();

  /**
   * Starts resolving and delivering to {@code subscriber}. Called once; returns at once.
   *
   * @param subscriber receives every list and error from now on
   * @throws IllegalStateException when called a second time or after {@link #close()}
   */
  void start(Subscriber subscriber);

  /**
   * Asks the source to resolve again now. The pool calls it after {@link Subscriber#onError} with
   * exponential backoff (unless the source {@link #retriesItself()}), so a source that polls need not retry on
   * its own; a source that watches (ZooKeeper) may ignore it while its client reconnects by itself. Never
   * blocks.
   */
  void refresh();

  /**
   * Whether the source retries on its own after a failure, on a schedule of its own that already bounds how
   * soon it recovers (a DNS source asks again within about one TTL). The pool then records the failure (state,
   * events, the last good list kept) but calls no {@link #refresh()} of its own: its backoff, which grows with
   * every failure in a row, could only add queries to the registry, and a refresh at the end of a long backoff
   * is what once made recovery take as long as the backoff. Default false: the pool retries with its
   * {@link DiscoveryPolicy} backoff.
   *
   * @return true when the source retries by itself
   * @since 0.1.0
   */
  default boolean retriesItself() {
    return false;
  }

  /** Stops resolving and releases threads and connections; idempotent. */
  @Override
  void close();

  /**
   * Receives what a {@link BackendSource} learns. Implemented by the pool; its methods are quick and do
   * not throw.
   *
   * @since 0.1.0
   */
  interface Subscriber {

    /**
     * The complete current membership: ids unique, in the source's order. May be empty; the pool applies
     * an empty list only when its {@link DiscoveryPolicy#allowEmptyList()} says so.
     *
     * @param backends the whole list
     */
    void onBackends(List<Backend> backends);

    /**
     * The source could not resolve (server unreachable, NXDOMAIN, a file that does not parse, a lost
     * session). The pool keeps its last good list and calls {@link #refresh()} later.
     *
     * @param error what went wrong, in words an operator understands, for example
     *     {@code NXDOMAIN for web.internal.} or {@code backends.txt line 3: port must be between 1 and 65535, was 0}
     */
    void onError(String error);
  }
}
