package io.lb4j.impl.diagnostics;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What one {@link Diagnostics#examine examination} of a pool found, most severe first, rendered for
 * people ({@link #toText()}) and for tooling ({@link #toJson()}).
 *
 * <p>Immutable and thread-safe.
 *
 * @since 0.1.0
 */
public final class Report {

  private static final Comparator<Finding> MOST_SEVERE_FIRST = Comparator
      .comparing(Finding::severity, Comparator.reverseOrder())
      .thenComparing(f -> f.code().ordinal())
      .thenComparing(Finding::subject);

  private final String pool;
  private final Instant at;
  private final List<Finding> findings;

  /**
   * A report.
   *
   * @param pool the examined pool's listener name
   * @param at when the examination ran
   * @param findings what it found, in any order (the report sorts them, most severe first)
   */
  public Report(String pool, Instant at, List<Finding> findings) {
    this.pool = Objects.requireNonNull(pool, "pool");
    this.at = Objects.requireNonNull(at, "at");
    List<Finding> sorted = new ArrayList<>(Objects.requireNonNull(findings, "findings"));
    sorted.sort(MOST_SEVERE_FIRST);
    this.findings = List.copyOf(sorted);
  }

  /** The examined pool's listener name. */
  public String pool() {
    return pool;
  }

  /** When the examination ran. */
  public Instant at() {
    return at;
  }

  /** Every finding, most severe first; unmodifiable. */
  public List<Finding> findings() {
    return findings;
  }

  /** The findings with {@code code}, most severe first. */
  public List<Finding> findings(FindingCode code) {
    List<Finding> matching = new ArrayList<>();
    for (Finding f : findings) {
      if (f.code() == code) {
        matching.add(f);
      }
    }
    return matching;
  }

  /**
   * Whether a finding waits for its condition to last before it is reported at its full severity (a
   * check-versus-traffic mismatch seen once is a warning with a {@code confirming} note, an error only once
   * it held for the unhealthy threshold's intervals). Examine again, with the same {@link Diagnostics}, after
   * the check's {@code interval x unhealthyThreshold} for the final word.
   */
  public boolean confirming() {
    return findings.stream().anyMatch(f -> f.evidence().containsKey(HealthCheckFindings.CONFIRMING));
  }

  /** The most severe finding's severity, or empty when nothing was found. */
  public Optional<Severity> worst() {
    return findings.isEmpty() ? Optional.empty() : Optional.of(findings.get(0).severity());
  }

  /**
   * The report for people: a heading with counts, then each finding as its severity, code, subject and
   * summary, followed by indented evidence and fix lines.
   */
  public String toText() {
    StringBuilder s = new StringBuilder("lb4j diagnostics of pool '").append(pool).append("' at ").append(at)
        .append(": ").append(count(Severity.ERROR)).append(" error(s), ").append(count(Severity.WARNING))
        .append(" warning(s), ").append(count(Severity.INFO)).append(" info\n");
    if (findings.isEmpty()) {
      s.append("  nothing found\n");
    }
    for (Finding f : findings) {
      s.append('\n').append(String.format("%-7s", f.severity())).append(' ').append(f.code().id()).append(" [")
          .append(f.subject()).append("]\n");
      s.append("  ").append(f.summary()).append('\n');
      for (Map.Entry<String, String> e : f.evidence().entrySet()) {
        s.append("    ").append(e.getKey()).append(": ").append(e.getValue()).append('\n');
      }
      s.append("  fix: ").append(f.fix()).append('\n');
    }
    return s.toString();
  }

  /**
   * The report as one JSON object: {@code pool}, {@code at} (ISO-8601), and {@code findings}, an array of
   * objects with {@code code}, {@code severity} (lower case), {@code subject}, {@code summary},
   * {@code evidence} (an object of strings, in the finding's order) and {@code fix}.
   */
  public String toJson() {
    StringBuilder s = new StringBuilder("{");
    Json.name(s, "pool");
    Json.string(s, pool).append(',');
    Json.name(s, "at");
    Json.string(s, at.toString()).append(',');
    Json.name(s, "findings").append('[');
    for (int i = 0; i < findings.size(); i++) {
      Finding f = findings.get(i);
      s.append(i == 0 ? "{" : ",{");
      Json.name(s, "code");
      Json.string(s, f.code().id()).append(',');
      Json.name(s, "severity");
      Json.string(s, f.severity().name().toLowerCase(Locale.ROOT)).append(',');
      Json.name(s, "subject");
      Json.string(s, f.subject()).append(',');
      Json.name(s, "summary");
      Json.string(s, f.summary()).append(',');
      Json.name(s, "evidence").append('{');
      boolean first = true;
      for (Map.Entry<String, String> e : f.evidence().entrySet()) {
        if (!first) {
          s.append(',');
        }
        first = false;
        Json.name(s, e.getKey());
        Json.string(s, e.getValue());
      }
      s.append("},");
      Json.name(s, "fix");
      Json.string(s, f.fix()).append('}');
    }
    return s.append("]}").toString();
  }

  private long count(Severity severity) {
    return findings.stream().filter(f -> f.severity() == severity).count();
  }

  @Override
  public String toString() {
    return "Report{" + pool + " " + findings.size() + " findings}";
  }
}
