package io.lb4j.examples.gateway;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The signals a daemon handles: SIGHUP, which operators send to re-read the configuration
 * ({@code kill -HUP PID}), and SIGTERM and SIGINT (Ctrl-C), which stop it. Uses the JDK's
 * {@code sun.misc.Signal} (module {@code jdk.unsupported}), which every current JDK ships; where it is
 * missing or a signal is taken (Windows has no SIGHUP), the JVM's default applies: reloading on file change
 * still works, and a stop runs the shutdown hooks.
 */
final class Signals {

  private static final Logger log = LoggerFactory.getLogger(Signals.class);

  private Signals() {}

  /** Runs {@code action} on each SIGHUP; false when this JVM cannot deliver it. */
  static boolean onHangup(Runnable action) {
    return handle("HUP", action, "the configuration reloads when its file changes");
  }

  /**
   * Runs {@code action} on SIGTERM and SIGINT instead of the JVM's shutdown, so that the process can stop
   * gracefully and choose its exit code (a JVM stopped by a signal exits 143 or 130); false when either
   * could not be taken over.
   */
  static boolean onTerminate(Runnable action) {
    return handle("TERM", action, "a stop runs the JVM's shutdown") & handle("INT", action, "Ctrl-C runs the JVM's shutdown");
  }

  private static boolean handle(String name, Runnable action, String otherwise) {
    try {
      sun.misc.Signal.handle(new sun.misc.Signal(name), signal -> action.run());
      return true;
    } catch (IllegalArgumentException | UnsupportedOperationException | LinkageError e) {
      log.info("SIG{} not available ({}); {}", name, e.toString(), otherwise);
      return false;
    }
  }
}
