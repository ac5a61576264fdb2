package io.lb4j.impl.listener;

import io.lb4j.api.LoadBalancer;
import io.lb4j.api.Selection;
import io.lb4j.api.persistence.SessionPersistence;
import io.lb4j.impl.listener.http2.Http2Headers;

/**
 * What an h2c backend gets of a client's HTTP/2 request, and the client of the backend's response head. The
 * request headers, as the HTTP/1.1 rewriter does for
 * HTTP/1.1: every field as it came (pseudo-header fields first, {@code te: trailers} kept, as gRPC needs),
 * except {@code X-Forwarded-Proto}, {@code X-Forwarded-Port}, {@code X-Real-IP} and {@code grpc-timeout},
 * which the listener sets itself, and names containing {@code _} unless the listener allows them; then
 * {@code x-forwarded-for} (the client's earlier values, then its address), {@code x-forwarded-proto},
 * {@code x-forwarded-port}, {@code x-real-ip} and {@code via: 2 <id>}. A request whose {@code via} already
 * names this listener is a loop (508). Stateless.
 */
final class Http2Forwarding {
  /** {@link #forward}: the request may go on. */
  static final int FORWARD = 0;
  /** {@link #forward}: a {@code via} names this listener: the request came back through a backend (508). */
  static final int LOOP = 1;

  private Http2Forwarding() {}

  /**
   * Fills {@code to} (cleared first) with what the backend gets of {@code from}; the {@code cookie} crumbs go
   * to {@code cookies} joined with "; " when it is not null (cookie persistence selects by them).
   *
   * @return {@link #FORWARD}, or {@link #LOOP} (then {@code to} is incomplete)
   */
  static int forward(Http2Headers from, Http2Headers to, HttpContext http, String clientIp, StringBuilder cookies) {
    to.clear();
    StringBuilder forwardedFor = null;
    boolean underscores = http.proxy.listener.underscoresInHeaders();
    byte[] b = from.bytes();
    for (int i = 0; i < from.size(); i++) {
      if (from.nameIs(i, "via")
          && http.rewriter.viaNamesThisListener(b, from.valueOffset(i), from.valueOffset(i) + from.valueLength(i))) {
        return LOOP;
      }
      if (from.nameIs(i, "x-forwarded-for")) {
        forwardedFor = (forwardedFor == null ? new StringBuilder() : forwardedFor.append(", ")).append(from.value(i));
        continue;
      }
      if (from.nameIs(i, "x-forwarded-proto") || from.nameIs(i, "x-forwarded-port") || from.nameIs(i, "x-real-ip")
          || from.nameIs(i, "grpc-timeout") || (!underscores && hasUnderscore(from, i))) {
        continue;
      }
      if (cookies != null && from.nameIs(i, "cookie")) {
        (cookies.length() == 0 ? cookies : cookies.append("; ")).append(from.value(i));
      }
      to.add(from, i);
    }
    to.add("x-forwarded-for", forwardedFor == null ? clientIp : forwardedFor.append(", ").append(clientIp));
    to.add("x-forwarded-proto", http.https() ? "https" : "http");
    to.add("x-forwarded-port", http.listenerPort);
    to.add("x-real-ip", clientIp);
    to.add("via", http.via2);
    return FORWARD;
  }

  /**
   * Fills {@code to} (cleared first) with what the client gets of a backend's final response head: its fields
   * as they came, {@code via: 2 <id>}, and the session cookie {@code pool} inserts for {@code selection}
   * ({@code Secure} over TLS); with server-cookie persistence, each {@code set-cookie} is reported to the pool.
   */
  static void response(Http2Headers from, Http2Headers to, HttpContext http, LoadBalancer pool,
      Selection selection) {
    boolean serverCookie = http.proxy.listener.sessionPersistence().mode() == SessionPersistence.Mode.SERVER_COOKIE;
    to.clear();
    for (int i = 0; i < from.size(); i++) {
      to.add(from, i);
      if (serverCookie && from.nameIs(i, "set-cookie")) {
        pool.observeSetCookie(selection, from.value(i));
      }
    }
    to.add("via", http.via2);
    String cookie = SessionCookies.setCookie(selection, http.https());
    if (cookie != null) {
      to.add("set-cookie", cookie);
    }
  }

  /** True for a method a client may send twice with the effect of once (RFC 9110 section 9.2.2). */
  static boolean idempotent(Http2Headers request) {
    int m = request.indexOf(":method");
    return m >= 0 && (request.valueIs(m, "GET") || request.valueIs(m, "HEAD") || request.valueIs(m, "OPTIONS")
        || request.valueIs(m, "TRACE") || request.valueIs(m, "PUT") || request.valueIs(m, "DELETE"));
  }

  /** The {@code :status} of a response the connection checked (three digits). */
  static int status(Http2Headers response) {
    int i = response.indexOf(":status");
    byte[] b = response.bytes();
    int v = response.valueOffset(i);
    return (b[v] - '0') * 100 + (b[v + 1] - '0') * 10 + (b[v + 2] - '0');
  }

  private static boolean hasUnderscore(Http2Headers h, int i) {
    byte[] b = h.bytes();
    for (int k = h.nameOffset(i), end = k + h.nameLength(i); k < end; k++) {
      if (b[k] == '_') {
        return true;
      }
    }
    return false;
  }
}
