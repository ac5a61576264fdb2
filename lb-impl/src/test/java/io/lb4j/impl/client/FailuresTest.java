package io.lb4j.impl.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.lb4j.api.Outcome;
import java.io.EOFException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * What the client says about each failure, for the exception shapes the JDK's {@code HttpClient} throws
 * (seen on JDK 17 and 25; the loopback tests in {@link BadDayTest} see them for real).
 */
class FailuresTest {

  private static final Duration ATTEMPT = Duration.ofMillis(500);
  private static final Duration CONNECT = Duration.ofSeconds(2);

  private static String describe(Throwable t, boolean headers) {
    Outcome.Kind kind = Failures.kindOf(t);
    return Failures.describe(t, kind, ATTEMPT, CONNECT, headers);
  }

  @Test
  void refusedConnection_withTheJdksNullMessages_isConnectionRefused() {
    // Issue 25 item 1: callers got "java.net.ConnectException: null", caused by ConnectException: null and
    // ClosedChannelException: null.
    ConnectException inner = new ConnectException();
    inner.initCause(new ClosedChannelException());
    ConnectException outer = new ConnectException();
    outer.initCause(inner);

    assertThat(Failures.kindOf(outer)).isEqualTo(Outcome.Kind.CONNECT_FAILURE);
    assertThat(describe(outer, false)).isEqualTo("connection refused");
    assertThat(describe(new ConnectException("Connection refused"), false)).isEqualTo("connection refused");
    assertThat(describe(new ConnectException("Network is unreachable"), false)).isEqualTo("network is unreachable");
  }

  @Test
  void connectTimeoutAndNoRoute_areNamed() {
    HttpConnectTimeoutException timeout = new HttpConnectTimeoutException("HTTP connect timed out");
    timeout.initCause(new ConnectException("HTTP connect timed out"));

    assertThat(describe(timeout, false)).isEqualTo("connect timed out after 2s");
    assertThat(Failures.describe(timeout, Outcome.Kind.CONNECT_FAILURE, ATTEMPT, null, false))
        .isEqualTo("connect timed out");
    assertThat(describe(new NoRouteToHostException(), false)).isEqualTo("no route to host");
  }

  @Test
  void headerParserReceivedNoBytes_isAResetOrACloseAfterTheRequestWasSent() {
    // Issue 25 item 1: a reset was reported as "IOException: HTTP/1.1 header parser received no bytes".
    IOException reset = new IOException("HTTP/1.1 header parser received no bytes",
        new IOException("HTTP/1.1 header parser received no bytes", new SocketException("Connection reset")));
    IOException closed = new IOException("HTTP/1.1 header parser received no bytes",
        new IOException("HTTP/1.1 header parser received no bytes", new EOFException("EOF reached while reading")));

    assertThat(Failures.kindOf(reset)).isEqualTo(Outcome.Kind.RESET);
    assertThat(describe(reset, false)).isEqualTo("reset after the request was sent");
    assertThat(describe(closed, false)).isEqualTo("closed after the request was sent");
    assertThat(describe(new IOException(new SocketException("Connection reset")), true))
        .isEqualTo("reset while the response was read");
    assertThat(describe(new SocketException("Broken pipe"), false)).isEqualTo("reset while the request was sent");
  }

  @Test
  void timeout_namesTheAttemptsTimeout() {
    assertThat(Failures.kindOf(new HttpTimeoutException("request timed out"))).isEqualTo(Outcome.Kind.TIMEOUT);
    assertThat(describe(new HttpTimeoutException("request timed out"), false)).isEqualTo("no response within 500ms");
  }

  @Test
  void nothingIsEverDescribedAsNull() {
    assertThat(describe(new IOException(), false)).isEqualTo("IOException after the request was sent");
    assertThat(Failures.messageOf(new IOException(new IOException()))).isEqualTo("java.io.IOException");
    assertThat(Failures.messageOf(new IOException((String) null))).isEqualTo("IOException");
  }

  @Test
  void theCallersOwnFailure_isNotTheBackends() {
    assertThat(Failures.kindOf(new IOException(new IllegalStateException("handler threw")))).isNull();
    assertThat(Failures.kindOf(new IllegalArgumentException("bad header"))).isNull();
  }
}
