/**
 * Health checking: {@link io.lb4j.impl.health.HealthChecker} (active TCP/HTTP probes and the threshold
 * state machine, every checker of the process on one shared probe loop), {@link io.lb4j.impl.health.OutlierDetector}
 * (passive ejection from real traffic over resilience4j circuit breakers) and
 * {@link io.lb4j.impl.health.HealthEventHistory} (the bounded, expiring record of transitions).
 *
 * <p><b>Internal:</b> not exported by the {@code io.lb4j.impl} module. Users get health checking through
 * {@code io.lb4j.impl.LoadBalancers} and its metrics through {@code io.lb4j.impl.HealthCheckMetrics}; the
 * types here may change or disappear in any release.
 *
 * <p>The pool combines them: a backend receives new picks only when the checker says HEALTHY and the
 * detector does not eject it; fail-open (panic) mode is decided by the pool.
 */
package io.lb4j.impl.health;
