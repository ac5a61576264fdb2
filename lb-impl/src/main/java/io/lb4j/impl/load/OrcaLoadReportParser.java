package io.lb4j.impl.load;

import static io.lb4j.api.internal.Checks.checkRange;
import static io.lb4j.api.internal.Checks.printable;

import io.lb4j.api.load.LoadReport;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses ORCA's {@code endpoint-load-metrics} response header in its text format, as Envoy and gRPC's xDS
 * ecosystem define it: {@code TEXT} and a comma-separated list of {@code key=value}, for example
 * {@code TEXT cpu_utilization=0.3, rps_fractional=10.0, eps=1, named_metrics.queue=4}.
 *
 * <p>Keys: {@code cpu_utilization}, {@code mem_utilization}, {@code application_utilization},
 * {@code rps_fractional}, {@code eps}, {@code utilization.<name>} and {@code named_metrics.<name>}. Values:
 * decimal numbers ({@code 10}, {@code 0.25}, {@code 1e-3}, {@code 2.5E+2}), finite and 0 or above;
 * {@code mem_utilization} and {@code utilization.*} at most 1.
 *
 * <p><b>Strict.</b> Whatever is not clearly a report is refused with a {@link MalformedLoadReportException}
 * that says why, and the caller keeps the backend's previous report: another format ({@code JSON },
 * {@code BIN }: not supported), a key given twice, an unknown key (unless
 * {@link #allowingUnknownKeys()}), a value that is empty, negative, {@code NaN}, infinite, hexadecimal, has a
 * sign, a leading or trailing dot, or a unit, whitespace around {@code '='}, Envoy's legacy {@code ':'}
 * separator, a header longer than {@code maxLength} characters or with more than {@code maxEntries}
 * entries, and a header that appears twice in one response. Allowed, as in every HTTP list: spaces and tabs
 * around commas and at either end, and empty list elements ({@code a=1,,b=2}), which count toward
 * {@code maxEntries}.
 *
 * <p><b>Cost.</b> A report without named metrics allocates only the {@link LoadReport} (and, for
 * {@link #parse(byte[], int, int)}, one small view of the bytes): keys are matched in place and numbers of
 * up to 15 significant digits with a decimal exponent within 22 are converted without a string (one
 * correctly rounded multiplication or division of two exact doubles). Longer numbers fall back to
 * {@link Double#parseDouble}.
 *
 * <p>Immutable and thread-safe.
 */
public final class OrcaLoadReportParser {

  /** The default longest header value, in characters. */
  public static final int DEFAULT_MAX_LENGTH = 2048;
  /** The default largest number of list elements. */
  public static final int DEFAULT_MAX_ENTRIES = 64;
  /** The largest {@code maxLength} that may be configured. */
  public static final int MAX_LENGTH_LIMIT = 65_536;
  /** The largest {@code maxEntries} that may be configured. */
  public static final int MAX_ENTRIES_LIMIT = 4_096;

  private static final String HEADER = LoadReport.HEADER;
  private static final String PREFIX = "TEXT ";
  private static final String NAMED_PREFIX = "named_metrics.";
  private static final String UTILIZATION_PREFIX = "utilization.";
  private static final int CPU = 1;
  private static final int MEM = 2;
  private static final int APPLICATION = 4;
  private static final int RPS = 8;
  private static final int EPS = 16;
  private static final double[] POWERS_OF_TEN = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
      1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
  private static final LoadReport EMPTY = LoadReport.of(0, 0, 0);
  private static final OrcaLoadReportParser STRICT = new OrcaLoadReportParser(DEFAULT_MAX_LENGTH,
      DEFAULT_MAX_ENTRIES, false);

  private final int maxLength;
  private final int maxEntries;
  private final boolean allowUnknownKeys;

  private OrcaLoadReportParser(int maxLength, int maxEntries, boolean allowUnknownKeys) {
    this.maxLength = maxLength;
    this.maxEntries = maxEntries;
    this.allowUnknownKeys = allowUnknownKeys;
  }

  /**
   * The strict parser with the default limits: {@value #DEFAULT_MAX_LENGTH} characters,
   * {@value #DEFAULT_MAX_ENTRIES} entries, unknown keys refused.
   *
   * @return the parser
   */
  public static OrcaLoadReportParser strict() {
    return STRICT;
  }

  /**
   * This parser with other limits.
   *
   * @param maxLength the longest header value, 16-65,536 characters
   * @param maxEntries the most list elements, 1-4,096
   * @return a new parser
   * @throws IllegalArgumentException when a limit is out of range
   */
  public OrcaLoadReportParser withLimits(int maxLength, int maxEntries) {
    return new OrcaLoadReportParser(checkRange("loadReport.maxLength", maxLength, 16, MAX_LENGTH_LIMIT),
        checkRange("loadReport.maxEntries", maxEntries, 1, MAX_ENTRIES_LIMIT), allowUnknownKeys);
  }

  /**
   * This parser, skipping keys it does not know (a newer backend's fields) instead of refusing the report.
   * Their values must still be valid numbers.
   *
   * @return a new parser
   */
  public OrcaLoadReportParser allowingUnknownKeys() {
    return new OrcaLoadReportParser(maxLength, maxEntries, true);
  }

  /**
   * The longest header value this parser accepts.
   *
   * @return the limit in characters
   */
  public int maxLength() {
    return maxLength;
  }

  /**
   * The most list elements this parser accepts.
   *
   * @return the limit
   */
  public int maxEntries() {
    return maxEntries;
  }

  /**
   * Parses the values of every {@code endpoint-load-metrics} field line of one response.
   *
   * @param fieldValues the values, in order; empty when the response had no such field
   * @return the report, or null when there is no field line (the backend sent no report)
   * @throws MalformedLoadReportException when there is more than one field line, or the one is malformed
   */
  public LoadReport parseFieldValues(List<? extends CharSequence> fieldValues) {
    if (fieldValues.isEmpty()) {
      return null;
    }
    if (fieldValues.size() > 1) {
      throw repeated(fieldValues.size());
    }
    return parse(fieldValues.get(0));
  }

  /**
   * The refusal of a response that carries the header more than once (which of the reports would count is
   * ambiguous).
   *
   * @param times how many field lines the response had
   * @return the exception, to throw
   */
  public static MalformedLoadReportException repeated(int times) {
    return new MalformedLoadReportException(HEADER + " must appear at most once in a response, appeared " + times
        + " times");
  }

  /**
   * Parses an ASCII header value held in {@code bytes[from, to)}, as a listener reads it off the wire.
   *
   * @param bytes the buffer
   * @param from the first byte of the value
   * @param to one past the last byte
   * @return the report
   * @throws MalformedLoadReportException when the value is malformed
   */
  public LoadReport parse(byte[] bytes, int from, int to) {
    if (from < 0 || to < from || to > bytes.length) {
      throw new IndexOutOfBoundsException("range [" + from + ", " + to + ") of " + bytes.length + " bytes");
    }
    return parse(new AsciiView(bytes, from, to));
  }

  /**
   * Parses one header value.
   *
   * @param value the field value
   * @return the report
   * @throws MalformedLoadReportException when the value is malformed
   */
  public LoadReport parse(CharSequence value) {
    int end = value.length();
    if (end > maxLength) {
      throw new MalformedLoadReportException(HEADER + " must be at most " + maxLength + " characters, was " + end);
    }
    int p = skipSpace(value, 0, end);
    while (end > p && isSpace(value.charAt(end - 1))) {
      end--;
    }
    if (matches(value, p, end, "TEXT")) {
      return EMPTY; // "TEXT " and nothing else: a list without elements, nothing reported
    }
    if (!startsWith(value, p, end, PREFIX)) {
      throw unsupportedFormat(value, p, end);
    }
    p += PREFIX.length();

    double cpu = 0;
    double mem = 0;
    double application = 0;
    double rps = 0;
    double eps = 0;
    int seen = 0;
    Map<String, Double> named = null;
    Map<String, Double> utilization = null;
    int entries = 0;
    while (true) {
      p = skipSpace(value, p, end);
      if (++entries > maxEntries) {
        throw new MalformedLoadReportException(HEADER + " must have at most " + maxEntries + " entries, had more");
      }
      if (p == end || value.charAt(p) == ',') { // an empty list element: allowed, and ignored
        if (p == end) {
          break;
        }
        p++;
        continue;
      }
      int keyStart = p;
      while (p < end && LoadReport.isNameChar(value.charAt(p))) {
        p++;
      }
      int keyEnd = p;
      if (p == end || value.charAt(p) != '=') {
        throw new MalformedLoadReportException(HEADER + " entries must be key=value, was '"
            + excerpt(value, keyStart, elementEnd(value, keyStart, end)) + "'");
      }
      if (keyEnd == keyStart) {
        throw new MalformedLoadReportException(HEADER + " entries must be key=value, was '"
            + excerpt(value, keyStart, elementEnd(value, keyStart, end)) + "' (no key)");
      }
      int valueStart = ++p;
      while (p < end && value.charAt(p) != ',' && !isSpace(value.charAt(p))) {
        p++;
      }
      int valueEnd = p;
      double number = number(value, keyStart, keyEnd, valueStart, valueEnd);
      p = skipSpace(value, p, end);
      if (p < end && value.charAt(p) != ',') {
        throw new MalformedLoadReportException(HEADER + " entry " + excerpt(value, keyStart, keyEnd)
            + " must be followed by ',' or the end, was '" + excerpt(value, p, elementEnd(value, p, end)) + "'");
      }
      int field = field(value, keyStart, keyEnd);
      if (field != 0) {
        if ((seen & field) != 0) {
          throw duplicate(value, keyStart, keyEnd);
        }
        seen |= field;
        switch (field) {
          case CPU -> cpu = number;
          case MEM -> mem = fraction(number, value, keyStart, keyEnd, valueStart, valueEnd);
          case APPLICATION -> application = number;
          case RPS -> rps = number;
          default -> eps = number;
        }
      } else if (startsWith(value, keyStart, keyEnd, NAMED_PREFIX)) {
        named = put(named, name(value, keyStart, keyEnd, NAMED_PREFIX), number, value, keyStart, keyEnd);
      } else if (startsWith(value, keyStart, keyEnd, UTILIZATION_PREFIX)) {
        utilization = put(utilization, name(value, keyStart, keyEnd, UTILIZATION_PREFIX),
            fraction(number, value, keyStart, keyEnd, valueStart, valueEnd), value, keyStart, keyEnd);
      } else if (!allowUnknownKeys) {
        throw new MalformedLoadReportException(HEADER + " key must be one of cpu_utilization, mem_utilization,"
            + " application_utilization, rps_fractional, eps, utilization.<name>, named_metrics.<name>, was '"
            + excerpt(value, keyStart, keyEnd) + "'");
      }
      if (p == end) {
        break;
      }
      p++; // the comma
    }
    return new LoadReport(cpu, mem, application, rps, eps, utilization == null ? Map.of() : utilization,
        named == null ? Map.of() : named);
  }

  /** Which of the five scalar fields the key names (a bit), or 0. Compares in place: no substring. */
  private static int field(CharSequence s, int from, int to) {
    if (matches(s, from, to, "cpu_utilization")) {
      return CPU;
    } else if (matches(s, from, to, "rps_fractional")) {
      return RPS;
    } else if (matches(s, from, to, "eps")) {
      return EPS;
    } else if (matches(s, from, to, "application_utilization")) {
      return APPLICATION;
    } else if (matches(s, from, to, "mem_utilization")) {
      return MEM;
    }
    return 0;
  }

  private static String name(CharSequence s, int from, int to, String prefix) {
    if (to - from == prefix.length()) {
      throw new MalformedLoadReportException(HEADER + " key " + excerpt(s, from, to) + " must name a metric after '"
          + prefix + "'");
    }
    return s.subSequence(from + prefix.length(), to).toString();
  }

  private static Map<String, Double> put(Map<String, Double> map, String name, double number, CharSequence s,
      int keyFrom, int keyTo) {
    Map<String, Double> m = map == null ? new HashMap<>() : map;
    if (m.putIfAbsent(name, number) != null) {
      throw duplicate(s, keyFrom, keyTo);
    }
    return m;
  }

  private static double fraction(double number, CharSequence s, int keyFrom, int keyTo, int from, int to) {
    if (number > 1) {
      throw new MalformedLoadReportException(HEADER + " " + excerpt(s, keyFrom, keyTo)
          + " must be between 0 and 1, was '" + excerpt(s, from, to) + "'");
    }
    return number;
  }

  /**
   * A strict decimal: {@code digits [. digits] [(e|E) [+|-] digits]}, finite. Numbers of at most 15
   * significant digits whose decimal exponent is within 22 are exact doubles times or divided by an exact
   * power of ten: one IEEE operation, so correctly rounded like {@code parseDouble}, without its string.
   */
  private static double number(CharSequence s, int keyFrom, int keyTo, int from, int to) {
    if (from == to) {
      throw notANumber(s, keyFrom, keyTo, from, to);
    }
    char first = s.charAt(from);
    if (first == '-') {
      throw invalid(s, keyFrom, keyTo, from, to, "a finite number, 0 or above");
    }
    int p = from;
    long mantissa = 0;
    int significant = 0;
    int scale = 0; // digits after the point that went into the mantissa
    int dropped = 0; // integer digits beyond the mantissa's precision
    int intDigits = 0;
    while (p < to && isDigit(s.charAt(p))) {
      int d = s.charAt(p) - '0';
      if (significant < 18) {
        mantissa = mantissa * 10 + d;
        if (mantissa != 0) {
          significant++;
        }
      } else {
        dropped++;
        significant++;
      }
      intDigits++;
      p++;
    }
    if (intDigits == 0) {
      throw notANumber(s, keyFrom, keyTo, from, to);
    }
    if (p < to && s.charAt(p) == '.') {
      p++;
      int fractionDigits = 0;
      while (p < to && isDigit(s.charAt(p))) {
        int d = s.charAt(p) - '0';
        if (significant < 18) {
          mantissa = mantissa * 10 + d;
          scale++;
          if (mantissa != 0) {
            significant++;
          }
        } else {
          significant++;
        }
        fractionDigits++;
        p++;
      }
      if (fractionDigits == 0) {
        throw notANumber(s, keyFrom, keyTo, from, to);
      }
    }
    int exponent = 0;
    if (p < to && (s.charAt(p) == 'e' || s.charAt(p) == 'E')) {
      p++;
      boolean negative = false;
      if (p < to && (s.charAt(p) == '+' || s.charAt(p) == '-')) {
        negative = s.charAt(p) == '-';
        p++;
      }
      int expDigits = 0;
      while (p < to && isDigit(s.charAt(p))) {
        if (exponent < 100_000) {
          exponent = exponent * 10 + (s.charAt(p) - '0');
        }
        expDigits++;
        p++;
      }
      if (expDigits == 0) {
        throw notANumber(s, keyFrom, keyTo, from, to);
      }
      exponent = negative ? -exponent : exponent;
    }
    if (p != to) {
      throw notANumber(s, keyFrom, keyTo, from, to);
    }
    double result;
    int decimalExponent = exponent - scale + dropped;
    if (significant <= 15 && Math.abs(decimalExponent) <= 22) {
      result = decimalExponent >= 0 ? mantissa * POWERS_OF_TEN[decimalExponent]
          : mantissa / POWERS_OF_TEN[-decimalExponent];
    } else {
      result = Double.parseDouble(s.subSequence(from, to).toString()); // the grammar above already holds
    }
    if (Double.isInfinite(result)) {
      throw invalid(s, keyFrom, keyTo, from, to, "a finite number, 0 or above");
    }
    return result;
  }

  private static MalformedLoadReportException notANumber(CharSequence s, int keyFrom, int keyTo, int from, int to) {
    String token = s.subSequence(from, to).toString().toLowerCase(java.util.Locale.ROOT);
    boolean special = token.equals("nan") || token.equals("inf") || token.equals("+inf") || token.equals("infinity")
        || token.equals("+infinity");
    return invalid(s, keyFrom, keyTo, from, to,
        special ? "a finite number, 0 or above" : "a decimal number such as 0.25 or 1e-3");
  }

  private static MalformedLoadReportException invalid(CharSequence s, int keyFrom, int keyTo, int from, int to,
      String expected) {
    return new MalformedLoadReportException(HEADER + " " + excerpt(s, keyFrom, keyTo) + " must be " + expected
        + ", was '" + excerpt(s, from, to) + "'");
  }

  private static MalformedLoadReportException duplicate(CharSequence s, int from, int to) {
    return new MalformedLoadReportException(HEADER + " must give each key once, gave "
        + excerpt(s, from, to) + " twice");
  }

  private static MalformedLoadReportException unsupportedFormat(CharSequence s, int from, int to) {
    if (startsWith(s, from, to, "JSON ") || startsWith(s, from, to, "BIN ")) {
      int space = from;
      while (s.charAt(space) != ' ') {
        space++;
      }
      return new MalformedLoadReportException(HEADER + " format " + excerpt(s, from, space)
          + " is not supported, only TEXT");
    }
    return new MalformedLoadReportException(HEADER + " must start with 'TEXT ', was '"
        + excerpt(s, from, Math.min(to, from + 32)) + (to - from > 32 ? "...'" : "'"));
  }

  /** Where the list element starting at {@code from} ends: the next comma, or the end. */
  private static int elementEnd(CharSequence s, int from, int end) {
    int p = from;
    while (p < end && s.charAt(p) != ',') {
      p++;
    }
    return p;
  }

  /** {@code s[from, to)} for a message: at most 64 characters, control characters escaped. */
  private static String excerpt(CharSequence s, int from, int to) {
    int cut = Math.min(to, from + 64);
    return printable(s.subSequence(from, cut).toString()) + (cut < to ? "..." : "");
  }

  private static boolean matches(CharSequence s, int from, int to, String word) {
    return to - from == word.length() && startsWith(s, from, to, word);
  }

  private static boolean startsWith(CharSequence s, int from, int to, String prefix) {
    if (to - from < prefix.length()) {
      return false;
    }
    for (int i = 0; i < prefix.length(); i++) {
      if (s.charAt(from + i) != prefix.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  private static int skipSpace(CharSequence s, int p, int end) {
    while (p < end && isSpace(s.charAt(p))) {
      p++;
    }
    return p;
  }

  private static boolean isSpace(char c) {
    return c == ' ' || c == '\t';
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  /** Bytes read as ISO-8859-1 characters, without copying them. */
  private record AsciiView(byte[] bytes, int from, int to) implements CharSequence {
    @Override
    public int length() {
      return to - from;
    }

    @Override
    public char charAt(int index) {
      return (char) (bytes[from + index] & 0xff);
    }

    @Override
    public CharSequence subSequence(int start, int end) {
      return new String(bytes, from + start, end - start, StandardCharsets.ISO_8859_1);
    }

    @Override
    public String toString() {
      return new String(bytes, from, to - from, StandardCharsets.ISO_8859_1);
    }
  }
}
