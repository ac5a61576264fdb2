package io.lb4j.api.routing;

import static io.lb4j.api.internal.Checks.checkCharset;
import static io.lb4j.api.internal.Checks.isAsciiAlnum;
import static io.lb4j.api.internal.Checks.isHexDigit;
import static io.lb4j.api.internal.Checks.printable;

import java.util.Locale;
import java.util.Objects;

/**
 * One Layer-7 forwarding rule: requests whose {@code Host} matches {@link #host()} and whose normalized path
 * starts with {@link #pathPrefix()} go to the server group {@link #group()} (the reference's "forwarding
 * rules" by domain and URL). How rules are chosen among several that match is {@link ForwardingRules}'s
 * documentation.
 *
 * <ul>
 *   <li><b>Host</b>: an exact name ({@code www.example.com}, an IPv4 address, or an IPv6 literal in
 *       brackets), a wildcard {@code *.example.com} (any name ending in {@code .example.com}, at any depth:
 *       {@code a.example.com} and {@code a.b.example.com}, not {@code example.com} itself), or none (null):
 *       any host. Compared without case and without the request's port; stored in lower case.
 *   <li><b>Path prefix</b>: an absolute path that matches whole segments: {@code /static} matches
 *       {@code /static}, {@code /static/app.js} and {@code /static;v=2}, not {@code /statics}; {@code /}
 *       matches every path. It must be written in normalized form (no {@code .} or {@code ..} segment, no
 *       empty segment or trailing {@code /}, no percent-encoded unreserved character, upper-case hex in
 *       escapes, no {@code ;}), since it is compared with normalized paths and could not match otherwise.
 *       Paths are case-sensitive (RFC 3986).
 *   <li><b>Group</b>: 1-80 characters of {@code A-Z a-z 0-9 '-' '_' '.'}, the name of a server group of the
 *       listener.
 * </ul>
 *
 * <p>Immutable and thread-safe.
 *
 * @since 0.1.0
 */
public final class ForwardingRule {

  /** The longest host pattern (a DNS name is at most 253 characters). */
  public static final int MAX_HOST_LENGTH = 253;
  /** The longest path prefix. */
  public static final int MAX_PATH_PREFIX_LENGTH = 1024;

  private static final String HOST_FORM = "a host name (a-z 0-9 '-' '_' '.'), '*.' and a host name, or an IPv6"
      + " literal in brackets, without a port";
  private static final String PATH_FORM = "a normalized absolute path ('/' then segments of letters, digits,"
      + " - . _ ~ ! $ & ' ( ) * + , = : @ and %HH escapes of other bytes; no '.' or '..' or empty segment, no '/'"
      + " at the end, no ';')";

  private final String host;
  private final String pathPrefix;
  private final String group;

  private ForwardingRule(String host, String pathPrefix, String group) {
    this.host = host;
    this.pathPrefix = pathPrefix;
    this.group = group;
  }

  /**
   * A rule.
   *
   * @param host an exact host, a {@code *.} wildcard, or null for any host
   * @param pathPrefix a normalized absolute path; {@code /} for every path
   * @param group the server group's name
   * @throws IllegalArgumentException naming the field, the value and the expected form
   */
  public static ForwardingRule of(String host, String pathPrefix, String group) {
    return new ForwardingRule(host == null ? null : checkHost(host), checkPathPrefix(pathPrefix), checkGroup(group));
  }

  /** A rule for every host and path: all traffic not matched by a more specific rule. */
  public static ForwardingRule anyHost(String pathPrefix, String group) {
    return of(null, pathPrefix, group);
  }

  /** The host pattern in lower case ({@code www.example.com} or {@code *.example.com}), or null for any host. */
  public String host() {
    return host;
  }

  /** True for a {@code *.} wildcard host. */
  public boolean isWildcardHost() {
    return host != null && host.startsWith("*.");
  }

  /** The path prefix, matched by whole segments against the normalized path. */
  public String pathPrefix() {
    return pathPrefix;
  }

  /** The server group matching requests go to. */
  public String group() {
    return group;
  }

