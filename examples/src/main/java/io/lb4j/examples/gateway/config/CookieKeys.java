package io.lb4j.examples.gateway.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Objects;

/**
 * The keys that sign a listener's inserted session cookies, read from a key file
 * ({@code sessionPersistence.keyFile}): one key a line, Base64 (standard or URL-safe), at least
 * {@value #MIN_KEY_BYTES} bytes each (use 32 random bytes: {@code openssl rand -base64 32}); the first key
 * signs new cookies, the second, when present, still validates cookies signed before the last rotation.
 * Lines starting with {@code #} and blank lines are skipped. Every gateway of a fleet given the same file
 * honours the others' cookies, and sessions survive a restart. Immutable; {@link #toString()} never shows a
 * key.
 *
 * @param file the key file
 * @param keys the keys, newest first, as Base64 text (one or two)
 */
public record CookieKeys(Path file, List<String> keys) {

  /** The shortest key accepted, in bytes (the library's own minimum). */
  public static final int MIN_KEY_BYTES = 16;

  /** Checks and copies the components. */
  public CookieKeys {
    Objects.requireNonNull(file, "file");
    keys = List.copyOf(keys);
    if (keys.isEmpty() || keys.size() > 2) {
      throw new IllegalArgumentException("cookie keys must be one or two, were " + keys.size());
    }
  }

  /** The current key's bytes. */
  public byte[] current() {
    return decode(keys.get(0));
  }

  /** The previous key's bytes, or null when the file lists one key. */
  public byte[] previous() {
    return keys.size() > 1 ? decode(keys.get(1)) : null;
  }

  /**
   * Reads a key file's text.
   *
   * @throws IllegalArgumentException naming the line and what is wrong, never the key itself
   */
  public static CookieKeys parse(Path file, String text) {
    List<String> keys = new ArrayList<>();
    String[] lines = text.split("\r?\n", -1);
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i].strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String where = file.getFileName() + ":" + (i + 1) + ": ";
      byte[] key;
      try {
        key = decode(line);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(where + "a key must be Base64 text (openssl rand -base64 32)");
      }
      if (key.length < MIN_KEY_BYTES) {
        throw new IllegalArgumentException(where + "a key must be at least " + MIN_KEY_BYTES + " bytes, was "
            + key.length + " bytes (use 32 random bytes)");
      }
      if (keys.size() == 2) {
        throw new IllegalArgumentException(where + "at most 2 keys: the current one, then the previous one");
      }
      keys.add(line);
    }
    if (keys.isEmpty()) {
      throw new IllegalArgumentException(file.getFileName() + " lists no key (expected: one Base64 key a line,"
          + " the current one first)");
    }
    return new CookieKeys(file, keys);
  }

  private static byte[] decode(String text) {
    return text.indexOf('-') >= 0 || text.indexOf('_') >= 0 ? Base64.getUrlDecoder().decode(text)
        : Base64.getDecoder().decode(text);
  }

  /** The file and the number of keys; never a key. */
  @Override
  public String toString() {
    return "CookieKeys[" + file + ", " + keys.size() + (keys.size() == 1 ? " key]" : " keys]");
  }
}
