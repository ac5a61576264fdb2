#!/usr/bin/env bash
# Rebuilds lb-benchmarks and reproduces the scheduler tables of lb-benchmarks/README.md: every lb4j
# scheduler, the AtomicLong baseline and the peers (gRPC-java, Armeria, Dubbo, a locked nginx-style wrr),
# at 1 and 2 threads, with -prof gc, all in one run.
#
# The run is made of ROUNDS rounds; each round measures every implementation once (one short fork each),
# so on a shared, noisy machine every implementation is measured at several moments of the run and the
# median over all rounds compares them fairly. About 10 minutes per round on a loaded 2-core machine.
# Results: lb-benchmarks/target/scheduler-results/{round*.json,table.md}.
#
# Usage: [ROUNDS=3] [BACKENDS=10,1000,10000] lb-benchmarks/run-schedulers.sh [extra JMH options]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${ROUNDS:-3}"
backends="${BACKENDS:-10,1000,10000}"
mvn -B -q -ntp -pl lb-benchmarks -am package -DskipTests
jar=lb-benchmarks/target/benchmarks.jar
out=lb-benchmarks/target/scheduler-results
rm -rf "$out" && mkdir -p "$out"
common=(-f 1 -wi 2 -w 500ms -i 4 -r 500ms -prof gc "$@")
all_types=BASELINE_ATOMIC_ARRAY,LB4J_WRR,LB4J_RR,LB4J_WLC,LB4J_P2C,LB4J_SCH,LB4J_TCH,GRPC_STATIC_STRIDE
all_types+=,DUBBO_ROUND_ROBIN,DUBBO_CONSISTENT_HASH,DUBBO_LEAST_ACTIVE,ARMERIA_WRR,ARMERIA_STICKY,NGINX_SWRR_LOCKED
java -version 2>&1 | head -1 > "$out/jdk.txt"

# JMH refuses to start while another JMH run holds /tmp/jmh.lock (two runs would disturb each other):
# wait for it, up to 30 minutes, instead of failing the whole table.
jmh() {
  local log
  log="$(mktemp)"
  for ((attempt = 0; attempt < 120; attempt++)); do
    if java -jar "$jar" "$@" 2>&1 | tee "$log"; then
      rm -f "$log"
      return 0
    fi
    grep -q 'Unable to acquire the JMH lock' "$log" || { rm -f "$log"; return 1; }
    echo "== another JMH run holds the lock; waiting 15 s"
    sleep 15
  done
  rm -f "$log"
  return 1
}
for ((r = 1; r <= rounds; r++)); do
  for t in 1 2; do
    echo "== round $r of $rounds, $t thread(s), $(date -u +%H:%M:%S) UTC, load $(cut -d' ' -f1-3 /proc/loadavg)"
    jmh SchedulerPickBenchmark "${common[@]}" -t "$t" -p type="$all_types" \
        -p backends="$backends" -rf json -rff "$out/round$r-t$t.json"
    # Typical operator weights (100/50/20/10): lb4j's wrr stays in table mode even at 10,000 backends.
    jmh SchedulerPickBenchmark "${common[@]}" -t "$t" -p type=BASELINE_ATOMIC_ARRAY,LB4J_WRR \
        -p backends=10,10000 -p weights=coarse -rf json -rff "$out/round$r-coarse-t$t.json"
  done
done
python3 lb-benchmarks/summarize-schedulers.py "$out"/round*.json | tee "$out/table.md"
