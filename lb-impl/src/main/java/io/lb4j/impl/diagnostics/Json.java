package io.lb4j.impl.diagnostics;

/**
 * The little JSON writing {@link Report#toJson()} needs, without a dependency: RFC 8259 strings
 * (quote, backslash and every control character escaped) appended to a builder. Stateless.
 */
final class Json {

  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private Json() {}

  /** Appends {@code value} as a JSON string literal. */
  static StringBuilder string(StringBuilder out, String value) {
    out.append('"');
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '"':
          out.append("\\\"");
          break;
        case '\\':
          out.append("\\\\");
          break;
        case '\n':
          out.append("\\n");
          break;
        case '\r':
          out.append("\\r");
          break;
        case '\t':
          out.append("\\t");
          break;
        default:
          if (c < 0x20 || c == 0x2028 || c == 0x2029) {
            // 2028/2029 are legal JSON but end lines in JavaScript; escaping them costs nothing.
            out.append("\\u").append(HEX[(c >> 12) & 0xf]).append(HEX[(c >> 8) & 0xf])
                .append(HEX[(c >> 4) & 0xf]).append(HEX[c & 0xf]);
          } else {
            out.append(c);
          }
      }
    }
    return out.append('"');
  }

  /** Appends {@code "name":} for an object member. */
  static StringBuilder name(StringBuilder out, String name) {
    return string(out, name).append(':');
  }
}
