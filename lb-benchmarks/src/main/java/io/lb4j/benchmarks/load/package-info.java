/**
 * Load-aware weights beside gRPC-java's weighted_round_robin: the cost of a report and of a period's update
 * ({@link io.lb4j.benchmarks.load.LoadWeightsBenchmark}), the cost of parsing ORCA's text header
 * ({@link io.lb4j.benchmarks.load.OrcaParseBenchmark}), and how many periods the weights take to converge in
 * a closed-loop simulation ({@link io.lb4j.benchmarks.load.LoadAwareConvergence}).
 */
package io.lb4j.benchmarks.load;
