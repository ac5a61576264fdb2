package io.lb4j.impl.diagnostics;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the few Linux {@code /proc} files diagnostics needs, under an injectable root so tests use a
 * fake tree. Every read returns null when the file is missing or unreadable (another OS, a container
 * without it): callers report that they could not look instead of failing. Thread-safe (stateless but
 * for the root).
 */
final class ProcFs {

  /**
   * The kernel prints each 32-bit word of an address as a number ({@code %08X}) in its own byte order, so
   * on little-endian hosts 127.0.0.1 reads {@code 0100007F}; the JVM's native order is the kernel's.
   */
  private static final boolean LITTLE_ENDIAN = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;

  private final Path root;

  ProcFs(Path root) {
    this.root = root;
  }

  /** The root, for messages. */
  Path root() {
    return root;
  }

  /** Whether the root exists at all. */
  boolean present() {
    return Files.isDirectory(root);
  }

  /** The path of {@code relative} under the root, for messages. */
  Path path(String relative) {
    return root.resolve(relative);
  }

  /**
   * The file's lines, or null when it cannot be read. Read line by line until EOF: /proc files report size
   * 0, and size-based reads ({@code Files.readString}) were seen to return a truncated value.
   */
  List<String> lines(String relative) {
    try {
      return Files.readAllLines(root.resolve(relative), StandardCharsets.US_ASCII);
    } catch (IOException | SecurityException e) {
      return null;
    }
  }

  /** The file's first whitespace-separated tokens as longs (a sysctl value), or null when unreadable. */
  long[] longs(String relative) {
    List<String> lines = lines(relative);
    if (lines == null || lines.isEmpty()) {
      return null;
    }
    String[] tokens = lines.get(0).trim().split("\\s+");
    long[] values = new long[tokens.length];
    try {
      for (int i = 0; i < tokens.length; i++) {
        values[i] = Long.parseLong(tokens[i]);
      }
    } catch (NumberFormatException e) {
      return null;
    }
    return values;
  }

  /**
   * The {@code TcpExt} counters of {@code net/netstat} (a header line of names followed by a line of
   * values), by name; null when unreadable.
   */
  Map<String, Long> tcpExt() {
    List<String> lines = lines("net/netstat");
    if (lines == null) {
      return null;
    }
    for (int i = 0; i + 1 < lines.size(); i++) {
      if (lines.get(i).startsWith("TcpExt:") && lines.get(i + 1).startsWith("TcpExt:")) {
        String[] names = lines.get(i).trim().split("\\s+");
        String[] values = lines.get(i + 1).trim().split("\\s+");
        Map<String, Long> counters = new HashMap<>();
        for (int k = 1; k < Math.min(names.length, values.length); k++) {
          try {
            counters.put(names[k], Long.parseLong(values[k]));
          } catch (NumberFormatException ignored) {
            // a counter this version cannot parse is simply not there
          }
        }
        return counters;
      }
    }
    return null;
  }

  /**
   * Decodes an address as {@code net/tcp}, {@code net/tcp6} and {@code net/route} print it: 8 or 32 hex
   * digits, each 32-bit word in the kernel's byte order. Null when malformed.
   */
  static InetAddress decodeAddress(String hex) {
    if (hex.length() != 8 && hex.length() != 32) {
      return null;
    }
    byte[] bytes = new byte[hex.length() / 2];
    try {
      for (int word = 0; word < bytes.length / 4; word++) {
        int value = (int) Long.parseLong(hex.substring(word * 8, word * 8 + 8), 16);
        if (LITTLE_ENDIAN) {
          value = Integer.reverseBytes(value);
        }
        bytes[word * 4] = (byte) (value >>> 24);
        bytes[word * 4 + 1] = (byte) (value >>> 16);
        bytes[word * 4 + 2] = (byte) (value >>> 8);
        bytes[word * 4 + 3] = (byte) value;
      }
      return InetAddress.getByAddress(bytes);
    } catch (NumberFormatException | UnknownHostException e) {
      return null;
    }
  }
}
