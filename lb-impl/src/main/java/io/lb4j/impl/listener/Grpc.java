package io.lb4j.impl.listener;

import io.lb4j.impl.listener.http2.Http2Headers;
import java.nio.charset.StandardCharsets;

/**
 * What the listener knows of gRPC (the "gRPC over HTTP2" protocol document): which requests are gRPC calls,
 * their {@code grpc-timeout}, and how the listener's own answers become the trailers-only responses a gRPC
 * client understands. Stateless.
 *
 * <p>Status mapping, from the document's HTTP-to-gRPC table: 400 {@code INTERNAL}, 401
 * {@code UNAUTHENTICATED}, 403 {@code PERMISSION_DENIED}, 404 {@code UNIMPLEMENTED}, 429, 502, 503 and 504
 * {@code UNAVAILABLE}, anything else {@code UNKNOWN}; except that the listener's own timeouts (its 504, and a
 * call's {@code grpc-timeout} passing) are {@code DEADLINE_EXCEEDED}, as Envoy answers them, since the call
 * did run out of time.
 */
final class Grpc {
  static final int OK = 0;
  static final int UNKNOWN = 2;
  static final int DEADLINE_EXCEEDED = 4;
  static final int PERMISSION_DENIED = 7;
  static final int UNIMPLEMENTED = 12;
  static final int INTERNAL = 13;
  static final int UNAVAILABLE = 14;
  static final int UNAUTHENTICATED = 16;

  /** Returned by {@link #timeoutNanos} when the request has no {@code grpc-timeout}. */
  static final long NO_TIMEOUT = -1;
  /** Returned by {@link #timeoutNanos} when its {@code grpc-timeout} is malformed. */
  static final long MALFORMED = -2;

  private static final byte[] CONTENT_TYPE = ascii("application/grpc");
  private static final String[] CODES = new String[17];

  static {
    for (int i = 0; i < CODES.length; i++) {
      CODES[i] = Integer.toString(i);
    }
  }

  private Grpc() {}

  /**
   * True for a gRPC call: its {@code content-type} is {@code application/grpc}, or that followed by {@code +}
   * (a message format) or {@code ;} (parameters).
   */
  static boolean isGrpc(Http2Headers request) {
    int i = request.indexOf("content-type");
    if (i < 0 || request.valueLength(i) < CONTENT_TYPE.length) {
      return false;
    }
    byte[] b = request.bytes();
    int v = request.valueOffset(i);
    for (int k = 0; k < CONTENT_TYPE.length; k++) {
      if (b[v + k] != CONTENT_TYPE[k]) {
        return false;
      }
    }
    if (request.valueLength(i) == CONTENT_TYPE.length) {
      return true;
    }
    byte next = b[v + CONTENT_TYPE.length];
    return next == '+' || next == ';';
  }

  /**
   * The call's {@code grpc-timeout} in nanoseconds: 1-8 digits and a unit ({@code H M S m u n}), capped at
   * Long.MAX_VALUE; {@link #NO_TIMEOUT} when absent, {@link #MALFORMED} when it is not that.
   */
  static long timeoutNanos(Http2Headers request) {
    int i = request.indexOf("grpc-timeout");
    if (i < 0) {
      return NO_TIMEOUT;
    }
    int n = request.valueLength(i);
    if (n < 2 || n > 9) {
      return MALFORMED;
    }
    byte[] b = request.bytes();
    int v = request.valueOffset(i);
    long value = 0;
    for (int k = 0; k < n - 1; k++) {
      byte c = b[v + k];
      if (c < '0' || c > '9') {
        return MALFORMED;
      }
      value = value * 10 + (c - '0');
    }
    long unit;
    switch (b[v + n - 1]) {
      case 'H':
        unit = 3_600_000_000_000L;
        break;
      case 'M':
        unit = 60_000_000_000L;
        break;
      case 'S':
        unit = 1_000_000_000L;
        break;
      case 'm':
        unit = 1_000_000L;
        break;
      case 'u':
        unit = 1_000L;
        break;
      case 'n':
        unit = 1L;
        break;
      default:
        return MALFORMED;
    }
    // At most 99,999,999 hours: saturate rather than overflow.
    return value > Long.MAX_VALUE / unit ? Long.MAX_VALUE : value * unit;
  }

  /** {@code nanos} as a {@code grpc-timeout} value (at most 8 digits, the finest unit that fits). */
  static String formatTimeout(long nanos) {
    long n = Math.max(1, nanos);
    if (n < 100_000_000L) {
      return n + "n";
    }
    long[] units = {1_000L, 1_000_000L, 1_000_000_000L, 60_000_000_000L, 3_600_000_000_000L};
    char[] names = {'u', 'm', 'S', 'M', 'H'};
    for (int k = 0; k < units.length; k++) {
      long v = (n + units[k] - 1) / units[k]; // rounded up: the backend never gets less time than is left
      if (v < 100_000_000L) {
        return v + String.valueOf(names[k]);
      }
    }
    return "99999999H";
  }

  /** The gRPC status for the listener's own answer with {@code httpStatus} because of {@code cause}. */
  static int statusFor(int httpStatus, FailureCause cause) {
    if (cause == FailureCause.TIMEOUT) {
      return DEADLINE_EXCEEDED;
    }
    switch (httpStatus) {
      case 400:
        return INTERNAL;
      case 401:
        return UNAUTHENTICATED;
      case 403:
        return PERMISSION_DENIED;
      case 404:
        return UNIMPLEMENTED;
      case 429:
      case 502:
      case 503:
      case 504:
        return UNAVAILABLE;
      default:
        return UNKNOWN;
    }
  }

  /**
   * Fills {@code out} (cleared first) with a trailers-only response: {@code :status 200}, the gRPC content
   * type, {@code grpc-status} and {@code grpc-message} (percent-encoded as the protocol asks).
   */
  static void trailersOnly(Http2Headers out, int grpcStatus, String message) {
    out.clear();
    out.addStatus(200);
    out.add("content-type", "application/grpc");
    out.add("grpc-status", CODES[grpcStatus]);
    if (message != null && !message.isEmpty()) {
      out.add("grpc-message", percentEncode(message));
    }
  }

  /** Printable ASCII except '%' stays; everything else is percent-encoded from its UTF-8 bytes. */
  static String percentEncode(String message) {
    byte[] utf8 = message.getBytes(StandardCharsets.UTF_8);
    StringBuilder s = new StringBuilder(utf8.length + 8);
    for (byte b : utf8) {
      int c = b & 0xFF;
      if (c >= 0x20 && c <= 0x7E && c != '%') {
        s.append((char) c);
      } else {
        s.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
            .append(Character.toUpperCase(Character.forDigit(c & 0xF, 16)));
      }
    }
    return s.toString();
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }
}
