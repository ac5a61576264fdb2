package io.lb4j.impl.client;

import static io.lb4j.api.internal.Checks.checkArgument;

import io.lb4j.api.Backend;
import io.lb4j.api.RequestContext;
import io.lb4j.api.Selection;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Function;

/**
 * How a request addressed to the pool ({@code http://<pool>/path}) becomes what the load balancer selects
 * with (a {@link RequestContext}) and what a backend receives (a copy sent to its address). Immutable
 * and thread-safe.
 */
final class PoolRequests {
  private final String pool;
  private final String scheme;
  private final String hostHeader;
  private final Function<HttpRequest, ? extends CharSequence> hashKey;

  PoolRequests(String pool, String scheme, String hostHeader, Function<HttpRequest, ? extends CharSequence> hashKey) {
    this.pool = pool;
    this.scheme = scheme;
    this.hostHeader = hostHeader;
    this.hashKey = hashKey;
  }

  String pool() {
    return pool;
  }

  URI uri(String pathAndQuery) {
    Objects.requireNonNull(pathAndQuery, "pathAndQuery");
    checkArgument(pathAndQuery.startsWith("/"), "pathAndQuery", "an absolute path starting with '/'",
        "'" + pathAndQuery + "'");
    return URI.create(scheme + "://" + pool + pathAndQuery);
  }

  /** Refuses a URI that does not name the pool exactly: another host, a port, user info or a fragment. */
  void checkInPool(URI uri) {
    boolean inPool = scheme.equalsIgnoreCase(uri.getScheme()) && pool.equalsIgnoreCase(uri.getRawAuthority())
        && uri.getRawFragment() == null;
    checkArgument(inPool, "request.uri", "in pool " + scheme + "://" + pool + "/ (no port, user or fragment)", uri);
  }

  /**
   * What the load balancer selects with: the hash key derived from the request, and its {@code Cookie}
   * headers with the session's cookie (which the backend never sees).
   */
  RequestContext contextFor(HttpRequest request, ClientSession session) {
    RequestContext.Builder context = RequestContext.builder();
    if (hashKey != null) {
      CharSequence key = hashKey.apply(request);
      if (key != null) {
        context.hashKey(key);
      }
    }
    List<String> cookies = request.headers().allValues("Cookie");
    String sessionCookie = session == null ? null : session.cookie();
    if (!cookies.isEmpty() || sessionCookie != null) {
      StringBuilder header = new StringBuilder(String.join("; ", cookies));
      if (sessionCookie != null) {
        header.append(header.length() == 0 ? "" : "; ").append(sessionCookie);
      }
      context.cookieHeader(header.toString());
    }
    return context.build();
  }

  /**
   * The copy of {@code request} sent to the selected backend, with the attempt's timeout. Plain HTTP
   * goes to the address the load balancer resolved (no DNS lookup on the request path); HTTPS names the
   * backend's host, which the certificate must match, with the selection's port.
   */
  HttpRequest forBackend(HttpRequest request, Selection selection, Duration timeout) {
    Backend backend = selection.backend();
    InetSocketAddress address = selection.address();
    String host = scheme.equals("http") && !address.isUnresolved() ? address.getAddress().getHostAddress()
        : backend.host();
    URI uri = request.uri();
    String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
    String query = uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery();
    HttpRequest.Builder copy = HttpRequest.newBuilder(request, (name, value) -> true)
        .uri(URI.create(scheme + "://" + (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + address.getPort()
            + path + query))
        .timeout(timeout);
    if (hostHeader != null) {
      copy.setHeader("Host", hostHeader);
    }
    return copy.build();
  }

  /** True when the JDK lets requests set {@code Host}: {@code value} lists {@code host} (comma-separated). */
  static boolean allowsHostHeader(String value) {
    if (value == null) {
      return false;
    }
    for (String name : value.split(",")) {
      if (name.trim().toLowerCase(Locale.ROOT).equals("host")) {
        return true;
      }
    }
    return false;
  }

  @Override
  public String toString() {
    return scheme + "://" + pool + (hostHeader != null ? " host=" + hostHeader : "");
  }
}
