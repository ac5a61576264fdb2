/**
 * Health checking: {@link io.lb4j.impl.health.HealthChecker} (active TCP/HTTP probes and the
 * threshold state machine), {@link io.lb4j.impl.health.OutlierDetector} (passive ejection from real
 * traffic over resilience4j circuit breakers) and {@link io.lb4j.impl.health.HealthEventHistory} (the
 * bounded, expiring record of transitions). Every other type here is package-private.
 *
 * <p><b>Internal:</b> these classes are public only so that the load balancer in {@code io.lb4j.impl}
 * can use them; they may change or disappear in any release. Users get health checking through
 * {@code io.lb4j.impl.LoadBalancers}. {@link io.lb4j.impl.health.HealthCheckMetrics} is the exception:
 * it is API, returned by {@code LoadBalancers.healthCheckMetrics}.
 *
 * <p>The load balancer facade combines them: a backend receives new picks only when the checker says
 * HEALTHY and the detector does not eject it; fail-open (panic) mode is decided by the facade.
 */
package io.lb4j.impl.health;
