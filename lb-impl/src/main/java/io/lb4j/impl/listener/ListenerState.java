package io.lb4j.impl.listener;

/**
 * The lifecycle of a {@link ListenerServer}: {@code STARTING -> RUNNING -> STOPPING -> STOPPED}; a start
 * that fails (port in use) goes from {@code STARTING} to {@code STOPPED}; an event loop that hits an
 * {@link Error} (such as {@code OutOfMemoryError}) takes the server from any live state to
 * {@code FAILED}. {@code STOPPED} and {@code FAILED} are final: a server cannot be started again, build a
 * new one.
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
  STOPPED,
  /**
   * Failed: an event loop hit an {@link Error}. The server closed its listening socket and every
   * connection, and its threads end; {@link ListenerServer#failureCause()} says why. Fail-stop, never
   * fail-silent: a process that embeds the listener should exit so that its supervisor restarts it (the
   * gateway exits with code 3). {@link ListenerServer#stop} still returns once the threads ended.
   *
   * @since 0.1.0
   */
  FAILED
}
