package io.lb4j.impl.client;

import java.net.URI;
import java.util.Objects;

/**
 * The URI an attempt is sent to ({@code http://127.0.0.1:9001/orders?id=42}) for a request URI of the pool
 * ({@code http://web/orders?id=42}) and a backend's origin, remembered for the URIs sent most recently.
 *
 * <p>Why: {@link URI#create} parses the whole string again, into several new objects, for every attempt, and
 * applications send the same few URIs over and over (an API's endpoints, a health or polling URI). A
 * request whose URI is new costs the parse, as before, and one small entry.
 *
 * <p>A direct-mapped table of {@value #SIZE} slots, lock-free: each slot holds an immutable {@link Entry}
 * (final fields, so a thread that reads a slot written by another sees the whole entry or the slot's older
 * value, never a half-built one), and two URIs that share a slot replace each other. A path and query
 * longer than {@value #MAX_REMEMBERED_LENGTH} characters is not remembered (such URIs seldom repeat), so the
 * table holds at most {@value #SIZE} entries of bounded size, whatever the traffic. Thread-safe.
 */
final class BackendUris {
  /** Slots in the table; a power of two. */
  static final int SIZE = 256;
  /** The longest raw path and query remembered, in characters. */
  static final int MAX_REMEMBERED_LENGTH = 1024;

  private final Entry[] slots = new Entry[SIZE];

  /**
   * The URI of {@code origin} ({@code http://127.0.0.1:9001}) followed by {@code requestUri}'s raw path
   * ({@code /} when it has none) and query.
   */
  URI resolve(URI requestUri, String origin) {
    String path = requestUri.getRawPath();
    String query = requestUri.getRawQuery();
    // String hashes are cached in the strings, and these are the URI's and the origin cache's own strings.
    int hash = (Objects.hashCode(path) * 31 + Objects.hashCode(query)) * 31 + origin.hashCode();
    int slot = (hash ^ (hash >>> 16)) & (SIZE - 1);
    Entry e = slots[slot]; // a plain read: see the class comment
    if (e != null && e.matches(path, query, origin)) {
      return e.backendUri;
    }
    String absolutePath = path == null || path.isEmpty() ? "/" : path;
    URI backendUri = URI.create(query == null ? origin + absolutePath : origin + absolutePath + "?" + query);
    if (absolutePath.length() + (query == null ? 0 : query.length()) <= MAX_REMEMBERED_LENGTH) {
      slots[slot] = new Entry(path, query, origin, backendUri);
    }
    return backendUri;
  }

  /** One remembered URI: the backend URI of a raw path and query at an origin. */
  private static final class Entry {
    final String path;
    final String query;
    final String origin;
    final URI backendUri;

    Entry(String path, String query, String origin, URI backendUri) {
      this.path = path;
      this.query = query;
      this.origin = origin;
      this.backendUri = backendUri;
    }

    /**
     * Compared exactly, as the backend URI is made of them (not as {@code URI.equals} compares, which
     * ignores the case of escaped octets' hex digits).
     */
    boolean matches(String otherPath, String otherQuery, String otherOrigin) {
      return Objects.equals(path, otherPath) && Objects.equals(query, otherQuery) && origin.equals(otherOrigin);
    }
  }
}
