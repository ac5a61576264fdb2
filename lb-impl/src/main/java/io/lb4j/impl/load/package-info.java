/**
 * Load-aware weights: the parser of ORCA's {@code endpoint-load-metrics} header
 * ({@link io.lb4j.impl.load.OrcaLoadReportParser}), gRPC's weighted_round_robin weight calculator
 * ({@link io.lb4j.impl.load.ReportedLoadWeights}), Finagle's peak-EWMA latency estimator
 * ({@link io.lb4j.impl.load.ObservedLatencyWeights}) and the bounds and scaling they share
 * ({@link io.lb4j.impl.load.LoadWeights}).
 *
 * <p><b>Internal</b>: not exported from the {@code io.lb4j.impl} module; public so that the pool, the
 * listener and the balanced client (in other packages of the module) can use these types. Users turn the
 * feature on with {@link io.lb4j.api.load.LoadAwarePolicy}. Everything here may change in any release.
 *
 * <p>The calculators are pure state machines: single-threaded, no clock of their own (every method takes
 * the current time in nanoseconds, from the pool's time source), no threads, no locks. They belong to one
 * serial context (the pool's control path); reports and outcomes from other threads are handed to it.
 */
package io.lb4j.impl.load;
