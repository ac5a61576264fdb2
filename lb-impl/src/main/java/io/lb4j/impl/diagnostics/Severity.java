package io.lb4j.impl.diagnostics;

/**
 * How much a {@link Finding} matters.
 *
 * @since 0.1.0
 */
public enum Severity {
  /** Worth knowing; nothing is failing because of it. */
  INFO,
  /** Something degrades traffic or will, under load or at the next failure. */
  WARNING,
  /** Clients are failing, or will fail, because of it. */
  ERROR
}
