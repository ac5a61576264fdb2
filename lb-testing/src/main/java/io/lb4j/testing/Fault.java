package io.lb4j.testing;

import static io.lb4j.api.internal.Checks.checkRange;

import io.lb4j.api.internal.Checks;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * What an {@link HttpTestBackend} does to the connection instead of (or while) answering normally, in the spirit
 * of OkHttp MockWebServer's socket policies and WireMock's faults. A connection that met a fault is closed
 * afterwards, except with {@link #none()}, {@link #dribble}, {@link #bandwidth} and {@link #oversizedHeaders},
 * which deliver a complete response.
 *
 * <p>Immutable and thread-safe.
 *
 * @since 0.1.0
 */
public final class Fault {

  /** The kinds of fault. */
  public enum Kind {
    /** Answer normally. */
    NONE,
    /** Read the request and never answer; the connection stays open until the client gives up. */
    BLACKHOLE,
    /** Reset the connection (RST, SO_LINGER 0) instead of answering. */
    RESET_BEFORE_RESPONSE,
    /** Send the first {@link Fault#bytes()} bytes of the response, then reset the connection. */
    RESET_AFTER_BYTES,
    /** Send the first {@link Fault#bytes()} bytes of the response, then close the connection (FIN). */
    CLOSE_AFTER_BYTES,
    /** Send the head at once, then the body {@link Fault#bytes()} bytes at a time, each {@link Fault#pause()} apart. */
    DRIBBLE,
    /** Send the response at most {@link Fault#bytes()} bytes per second. */
    BANDWIDTH,
    /** Add a header whose value is {@link Fault#bytes()} bytes long. */
    OVERSIZED_HEADERS,
    /** Send {@link Fault#raw()} bytes instead of a response, then close. */
    MALFORMED
  }

  /** The largest byte count or rate a fault accepts: 64 MiB. */
  public static final int MAX_BYTES = 64 << 20;
  /** The longest pause between dribbled chunks. */
  public static final Duration MAX_PAUSE = Duration.ofMinutes(1);

  private static final Fault NONE = new Fault(Kind.NONE, 0, Duration.ZERO, new byte[0]);

  private final Kind kind;
  private final int bytes;
  private final Duration pause;
  private final byte[] raw;

  private Fault(Kind kind, int bytes, Duration pause, byte[] raw) {
    this.kind = kind;
    this.bytes = bytes;
    this.pause = pause;
    this.raw = raw;
  }

  /**
   * No fault: answer normally.
   *
   * @return the no-fault value
   */
  public static Fault none() {
    return NONE;
  }

  /**
   * Accept and read the request, never answer; the client sees a read timeout.
   *
   * @return the fault
   */
  public static Fault blackhole() {
    return new Fault(Kind.BLACKHOLE, 0, Duration.ZERO, new byte[0]);
  }

  /**
   * Reset the connection once the request arrived, before any response byte; the client sees a connection reset.
   *
   * @return the fault
   */
  public static Fault resetBeforeResponse() {
    return new Fault(Kind.RESET_BEFORE_RESPONSE, 0, Duration.ZERO, new byte[0]);
  }

  /**
   * Send part of the response, then reset the connection: a reset in the middle of the response.
   *
   * @param bytes how many response bytes to send first, 0 to {@link #MAX_BYTES}
   * @return the fault
   */
  public static Fault resetAfterBytes(int bytes) {
    return new Fault(Kind.RESET_AFTER_BYTES, checkRange("fault.bytes", bytes, 0, MAX_BYTES), Duration.ZERO,
        new byte[0]);
  }

  /**
   * Send part of the response, then close the connection normally; the client sees a truncated response.
   *
   * @param bytes how many response bytes to send first, 0 to {@link #MAX_BYTES}
   * @return the fault
   */
  public static Fault closeAfterBytes(int bytes) {
    return new Fault(Kind.CLOSE_AFTER_BYTES, checkRange("fault.bytes", bytes, 0, MAX_BYTES), Duration.ZERO,
        new byte[0]);
  }

  /**
   * Send the status line and headers at once, then the body in small chunks with pauses between them.
   *
   * @param chunkBytes bytes per chunk, 1 to {@link #MAX_BYTES}
   * @param pause pause before each chunk, 0 to {@link #MAX_PAUSE}
   * @return the fault
   */
  public static Fault dribble(int chunkBytes, Duration pause) {
    return new Fault(Kind.DRIBBLE, checkRange("fault.chunkBytes", chunkBytes, 1, MAX_BYTES),
        checkRange("fault.pause", pause, Duration.ZERO, MAX_PAUSE), new byte[0]);
  }

  /**
   * Limit the response to a rate.
   *
   * @param bytesPerSecond the rate, 1 to {@link #MAX_BYTES}
   * @return the fault
   */
  public static Fault bandwidth(int bytesPerSecond) {
    return new Fault(Kind.BANDWIDTH, checkRange("fault.bytesPerSecond", bytesPerSecond, 1, MAX_BYTES),
        Duration.ZERO, new byte[0]);
  }

  /**
   * Answer with an extra header {@code X-Lb4j-Padding} whose value is this long, to test a proxy's header limit.
   *
   * @param bytes the value's length, 1 to {@link #MAX_BYTES}
   * @return the fault
   */
  public static Fault oversizedHeaders(int bytes) {
    return new Fault(Kind.OVERSIZED_HEADERS, checkRange("fault.bytes", bytes, 1, MAX_BYTES), Duration.ZERO,
        new byte[0]);
  }

  /**
   * Send these bytes instead of a response, then close.
   *
   * @param response the raw bytes, ISO-8859-1 encoded; at most {@link #MAX_BYTES}
   * @return the fault
   */
  public static Fault malformed(String response) {
    byte[] raw = Objects.requireNonNull(response, "response").getBytes(StandardCharsets.ISO_8859_1);
    checkRange("fault.response length", raw.length, 0, MAX_BYTES);
    return new Fault(Kind.MALFORMED, 0, Duration.ZERO, raw);
  }

  /**
   * A status line that is not HTTP: {@code HTTP/1.1 2OO OK} (letters O, not zeros).
   *
   * @return the fault
   */
  public static Fault malformedStatusLine() {
    return malformed("HTTP/1.1 2OO OK\r\nContent-Length: 2\r\n\r\nok");
  }

  /**
   * A response whose framing is ambiguous: both {@code Content-Length} and {@code Transfer-Encoding: chunked}
   * (RFC 9112 section 6.3 tells a proxy to refuse it).
   *
   * @return the fault
   */
  public static Fault conflictingFraming() {
    return malformed("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n");
  }

  /**
   * The kind of fault.
   *
   * @return the kind
   */
  public Kind kind() {
    return kind;
  }

  /**
   * The byte count, chunk size or rate, depending on {@link #kind()}; 0 when it has none.
   *
   * @return the byte parameter
   */
  public int bytes() {
    return bytes;
  }

  /**
   * The pause between dribbled chunks; zero for other kinds.
   *
   * @return the pause
   */
  public Duration pause() {
    return pause;
  }

  /**
   * The raw response of {@link Kind#MALFORMED}; empty for other kinds.
   *
   * @return a copy of the bytes
   */
  public byte[] raw() {
    return raw.clone();
  }

  byte[] rawUnsafe() {
    return raw;
  }

  @Override
  public String toString() {
    switch (kind) {
      case NONE:
      case BLACKHOLE:
      case RESET_BEFORE_RESPONSE:
        return kind.name().toLowerCase(Locale.ROOT);
      case DRIBBLE:
        return "dribble " + bytes + " bytes every " + Checks.format(pause);
      case MALFORMED:
        return "malformed " + raw.length + " bytes";
      default:
        return kind.name().toLowerCase(Locale.ROOT) + " " + bytes;
    }
  }
}
