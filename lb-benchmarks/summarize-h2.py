#!/usr/bin/env python3
"""Summarizes run-h2-comparison.sh's raw output (roundR-KIND-SERVER.txt files in one folder).

Prints, per measurement and server, the median over the rounds with its spread (min-max), and the ratio
lb4j/nginx of the medians with its spread over the rounds (each round's ratio is taken within the same round,
moments apart): h2c and h2 requests per second (higher is better) and p99 latency in ms (lower is better),
TLS handshakes per second with h2 chosen by ALPN (higher is better), and memory per idle HTTP/2 connection
(lower is better: the gateway's heap after a full GC, and RSS for both). Then the issue's target.

Usage: lb-benchmarks/summarize-h2.py RESULTS_DIR
"""
import pathlib
import re
import statistics
import sys


def parse(kind, path):
    text = path.read_text()
    if kind in ("h2c", "h2"):
        rps = re.search(r"^finished in [\d.]+\w+, ([\d.]+) req/s", text, re.M)
        p99 = re.search(r"^p99_us (\d+)", text, re.M)
        failed = re.search(r"^requests: .* (\d+) failed, (\d+) errored", text, re.M)
        if not rps:
            raise SystemExit(f"{path}: no 'finished in' line (did h2load fail?)")
        return {"rps": float(rps.group(1)), "p99": int(p99.group(1)) / 1000.0 if p99 else None,
                "failed": int(failed.group(1)) + int(failed.group(2)) if failed else 0}
    if kind == "handshakes":
        rps = re.search(r"^finished in [\d.]+\w+, ([\d.]+) req/s", text, re.M)
        failed = re.search(r"^requests: .* (\d+) failed, (\d+) errored", text, re.M)
        alpn = re.search(r"^Application protocol: (\S+)", text, re.M)
        if not rps:
            raise SystemExit(f"{path}: no 'finished in' line (did h2load fail?)")
        return {"hs": float(rps.group(1)), "alpn": alpn.group(1) if alpn else "?",
                "failed": int(failed.group(1)) + int(failed.group(2)) if failed else 0}
    heap = re.search(r"^heap_bytes_per_connection (-?\d+)", text, re.M)
    rss = re.search(r"^rss_bytes_per_connection (-?\d+)", text, re.M)
    return {"heap": int(heap.group(1)) if heap else None, "rss": int(rss.group(1)) if rss else None}


def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def row(label, unit, lb4j, nginx, higher_better, fmt="{:,.0f}"):
    lm, nm = med(lb4j.values()), med(nginx.values())
    rounds = sorted(set(lb4j) & set(nginx))
    ratios = [lb4j[r] / nginx[r] for r in rounds if lb4j[r] and nginx[r]]
    ratio = f"{lm / nm:.2f}x ({min(ratios):.2f}-{max(ratios):.2f})" if lm and nm and ratios else "-"
    spread = lambda d: f"{fmt.format(min(d.values()))}-{fmt.format(max(d.values()))}" if d else "-"
    print(f"| {label} ({unit}, {'higher' if higher_better else 'lower'} is better) | "
          f"{fmt.format(lm) if lm is not None else '-'} ({spread(lb4j)}) | "
          f"{fmt.format(nm) if nm is not None else '-'} ({spread(nginx)}) | {ratio} |")
    return lm / nm if lm and nm else None


def main(folder):
    runs = {}  # (kind, server) -> {round: result}
    for path in sorted(pathlib.Path(folder).glob("round*-*-*.txt")):
        m = re.fullmatch(r"round(\d+)-(h2c|h2|handshakes|memory)-(lb4j|nginx)\.txt", path.name)
        if m:
            runs.setdefault((m.group(2), m.group(3)), {})[int(m.group(1))] = parse(m.group(2), path)
    if not runs:
        raise SystemExit(f"no roundR-KIND-SERVER.txt file in {folder}")

    def series(kind, server, key):
        return {r: v[key] for r, v in runs.get((kind, server), {}).items() if v.get(key) is not None}

    print("| measurement | lb4j: median (min-max) | nginx: median (min-max) | lb4j/nginx: median (per round) |")
    print("|---|---|---|---|")
    ratios = {}
    for kind in ("h2c", "h2"):
        ratios[kind] = row(f"{kind}, 100 streams over 4 connections", "requests/s", series(kind, "lb4j", "rps"),
                           series(kind, "nginx", "rps"), True)
        row(f"{kind}, p99", "ms", series(kind, "lb4j", "p99"), series(kind, "nginx", "p99"), False, "{:,.2f}")
    ratios["handshakes"] = row("h2 over TLS, handshakes", "per second", series("handshakes", "lb4j", "hs"),
                               series("handshakes", "nginx", "hs"), True)
    row("idle HTTP/2 connection, heap after GC", "bytes", series("memory", "lb4j", "heap"), {}, False)
    row("idle HTTP/2 connection, RSS", "bytes", series("memory", "lb4j", "rss"), series("memory", "nginx", "rss"),
        False)
    failures = sum(v.get("failed", 0) for d in runs.values() for v in d.values())
    alpn = {v.get("alpn") for (k, _), d in runs.items() if k == "handshakes" for v in d.values()}
    print()
    print(f"failed or errored requests in all runs: {failures}; ALPN chosen in the handshake runs: "
          f"{', '.join(sorted(a for a in alpn if a)) or '-'}")
    print("target (issue 21): at least 0.9x nginx in throughput and handshakes -> "
          + ", ".join(f"{k} {v:.2f}x {'met' if v >= 0.9 else 'NOT met'}" for k, v in ratios.items() if v))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit("usage: summarize-h2.py RESULTS_DIR")
    main(sys.argv[1])
