package io.lb4j.impl.routing;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.ToIntFunction;

/**
 * An immutable open-addressing map from strings to ints, looked up by a range of a {@link CharSequence} and a
 * hash the caller computed while scanning it, so a lookup allocates nothing (a {@code HashMap<String, ...>}
 * would need a {@code String} of the range). Keys are stored as given; {@code ignoreCase} lookups compare in
 * ASCII lower case, for keys stored in lower case.
 *
 * <p>Built once by {@link Builder}; thread-safe after that (final arrays, never written again).
 */
final class KeyTable {
  private final String[] keys;
  private final int[] hashes;
  private final int[] values;
  private final int mask;

  private KeyTable(String[] keys, int[] hashes, int[] values) {
    this.keys = keys;
    this.hashes = hashes;
    this.values = values;
    this.mask = keys.length - 1;
  }

  /** The forward hash of {@code s[from, to)}: {@code h = 31 h + c}, in ASCII lower case when asked. */
  static int hash(CharSequence s, int from, int to, boolean lower) {
    int h = 0;
    for (int i = from; i < to; i++) {
      h = 31 * h + (lower ? HostNames.lower(s.charAt(i)) : s.charAt(i));
    }
    return h;
  }

  /**
   * The value of the key equal to {@code s[from, to)} whose hash is {@code hash}, or -1. Linear probing over a
   * table at most half full.
   */
  int get(CharSequence s, int from, int to, int hash, boolean ignoreCase) {
    int i = mix(hash) & mask;
    while (true) {
      String k = keys[i];
      if (k == null) {
        return -1;
      }
      if (hashes[i] == hash && equal(k, s, from, to, ignoreCase)) {
        return values[i];
      }
      i = (i + 1) & mask;
    }
  }

  private static boolean equal(String k, CharSequence s, int from, int to, boolean ignoreCase) {
    if (k.length() != to - from) {
      return false;
    }
    for (int i = 0; i < k.length(); i++) {
      char c = s.charAt(from + i);
      if (k.charAt(i) != (ignoreCase ? HostNames.lower(c) : c)) {
        return false;
      }
    }
    return true;
  }

  /** Spreads the polynomial hash's low bits (Murmur3's finalizer), so short keys do not cluster. */
  private static int mix(int h) {
    h ^= h >>> 16;
    h *= 0x85ebca6b;
    h ^= h >>> 13;
    return h;
  }

  boolean isEmpty() {
    return keys.length == 1 && keys[0] == null;
  }

  /** Collects keys and their values; {@link #build} sizes the table. Not thread-safe. */
  static final class Builder {
    private final LinkedHashMap<String, Integer> entries = new LinkedHashMap<>();
    private final ToIntFunction<String> hasher;

    /** A builder whose keys are hashed by {@code hasher} (the same function the lookups use). */
    Builder(ToIntFunction<String> hasher) {
      this.hasher = hasher;
    }

    /** Adds a key (the first value of a key repeated wins). */
    Builder put(String key, int value) {
      entries.putIfAbsent(key, value);
      return this;
    }

    /** The value already added for {@code key}, or null. */
    Integer get(String key) {
      return entries.get(key);
    }

    Set<String> keys() {
      return entries.keySet();
    }

    KeyTable build() {
      int size = Integer.highestOneBit(Math.max(1, entries.size() * 2 - 1)) << 1;
      if (entries.isEmpty()) {
        size = 1;
      }
      String[] keys = new String[size];
      int[] hashes = new int[size];
      int[] values = new int[size];
      int mask = size - 1;
      for (Map.Entry<String, Integer> e : entries.entrySet()) {
        int h = hasher.applyAsInt(e.getKey());
        int i = mix(h) & mask;
        while (keys[i] != null) {
          i = (i + 1) & mask;
        }
        keys[i] = e.getKey();
        hashes[i] = h;
        values[i] = e.getValue();
      }
      return new KeyTable(keys, hashes, values);
    }
  }
}
