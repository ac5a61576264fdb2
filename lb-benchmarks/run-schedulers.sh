#!/usr/bin/env bash
# Rebuilds lb-benchmarks and reproduces the scheduler table of lb-benchmarks/README.md:
# every lb4j scheduler, the AtomicLong baseline and the peers, at 1 and 2 threads, 10 to 10,000 backends,
# with -prof gc. About 20 minutes. Results: lb-benchmarks/target/scheduler-results/{*.json,table.md}.
# Usage: lb-benchmarks/run-schedulers.sh [extra JMH options, e.g. -wi 1 -i 2 for a quick look]
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q -ntp -pl lb-benchmarks -am package -DskipTests
jar=lb-benchmarks/target/benchmarks.jar
out=lb-benchmarks/target/scheduler-results
rm -rf "$out" && mkdir -p "$out"
common=(-f 1 -wi 3 -w 1s -i 5 -r 1s -prof gc "$@")
rr_types=BASELINE_ATOMIC_ARRAY,LB4J_WRR,LB4J_RR,GRPC_STATIC_STRIDE,DUBBO_ROUND_ROBIN,ARMERIA_WRR,NGINX_SWRR_LOCKED
other_types=LB4J_WLC,LB4J_P2C,DUBBO_LEAST_ACTIVE,LB4J_SCH,LB4J_TCH,DUBBO_CONSISTENT_HASH,ARMERIA_STICKY
for t in 1 2; do
  java -jar "$jar" SchedulerPickBenchmark "${common[@]}" -t "$t" -p type="$rr_types" \
      -p backends=10,100,1000,10000 -rf json -rff "$out/round-robin-t$t.json"
  java -jar "$jar" SchedulerPickBenchmark "${common[@]}" -t "$t" -p type="$other_types" \
      -p backends=10,100,1000,10000 -rf json -rff "$out/others-t$t.json"
  # Typical operator weights (100/50/20/10): lb4j's wrr stays in table mode even at 10,000 backends.
  java -jar "$jar" SchedulerPickBenchmark "${common[@]}" -t "$t" -p type=BASELINE_ATOMIC_ARRAY,LB4J_WRR \
      -p backends=10,10000 -p weights=coarse -rf json -rff "$out/coarse-t$t.json"
done
# The headline ratios again, as 3 short forks each: on a shared, noisy machine the median over forks
# is steadier than one long fork.
for t in 1 2; do
  java -jar "$jar" SchedulerPickBenchmark -f 3 -wi 2 -w 500ms -i 4 -r 500ms "$@" -t "$t" \
      -p type=BASELINE_ATOMIC_ARRAY,LB4J_WRR,LB4J_RR,LB4J_TCH,ARMERIA_STICKY -p backends=10,10000 \
      -rf json -rff "$out/forks-t$t.json"
done
python3 lb-benchmarks/summarize-schedulers.py "$out"/round-robin-*.json "$out"/others-*.json "$out"/coarse-*.json \
    | tee "$out/table.md"
python3 lb-benchmarks/summarize-schedulers.py "$out"/forks-*.json | tee "$out/table-forks.md"
