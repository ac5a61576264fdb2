#!/usr/bin/env python3
"""Turns JMH JSON results of HttpCodecBenchmark into the README's table.

Per benchmark (request, response) and implementation: the median throughput over all measurement
iterations of all forks (not JMH's mean), the median bytes allocated per operation (-prof gc), and lb4j's
throughput over Netty's. Usage: summarize-http-codec.py results/2026-11-27/http-codec*.json
"""
import json
import statistics
import sys

for path in sys.argv[1:]:
    with open(path) as f:
        results = json.load(f)
    medians = {}
    print(f"\n{path}\n")
    print("| benchmark | impl | median ops/us | min - max | median B/op |")
    print("|---|---|---|---|---|")
    for r in results:
        name = r["benchmark"].rsplit(".", 1)[1]
        impl = r["params"]["impl"]
        raw = [x for fork in r["primaryMetric"]["rawData"] for x in fork]
        alloc = r.get("secondaryMetrics", {}).get("gc.alloc.rate.norm", {})
        alloc_raw = [x for fork in alloc.get("rawData", []) for x in fork]
        medians[(name, impl)] = statistics.median(raw)
        print(f"| {name} | {impl} | {statistics.median(raw):.3g} | {min(raw):.3g} - {max(raw):.3g} "
              f"| {statistics.median(alloc_raw):.0f} |")
    for name in ("request", "response"):
        if (name, "LB4J") in medians and (name, "NETTY") in medians:
            print(f"\n{name}: lb4j / Netty throughput = {medians[(name, 'LB4J')] / medians[(name, 'NETTY')]:.1f}x")
