package io.lb4j.impl.client;

import io.lb4j.api.Outcome;
import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.PortUnreachableException;
import java.net.UnknownHostException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * The one place that maps what {@code HttpClient} throws to an {@link Outcome.Kind}: the cause of a
 * failed attempt, and with it whether the request may have reached the server.
 */
final class Failures {

  private Failures() {}

  /** The exception itself, without the wrappers futures add. */
  static Throwable unwrap(Throwable t) {
    Throwable cause = t;
    while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause;
  }

  /**
   * The kind of backend failure {@code error} shows, or null when it is not the backend's doing (the
   * caller's body handler threw, the request was refused by the client before any I/O).
   *
   * <p>{@link Outcome.Kind#CONNECT_FAILURE} means the request never left the client (refused, no route,
   * connect timeout), so any method may be retried. {@link Outcome.Kind#TIMEOUT} and
   * {@link Outcome.Kind#RESET} mean it may have reached the server.
   */
  static Outcome.Kind kindOf(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof HttpConnectTimeoutException || t instanceof ConnectException
          || t instanceof NoRouteToHostException || t instanceof PortUnreachableException
          || t instanceof UnknownHostException || t instanceof UnresolvedAddressException) {
        return Outcome.Kind.CONNECT_FAILURE;
      }
    }
    if (error instanceof HttpTimeoutException) {
      return Outcome.Kind.TIMEOUT;
    }
    if (error instanceof IOException) {
      // HttpClient.send wraps what is not an I/O failure (the caller's body handler threw) in a plain
      // IOException; that is not the backend's doing either.
      Throwable cause = error.getCause();
      boolean wrapsNonIoFailure = error.getClass() == IOException.class && cause != null
          && !(cause instanceof IOException);
      return wrapsNonIoFailure ? null : Outcome.Kind.RESET;
    }
    return null;
  }
}
