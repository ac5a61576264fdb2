package io.lb4j.api;

/**
 * A handle on one event subscription of a {@link LoadBalancer}: {@link #close()} ends it.
 *
 * <p>Each call to a subscribe method returns its own subscription, even for the same consumer: a
 * consumer subscribed twice receives every event twice until both handles are closed.
 *
 * <p>Thread-safe; {@link #close()} is idempotent and throws no checked exception, so it fits
 * try-with-resources without a {@code catch (Exception e)}.
 *
 * @since 0.1.0
 */
@FunctionalInterface
public interface Subscription extends AutoCloseable {

  /**
   * Ends the subscription: events that happen after this returns are not delivered to its consumer.
   * Idempotent.
   */
  @Override
  void close();
}
