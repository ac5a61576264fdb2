package io.lb4j.impl.health;

import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;

/**
 * The causes a probe result names ({@code connect refused}, {@code connection reset}, ...): fixed strings
 * for the common outcomes, so a result allocates nothing, and the classification of socket exceptions.
 * Stateless and thread-safe.
 */
final class ProbeCauses {

  static final String OK = "ok";
  static final String CONNECT_REFUSED = "connect refused";
  static final String CLOSED_BEFORE_STATUS = "connection closed before HTTP status";
  static final String INVALID_RESPONSE = "invalid HTTP response";
  static final String RESET = "connection reset";
  static final String OK_RESET_AFTER_HANDSHAKE = "ok (reset by the backend after the handshake)";

  private ProbeCauses() {}

  /** The cause of a failed connect. */
  static String connectCause(IOException e) {
    String msg = String.valueOf(e.getMessage());
    if (e instanceof ConnectException && msg.contains("refused")) {
      return CONNECT_REFUSED;
    }
    if (e instanceof NoRouteToHostException) {
      return "unreachable: " + msg;
    }
    return "connect failed: " + msg;
  }

  /** Whether {@code e} is a connection reset. */
  static boolean isReset(IOException e) {
    return String.valueOf(e.getMessage()).contains("reset");
  }

  /** The cause of a failed read or write on a connected probe. */
  static String ioCause(IOException e) {
    String msg = String.valueOf(e.getMessage());
    if (isReset(e) || msg.contains("Broken pipe")) {
      return RESET;
    }
    return "io error: " + msg;
  }
}
