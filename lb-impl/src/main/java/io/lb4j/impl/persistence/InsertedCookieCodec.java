package io.lb4j.impl.persistence;

import io.lb4j.impl.persistence.KeyRing.Key;
import java.security.MessageDigest;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Encodes and validates inserted session cookies.
 *
 * <p>A cookie value is {@code <key id>.<backend token>.<expiry>.<mac>}: the id of the key that signed
 * it, an opaque token naming the backend (see {@link Key#token}), the expiry in epoch seconds, and an
 * HMAC-SHA256 (96 bits, base64url) over everything before it. A value that is malformed, signed by an
 * unknown key, expired, or whose MAC does not match is rejected, so a client can never steer itself to
 * a backend it chose.
 *
 * <p><b>Allocation.</b> Validating a value that this instance validated before allocates nothing: the
 * verified values are kept in a small direct-mapped cache and matched against the header in place with
 * {@code regionMatches}. Only a value never seen (the first request of a session on this instance)
 * pays for the HMAC and its few small arrays.
 *
 * <p>Thread-safe.
 */
final class InsertedCookieCodec {

  private static final int CACHE_SIZE = 4096;

  private final KeyRing keys;
  // Benign races: entries are immutable (final fields), so a reader sees either a complete entry or an
  // older/absent one, which only costs a re-validation. No lock or volatile is needed for correctness.
  private final VerifiedCookie[] verified = new VerifiedCookie[CACHE_SIZE];
  // Backend ids cookies may name. Tokens are derived per key, so after a rotation (or for a cookie a
  // fleet peer signed) the tokens of every member are derived again on the first unknown token.
  private final Set<String> members = ConcurrentHashMap.newKeySet();

  InsertedCookieCodec(KeyRing keys) {
    this.keys = keys;
  }

  /** A signed cookie value for {@code backendId}, valid until {@code expiresAt} (epoch seconds). */
  String encode(String backendId, long expiresAt) {
    Key key = keys.current();
    String payload = key.id + "." + key.token(backendId) + "." + expiresAt;
    return payload + "." + key.mac(payload);
  }

  /** Lets cookies name {@code backendId} (a pool member). */
  void register(String backendId) {
    members.add(backendId);
    keys.current().token(backendId);
  }

  /** Stops cookies from naming {@code backendId}; cookies that name it are then invalid. */
  void unregister(String backendId) {
    members.remove(backendId);
  }

  /**
   * Validates the cookie value {@code header[start, end)} at time {@code now} (epoch seconds).
   *
   * @return the verified cookie, or null when the value is invalid or expired
   */
  VerifiedCookie verify(String header, int start, int end, long now) {
    int slot = slot(header, start, end);
    VerifiedCookie cached = verified[slot];
    if (cached != null && cached.matches(header, start, end)) {
      // The membership check too: a cookie cached before its backend was unregistered is invalid now.
      return cached.expiresAt >= now && keys.isLive(cached.key) && members.contains(cached.backendId()) ? cached
          : null;
    }
    VerifiedCookie fresh = verifySlow(header, start, end, now);
    if (fresh != null) {
      verified[slot] = fresh;
    }
    return fresh;
  }

  private VerifiedCookie verifySlow(String header, int start, int end, long now) {
    // <id:6>.<token>.<expiry>.<mac>
    if (end - start < Key.ID_LENGTH + 6 || header.charAt(start + Key.ID_LENGTH) != '.') {
      return null;
    }
    Key key = keys.byId(header, start);
    if (key == null) {
      return null;
    }
    int tokenStart = start + Key.ID_LENGTH + 1;
    int tokenEnd = header.indexOf('.', tokenStart);
    if (tokenEnd < 0 || tokenEnd >= end) {
      return null;
    }
    int expiryEnd = header.indexOf('.', tokenEnd + 1);
    if (expiryEnd < 0 || expiryEnd >= end || expiryEnd - tokenEnd - 1 > 18 || expiryEnd == tokenEnd + 1) {
      return null;
    }
    long expiresAt = 0;
    for (int i = tokenEnd + 1; i < expiryEnd; i++) {
      char c = header.charAt(i);
      if (c < '0' || c > '9') {
        return null;
      }
      expiresAt = expiresAt * 10 + (c - '0');
    }
    String value = header.substring(start, end);
    String expected = key.mac(value.substring(0, expiryEnd - start));
    String presented = value.substring(expiryEnd - start + 1);
    // Constant-time comparison: the time taken must not tell an attacker how much of a forged MAC matched.
    if (!MessageDigest.isEqual(Key.ascii(expected), Key.ascii(presented))) {
      return null;
    }
    if (expiresAt < now) {
      return null;
    }
    String token = header.substring(tokenStart, tokenEnd);
    String backendId = key.backendFor(token);
    if (backendId == null) {
      for (String member : members) {
        key.token(member);
      }
      backendId = key.backendFor(token);
    }
    if (backendId == null || !members.contains(backendId)) {
      return null;
    }
    return new VerifiedCookie(backendId, value, expiresAt, key);
  }

  /**
   * The cache slot of a value: a hash of its last 8 characters only, which in a genuine cookie are part
   * of the MAC and uniformly random. Forged values may collide on purpose; that only evicts a cache entry
   * and costs a re-validation, because a hit still requires the whole value to match.
   */
  private static int slot(String s, int start, int end) {
    int h = 0x811c9dc5;
    for (int i = Math.max(start, end - 8); i < end; i++) {
      h = (h ^ s.charAt(i)) * 0x01000193;
    }
    return (h ^ (h >>> 16)) & (CACHE_SIZE - 1);
  }

  /** A cookie value known to be authentic, with the backend it names. */
  static final class VerifiedCookie extends Binding {
    final String value;
    final long expiresAt;
    final Key key;

    VerifiedCookie(String backendId, String value, long expiresAt, Key key) {
      super(backendId);
      this.value = value;
      this.expiresAt = expiresAt;
      this.key = key;
    }

    boolean matches(String header, int start, int end) {
      return end - start == value.length() && header.regionMatches(start, value, 0, value.length());
    }
  }
}
