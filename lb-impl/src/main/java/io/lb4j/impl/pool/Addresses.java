package io.lb4j.impl.pool;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/**
 * Backend addresses for traffic. IP literals become addresses at once; host names start unresolved
 * and are resolved by the pool's own thread ({@link #lookup}), never by a select.
 */
public final class Addresses {

  private Addresses() {}

  /** The address to use until a lookup ran: resolved for an IP literal (no lookup), else unresolved. */
  static InetSocketAddress initial(String host, int port) {
    if (isIpLiteral(host)) {
      return new InetSocketAddress(host, port); // a literal is parsed, not looked up
    }
    return InetSocketAddress.createUnresolved(host, port);
  }

  /** Whether {@code host} is an IPv4 dotted quad or an IPv6 literal (which alone contain ':'). */
  static boolean isIpLiteral(String host) {
    if (host.indexOf(':') >= 0) {
      return true;
    }
    int parts = 0;
    int value = -1;
    for (int i = 0; i < host.length(); i++) {
      char c = host.charAt(i);
      if (c == '.') {
        if (value < 0) {
          return false;
        }
        parts++;
        value = -1;
      } else if (c >= '0' && c <= '9') {
        value = (value < 0 ? 0 : value * 10) + (c - '0');
        if (value > 255) {
          return false;
        }
      } else {
        return false;
      }
    }
    return value >= 0 && parts == 3;
  }

  /** {@code address} carrying {@code host} as its name, so it prints as {@code host/ip}. */
  static InetAddress named(String host, InetAddress address) {
    try {
      return InetAddress.getByAddress(host, address.getAddress());
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("address of illegal length: " + address, e); // cannot happen
    }
  }

  /**
   * Resolves {@code host}, blocking; null when it cannot be resolved.
   *
   * @param host a host name or IP literal
   * @return the address, or null
   */
  public static InetAddress lookup(String host) {
    try {
      return InetAddress.getByName(host);
    } catch (UnknownHostException e) {
      return null;
    }
  }
}
