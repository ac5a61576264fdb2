package io.lb4j.examples.gateway;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SIGHUP, the signal operators send a daemon to re-read its configuration ({@code kill -HUP PID}). Uses
 * the JDK's {@code sun.misc.Signal} (module {@code jdk.unsupported}), which every current JDK ships;
 * where it is missing or the signal is taken (Windows has no SIGHUP), reloading on file change still works.
 */
final class Signals {

  private static final Logger log = LoggerFactory.getLogger(Signals.class);

  private Signals() {}

  /** Runs {@code action} on each SIGHUP; false when this JVM cannot deliver it. */
  static boolean onHangup(Runnable action) {
    try {
      sun.misc.Signal.handle(new sun.misc.Signal("HUP"), signal -> action.run());
      return true;
    } catch (IllegalArgumentException | UnsupportedOperationException | LinkageError e) {
      log.info("SIGHUP not available ({}); the configuration reloads when its file changes", e.toString());
      return false;
    }
  }
}
