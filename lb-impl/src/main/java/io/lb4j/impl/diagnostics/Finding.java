package io.lb4j.impl.diagnostics;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One thing {@link Diagnostics} found: a stable code, a severity, what it is about, a one-line summary,
 * the evidence it saw (numbers, addresses, settings, in the order they were gathered) and how to fix it
 * with lb4j.
 *
 * <p>Immutable and thread-safe. Two findings with the same {@link #key()} describe the same problem,
 * even when their evidence differs (a count grew), which is how {@link PeriodicCheck} tells a problem
 * that persists from one that appeared.
 *
 * @param code the stable code
 * @param severity how much it matters
 * @param subject what it is about, for example {@code backend a (127.0.0.1:8080)} or {@code host}
 * @param summary one line saying what is wrong
 * @param evidence what was seen, by name, in insertion order; unmodifiable
 * @param fix what to do about it, in a sentence or two
 * @since 0.1.0
 */
public record Finding(FindingCode code, Severity severity, String subject, String summary,
    Map<String, String> evidence, String fix) {

  /** Validates the fields and freezes the evidence. */
  public Finding {
    Objects.requireNonNull(code, "code");
    Objects.requireNonNull(severity, "severity");
    Objects.requireNonNull(subject, "subject");
    Objects.requireNonNull(summary, "summary");
    Objects.requireNonNull(fix, "fix");
    evidence = Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(evidence, "evidence")));
  }

  /** The identity of the problem: code and subject, for example {@code flapping backend a (127.0.0.1:8080)}. */
  public String key() {
    return code.id() + " " + subject;
  }

  @Override
  public String toString() {
    return severity + " " + code.id() + " " + subject + ": " + summary;
  }
}
