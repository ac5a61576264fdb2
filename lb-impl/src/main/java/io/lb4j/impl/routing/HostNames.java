package io.lb4j.impl.routing;

/**
 * Reads a request's {@code Host} for matching: validates it ({@code host[:port]}, the host a DNS name, an IPv4
 * address or a bracketed IPv6 literal) and finds where the name ends, without its port and one trailing dot.
 * Stateless; allocation-free.
 */
final class HostNames {
  private HostNames() {}

  /**
   * The length of the name in {@code host} (without {@code :port} and a trailing dot), or -1 when the value is
   * not a usable host: empty, a character outside letters, digits, {@code - . _ ~}, an empty label, a bad
   * port, or an unclosed IPv6 literal. A value like {@code a/b} is refused, never guessed at.
   */
  static int nameLength(CharSequence host) {
    int n = host.length();
    if (n == 0) {
      return -1;
    }
    int nameEnd;
    if (host.charAt(0) == '[') {
      int close = -1;
      for (int i = 1; i < n; i++) {
        char c = host.charAt(i);
        if (c == ']') {
          close = i;
          break;
        }
        if (!isHex(c) && c != ':' && c != '.') {
          return -1;
        }
      }
      if (close < 2) {
        return -1;
      }
      nameEnd = close + 1;
    } else {
      nameEnd = n;
      boolean labelEmpty = true;
      for (int i = 0; i < n; i++) {
        char c = host.charAt(i);
        if (c == ':') {
          nameEnd = i;
          break;
        }
        if (c == '.') {
          if (labelEmpty) {
            return -1;
          }
          labelEmpty = true;
        } else if (isNameChar(c)) {
          labelEmpty = false;
        } else {
          return -1;
        }
      }
      if (nameEnd == 0) {
        return -1;
      }
      if (host.charAt(nameEnd - 1) == '.') {
        nameEnd--; // www.example.com. is www.example.com
        if (nameEnd == 0 || host.charAt(nameEnd - 1) == '.') {
          return -1;
        }
      }
    }
    int portStart = nameEnd;
    while (portStart < n && host.charAt(portStart) == '.') {
      portStart++; // the trailing dot, already left out of the name
    }
    if (portStart < n) {
      if (host.charAt(portStart) != ':' || n - portStart - 1 > 5) {
        return -1;
      }
      int port = 0;
      for (int i = portStart + 1; i < n; i++) {
        char c = host.charAt(i);
        if (c < '0' || c > '9') {
          return -1;
        }
        port = port * 10 + (c - '0');
      }
      if (port > 65535) {
        return -1;
      }
    }
    return nameEnd;
  }

  private static boolean isHex(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  }

  private static boolean isNameChar(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_'
        || c == '~';
  }

  /** ASCII lower case of {@code c}. */
  static char lower(char c) {
    return c >= 'A' && c <= 'Z' ? (char) (c + 32) : c;
  }
}
