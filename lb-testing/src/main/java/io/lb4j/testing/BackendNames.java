package io.lb4j.testing;

import java.util.Objects;

/** Checks for the names and addresses backends are built with. */
final class BackendNames {

  private BackendNames() {}

  /** A name usable as an lb-api backend id: 1-64 characters of a-z A-Z 0-9 '-' '_' '.'. */
  static String check(String name) {
    Objects.requireNonNull(name, "backend.name");
    if (name.isEmpty() || name.length() > 64 || !name.matches("[A-Za-z0-9._-]+")) {
      throw new IllegalArgumentException(
          "backend.name must be 1-64 characters of a-z A-Z 0-9 '-' '_' '.', was '" + name + "'");
    }
    return name;
  }

  /** An IPv4 literal in 127.0.0.0/8: the kit only ever listens on loopback. */
  static String checkLoopback(String host) {
    Objects.requireNonNull(host, "backend.host");
    if (!host.matches("127\\.(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])(\\.(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])){2}")) {
      throw new IllegalArgumentException("backend.host must be an IPv4 address in 127.0.0.0/8, was '" + host + "'");
    }
    return host;
  }
}
