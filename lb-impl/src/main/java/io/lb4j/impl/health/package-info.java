/**
 * Health checking: {@link io.lb4j.impl.health.HealthChecker} (active TCP/HTTP probes and the
 * threshold state machine), {@link io.lb4j.impl.health.OutlierDetector} (passive ejection from real
 * traffic over resilience4j circuit breakers) and {@link io.lb4j.impl.health.HealthEventHistory} (the
 * bounded, expiring record of transitions). Every other type here is package-private.
 *
 * <p>The load balancer facade combines them: a backend receives new picks only when the checker says
 * HEALTHY and the detector does not eject it; fail-open (panic) mode is decided by the facade.
 */
package io.lb4j.impl.health;
