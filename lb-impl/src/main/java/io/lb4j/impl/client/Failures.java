package io.lb4j.impl.client;

import static io.lb4j.api.internal.Checks.format;

import io.lb4j.api.Outcome;
import java.io.EOFException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.PortUnreachableException;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.UnresolvedAddressException;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * The one place that reads what {@code HttpClient} throws: the {@link Outcome.Kind} of a failed attempt
 * (and with it whether the request may have reached the server), and a description of it in a few
 * words that never depend on the JDK's messages.
 *
 * <p>The JDK's own messages are often no help: a refused connection is {@code ConnectException} with a
 * null message caused by a {@code ClosedChannelException} with none either (JDK 17 to 25); a reset before
 * the answer is {@code IOException: HTTP/1.1 header parser received no bytes}, with "Connection reset"
 * only in its root cause. {@link #describe} turns these into {@code connection refused} and
 * {@code reset after the request was sent}.
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
   * connect timeout), so any method may be requeued. {@link Outcome.Kind#TIMEOUT} and
   * {@link Outcome.Kind#RESET} mean it may have reached the server.
   */
  static Outcome.Kind kindOf(Throwable error) {
    for (Throwable t = error; t != null; t = next(t)) {
      if (isConnectFailure(t)) {
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

  private static boolean isConnectFailure(Throwable t) {
    return t instanceof HttpConnectTimeoutException || t instanceof ConnectException
        || t instanceof NoRouteToHostException || t instanceof PortUnreachableException
        || t instanceof UnknownHostException || t instanceof UnresolvedAddressException;
  }

  /**
   * What happened, for a failure of kind {@code kind} ({@link #kindOf}); never null or empty.
   *
   * @param error the failure
   * @param kind its kind
   * @param attemptTimeout the timeout the attempt had, for timeouts
   * @param connectTimeout the client's connect timeout, or null when it has none
   * @param headersReceived whether the response headers had arrived (the body failed)
   */
  static String describe(Throwable error, Outcome.Kind kind, Duration attemptTimeout, Duration connectTimeout,
      boolean headersReceived) {
    switch (kind) {
      case CONNECT_FAILURE:
        return describeConnectFailure(error, connectTimeout);
      case TIMEOUT:
        return "no response within " + format(attemptTimeout);
      case RESET:
        return describeReset(error, headersReceived);
      default:
        return messageOf(error);
    }
  }

  private static String describeConnectFailure(Throwable error, Duration connectTimeout) {
    for (Throwable t = error; t != null; t = next(t)) {
      if (t instanceof HttpConnectTimeoutException) {
        return connectTimeout == null ? "connect timed out" : "connect timed out after " + format(connectTimeout);
      }
      if (t instanceof NoRouteToHostException) {
        return "no route to host";
      }
      if (t instanceof PortUnreachableException) {
        return "port unreachable";
      }
      if (t instanceof UnknownHostException || t instanceof UnresolvedAddressException) {
        return "unknown host";
      }
    }
    // The JDK reports a refused connection as ConnectException: null, caused by ConnectException: null
    // and ClosedChannelException: null (its selector closes the channel before finishConnect reads the
    // error). A message, when there is one, names the cause ("Connection refused", "Network is unreachable").
    for (Throwable t = error; t != null; t = next(t)) {
      String message = t.getMessage();
      if (t instanceof ConnectException && message != null && !message.isBlank()) {
        return message.toLowerCase(Locale.ROOT);
      }
    }
    return "connection refused";
  }

  private static String describeReset(Throwable error, boolean headersReceived) {
    String when = headersReceived ? "while the response was read" : "after the request was sent";
    // The root cause says more than the wrappers ("header parser received no bytes" wraps a reset and a
    // plain close alike): look for a reset down the whole chain before settling for a close.
    for (Throwable t = error; t != null; t = next(t)) {
      String message = t.getMessage() == null ? "" : t.getMessage().toLowerCase(Locale.ROOT);
      if (t instanceof SocketException && message.contains("reset")) {
        return "reset " + when;
      }
      if (t instanceof SocketException && message.contains("broken pipe")) {
        return "reset while the request was sent";
      }
    }
    for (Throwable t = error; t != null; t = next(t)) {
      String message = t.getMessage() == null ? "" : t.getMessage().toLowerCase(Locale.ROOT);
      if (t instanceof EOFException || t instanceof ClosedChannelException
          || message.contains("received no bytes") || message.contains("eof reached")) {
        return "closed " + when;
      }
    }
    return messageOf(error) + " " + when;
  }

  /**
   * The first message in {@code error}'s causal chain, else its simple class name: never null, so that
   * nothing surfaces as {@code IOException: null}.
   */
  static String messageOf(Throwable error) {
    for (Throwable t = error; t != null; t = next(t)) {
      String message = t.getMessage();
      if (message != null && !message.isBlank()) {
        return message;
      }
    }
    return error.getClass().getSimpleName();
  }

  private static Throwable next(Throwable t) {
    Throwable cause = t.getCause();
    return cause == t ? null : cause;
  }
}
