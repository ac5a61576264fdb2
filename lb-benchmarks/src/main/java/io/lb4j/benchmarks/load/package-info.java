/**
 * Load-aware weights beside gRPC-java's weighted_round_robin: the cost of a report and of a period's update
 * ({@link io.lb4j.benchmarks.load.LoadWeightsBenchmark}), the cost of parsing ORCA's text header
 * ({@link io.lb4j.benchmarks.load.OrcaParseBenchmark}), and how many periods the weights take to converge in
 * a closed-loop simulation ({@link io.lb4j.benchmarks.load.LoadAwareConvergence}); on the request path, what a
 * pick, a select and a report cost with load-aware weights ({@link io.lb4j.benchmarks.load.LoadAwareSelectBenchmark});
 * and the fleet itself, real backends of the test kit with one three times as expensive per request, under a
 * fixed offered load, load-aware against static wrr and p2c ({@link io.lb4j.benchmarks.load.LoadAwareFleet}).
 */
package io.lb4j.benchmarks.load;
