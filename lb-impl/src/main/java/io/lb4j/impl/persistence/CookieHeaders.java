package io.lb4j.impl.persistence;

import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/**
 * Allocation-free helpers for {@code Cookie} and {@code Set-Cookie} header values (RFC 6265 syntax:
 * {@code name=value} pairs separated by {@code ;} and optional spaces).
 *
 * <p>Positions are returned packed in a long ({@code start << 32 | end}) so that finding a cookie in a
 * request allocates nothing; {@code -1} means "not found". Stateless and thread-safe.
 */
final class CookieHeaders {

  static final long NOT_FOUND = -1L;

  private CookieHeaders() {}

  /** The position of the value of cookie {@code name} in a {@code Cookie} header, or {@link #NOT_FOUND}. */
  static long findValue(String header, String name) {
    if (header == null) {
      return NOT_FOUND;
    }
    int len = header.length();
    int i = 0;
    while (i < len) {
      while (i < len && (header.charAt(i) == ' ' || header.charAt(i) == '\t')) {
        i++;
      }
      int pairEnd = header.indexOf(';', i);
      if (pairEnd < 0) {
        pairEnd = len;
      }
      int eq = header.indexOf('=', i);
      if (eq > 0 && eq < pairEnd && eq - i == name.length() && header.regionMatches(i, name, 0, name.length())) {
        int start = eq + 1;
        int end = pairEnd;
        while (end > start && header.charAt(end - 1) == ' ') {
          end--;
        }
        if (end - start >= 2 && header.charAt(start) == '"' && header.charAt(end - 1) == '"') {
          start++;
          end--;
        }
        return ((long) start << 32) | end;
      }
      i = pairEnd + 1;
    }
    return NOT_FOUND;
  }

  static int start(long position) {
    return (int) (position >>> 32);
  }

  static int end(long position) {
    return (int) position;
  }

  /** The value of cookie {@code name} in a {@code Cookie} header, or null. Allocates the value. */
  static String value(String header, String name) {
    long pos = findValue(header, name);
    return pos == NOT_FOUND ? null : header.substring(start(pos), end(pos));
  }

  /**
   * The value a {@code Set-Cookie} header gives cookie {@code name}, or null when it sets another
   * cookie. Surrounding double quotes are removed.
   */
  static String setCookieValue(String setCookie, String name) {
    if (setCookie == null) {
      return null;
    }
    int i = 0;
    while (i < setCookie.length() && setCookie.charAt(i) == ' ') {
      i++;
    }
    int eq = setCookie.indexOf('=', i);
    if (eq < 0 || eq - i != name.length() || !setCookie.regionMatches(i, name, 0, name.length())) {
      return null;
    }
    int semi = setCookie.indexOf(';', eq);
    String value = (semi < 0 ? setCookie.substring(eq + 1) : setCookie.substring(eq + 1, semi)).trim();
    if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
      value = value.substring(1, value.length() - 1);
    }
    return value;
  }

  /**
   * True when a {@code Set-Cookie} header deletes its cookie: {@code Max-Age} of 0 or below, or, without
   * a {@code Max-Age} (which takes precedence, RFC 6265 section 5.3), an {@code Expires} date at or before
   * {@code nowMillis}. A malformed {@code Max-Age} or {@code Expires} is ignored, as browsers do (RFC 6265,
   * section 5.2).
   */
  static boolean deletes(String setCookie, long nowMillis) {
    int semi = setCookie.indexOf(';');
    if (semi < 0) {
      return false;
    }
    Boolean expired = null;
    for (String attribute : setCookie.substring(semi + 1).split(";")) {
      String a = attribute.trim();
      if (a.regionMatches(true, 0, "Max-Age=", 0, 8)) {
        try {
          return Long.parseLong(a.substring(8).trim()) <= 0;
        } catch (NumberFormatException ignored) {
          // malformed: ignored
        }
      } else if (a.regionMatches(true, 0, "Expires=", 0, 8)) {
        long at = parseHttpDate(a.substring(8).trim());
        if (at != Long.MIN_VALUE) {
          expired = at <= nowMillis;
        }
      }
    }
    return expired != null && expired;
  }

  /**
   * An {@code Expires} date in epoch milliseconds: the IMF-fixdate of RFC 9110 ({@code Thu, 01 Jan 1970
   * 00:00:00 GMT}) or its common dashed variant ({@code Thu, 01-Jan-1970 00:00:00 GMT});
   * {@link Long#MIN_VALUE} when it is neither.
   */
  static long parseHttpDate(String date) {
    try {
      return ZonedDateTime.parse(date.replace('-', ' '), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant().toEpochMilli();
    } catch (DateTimeParseException malformed) {
      return Long.MIN_VALUE;
    }
  }
}
