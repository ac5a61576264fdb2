/**
 * lb4j's implementation: schedulers ({@code scheduler}), health checking ({@code health}), session
 * persistence ({@code persistence}), the load balancer facade and a balanced {@code HttpClient}
 * ({@code client}).
 *
 * <p><b>What is API here:</b> {@link io.lb4j.impl.LoadBalancers} (the builders),
 * {@link io.lb4j.impl.TimeSource} and {@link io.lb4j.impl.ManualTimeSource},
 * {@link io.lb4j.impl.scheduler.Schedulers}, {@link io.lb4j.impl.persistence.CookieKeyRing},
 * {@link io.lb4j.impl.health.HealthCheckMetrics} (what {@code LoadBalancers.healthCheckMetrics} returns)
 * and the public types of {@code io.lb4j.impl.client} ({@link io.lb4j.impl.client.BalancedHttpClient}
 * and its {@link io.lb4j.impl.client.RetryPolicy}, {@link io.lb4j.impl.client.ClientSession} and
 * {@link io.lb4j.impl.client.NoBackendException}).
 * Every other public type of {@code io.lb4j.impl.health} and {@code io.lb4j.impl.persistence} is internal:
 * public only so that the pool in this package can use it, and it may change or disappear in any release.
 * Everything else is package-private.
 */
package io.lb4j.impl;
