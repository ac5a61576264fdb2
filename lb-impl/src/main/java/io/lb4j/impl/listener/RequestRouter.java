package io.lb4j.impl.listener;

import io.lb4j.impl.listener.http.ByteChars;
import io.lb4j.impl.listener.http.RequestHead;
import io.lb4j.impl.routing.Route;

/**
 * One Layer-7 connection's router: picks each request's server group with the listener's current
 * {@link Routes}, right after the head is parsed and before a backend is selected. With forwarding rules, the
 * request's host ({@code Host}, or an absolute-form target's authority) and its normalized path are matched;
 * a path that cannot be normalized is a 400 ({@link FailureCause#BAD_PATH}), a missing or invalid host a 400
 * ({@link FailureCause#BAD_HOST}), no match without a default group a 404 ({@link FailureCause#NO_ROUTE});
 * each decision is counted. The normalized path is what goes to the backend ({@link #forwardPath()}), so the
 * backend sees exactly the path the rule matched. Without rules, every request goes to the default group and
 * its target is forwarded as received.
 *
 * <p>Allocation-free per request: the host and target are views of the head's bytes, and the normalized path
 * is written into one builder per connection (grown to the longest path, then reused). Loop thread only.
 */
final class RequestRouter {
  private static final String ROOT = "/";

  private final ByteChars host = new ByteChars();
  private final ByteChars target = new ByteChars();
  private final StringBuilder path = new StringBuilder(64);
  private CharSequence forwardPath;
  private Route refused;

  /**
   * The group for {@code head} by {@code routes}, or null when the request is refused ({@link #refusal()},
   * {@link #reason()}).
   */
  GroupPool route(Routes routes, RequestHead head) {
    forwardPath = null;
    refused = null;
    if (routes.table == null) {
      return routes.fallback;
    }
    boolean hasHost = head.routingHost(host);
    Route r;
    if (head.isAsteriskForm()) {
      // OPTIONS * names no path: routed by host as "/", and forwarded as "*".
      r = hasHost ? routes.table.match(host, ROOT) : routes.table.matchWithoutHost(ROOT);
    } else {
      head.routingTarget(target);
      r = routes.table.route(hasHost ? host : null, target, routes.normalizer, path);
      if (!hasHost && r == Route.BAD_HOST && !head.isHttp11()) {
        r = routes.table.matchWithoutHost(path); // HTTP/1.0 may omit Host: rules for any host still apply
      }
      forwardPath = path;
    }
    routes.count(r);
    if (!r.matched()) {
      refused = r;
      forwardPath = null;
      return null;
    }
    return routes.group(r);
  }

  /** The path to forward instead of the target's (the normalized one), or null to forward it as received. */
  CharSequence forwardPath() {
    return forwardPath;
  }

  /** Why the last request was refused. */
  FailureCause refusal() {
    if (refused.status() == 404) {
      return FailureCause.NO_ROUTE;
    }
    return refused == Route.BAD_HOST ? FailureCause.BAD_HOST : FailureCause.BAD_PATH;
  }

  /** The refusal's reason, for the answer's body and the log. */
  String reason() {
    return refused.reason();
  }
}
