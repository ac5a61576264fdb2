package io.lb4j.benchmarks.udp;

import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/** {@code --name value} pairs, each checked against the names a tool knows; a wrong one exits with code 2. */
final class Options {
  private final Map<String, String> values = new HashMap<>();

  private Options() {}

  static Options parse(String[] args, int from, Set<String> known) {
    Options o = new Options();
    for (int i = from; i < args.length; i += 2) {
      if (!known.contains(args[i]) || i + 1 >= args.length) {
        throw new IllegalArgumentException("unknown option or missing value: " + args[i] + " (known: " + known + ")");
      }
      o.values.put(args[i], args[i + 1]);
    }
    return o;
  }

  int intValue(String name, int fallback, int min, int max) {
    String v = values.get(name);
    if (v == null) {
      return fallback;
    }
    int n = Integer.parseInt(v);
    if (n < min || n > max) {
      throw new IllegalArgumentException(name + " must be between " + min + " and " + max + ", was " + n);
    }
    return n;
  }

  InetSocketAddress address(String name) {
    String v = values.get(name);
    if (v == null) {
      throw new IllegalArgumentException(name + " is required (host:port)");
    }
    int colon = v.lastIndexOf(':');
    return new InetSocketAddress(v.substring(0, colon), Integer.parseInt(v.substring(colon + 1)));
  }

  String string(String name, String fallback) {
    return values.getOrDefault(name, fallback);
  }
}
