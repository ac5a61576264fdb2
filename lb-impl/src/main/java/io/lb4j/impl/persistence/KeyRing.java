package io.lb4j.impl.persistence;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The secret keys that sign inserted session cookies (what {@code io.lb4j.impl.CookieKeyRing}, the API,
 * holds): a current key, which signs new cookies, and the
 * previous one, which still validates cookies signed before the last {@link #rotate rotation}. Every
 * balancer of a fleet given the same keys honours the others' cookies, with no shared state.
 *
 * <p>Keys are at least {@value #MIN_KEY_BYTES} bytes; use 32 random bytes. {@link #random()} makes a
 * key for a single balancer (its cookies are then meaningless to other instances and after a restart).
 *
 * <p>Thread-safe: rotation publishes a new immutable pair atomically.
 */
public final class KeyRing {

  /** The shortest key accepted, in bytes. */
  public static final int MIN_KEY_BYTES = 16;

  private volatile Pair keys;

  private KeyRing(byte[] key) {
    this.keys = new Pair(new Key(key), null);
  }

  /** A ring whose current key is {@code key} (copied). */
  public static KeyRing of(byte[] key) {
    return new KeyRing(checkKey(key));
  }

  /** A ring with a fresh random 32-byte key, for a single balancer. */
  public static KeyRing random() {
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    return new KeyRing(key);
  }

  /**
   * Makes {@code newKey} current; the current key becomes the previous one and still validates cookies
   * until the next rotation; the previous one is forgotten.
   */
  public synchronized void rotate(byte[] newKey) {
    Key next = new Key(checkKey(newKey));
    keys = new Pair(next, keys.current);
  }

  private static byte[] checkKey(byte[] key) {
    Objects.requireNonNull(key, "cookieKey");
    if (key.length < MIN_KEY_BYTES) {
      throw new IllegalArgumentException(
          "cookieKey must be at least " + MIN_KEY_BYTES + " bytes, was " + key.length + " bytes");
    }
    return key.clone();
  }

  Key current() {
    return keys.current;
  }

  /** The key whose id starts at {@code start} of {@code s}, or null when neither key has that id. */
  Key byId(String s, int start) {
    Pair p = keys;
    if (p.current.matches(s, start)) {
      return p.current;
    }
    if (p.previous != null && p.previous.matches(s, start)) {
      return p.previous;
    }
    return null;
  }

  /** True while {@code key} may still validate cookies (it is the current or the previous key). */
  boolean isLive(Key key) {
    Pair p = keys;
    return key == p.current || key == p.previous;
  }

  private static final class Pair {
    final Key current;
    final Key previous;

    Pair(Key current, Key previous) {
      this.current = current;
      this.previous = previous;
    }
  }

  /** One secret: its public id, a per-thread HMAC-SHA256 and the backend tokens it derived. */
  static final class Key {
    static final int ID_LENGTH = 6;
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

    private final SecretKeySpec spec;
    // Mac is not thread-safe; one per thread keeps signing lock-free.
    private final ThreadLocal<Mac> macs = ThreadLocal.withInitial(this::newMac);
    private final ConcurrentHashMap<String, String> backendByToken = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, String> tokenByBackend = new ConcurrentHashMap<>();
    final String id;

    Key(byte[] secret) {
      this.spec = new SecretKeySpec(secret, "HmacSHA256");
      Arrays.fill(secret, (byte) 0);
      this.id = B64.encodeToString(sign("lb4j-key-id")).substring(0, ID_LENGTH);
    }

    private Mac newMac() {
      try {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(spec);
        return mac;
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException("HmacSHA256 is required by the Java platform but unavailable", e);
      }
    }

    boolean matches(String s, int start) {
      return s.regionMatches(start, id, 0, ID_LENGTH);
    }

    byte[] sign(String text) {
      return sign(text, 0, text.length());
    }

    /** HMAC-SHA256 of the ASCII characters {@code text[start, end)}, fed char by char (no copy). */
    byte[] sign(String text, int start, int end) {
      Mac mac = macs.get();
      for (int i = start; i < end; i++) {
        mac.update((byte) text.charAt(i));
      }
      return mac.doFinal();
    }

    /**
     * The opaque token that names {@code backendId} in cookies signed by this key: a truncated HMAC, so a
     * cookie reveals neither the backend's address nor its id.
     */
    String token(String backendId) {
      return tokenByBackend.computeIfAbsent(backendId, id -> {
        String token = B64.encodeToString(Arrays.copyOf(sign("lb4j-backend:" + id), 9));
        backendByToken.put(token, id);
        return token;
      });
    }

    String backendFor(String token) {
      return backendByToken.get(token);
    }

    String mac(String payload) {
      return B64.encodeToString(Arrays.copyOf(sign(payload), 12));
    }

    static byte[] ascii(String s) {
      return s.getBytes(StandardCharsets.US_ASCII);
    }
  }
}
