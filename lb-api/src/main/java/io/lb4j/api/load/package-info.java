/**
 * Load-aware balancing: the {@link io.lb4j.api.load.LoadReport} a backend sends about itself (ORCA's
 * {@code endpoint-load-metrics} response header) and the {@link io.lb4j.api.load.LoadAwarePolicy} that says
 * how a pool turns reports, or the outcomes it observes itself, into weights.
 */
package io.lb4j.api.load;
