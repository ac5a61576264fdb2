package io.lb4j.impl.routing;

/**
 * Normalizes a request's path for matching, RFC 3986 section 6.2.2, and refuses what cannot be normalized
 * safely. Rules are matched on the result, never on the raw path, so that {@code /static/../admin},
 * {@code /%61dmin}, {@code //admin} and {@code /./admin} all reach the rule for {@code /admin}.
 *
 * <ol>
 *   <li>The path ends at the first {@code ?} (the query is not matched).
 *   <li>Escapes ({@code %HH}): hex digits in upper case; escapes of unreserved characters (letters, digits,
 *       {@code - . _ ~}) decoded; an escaped {@code /} ({@code %2F}) or {@code \} ({@code %5C}) refused
 *       ({@link Verdict#ENCODED_SLASH}): a backend that decodes it would see other segments than the rule
 *       matched. {@link #keepingEncodedSlashes()} keeps them instead, as part of their segment. A {@code %} not
 *       followed by two hex digits is refused ({@link Verdict#BAD_ESCAPE}).
 *   <li>Characters outside RFC 3986 {@code pchar} (a raw {@code \}, space, {@code "}, {@code #}, control or
 *       non-ASCII characters) are refused ({@link Verdict#BAD_CHARACTER}).
 *   <li>Empty segments are merged ({@code //a///b} is {@code /a/b}, as nginx's {@code merge_slashes}); a
 *       trailing {@code /} is kept ({@code /a/} is not {@code /a}).
 *   <li>Dot segments removed, after decoding ({@code /a/./b} and {@code /a/x/../b} are {@code /a/b},
 *       {@code /a/%2e%2e/b} is {@code /b}); a {@code ..} above the root is refused
 *       ({@link Verdict#ABOVE_ROOT}, as nginx answers 400), and so is a dot segment with path parameters
 *       ({@code ..;x}, {@code .;}: {@link Verdict#AMBIGUOUS_DOT_SEGMENT}), which servlet containers read as
 *       {@code ..}.
 * </ol>
 *
 * <p>Case is kept: paths are case-sensitive (RFC 3986), only the escapes' hex digits change case. Path
 * parameters ({@code ;v=1}) are kept; the matcher ends a segment at {@code ;} as well as {@code /}, so
 * {@code /admin;x} is under {@code /admin}.
 *
 * <p>Immutable and thread-safe; {@link #normalize} writes into the caller's builder and allocates nothing
 * once the builder has grown to the paths' length.
 */
public final class PathNormalizer {

  /** What normalizing a path came to; every verdict but {@link #OK} is a 400. */
  public enum Verdict {
    /** Normalized: the result is in the builder. */
    OK("ok"),
    /** The path does not start with {@code /} (an authority-form or asterisk-form target). */
    NOT_ABSOLUTE("the path does not start with '/'"),
    /** A {@code %} not followed by two hex digits. */
    BAD_ESCAPE("a '%' not followed by two hex digits"),
    /** An escaped {@code /} or {@code \}. */
    ENCODED_SLASH("an encoded '/' or '\\' in the path"),
    /** A character outside RFC 3986 {@code pchar}. */
    BAD_CHARACTER("a character not allowed in a path"),
    /** A {@code ..} segment above the root. */
    ABOVE_ROOT("a '..' segment above the root"),
    /** A dot segment with path parameters ({@code ..;x}). */
    AMBIGUOUS_DOT_SEGMENT("a dot segment with path parameters");

    private final String reason;

    Verdict(String reason) {
      this.reason = reason;
    }

    /** Why the path was refused, for the 400's body and the log. */
    public String reason() {
      return reason;
    }
  }

  private static final PathNormalizer STRICT = new PathNormalizer(false);
  private static final PathNormalizer KEEPING = new PathNormalizer(true);
  private static final char[] HEX = "0123456789ABCDEF".toCharArray();

  private final boolean keepEncodedSlashes;

  private PathNormalizer(boolean keepEncodedSlashes) {
    this.keepEncodedSlashes = keepEncodedSlashes;
  }

