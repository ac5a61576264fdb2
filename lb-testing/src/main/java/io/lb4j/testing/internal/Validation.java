package io.lb4j.testing.internal;

import java.time.Duration;
import java.util.Objects;

/**
 * Argument checks in lb4j's message format ({@code <field> must be <expectation>, was <value>}). The kit keeps
 * its own copy because lb-api's checks are internal to lb4j's implementation module. Not API.
 */
public final class Validation {

  private Validation() {}

  /**
   * Returns {@code value} if {@code min <= value <= max}.
   *
   * @param field the field's name, as the message shows it
   * @param value the value to check
   * @param min the smallest allowed value
   * @param max the largest allowed value
   * @return {@code value}
   * @throws IllegalArgumentException if {@code value} is out of range
   */
  public static long checkRange(String field, long value, long min, long max) {
    if (value < min || value > max) {
      throw new IllegalArgumentException(field + " must be between " + min + " and " + max + ", was " + value);
    }
    return value;
  }

  /**
   * Returns {@code value} if {@code min <= value <= max}.
   *
   * @param field the field's name, as the message shows it
   * @param value the value to check
   * @param min the smallest allowed value
   * @param max the largest allowed value
   * @return {@code value}
   * @throws IllegalArgumentException if {@code value} is out of range
   */
  public static double checkRange(String field, double value, double min, double max) {
    if (!(value >= min && value <= max)) {
      throw new IllegalArgumentException(field + " must be between " + min + " and " + max + ", was " + value);
    }
    return value;
  }

  /**
   * Returns {@code value} if it lies in {@code [min, max]}.
   *
   * @param field the field's name, as the message shows it
   * @param value the value to check
   * @param min the shortest allowed duration
   * @param max the longest allowed duration
   * @return {@code value}
   * @throws IllegalArgumentException if {@code value} is out of range
   * @throws NullPointerException if {@code value} is null
   */
  public static Duration checkRange(String field, Duration value, Duration min, Duration max) {
    Objects.requireNonNull(value, field);
    if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
      throw new IllegalArgumentException(
          field + " must be between " + format(min) + " and " + format(max) + ", was " + format(value));
    }
    return value;
  }

  /**
   * A duration the way lb4j's messages show it: {@code 0}, {@code 250ms}, {@code 5s}, {@code 2m}.
   *
   * @param d the duration
   * @return its short form
   */
  public static String format(Duration d) {
    if (d.isZero()) {
      return "0";
    }
    long ms = d.toMillis();
    if (ms % 60_000 == 0) {
      return ms / 60_000 + "m";
    }
    if (ms % 1000 == 0) {
      return ms / 1000 + "s";
    }
    return ms + "ms";
  }
}
