package io.lb4j.api.internal;

import java.time.Duration;
import java.util.Objects;
import java.util.function.IntPredicate;

/**
 * Argument checks that produce lb4j's one message format:
 * {@code <field> must be <expectation>, was <value>}, for example
 * {@code healthCheck.interval must be between 10ms and 50s, was 60s}.
 *
 * <p>Every builder in lb4j validates through these methods so that messages cannot drift apart.
 * Not API: see the package documentation. Thread-safe (stateless).
 */
public final class Checks {

  private Checks() {}

  /** Returns {@code value} if {@code min <= value <= max}, else throws {@link IllegalArgumentException}. */
  public static int checkRange(String field, int value, int min, int max) {
    if (value < min || value > max) {
      throw new IllegalArgumentException(
          field + " must be between " + min + " and " + max + ", was " + value);
    }
    return value;
  }

  /** Returns {@code value} if {@code min <= value <= max}, else throws {@link IllegalArgumentException}. */
  public static long checkRange(String field, long value, long min, long max) {
    if (value < min || value > max) {
      throw new IllegalArgumentException(
          field + " must be between " + min + " and " + max + ", was " + value);
    }
    return value;
  }

  /**
   * Returns {@code value} if {@code min <= value <= max} (NaN never is), else throws
   * {@link IllegalArgumentException}.
   */
  public static double checkRange(String field, double value, double min, double max) {
    if (!(value >= min && value <= max)) {
      throw new IllegalArgumentException(
          field + " must be between " + min + " and " + max + ", was " + value);
    }
    return value;
  }

  /** Returns {@code value} if it lies in {@code [min, max]}, else throws {@link IllegalArgumentException}. */
  public static Duration checkRange(String field, Duration value, Duration min, Duration max) {
    Objects.requireNonNull(value, field);
    if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
      throw new IllegalArgumentException(
          field + " must be between " + format(min) + " and " + format(max) + ", was " + format(value));
    }
    return value;
  }

  /**
   * Returns {@code value} if it is zero or lies in {@code [min, max]}; zero is the documented "off" value
   * of the field.
   */
  public static Duration checkZeroOrRange(String field, Duration value, Duration min, Duration max) {
    Objects.requireNonNull(value, field);
    if (!value.isZero() && (value.compareTo(min) < 0 || value.compareTo(max) > 0)) {
      throw new IllegalArgumentException(field + " must be 0 (off) or between " + format(min) + " and "
          + format(max) + ", was " + format(value));
    }
    return value;
  }

  /**
   * Returns {@code value} if its length lies in {@code [minLength, maxLength]} and each character
   * satisfies {@code allowed}; {@code charsetDescription} names the allowed characters in messages.
   */
  public static String checkCharset(String field, String value, int minLength, int maxLength,
      String charsetDescription, IntPredicate allowed) {
    Objects.requireNonNull(value, field);
    if (value.length() < minLength || value.length() > maxLength) {
      throw new IllegalArgumentException(field + " must be " + minLength + "-" + maxLength
          + " characters of " + charsetDescription + ", was '" + printable(value) + "' (" + value.length()
          + " characters)");
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (!allowed.test(c)) {
        throw new IllegalArgumentException(field + " must be " + minLength + "-" + maxLength
            + " characters of " + charsetDescription + ", was '" + printable(value) + "' (character '"
            + printable(String.valueOf(c)) + "' at index " + i + " is not allowed)");
      }
    }
    return value;
  }

  /**
   * The value with every character outside printable ASCII written as a Java escape (a backslash, {@code u}
   * and four hex digits), so that a message and the log line that shows it never carry a raw CR, LF or
   * other control character.
   */
  public static String printable(String value) {
    StringBuilder s = new StringBuilder(value.length());
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c >= 0x20 && c < 0x7f) {
        s.append(c);
      } else {
        s.append(String.format("\\u%04X", (int) c));
      }
    }
    return s.toString();
  }

  /** Throws {@link IllegalArgumentException} with {@code field must be <expectation>, was <value>}. */
  public static void checkArgument(boolean ok, String field, String expectation, Object value) {
    if (!ok) {
      throw new IllegalArgumentException(field + " must be " + expectation + ", was " + value);
    }
  }

  /** Throws {@link IllegalStateException} for settings that conflict with each other. */
  public static void checkState(boolean ok, String message) {
    if (!ok) {
      throw new IllegalStateException(message);
    }
  }

  /** True for a-z and 0-9 only (the lower-case ASCII letters and digits the reference allows). */
  public static boolean isLowerAlnum(int c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
  }

  /** True for A-Z, a-z and 0-9 (RFC 5234 ALPHA and DIGIT). */
  public static boolean isAsciiAlnum(int c) {
    return isLowerAlnum(c) || (c >= 'A' && c <= 'Z');
  }

  /** True for 0-9, A-F and a-f (RFC 5234 HEXDIG, which RFC 3986 reads case-insensitively). */
  public static boolean isHexDigit(int c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  }

  /**
   * Formats a duration the way messages and {@code toString()} show it: whole seconds as {@code 5s},
   * else whole milliseconds as {@code 250ms}, else microseconds or nanoseconds.
   */
  public static String format(Duration d) {
    long nanos;
    try {
      nanos = d.toNanos();
    } catch (ArithmeticException tooLong) {
      return d.getSeconds() + "s";
    }
    if (nanos % 1_000_000_000L == 0) {
      return (nanos / 1_000_000_000L) + "s";
    }
    if (nanos % 1_000_000L == 0) {
      return (nanos / 1_000_000L) + "ms";
    }
    if (nanos % 1_000L == 0) {
      return (nanos / 1_000L) + "us";
    }
    return nanos + "ns";
  }
}
