package io.lb4j.impl.listener;

import io.lb4j.api.LoadBalancer;
import io.lb4j.api.RequestContext;
import io.lb4j.api.Selection;
import io.lb4j.api.persistence.SessionPersistence;
import io.lb4j.impl.listener.http.RequestHead;
import io.lb4j.impl.listener.http.ResponseHead;

/**
 * Cookie session persistence at Layer 7: the request's cookies go to the pool's {@code select}, the pool's
 * inserted cookie goes on the response ({@code Secure} over HTTPS), and a server cookie the backend sets is
 * reported back. Stateless.
 */
final class SessionCookies {
  private SessionCookies() {}

  /**
   * The context to select with in {@code pool}: {@code clientContext} (built once per connection) unless the
   * pool's cookie persistence needs this request's cookies.
   */
  static RequestContext requestContext(LoadBalancer pool, RequestContext clientContext, RequestHead head) {
    String cookies = pool.settings().sessionPersistence().mode().isCookie() ? head.cookieHeader() : null;
    if (cookies == null) {
      return clientContext;
    }
    return RequestContext.builder().clientAddress(clientContext.clientAddress()).cookieHeader(cookies).build();
  }

  /** The inserted cookie to set on the response, or null; over HTTPS marked {@code Secure}. */
  static String setCookie(Selection selection, boolean https) {
    String cookie = selection.setCookie();
    if (cookie == null || !https) {
      return cookie;
    }
    // Over HTTPS the session cookie must not leak to a plain-HTTP request: mark it Secure.
    return cookie.regionMatches(true, Math.max(0, cookie.length() - 6), "Secure", 0, 6) || cookie.contains("; Secure")
        ? cookie : cookie + "; Secure";
  }

  /** Server-cookie persistence: reports each {@code Set-Cookie} of the response to the pool. */
  static void observe(LoadBalancer pool, Selection selection, ResponseHead head) {
    if (pool.settings().sessionPersistence().mode() != SessionPersistence.Mode.SERVER_COOKIE) {
      return;
    }
    for (int i = 0; i < head.fieldCount(); i++) {
      if (head.fieldNameIs(i, "Set-Cookie")) {
        pool.observeSetCookie(selection, head.fieldValue(i));
      }
    }
  }
}
