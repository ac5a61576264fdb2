package io.lb4j.impl.listener;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/**
 * Reads how many datagrams Linux dropped on given UDP sockets because their receive buffers were full: the
 * {@code drops} column of {@code /proc/net/udp} and {@code /proc/net/udp6}, summed over the sockets whose local
 * port is in a set. Called off the event loops (a metrics snapshot), never on them: it reads files.
 * Stateless and thread-safe.
 */
final class UdpKernelDrops {
  private static final Path[] TABLES = {Path.of("/proc/net/udp"), Path.of("/proc/net/udp6")};

  private UdpKernelDrops() {}

  /** The drops of the sockets bound to one of {@code ports}, or -1 when neither table can be read. */
  static long sum(Set<Integer> ports) {
    return sum(ports, TABLES);
  }

  static long sum(Set<Integer> ports, Path... tables) {
    long total = 0;
    boolean read = false;
    for (Path table : tables) {
      try (BufferedReader r = Files.newBufferedReader(table, StandardCharsets.US_ASCII)) {
        read = true;
        r.readLine(); // the header
        String line;
        while ((line = r.readLine()) != null) {
          total += drops(line, ports);
        }
      } catch (IOException | RuntimeException e) {
        // not Linux, or a table we may not read: counted as unknown when no table could be read
      }
    }
    return read ? total : -1;
  }

  /** The drops of one line of the table when its local port is in {@code ports}, else 0. */
  static long drops(String line, Set<Integer> ports) {
    String[] f = line.trim().split("\\s+");
    if (f.length < 13) {
      return 0;
    }
    int colon = f[1].lastIndexOf(':');
    if (colon < 0) {
      return 0;
    }
    int port = Integer.parseInt(f[1].substring(colon + 1), 16);
    if (!ports.contains(port)) {
      return 0;
    }
    return Long.parseLong(f[f.length - 1]);
  }
}
