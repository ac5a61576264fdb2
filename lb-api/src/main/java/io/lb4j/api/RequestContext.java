package io.lb4j.api;

import java.net.InetAddress;
import java.util.Objects;

/**
 * What one request or connection tells the balancer: the client's address (for source-IP hash and
 * source-IP persistence), a caller-supplied hash key (for consistent hash) and the raw {@code Cookie}
 * header (for cookie persistence).
 *
 * <p>Hashes are computed once when the context is built, with a fixed function that does not depend on
 * the JVM, so every instance of a fleet of gateways maps a key to the same backend and a pick hashes
 * nothing. Immutable and thread-safe.
 *
 * @since 0.1.0
 */
public final class RequestContext {

  /** A context that carries nothing: enough for round robin, least connections and p2c. */
  public static final RequestContext EMPTY = new Builder().build();

  private final InetAddress clientAddress;
  private final long clientAddressHash;
  private final boolean hasHashKey;
  private final long hashKey;
  private final String cookieHeader;

  private RequestContext(Builder b) {
    this.clientAddress = b.clientAddress;
    this.clientAddressHash = b.clientAddress == null ? 0 : hash(b.clientAddress.getAddress());
    this.hasHashKey = b.hasHashKey;
    this.hashKey = b.hashKey;
    this.cookieHeader = b.cookieHeader;
  }

  /** A new builder. */
  public static Builder builder() {
    return new Builder();
  }

  /** A context carrying only the client's address. */
  public static RequestContext ofClient(InetAddress clientAddress) {
    return builder().clientAddress(clientAddress).build();
  }

  /** A context carrying only a hash key. */
  public static RequestContext ofKey(long hashKey) {
    return builder().hashKey(hashKey).build();
  }

  /** A context carrying only a hash key derived from {@code key} with {@link #hash(CharSequence)}. */
  public static RequestContext ofKey(CharSequence key) {
    return builder().hashKey(key).build();
  }

  /** The client's address, or null when unknown. */
  public InetAddress clientAddress() {
    return clientAddress;
  }

  /** A stable 64-bit hash of the client address's bytes; meaningful only when an address is set. */
  public long clientAddressHash() {
    return clientAddressHash;
  }

  /** True when a hash key was set. */
  public boolean hasHashKey() {
    return hasHashKey;
  }

  /** The hash key; meaningful only when {@link #hasHashKey()} is true. */
  public long hashKey() {
    return hashKey;
  }

  /** The raw value of the request's {@code Cookie} header, or null. */
  public String cookieHeader() {
    return cookieHeader;
  }

  /**
   * A stable, well-mixed 64-bit hash of a character sequence (FNV-1a over the UTF-16 code units,
   * finished with a 64-bit avalanche mix). The same input gives the same hash in every JVM and release.
   */
  public static long hash(CharSequence key) {
    Objects.requireNonNull(key, "key");
    long h = 0xcbf29ce484222325L;
    for (int i = 0; i < key.length(); i++) {
      h = (h ^ key.charAt(i)) * 0x100000001b3L;
    }
    return mix64(h);
  }

  /** A stable, well-mixed 64-bit hash of a byte array (FNV-1a, then a 64-bit avalanche mix). */
  public static long hash(byte[] key) {
    Objects.requireNonNull(key, "key");
    long h = 0xcbf29ce484222325L;
    for (byte b : key) {
      h = (h ^ (b & 0xff)) * 0x100000001b3L;
    }
    return mix64(h);
  }

  /** The finalizer of MurmurHash3 (fmix64): every input bit affects every output bit. */
  public static long mix64(long z) {
    z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
    z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
    return z ^ (z >>> 33);
  }

  @Override
  public String toString() {
    return "RequestContext{"
        + (clientAddress != null ? "client=" + clientAddress.getHostAddress() : "")
        + (hasHashKey ? " key=" + Long.toHexString(hashKey) : "")
        + (cookieHeader != null ? " cookie" : "") + "}";
  }

  /** Builds a {@link RequestContext}. Not thread-safe. */
  public static final class Builder {
    private InetAddress clientAddress;
    private boolean hasHashKey;
    private long hashKey;
    private String cookieHeader;

    private Builder() {}

    /** The client's address. */
    public Builder clientAddress(InetAddress clientAddress) {
      this.clientAddress = Objects.requireNonNull(clientAddress, "clientAddress");
      return this;
    }

    /** A hash key given as a number (for example an already-hashed four-tuple). */
    public Builder hashKey(long hashKey) {
      this.hashKey = hashKey;
      this.hasHashKey = true;
      return this;
    }

    /** A hash key derived from text (a user id, a QUIC connection id in hex) with {@link #hash(CharSequence)}. */
    public Builder hashKey(CharSequence key) {
      return hashKey(hash(key));
    }

    /** A hash key derived from bytes with {@link #hash(byte[])}. */
    public Builder hashKey(byte[] key) {
      return hashKey(hash(key));
    }

    /** The raw {@code Cookie} header value of the request. */
    public Builder cookieHeader(String cookieHeader) {
      this.cookieHeader = Objects.requireNonNull(cookieHeader, "cookieHeader");
      return this;
    }

    /** Builds the context. */
    public RequestContext build() {
      return new RequestContext(this);
    }
  }
}
