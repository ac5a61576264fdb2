package io.lb4j.impl.listener.http2;

import java.nio.charset.StandardCharsets;

/**
 * HPACK's static table (RFC 7541 Appendix A), indices 1-61, with the lookups an encoder needs. Entries
 * with the same name are adjacent in the table, so a name lookup finds the first and a full lookup scans
 * on from there. Immutable and thread-safe.
 */
final class HpackStaticTable {

  static final int LENGTH = 61;

  private static final String[][] ENTRIES = {
      {":authority", ""},
      {":method", "GET"},
      {":method", "POST"},
      {":path", "/"},
      {":path", "/index.html"},
      {":scheme", "http"},
      {":scheme", "https"},
      {":status", "200"},
      {":status", "204"},
      {":status", "206"},
      {":status", "304"},
      {":status", "400"},
      {":status", "404"},
      {":status", "500"},
      {"accept-charset", ""},
      {"accept-encoding", "gzip, deflate"},
      {"accept-language", ""},
      {"accept-ranges", ""},
      {"accept", ""},
      {"access-control-allow-origin", ""},
      {"age", ""},
      {"allow", ""},
      {"authorization", ""},
      {"cache-control", ""},
      {"content-disposition", ""},
      {"content-encoding", ""},
      {"content-language", ""},
      {"content-length", ""},
      {"content-location", ""},
      {"content-range", ""},
      {"content-type", ""},
      {"cookie", ""},
      {"date", ""},
      {"etag", ""},
      {"expect", ""},
      {"expires", ""},
      {"from", ""},
      {"host", ""},
      {"if-match", ""},
      {"if-modified-since", ""},
      {"if-none-match", ""},
      {"if-range", ""},
      {"if-unmodified-since", ""},
      {"last-modified", ""},
      {"link", ""},
      {"location", ""},
      {"max-forwards", ""},
      {"proxy-authenticate", ""},
      {"proxy-authorization", ""},
      {"range", ""},
      {"referer", ""},
      {"refresh", ""},
      {"retry-after", ""},
      {"server", ""},
      {"set-cookie", ""},
      {"strict-transport-security", ""},
      {"transfer-encoding", ""},
      {"user-agent", ""},
      {"vary", ""},
      {"via", ""},
      {"www-authenticate", ""},
  };

  /** Names and values by index (index 0 unused). */
  static final byte[][] NAMES = new byte[LENGTH + 1][];
  static final byte[][] VALUES = new byte[LENGTH + 1][];

  /** Open-addressing table from a name's hash to the first index with that name (0 = empty slot). */
  private static final int SLOTS = 128;
  private static final int[] FIRST_BY_NAME = new int[SLOTS];

  static {
    for (int i = 1; i <= LENGTH; i++) {
      boolean sameName = i > 1 && ENTRIES[i - 2][0].equals(ENTRIES[i - 1][0]);
      // Adjacent entries with one name share one array, which indexOfValue uses to stop its scan.
      NAMES[i] = sameName ? NAMES[i - 1] : ENTRIES[i - 1][0].getBytes(StandardCharsets.ISO_8859_1);
      VALUES[i] = ENTRIES[i - 1][1].getBytes(StandardCharsets.ISO_8859_1);
      if (!sameName) {
        int slot = hash(NAMES[i], 0, NAMES[i].length) & (SLOTS - 1);
        while (FIRST_BY_NAME[slot] != 0) {
          slot = (slot + 1) & (SLOTS - 1);
        }
        FIRST_BY_NAME[slot] = i;
      }
    }
  }

  private HpackStaticTable() {}

  /** The hash the encoder uses for names and values: 31-based over the bytes, like {@code String}. */
  static int hash(byte[] b, int off, int len) {
    int h = 0;
    for (int i = off; i < off + len; i++) {
      h = 31 * h + (b[i] & 0xFF);
    }
    return h;
  }

  /** The first index named {@code b[off, off + len)}, or 0. {@code nameHash} is {@link #hash} of it. */
  static int indexOfName(int nameHash, byte[] b, int off, int len) {
    int slot = nameHash & (SLOTS - 1);
    int index;
    while ((index = FIRST_BY_NAME[slot]) != 0) {
      if (equal(NAMES[index], b, off, len)) {
        return index;
      }
      slot = (slot + 1) & (SLOTS - 1);
    }
    return 0;
  }

  /** The index whose name starts at {@code nameIndex} and whose value is {@code b[off, off + len)}, or 0. */
  static int indexOfValue(int nameIndex, byte[] b, int off, int len) {
    for (int i = nameIndex; i <= LENGTH && NAMES[i] == NAMES[nameIndex]; i++) {
      if (equal(VALUES[i], b, off, len)) {
        return i;
      }
    }
    return 0;
  }

  private static boolean equal(byte[] a, byte[] b, int off, int len) {
    if (a.length != len) {
      return false;
    }
    for (int i = 0; i < len; i++) {
      if (a[i] != b[off + i]) {
        return false;
      }
    }
    return true;
  }
}
