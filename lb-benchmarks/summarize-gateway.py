#!/usr/bin/env python3
"""Summarizes run-gateway-comparison.sh's raw wrk output (roundR-LAYER-MODE-SERVER.txt files in one folder).

Prints, per path and server: median requests/s and p99 latency over the rounds with their spread (min-max),
the ratio lb4j/peer of the medians and its spread over the rounds (each round's ratio is taken within the
same round, moments apart), the backend connections the proxy opened per measurement (median, from the
.backend files), socket errors and non-2xx responses, then the issue's targets. Layers: l7 (HTTP), tls
(HTTPS: with a connection per request, each request is a TLS handshake), l4 (TCP).

Usage: lb-benchmarks/summarize-gateway.py RESULTS_DIR
"""
import pathlib
import re
import statistics
import sys

UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}
PEERS = {"l7": ["nginx", "vertx"], "tls": ["nginx"], "l4": ["haproxy"]}
LAYERS = {"l7": "7", "tls": "7 HTTPS", "l4": "4"}
NAMES = {"lb4j": "lb4j", "nginx": "nginx proxy_pass", "vertx": "Vert.x http-proxy", "haproxy": "HAProxy mode tcp"}


def parse(path):
    text = path.read_text()
    rps = re.search(r"Requests/sec:\s+([\d.]+)", text)
    p99 = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)\s*$", text, re.M)
    if not rps or not p99:
        raise SystemExit(f"{path}: no Requests/sec or 99% line (did wrk fail?)")
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    return {
        "rps": float(rps.group(1)),
        "p99": float(p99.group(1)) * UNITS[p99.group(2)],
        "errors": sum(int(g) for g in errors.groups()) if errors else 0,
        "non2xx": int(non2xx.group(1)) if non2xx else 0,
    }


def backend_opened(path):
    """Backend connections opened during the measurement, or None when the .backend file is missing."""
    counted = path.with_suffix(".backend")
    if not counted.exists():
        return None
    m = re.search(r"backend connections opened: (-?\d+)", counted.read_text())
    return int(m.group(1)) if m else None


def spread(values, fmt):
    return f"{fmt.format(min(values))}-{fmt.format(max(values))}"


def main(folder):
    runs = {}  # (layer, mode, server) -> {round: result}
    for path in sorted(pathlib.Path(folder).glob("round*-*-*-*.txt")):
        m = re.fullmatch(r"round(\d+)-(l4|l7|tls)-(keepalive|close)-(\w+)\.txt", path.name)
        if m:
            result = parse(path)
            result["opened"] = backend_opened(path)
            runs.setdefault((m.group(2), m.group(3), m.group(4)), {})[int(m.group(1))] = result
    if not runs:
        raise SystemExit(f"no round*-*.txt files in {folder}")
    ratios = {}
    print("| layer | client connections | server | requests/s median (min-max) | p99 ms median (min-max) "
          "| lb4j/peer requests/s: ratio of medians (per-round min-max) | lb4j/peer p99 "
          "| backend connections opened per measurement (median) | errors, non-2xx |")
    print("|---|---|---|---|---|---|---|---|---|")
    for layer in ("l7", "tls", "l4"):
        for mode in ("keepalive", "close"):
            lb4j = runs.get((layer, mode, "lb4j"))
            for server in ["lb4j"] + PEERS[layer]:
                res = runs.get((layer, mode, server))
                if not res:
                    continue
                rps = [r["rps"] for r in res.values()]
                p99 = [r["p99"] for r in res.values()]
                ratio = p99_ratio = "-"
                if server != "lb4j" and lb4j:
                    same = sorted(set(res) & set(lb4j))
                    per_round = [lb4j[r]["rps"] / res[r]["rps"] for r in same]
                    of_medians = statistics.median(x["rps"] for x in lb4j.values()) / statistics.median(rps)
                    p99_of_medians = statistics.median(x["p99"] for x in lb4j.values()) / statistics.median(p99)
                    ratios[(layer, mode, server)] = (of_medians, p99_of_medians)
                    ratio = f"**{of_medians:.2f}** ({spread(per_round, '{:.2f}')})"
                    p99_ratio = f"{p99_of_medians:.2f}"
                opened = [r["opened"] for r in res.values() if r["opened"] is not None]
                opened_text = f"{statistics.median(opened):,.0f}" if opened else "-"
                print(f"| {LAYERS[layer]} | {'keep-alive' if mode == 'keepalive' else 'one per request'} "
                      f"| {NAMES[server]} | {statistics.median(rps):,.0f} ({spread(rps, '{:,.0f}')}) "
                      f"| {statistics.median(p99):.2f} ({spread(p99, '{:.2f}')}) | {ratio} | {p99_ratio} "
                      f"| {opened_text} "
                      f"| {sum(r['errors'] for r in res.values())}, {sum(r['non2xx'] for r in res.values())} |")
    print()
    print("| target | measured | met? |")
    print("|---|---|---|")
    targets = [  # issue 17, "What must hold: Speed"
        ("Layer 7 >= 0.95x nginx requests/s (keep-alive)", ("l7", "keepalive", "nginx"), 0, 0.95, True),
        ("Layer 7 >= 0.9x nginx requests/s (connection per request)", ("l7", "close", "nginx"), 0, 0.9, True),
        ("Layer 4 >= 0.95x HAProxy requests/s (keep-alive)", ("l4", "keepalive", "haproxy"), 0, 0.95, True),
        ("Layer 4 >= 0.9x HAProxy requests/s (connection per request)", ("l4", "close", "haproxy"), 0, 0.9, True),
        ("Layer 7 ahead of Vert.x (keep-alive)", ("l7", "keepalive", "vertx"), 0, 1.0, True),
        ("HTTPS keep-alive requests/s vs nginx", ("tls", "keepalive", "nginx"), 0, None, True),
        ("TLS handshakes per second vs nginx", ("tls", "close", "nginx"), 0, None, True),
        ("Layer 7 p99 <= 1.5x nginx (keep-alive)", ("l7", "keepalive", "nginx"), 1, 1.5, False),
        ("Layer 7 p99 <= 1.5x nginx (connection per request)", ("l7", "close", "nginx"), 1, 1.5, False),
        ("Layer 4 p99 <= 1.5x HAProxy (keep-alive)", ("l4", "keepalive", "haproxy"), 1, 1.5, False),
        ("Layer 4 p99 <= 1.5x HAProxy (connection per request)", ("l4", "close", "haproxy"), 1, 1.5, False),
    ]
    for name, key, index, bound, at_least in targets:
        if key not in ratios:
            continue
        value = ratios[key][index]
        if bound is None:
            print(f"| {name} | {value:.2f}x | reported (no target) |")
            continue
        met = value >= bound if at_least else value <= bound
        print(f"| {name} | {value:.2f}x | {'met' if met else '**missed**'} |")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    main(sys.argv[1])
