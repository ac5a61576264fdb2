package io.lb4j.benchmarks.gateway;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The launchers' command line: {@code --name value} pairs, each known name at most once, plus repeated
 * {@code --backend HOST:PORT}. Errors name the option, the value and what is allowed, like lb4j's config.
 */
final class LauncherArgs {
  private final Map<String, String> values = new HashMap<>();
  private final List<InetSocketAddress> backends = new ArrayList<>();

  private LauncherArgs() {}

  static LauncherArgs parse(String[] args, Set<String> known) {
    LauncherArgs parsed = new LauncherArgs();
    if (args.length % 2 != 0) {
      throw new IllegalArgumentException("arguments must be --name value pairs, was " + String.join(" ", args));
    }
    for (int i = 0; i < args.length; i += 2) {
      String name = args[i];
      String value = args[i + 1];
      if (name.equals("--backend")) {
        parsed.backends.add(hostPort(value));
      } else if (!known.contains(name)) {
        throw new IllegalArgumentException("unknown option " + name + " (expected: --backend, "
            + String.join(", ", known) + ")");
      } else if (parsed.values.putIfAbsent(name, value) != null) {
        throw new IllegalArgumentException(name + " given twice");
      }
    }
    if (parsed.backends.isEmpty()) {
      throw new IllegalArgumentException("--backend HOST:PORT is required (at least one)");
    }
    return parsed;
  }

  List<InetSocketAddress> backends() {
    return backends;
  }

  String choice(String name, String defaultValue, Set<String> allowed) {
    String value = values.getOrDefault(name, defaultValue);
    if (!allowed.contains(value)) {
      throw new IllegalArgumentException(name + " must be one of " + allowed + ", was " + value);
    }
    return value;
  }

  int intValue(String name, int defaultValue, int min, int max) {
    String raw = values.get(name);
    if (raw == null) {
      return defaultValue;
    }
    int value;
    try {
      value = Integer.parseInt(raw);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " must be between " + min + " and " + max + ", was " + raw);
    }
    if (value < min || value > max) {
      throw new IllegalArgumentException(name + " must be between " + min + " and " + max + ", was " + raw);
    }
    return value;
  }

  private static InetSocketAddress hostPort(String value) {
    int colon = value.lastIndexOf(':');
    if (colon <= 0) {
      throw new IllegalArgumentException("--backend must be HOST:PORT, was " + value);
    }
    int port;
    try {
      port = Integer.parseInt(value.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--backend port must be between 1 and 65535, was " + value);
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("--backend port must be between 1 and 65535, was " + value);
    }
    return InetSocketAddress.createUnresolved(value.substring(0, colon), port);
  }
}
