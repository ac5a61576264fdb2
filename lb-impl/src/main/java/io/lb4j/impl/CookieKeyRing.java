package io.lb4j.impl;

import io.lb4j.impl.persistence.KeyRing;
import java.util.Objects;

/**
 * The secret keys that sign inserted session cookies: a current key, which signs new cookies, and the
 * previous one, which still validates cookies signed before the last {@link #rotate rotation}. Every
 * balancer of a fleet given the same keys honours the others' cookies, with no shared state. Given to a pool
 * with {@link LoadBalancers.Builder#cookieKeys}.
 *
 * <p>Keys are at least {@value #MIN_KEY_BYTES} bytes; use 32 random bytes. {@link #random()} makes a
 * key for a single balancer (its cookies are then meaningless to other instances and after a restart).
 *
 * <p>Thread-safe: rotation publishes a new immutable pair atomically, and takes effect at once in every
 * pool holding the ring.
 *
 * @since 0.1.0
 */
public final class CookieKeyRing {

  /** The shortest key accepted, in bytes. */
  public static final int MIN_KEY_BYTES = KeyRing.MIN_KEY_BYTES;

  private final KeyRing ring;

  private CookieKeyRing(KeyRing ring) {
    this.ring = ring;
  }

  /**
   * A ring whose current key is {@code key} (copied).
   *
   * @param key the secret, at least {@value #MIN_KEY_BYTES} bytes
   * @return the ring
   * @throws IllegalArgumentException when the key is too short
   */
  public static CookieKeyRing of(byte[] key) {
    return new CookieKeyRing(KeyRing.of(key));
  }

  /**
   * A ring with a fresh random 32-byte key, for a single balancer.
   *
   * @return the ring
   */
  public static CookieKeyRing random() {
    return new CookieKeyRing(KeyRing.random());
  }

  /**
   * Makes {@code newKey} current; the current key becomes the previous one and still validates cookies
   * until the next rotation; the previous one is forgotten.
   *
   * @param newKey the new secret, at least {@value #MIN_KEY_BYTES} bytes (copied)
   * @throws IllegalArgumentException when the key is too short
   */
  public void rotate(byte[] newKey) {
    ring.rotate(Objects.requireNonNull(newKey, "cookieKey"));
  }

  /** The keys themselves, for the pool's session affinity. */
  KeyRing ring() {
    return ring;
  }
}
