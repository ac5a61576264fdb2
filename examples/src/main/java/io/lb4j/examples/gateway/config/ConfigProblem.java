package io.lb4j.examples.gateway.config;

import java.util.Objects;

/**
 * One thing wrong in a gateway configuration file: the file, the line (1-based; 0 when the problem has
 * no single place, such as a missing top-level key), the key's path ({@code listeners[0].healthCheck.interval})
 * and what is wrong, with the value seen and what is allowed.
 *
 * @param file the file's name as given to the parser
 * @param line 1-based line of the offending value, or 0
 * @param key the dotted path of the key, or {@code ""} for the whole file
 * @param message what is wrong and what is allowed
 */
public record ConfigProblem(String file, int line, String key, String message) {

  /** Checks the components. */
  public ConfigProblem {
    Objects.requireNonNull(file, "file");
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(message, "message");
  }

  /** {@code gateway.yaml:12: listeners[0].port: port must be between 1 and 65535, was 70000}. */
  @Override
  public String toString() {
    return file + ":" + line + ": " + (key.isEmpty() ? "" : key + ": ") + message;
  }
}
