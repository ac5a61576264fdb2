#!/usr/bin/env python3
"""Turns JMH JSON results of SchedulerPickBenchmark into the README's markdown tables.

Several files may hold the same case (the rounds of run-schedulers.sh): a case's score is the median of
all its measurement iterations over all rounds (not JMH's mean), its spread the lowest and highest
per-round median. Allocation from -prof gc; ratios against the baseline and the best peer.
Usage: summarize-schedulers.py results/*.json
"""
import json
import statistics
import sys

raw_by_case = {}  # (type, backends, weights, threads) -> every iteration's ops/us
round_medians = {}  # same key -> one median per file (round)
allocs = {}  # same key -> bytes/op per file
for path in sys.argv[1:]:
    with open(path) as f:
        for r in json.load(f):
            p = r["params"]
            key = (p["type"], int(p["backends"]), p.get("weights", "random"), r["threads"])
            raw = [x for fork in r["primaryMetric"]["rawData"] for x in fork]
            sec = r.get("secondaryMetrics", {})
            alloc = (sec.get("gc.alloc.rate.norm") or sec.get("\u00b7gc.alloc.rate.norm") or {}).get("score")
            raw_by_case.setdefault(key, []).extend(raw)
            round_medians.setdefault(key, []).append(statistics.median(raw))
            if alloc is not None:
                allocs.setdefault(key, []).append(alloc)

rows = {k: (statistics.median(v), max(allocs[k]) if k in allocs else None) for k, v in raw_by_case.items()}


def get(t, n, w="random", th=1):
    v = rows.get((t, n, w, th))
    return v[0] if v else None


def fmt(x):
    if x is None:
        return "-"
    return f"{x:.3g}" if x >= 0.01 else f"{x:.1e}"


def ratio(a, b):
    return "-" if a is None or b is None or b == 0 else f"{a / b:.2f}x"


def round_range(a, b, n, th):
    """' (rounds 1.9x-3.1x)': the lowest and highest ratio of a's to b's median within one round."""
    ra, rb = round_medians.get((a, n, "random", th), []), round_medians.get((b, n, "random", th), [])
    if len(ra) < 2 or len(ra) != len(rb):
        return ""
    per_round = [x / y for x, y in zip(ra, rb) if y]
    return f" (rounds {min(per_round):.2f}x-{max(per_round):.2f}x)"


types = sorted({k[0] for k in rows}, key=lambda t: (not t.startswith(("BASELINE", "LB4J")), t))
sizes = sorted({k[1] for k in rows})
threads = sorted({k[3] for k in rows})

print("Median throughput, million picks per second (ops/us); higher is better. Allocation in bytes/pick.\n")
print("| type | threads | " + " | ".join(f"{n} backends" for n in sizes) + " | B/op (at " + str(sizes[0]) + ") |")
print("|---|---|" + "---|" * len(sizes) + "---|")
for t in types:
    for th in threads:
        if not any((t, n, "random", th) in rows for n in sizes):
            continue
        alloc = rows.get((t, sizes[0], "random", th), (None, None))[1]
        print(f"| {t} | {th} | " + " | ".join(fmt(get(t, n, th=th)) for n in sizes)
              + f" | {'-' if alloc is None else f'{alloc:.1f}'} |")

print("\nSpread: lowest and highest per-round median (ops/us), " + str(max(len(v) for v in round_medians.values()))
      + " round(s):\n")
print("| type | threads | " + " | ".join(f"{n} backends" for n in sizes) + " |")
print("|---|---|" + "---|" * len(sizes))
for t in types:
    for th in threads:
        cells = []
        for n in sizes:
            m = round_medians.get((t, n, "random", th))
            cells.append("-" if not m else f"{fmt(min(m))} - {fmt(max(m))}")
        if any(c != "-" for c in cells):
            print(f"| {t} | {th} | " + " | ".join(cells) + " |")

print("\nAllocation per pick (bytes/op, -prof gc, 1 thread):\n")
print("| type | " + " | ".join(f"{n}" for n in sizes) + " |")
print("|---|" + "---|" * len(sizes))
for t in types:
    vals = [rows.get((t, n, "random", 1), (None, None))[1] for n in sizes]
    if any(v is not None for v in vals):
        print(f"| {t} | " + " | ".join("-" if v is None else f"{v:.1f}" for v in vals) + " |")

print("\nRatios behind the targets (random weights 1-100 unless stated):\n")
print("| target | value |")
print("|---|---|")
base = "BASELINE_ATOMIC_ARRAY"
for n in sizes:
    print(f"| wrr 1 thread vs AtomicLong baseline, {n} backends (>= 0.67x, i.e. within 1.5x) | "
          f"{ratio(get('LB4J_WRR', n), get(base, n))} |")
for algo in ("LB4J_WRR", "LB4J_RR"):
    for th in threads:
        print(f"| {algo} {th} thread(s): 10,000 vs 10 backends (>= 0.77x, i.e. within 1.3x) | "
              f"{ratio(get(algo, 10000, th=th), get(algo, 10, th=th))} |")
if (("LB4J_WRR", 10, "coarse", 1)) in rows:
    for th in threads:
        print(f"| LB4J_WRR {th} thread(s), weights 100/50/20/10: 10,000 vs 10 backends | "
              f"{ratio(get('LB4J_WRR', 10000, 'coarse', th), get('LB4J_WRR', 10, 'coarse', th))} |")
for n in sizes:
    print(f"| wrr 2 threads vs 1 thread, {n} backends (>= 1.6x) | "
          f"{ratio(get('LB4J_WRR', n, th=2), get('LB4J_WRR', n, th=1))} |")
    print(f"| baseline 2 threads vs 1 thread, {n} backends | "
          f"{ratio(get(base, n, th=2), get(base, n, th=1))} |")
peer_groups = {
    "LB4J_WRR": ["GRPC_STATIC_STRIDE", "DUBBO_ROUND_ROBIN", "ARMERIA_WRR", "NGINX_SWRR_LOCKED"],
    "LB4J_TCH": ["DUBBO_CONSISTENT_HASH", "ARMERIA_STICKY"],
    "LB4J_SCH": ["DUBBO_CONSISTENT_HASH", "ARMERIA_STICKY"],
    "LB4J_WLC": ["DUBBO_LEAST_ACTIVE"],
    "LB4J_P2C": ["DUBBO_LEAST_ACTIVE"],
}
for algo, peers in peer_groups.items():
    goal = ">= 2x" if algo == "LB4J_WRR" else ">= 1x"
    for n in sizes:
        for th in threads:
            present = [(p, get(p, n, th=th)) for p in peers if get(p, n, th=th) is not None]
            if not present or get(algo, n, th=th) is None:
                continue
            best, score = max(present, key=lambda x: x[1])
            print(f"| {algo} vs best peer ({best}), {n} backends, {th} thread(s) ({goal}) | "
                  f"{ratio(get(algo, n, th=th), score)}{round_range(algo, best, n, th)} |")
