/**
 * Diagnostics: a running pool, its listeners and its host examine themselves and say which causes of a
 * cloud balancer's troubleshooting guide apply (access failures, 502/504, health-check failures,
 * stress-test surprises, excessive health-check logs), each with evidence and a fix.
 *
 * <p>Entry points: {@link io.lb4j.impl.diagnostics.Diagnostics} (one examination, a
 * {@link io.lb4j.impl.diagnostics.Report} rendered as text or JSON) and
 * {@link io.lb4j.impl.diagnostics.PeriodicCheck} (logs a finding when it appears and when it clears).
 * Listener counters come in through {@link io.lb4j.impl.diagnostics.ListenerSnapshot}, a
 * {@code BalancedHttpClient}'s through its {@code ClientMetrics}. Every other type here is package-private.
 */
package io.lb4j.impl.diagnostics;
