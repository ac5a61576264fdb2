package io.lb4j.examples.gateway.config;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Listener bind addresses as the file writes them: IP literals only, parsed here without any name lookup
 * ({@code InetAddress.getByName("999.999.999.999")} would ask DNS), and the rule of which two binds on one
 * port collide. Stateless.
 */
final class BindAddresses {

  private BindAddresses() {}

  /**
   * The address of an IPv4 literal ({@code 10.0.0.1}) or an IPv6 literal ({@code ::1}, {@code [::1]}).
   *
   * @throws IllegalArgumentException naming the value and what is allowed
   */
  static InetAddress parse(String value) {
    String v = value.strip();
    if (v.startsWith("[") && v.endsWith("]")) {
      v = v.substring(1, v.length() - 1);
    }
    if (v.indexOf(':') >= 0) {
      // The JDK parses a string with a colon as an IPv6 literal only: no lookup.
      if (!v.matches("[0-9a-fA-F:.]+")) {
        throw invalid(value, "not an IPv6 address");
      }
      try {
        InetAddress a = InetAddress.getByName(v);
        if (a instanceof Inet6Address || a instanceof Inet4Address) {
          return a;
        }
      } catch (UnknownHostException e) {
        // reported below
      }
      throw invalid(value, "not an IPv6 address");
    }
    String[] parts = v.split("\\.", -1);
    if (parts.length != 4) {
      throw invalid(value, "an IPv4 address has 4 numbers separated by dots");
    }
    byte[] bytes = new byte[4];
    for (int i = 0; i < 4; i++) {
      if (!parts[i].matches("[0-9]{1,3}")) {
        throw invalid(value, "'" + parts[i] + "' is not a number of 0-255");
      }
      int octet = Integer.parseInt(parts[i]);
      if (octet > 255) {
        throw invalid(value, octet + " is above 255");
      }
      bytes[i] = (byte) octet;
    }
    try {
      return InetAddress.getByAddress(bytes);
    } catch (UnknownHostException e) {
      throw new AssertionError("4 bytes are always an IPv4 address", e);
    }
  }

  private static IllegalArgumentException invalid(String value, String why) {
    return new IllegalArgumentException("bind must be an IPv4 or IPv6 address, was '" + value + "' (" + why + ")");
  }

  /**
   * Whether two listeners bound to {@code a} and {@code b} on one port collide: the same address, or a
   * wildcard ({@code 0.0.0.0} takes the port on every IPv4 address, {@code ::} on every address).
   */
  static boolean collide(InetAddress a, InetAddress b) {
    if (a.equals(b)) {
      return true;
    }
    if (isAnyV6(a) || isAnyV6(b)) {
      return true; // a dual-stack :: socket takes IPv4 addresses too
    }
    boolean sameFamily = (a instanceof Inet4Address) == (b instanceof Inet4Address);
    return sameFamily && (a.isAnyLocalAddress() || b.isAnyLocalAddress());
  }

  private static boolean isAnyV6(InetAddress a) {
    return a instanceof Inet6Address && a.isAnyLocalAddress();
  }
}
