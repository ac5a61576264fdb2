package io.lb4j.impl.discovery;

import io.lb4j.api.Backend;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Parses the backend file format of {@link BackendSources#file}: one backend a line,
 * {@code id host:port [weight]}, {@code #} comments, blank lines ignored. Strict: any line that is not
 * exactly that fails the whole file, with the line number and the reason. Stateless.
 */
final class BackendListParser {

  private BackendListParser() {}

  /**
   * The backends of {@code text}, in file order.
   *
   * @param source the file name, for messages
   * @throws IllegalArgumentException naming {@code source}, the line and what is wrong
   */
  static List<Backend> parse(String source, String text) {
    List<Backend> backends = new ArrayList<>();
    Set<String> ids = new HashSet<>();
    String[] lines = text.split("\r?\n", -1);
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i];
      int hash = line.indexOf('#');
      String content = (hash >= 0 ? line.substring(0, hash) : line).strip();
      if (content.isEmpty()) {
        continue;
      }
      String where = source + " line " + (i + 1) + ": ";
      try {
        Backend b = parseLine(content);
        if (!ids.add(b.id())) {
          throw new IllegalArgumentException("backend.id must be unique in the file, was '" + b.id() + "' twice");
        }
        backends.add(b);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(where + e.getMessage(), e);
      }
    }
    return backends;
  }

  private static Backend parseLine(String content) {
    String[] fields = content.split("\\s+");
    if (fields.length < 2 || fields.length > 3) {
      throw new IllegalArgumentException("line must be 'id host:port [weight]', was '" + content + "'");
    }
    String address = fields[1];
    int colon = address.lastIndexOf(':');
    String host = colon > 0 ? address.substring(0, colon) : "";
    if (host.startsWith("[") != host.endsWith("]") || (host.startsWith("[") && host.length() < 3)) {
      throw new IllegalArgumentException("address must be host:port or [ipv6]:port, was '" + address + "'");
    }
    if (host.startsWith("[")) {
      host = host.substring(1, host.length() - 1);
    } else if (host.indexOf(':') >= 0) {
      throw new IllegalArgumentException("address must put an IPv6 host in brackets, was '" + address + "'");
    }
    if (host.isEmpty()) {
      throw new IllegalArgumentException("address must be host:port or [ipv6]:port, was '" + address + "'");
    }
    int port = parseInt("backend.port", address.substring(colon + 1));
    Backend.Builder b = Backend.builder(fields[0], host, port);
    if (fields.length == 3) {
      b.weight(parseInt("backend.weight", fields[2]));
    }
    return b.build();
  }

  private static int parseInt(String field, String text) {
    if (text.isEmpty() || text.length() > 9 || !text.chars().allMatch(c -> c >= '0' && c <= '9')) {
      throw new IllegalArgumentException(field + " must be a decimal number, was '" + text + "'");
    }
    return Integer.parseInt(text);
  }
}
