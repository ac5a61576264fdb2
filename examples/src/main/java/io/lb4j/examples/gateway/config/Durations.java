package io.lb4j.examples.gateway.config;

import java.time.Duration;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as the gateway's file and command line write them: a whole number and a unit, {@code 500ms}, {@code 2s}, {@code 5m}, {@code 1h}. */
public final class Durations {

  private static final Pattern DURATION = Pattern.compile("(\\d{1,9})(ms|s|m|h)");

  private Durations() {}

  /** {@code d} as lb4j's messages write it: whole seconds as {@code 30s}, else milliseconds ({@code 500ms}). */
  public static String format(Duration d) {
    long millis = d.toMillis();
    return millis % 1000 == 0 ? millis / 1000 + "s" : millis + "ms";
  }

  /** The duration, or empty when {@code text} is not of that form. */
  public static Optional<Duration> parse(String text) {
    Matcher m = DURATION.matcher(text.trim());
    if (!m.matches()) {
      return Optional.empty();
    }
    long amount = Long.parseLong(m.group(1));
    switch (m.group(2)) {
      case "ms":
        return Optional.of(Duration.ofMillis(amount));
      case "s":
        return Optional.of(Duration.ofSeconds(amount));
      case "m":
        return Optional.of(Duration.ofMinutes(amount));
      default:
        return Optional.of(Duration.ofHours(amount));
    }
  }
}
