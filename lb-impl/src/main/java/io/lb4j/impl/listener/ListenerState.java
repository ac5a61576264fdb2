package io.lb4j.impl.listener;

/**
 * The lifecycle of a {@link ListenerServer}: {@code STARTING -> RUNNING -> STOPPING -> STOPPED}; a start
 * that fails (port in use) goes from {@code STARTING} to {@code STOPPED}. A stopped server cannot be
 * started again: build a new one.
 *
 * @since 0.1.0
 */
public enum ListenerState {
  /** Built, not started yet. */
  NEW,
  /** {@link ListenerServer#start()} is binding the port and starting the event loops. */
  STARTING,
  /** Bound and accepting connections. */
  RUNNING,
  /** No longer accepting; in-flight connections and requests are finishing within the grace period. */
  STOPPING,
  /** Closed: no socket open, no thread left. */
  STOPPED
}