  /** The default: an escaped {@code /} or {@code \} is refused. */
  public static PathNormalizer strict() {
    return STRICT;
  }

  /** Keeps {@code %2F} and {@code %5C} as they are (in upper case), part of their segment. */
  public static PathNormalizer keepingEncodedSlashes() {
    return KEEPING;
  }

  /**
   * Normalizes the path of {@code target} (an origin-form request target: path and optional query) into
   * {@code out}, which is cleared first.
   *
   * @return {@link Verdict#OK}, or why the path is refused ({@code out} then holds nothing useful)
   */
  public Verdict normalize(CharSequence target, StringBuilder out) {
    out.setLength(0);
    int end = target.length();
    for (int q = 0; q < end; q++) {
      if (target.charAt(q) == '?') {
        end = q;
        break;
      }
    }
    if (end == 0 || target.charAt(0) != '/') {
      return Verdict.NOT_ABSOLUTE;
    }
    int i = 0;
    while (i < end) {
      i++; // the '/' before this segment
      int segmentStart = out.length();
      out.append('/');
      int content = out.length();
      while (i < end) {
        char c = target.charAt(i);
        if (c == '/') {
          break;
        }
        if (c == '%') {
          if (i + 2 >= end) {
            return Verdict.BAD_ESCAPE;
          }
          int hi = hex(target.charAt(i + 1));
          int lo = hex(target.charAt(i + 2));
          if (hi < 0 || lo < 0) {
            return Verdict.BAD_ESCAPE;
          }
          int b = hi << 4 | lo;
          if (isUnreserved(b)) {
            out.append((char) b);
          } else if ((b == '/' || b == '\\') && !keepEncodedSlashes) {
            return Verdict.ENCODED_SLASH;
          } else {
            out.append('%').append(HEX[hi]).append(HEX[lo]);
          }
          i += 3;
        } else if (isPchar(c)) {
          out.append(c);
          i++;
        } else {
          return Verdict.BAD_CHARACTER;
        }
      }
      boolean last = i >= end;
      int length = out.length() - content;
      if (length == 0) {
        if (!last) {
          out.setLength(segmentStart); // an empty segment in the middle: merged
        }
        continue; // at the end: the trailing '/' stays
      }
      int dots = dotSegment(out, content);
      if (dots == -1) {
        return Verdict.AMBIGUOUS_DOT_SEGMENT;
      }
      if (dots == 0) {
        continue;
      }
      out.setLength(segmentStart);
      if (dots == 2) {
        int previous = lastSlash(out);
        if (previous < 0) {
          return Verdict.ABOVE_ROOT;
        }
        out.setLength(previous);
      }
      if (last) {
        out.append('/');
      }
    }
    if (out.length() == 0) {
      out.append('/');
    }
    return Verdict.OK;
  }

  /** 1 for {@code .}, 2 for {@code ..}, -1 for either followed by {@code ;}, 0 for any other segment. */
  private static int dotSegment(StringBuilder out, int from) {
    int length = out.length() - from;
    int dots = 0;
    while (dots < length && dots < 3 && out.charAt(from + dots) == '.') {
      dots++;
    }
    if (dots == 0 || dots > 2) {
      return 0;
    }
    if (dots == length) {
      return dots;
    }
    return out.charAt(from + dots) == ';' ? -1 : 0;
  }

  private static int lastSlash(StringBuilder out) {
    for (int i = out.length() - 1; i >= 0; i--) {
      if (out.charAt(i) == '/') {
        return i;
      }
    }
    return -1;
  }

  private static int hex(char c) {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
      return c - 'A' + 10;
    }
    return -1;
  }

  static boolean isUnreserved(int c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.'
        || c == '_' || c == '~';
  }

  /** RFC 3986 pchar without the escapes: unreserved, sub-delims, ':' and '@'. */
  private static boolean isPchar(char c) {
    return isUnreserved(c) || "!$&'()*+,;=:@".indexOf(c) >= 0;
  }
}
