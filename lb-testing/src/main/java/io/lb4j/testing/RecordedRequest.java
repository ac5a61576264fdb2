package io.lb4j.testing;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * An HTTP request an {@link HttpTestBackend} received: method, target, headers (names case-insensitive, every
 * value kept in order), body, client address and arrival time.
 *
 * <p>Immutable and thread-safe.
 *
 * @since 0.1.0
 */
public final class RecordedRequest implements Recorded {

  private final String method;
  private final String target;
  private final String version;
  private final Map<String, List<String>> headers;
  private final byte[] body;
  private final InetSocketAddress remote;
  private final long arrivedNanos;

  RecordedRequest(String method, String target, String version, Map<String, List<String>> headers, byte[] body,
      InetSocketAddress remote, long arrivedNanos) {
    this.method = Objects.requireNonNull(method, "method");
    this.target = Objects.requireNonNull(target, "target");
    this.version = Objects.requireNonNull(version, "version");
    Map<String, List<String>> copy = new LinkedHashMap<>();
    headers.forEach((k, v) -> copy.put(k.toLowerCase(Locale.ROOT), List.copyOf(v)));
    this.headers = Collections.unmodifiableMap(copy);
    this.body = body.clone();
    this.remote = Objects.requireNonNull(remote, "remote");
    this.arrivedNanos = arrivedNanos;
  }

  /**
   * The method, such as {@code GET}.
   *
   * @return the request method
   */
  public String method() {
    return method;
  }

  /**
   * The request target as sent, such as {@code /orders?id=7}.
   *
   * @return the request target
   */
  public String target() {
    return target;
  }

  /**
   * The target's path, without the query.
   *
   * @return the path
   */
  public String path() {
    int q = target.indexOf('?');
    return q < 0 ? target : target.substring(0, q);
  }

  /**
   * The protocol version, {@code HTTP/1.1} or {@code HTTP/1.0}.
   *
   * @return the version
   */
  public String version() {
    return version;
  }

  /**
   * Every header, names in lower case, values in the order received.
   *
   * @return an unmodifiable map
   */
  public Map<String, List<String>> headers() {
    return headers;
  }

  /**
   * The first value of a header.
   *
   * @param name the header name, in any case
   * @return the value, or null if absent
   */
  public String header(String name) {
    List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
    return values == null ? null : values.get(0);
  }

  /**
   * Every value of a header, such as each {@code Via} hop.
   *
   * @param name the header name, in any case
   * @return the values, empty if absent
   */
  public List<String> headers(String name) {
    return headers.getOrDefault(name.toLowerCase(Locale.ROOT), List.of());
  }

  /**
   * The cookies of the {@code Cookie} headers, by name (the first value wins for a repeated name).
   *
   * @return an unmodifiable map of cookie name to value
   */
  public Map<String, String> cookies() {
    Map<String, String> out = new LinkedHashMap<>();
    for (String line : headers("cookie")) {
      for (String pair : line.split(";")) {
        int eq = pair.indexOf('=');
        if (eq > 0) {
          out.putIfAbsent(pair.substring(0, eq).trim(), pair.substring(eq + 1).trim());
        }
      }
    }
    return Collections.unmodifiableMap(out);
  }

  /**
   * The body bytes.
   *
   * @return a copy of the body
   */
  public byte[] body() {
    return body.clone();
  }

  /**
   * The body as UTF-8 text.
   *
   * @return the body
   */
  public String bodyText() {
    return new String(body, StandardCharsets.UTF_8);
  }

  /**
   * The client's address and port (for a proxy under test: the proxy's).
   *
   * @return the remote socket address
   */
  public InetSocketAddress remote() {
    return remote;
  }

  @Override
  public long arrivedNanos() {
    return arrivedNanos;
  }

  /**
   * Collects the values of repeated headers.
   *
   * @param headers the map to add to
   * @param name the header name
   * @param value its value
   */
  static void addHeader(Map<String, List<String>> headers, String name, String value) {
    headers.computeIfAbsent(name.toLowerCase(Locale.ROOT), k -> new ArrayList<>()).add(value);
  }

  @Override
  public String toString() {
    return method + " " + target;
  }
}
