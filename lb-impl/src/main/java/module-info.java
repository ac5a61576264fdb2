/**
 * lb4j's implementation: the pool and its builders, schedulers, the listeners that carry traffic, the
 * balanced HTTP client, diagnostics and backend sources.
 *
 * <p>Exported, and API: {@code io.lb4j.impl} (the builders {@code LoadBalancers}, {@code TimeSource},
 * {@code ManualTimeSource}, {@code CookieKeyRing}, {@code HealthCheckMetrics}), {@code io.lb4j.impl.scheduler},
 * {@code io.lb4j.impl.listener}, {@code io.lb4j.impl.client}, {@code io.lb4j.impl.diagnostics} and
 * {@code io.lb4j.impl.discovery}. Not exported, and free to change in any release: the pool's internals
 * ({@code io.lb4j.impl.pool}), health checking ({@code io.lb4j.impl.health}), session persistence
 * ({@code io.lb4j.impl.persistence}), load-aware weights ({@code io.lb4j.impl.load}), server groups as pools
 * ({@code io.lb4j.impl.groups}), the HTTP/1.1 codec ({@code io.lb4j.impl.listener.http}) and the HTTP/2 protocol
 * core ({@code io.lb4j.impl.listener.http2}; its limits are configured with the exported
 * {@code io.lb4j.impl.listener.Http2Limits}).
 */
// "requires-automatic": resilience4j ships no module descriptor, only an Automatic-Module-Name.
@SuppressWarnings("requires-automatic")
module io.lb4j.impl {
  requires transitive io.lb4j.api;
  // In the API: ListenerServer.Builder takes an access-log Logger; BalancedHttpClient is an HttpClient.
  requires transitive org.slf4j;
  requires transitive java.net.http;
  requires com.github.benmanes.caffeine;
  requires io.github.resilience4j.circuitbreaker;
  requires io.github.resilience4j.core;

  exports io.lb4j.impl;
  exports io.lb4j.impl.scheduler;
  exports io.lb4j.impl.listener;
  exports io.lb4j.impl.client;
  exports io.lb4j.impl.diagnostics;
  exports io.lb4j.impl.discovery;
  exports io.lb4j.impl.routing;
}
