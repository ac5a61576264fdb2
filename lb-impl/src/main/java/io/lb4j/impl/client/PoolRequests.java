package io.lb4j.impl.client;

import static io.lb4j.api.internal.Checks.checkArgument;

import io.lb4j.api.LoadBalancer;
import io.lb4j.api.RequestContext;
import io.lb4j.api.Selection;
import io.lb4j.api.load.LoadReport;
import io.lb4j.api.persistence.SessionPersistence;
import io.lb4j.impl.load.MalformedLoadReportException;
import io.lb4j.impl.load.OrcaLoadReportParser;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * How a request addressed to the pool ({@code http://<pool>/path}) becomes what the load balancer selects
 * with (a {@link RequestContext}) and what a backend receives (the request sent to its address). Thread-safe;
 * its settings are immutable.
 *
 * <p>The request path does only what the pool's persistence needs: without cookie persistence no
 * {@code Cookie} header is read and the context is the shared {@link RequestContext#EMPTY} (unless a hash
 * key is derived), and {@code Set-Cookie} headers are read only for server-cookie persistence. The
 * {@code http://address:port} origin of each backend address is built once and kept, the backend URIs of
 * recent request URIs too ({@link BackendUris}), and what a backend receives is a view of the caller's
 * request ({@link BackendRequest}), not a copy. A response's load report ({@value LoadReport#HEADER}) is
 * read only when the pool's weights follow backend reports.
 */
final class PoolRequests {
  /** Past this many backend addresses the origin cache starts over, so a churning pool cannot grow it without end. */
  static final int MAX_ORIGINS = 4096;

  private final String pool;
  private final String scheme;
  private final String hostHeader;
  private final Function<HttpRequest, ? extends CharSequence> hashKey;
  private final boolean readsCookies;
  private final boolean observesSetCookies;
  /** Parses load reports when the pool uses them; null otherwise. */
  private final OrcaLoadReportParser loadReports;
  /** {@code http://127.0.0.1:8080} by backend address, plain HTTP only (HTTPS names the backend's host). */
  private final ConcurrentHashMap<InetSocketAddress, String> origins = new ConcurrentHashMap<>();
  /** The backend URIs of the request URIs sent lately. */
  private final BackendUris backendUris = new BackendUris();

  /**
   * @param persistence the pool's session persistence, or null when it cannot be known (a load balancer
   *     not built by {@code LoadBalancers}): then cookies are read and observed as if it used them
   * @param loadReports whether the pool's weights follow backend load reports
   */
  PoolRequests(String pool, String scheme, String hostHeader, Function<HttpRequest, ? extends CharSequence> hashKey,
      SessionPersistence.Mode persistence, boolean loadReports) {
    this.pool = pool;
    this.scheme = scheme;
    this.hostHeader = hostHeader;
    this.hashKey = hashKey;
    this.readsCookies = persistence == null || persistence.isCookie();
    this.observesSetCookies = persistence == null || persistence == SessionPersistence.Mode.SERVER_COOKIE;
    this.loadReports = loadReports ? OrcaLoadReportParser.strict() : null;
  }

  /**
   * Hands the load report in a response's headers to the pool, when the pool uses reports; a malformed one
   * (or one sent twice) is counted against its backend instead.
   */
  void readLoadReport(LoadBalancer lb, Selection selection, HttpHeaders headers) {
    if (loadReports == null) {
      return;
    }
    LoadReport report;
    try {
      report = loadReports.parseFieldValues(headers.allValues(LoadReport.HEADER));
    } catch (MalformedLoadReportException e) {
      lb.reportMalformedLoad(selection, e.getMessage());
      return;
    }
    if (report != null) {
      lb.reportLoad(selection, report);
    }
  }

  /** Whether responses' {@code Set-Cookie} headers are shown to the load balancer (server-cookie persistence). */
  boolean observesSetCookies() {
    return observesSetCookies;
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
    if (!inPool) { // the message is built only for a request it refuses: this runs for every request
      checkArgument(false, "request.uri", "in pool " + scheme + "://" + pool + "/ (no port, user or fragment)", uri);
    }
  }

  /**
   * What the load balancer selects with: the hash key derived from the request, and its {@code Cookie}
   * headers with the session's cookie (which the backend never sees).
   */
  RequestContext contextFor(HttpRequest request, ClientSession session) {
    if (hashKey == null && !readsCookies) {
      return RequestContext.EMPTY; // nothing the pool selects with: no allocation
    }
    RequestContext.Builder context = RequestContext.builder();
    if (hashKey != null) {
      CharSequence key = hashKey.apply(request);
      if (key != null) {
        context.hashKey(key);
      }
    }
    if (!readsCookies) {
      return context.build();
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
   * What is sent to the selected backend: {@code request} at the backend's address, with the attempt's
   * timeout (and the configured {@code Host} header, if any). Plain HTTP
   * goes to the address the load balancer resolved (no DNS lookup on the request path); HTTPS names the
   * backend's host, which the certificate must match, with the selection's port.
   */
  HttpRequest forBackend(HttpRequest request, Selection selection, Optional<Duration> timeout) {
    return new BackendRequest(request, backendUris.resolve(request.uri(), origin(selection)), timeout, hostHeader);
  }

  /** {@code http://127.0.0.1:8080}: where the selected backend is reached. */
  private String origin(Selection selection) {
    InetSocketAddress address = selection.address();
    if (scheme.equals("http") && !address.isUnresolved()) {
      String origin = origins.get(address);
      if (origin == null) {
        if (origins.size() >= MAX_ORIGINS) {
          origins.clear();
        }
        origin = origin(address.getAddress().getHostAddress(), address.getPort());
        origins.put(address, origin);
      }
      return origin;
    }
    return origin(selection.backend().host(), address.getPort());
  }

  private String origin(String host, int port) {
    return scheme + "://" + (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
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