  /** True when {@code other} matches the same requests (same host pattern and path prefix), whatever its group. */
  public boolean sameMatch(ForwardingRule other) {
    return Objects.equals(host, other.host) && pathPrefix.equals(other.pathPrefix);
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof ForwardingRule)) {
      return false;
    }
    ForwardingRule r = (ForwardingRule) o;
    return sameMatch(r) && group.equals(r.group);
  }

  @Override
  public int hashCode() {
    return Objects.hash(host, pathPrefix, group);
  }

  /** For example {@code *.example.com/api -> api}; a rule for any host shows {@code *} as its host. */
  @Override
  public String toString() {
    return (host == null ? "*" : host) + pathPrefix + " -> " + group;
  }

  /** Checks a server group's name: 1-80 characters of A-Z a-z 0-9 '-' '_' '.'. */
  static String checkGroup(String group) {
    return checkCharset("forwardingRule.group", group, 1, 80, "A-Z a-z 0-9 '-' '_' '.'",
        c -> isAsciiAlnum(c) || c == '-' || c == '_' || c == '.');
  }

  private static IllegalArgumentException badHost(String host, String why) {
    return new IllegalArgumentException("forwardingRule.host must be " + HOST_FORM + ", was '" + printable(host)
        + "' (" + why + ")");
  }

  private static String checkHost(String host) {
    if (host.isEmpty() || host.length() > MAX_HOST_LENGTH) {
      throw badHost(host, host.length() + " characters; 1-" + MAX_HOST_LENGTH + " allowed");
    }
    String h = host.toLowerCase(Locale.ROOT);
    if (h.startsWith("[")) {
      if (!h.endsWith("]") || h.length() < 4) {
        throw badHost(host, "an IPv6 literal ends with ']'");
      }
      for (int i = 1; i < h.length() - 1; i++) {
        char c = h.charAt(i);
        if (!isHexDigit(c) && c != ':' && c != '.') {
          throw badHost(host, "character '" + printable(String.valueOf(c)) + "' at index " + i
              + " is not allowed in an IPv6 literal");
        }
      }
      return h;
    }
    int start = h.startsWith("*.") ? 2 : 0;
    if (start == 2 && h.length() == 2) {
      throw badHost(host, "a wildcard needs a name after '*.'");
    }
    boolean labelEmpty = true;
    for (int i = start; i < h.length(); i++) {
      char c = h.charAt(i);
      if (c == '.') {
        if (labelEmpty) {
          throw badHost(host, "empty label at index " + i);
        }
        labelEmpty = true;
      } else if (c == ':') {
        throw badHost(host, "ports are ignored: write the host alone");
      } else if (c == '*') {
        throw badHost(host, "'*' is allowed only as the first label, '*.'");
      } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_') {
        labelEmpty = false;
      } else {
        throw badHost(host, "character '" + printable(String.valueOf(c)) + "' at index " + i + " is not allowed");
      }
    }
    if (labelEmpty) {
      throw badHost(host, "empty label at the end");
    }
    return h;
  }

  private static IllegalArgumentException badPath(String path, String why) {
    return new IllegalArgumentException("forwardingRule.pathPrefix must be " + PATH_FORM + ", was '"
        + printable(path) + "' (" + why + ")");
  }

  private static String checkPathPrefix(String path) {
    Objects.requireNonNull(path, "forwardingRule.pathPrefix");
    if (path.isEmpty() || path.charAt(0) != '/') {
      throw badPath(path, "it must start with '/'");
    }
    if (path.length() > MAX_PATH_PREFIX_LENGTH) {
      throw badPath(path, path.length() + " characters; at most " + MAX_PATH_PREFIX_LENGTH + " allowed");
    }
    if (path.length() == 1) {
      return path;
    }
    if (path.charAt(path.length() - 1) == '/') {
      throw badPath(path, "a '/' at the end: prefixes match whole segments, '/a' matches '/a/b'");
    }
    int segmentStart = 1;
    for (int i = 1; i <= path.length(); i++) {
      char c = i < path.length() ? path.charAt(i) : '/';
      if (c == '/') {
        int len = i - segmentStart;
        if (len == 0) {
          throw badPath(path, "an empty segment at index " + i);
        }
        if ((len == 1 && path.charAt(segmentStart) == '.')
            || (len == 2 && path.charAt(segmentStart) == '.' && path.charAt(segmentStart + 1) == '.')) {
          throw badPath(path, "a dot segment at index " + segmentStart);
        }
        segmentStart = i + 1;
      } else if (c == '%') {
        if (i + 2 >= path.length() || !isUpperHex(path.charAt(i + 1)) || !isUpperHex(path.charAt(i + 2))) {
          throw badPath(path, "'%' at index " + i + " must be followed by two upper-case hex digits");
        }
        int b = Integer.parseInt(path.substring(i + 1, i + 3), 16);
        if (isUnreserved(b)) {
          throw badPath(path, "'%" + path.substring(i + 1, i + 3) + "' at index " + i + " encodes '" + (char) b
              + "', which a normalized path holds decoded");
        }
        if (b == '/' || b == '\\') {
          throw badPath(path, "an encoded '/' or '\\' at index " + i);
        }
        i += 2;
      } else if (c == ';') {
        throw badPath(path, "';' at index " + i + ": path parameters are not matched");
      } else if (!isUnreserved(c) && "!$&'()*+,=:@".indexOf(c) < 0) {
        throw badPath(path, "character '" + printable(String.valueOf(c)) + "' at index " + i + " is not allowed");
      }
    }
    return path;
  }

  private static boolean isUpperHex(char c) {
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
  }

  /** RFC 3986 unreserved: ALPHA DIGIT - . _ ~ */
  static boolean isUnreserved(int c) {
    return isAsciiAlnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
  }
}
