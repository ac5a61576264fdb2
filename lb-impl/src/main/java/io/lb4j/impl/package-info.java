/**
 * lb4j's implementation, the entry points users call: {@link io.lb4j.impl.LoadBalancers} (the builders of
 * a pool, with a listener or client-side), {@link io.lb4j.impl.TimeSource} and
 * {@link io.lb4j.impl.ManualTimeSource} (the one source of time of a pool), {@link io.lb4j.impl.CookieKeyRing}
 * (the keys a fleet shares for inserted cookies) and {@link io.lb4j.impl.HealthCheckMetrics} (what
 * {@code LoadBalancers.healthCheckMetrics} returns).
 *
 * <p>The other exported packages: {@code io.lb4j.impl.scheduler} (the schedulers),
 * {@code io.lb4j.impl.listener} (the listeners that carry traffic), {@code io.lb4j.impl.client} (a balanced
 * {@code HttpClient}), {@code io.lb4j.impl.diagnostics} and {@code io.lb4j.impl.discovery} (backend sources).
 * The pool's internals ({@code io.lb4j.impl.pool}: its control context, snapshot, members and request
 * path), health checking, session persistence and the HTTP/1.1 codec are not exported.
 */
package io.lb4j.impl;
