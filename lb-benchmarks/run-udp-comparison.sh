#!/usr/bin/env bash
# UDP side by side on loopback, all in one run (issue 24, "Measured beside nginx's stream module"):
#   a request-reply load (each client sends a datagram and waits for its echo) straight to the backend, through
#   nginx's stream module (listen ... udp) and through lb4j's UDP listener. HAProxy has no UDP.
# The backend is one Java thread echoing datagrams (UdpComparison echo), the same for every path. Each proxy gets
# one worker (nginx: worker_processes 1; lb4j: one event loop) and keeps a session per client address for 60 s
# (nginx: proxy_timeout 60s, no proxy_responses limit; lb4j: its default flow idle timeout), so both hold one
# backend socket per client, the way a long-lived UDP protocol uses them.
# The paths are measured in turn, ROUNDS times; the summary prints medians of datagrams per second and p99 round
# trips, their spread over rounds, and the ratios lb4j/nginx.
#
# One-time setup (this script installs nothing unless given --install; CI never runs it):
#   apt-get install -y nginx libnginx-mod-stream
#   mvn -B -ntp -pl lb-benchmarks -am package -DskipTests
#
# Usage: [ROUNDS=3] [DURATION=10] [WARMUP=3] [CLIENTS=16] [PAYLOAD=64] [JAVA_OPTS=...] [OUT=dir] \
#            lb-benchmarks/run-udp-comparison.sh [--install]
#   A quick look: ROUNDS=1 DURATION=2 WARMUP=1 lb-benchmarks/run-udp-comparison.sh
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ "${1:-}" == "--install" ]]; then
  apt-get install -y nginx libnginx-mod-stream
  shift
fi
if [[ $# -gt 0 ]]; then
  echo "usage: [ROUNDS=3] [DURATION=10] [WARMUP=3] [CLIENTS=16] [PAYLOAD=64] $0 [--install]" >&2
  exit 2
fi

rounds="${ROUNDS:-3}"
duration="${DURATION:-10}"
warmup="${WARMUP:-3}"
clients="${CLIENTS:-16}"
payload="${PAYLOAD:-64}"
java_opts="${JAVA_OPTS:--Xms256m -Xmx256m}"
jar=lb-benchmarks/target/benchmarks.jar
for tool in nginx java python3; do
  command -v "$tool" > /dev/null || { echo "missing $tool: apt-get install -y nginx libnginx-mod-stream" >&2; exit 1; }
done
[[ -f "$jar" ]] || { echo "missing $jar: mvn -B -ntp -pl lb-benchmarks -am package -DskipTests" >&2; exit 1; }
for n in "$rounds" "$duration" "$warmup" "$clients"; do
  [[ "$n" =~ ^[0-9]+$ && "$n" -ge 1 && "$n" -le 3600 ]] || { echo "ROUNDS, DURATION, WARMUP, CLIENTS must be 1-3600, was $n" >&2; exit 2; }
done
[[ "$payload" =~ ^[0-9]+$ && "$payload" -ge 8 && "$payload" -le 65000 ]] || { echo "PAYLOAD must be 8-65000, was $payload" >&2; exit 2; }

# nginx's stream module: built in, or a dynamic module (Debian: libnginx-mod-stream) to load.
load_stream=""
if nginx -V 2>&1 | grep -q -- '--with-stream=dynamic'; then
  for dir in /usr/lib/nginx/modules /usr/share/nginx/modules /usr/lib64/nginx/modules; do
    if [[ -f "$dir/ngx_stream_module.so" ]]; then
      load_stream="load_module $dir/ngx_stream_module.so;"
      break
    fi
  done
  [[ -n "$load_stream" ]] || { echo "nginx's stream module is missing: apt-get install -y libnginx-mod-stream" >&2; exit 1; }
elif ! nginx -V 2>&1 | grep -q -- '--with-stream'; then
  echo "this nginx has no stream module" >&2
  exit 1
fi

out="${OUT:-lb-benchmarks/results/$(date -u +%F)/udp-$(date -u +%H%M)}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
work="$(mktemp -d)"
pids=()

stop_all() {
  local pid
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2> /dev/null || true; done
  for _ in $(seq 1 100); do
    local alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2> /dev/null && alive=1; done
    [[ $alive -eq 0 ]] && break
    sleep 0.1
  done
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2> /dev/null || true; done
  rm -rf "$work"
}
trap stop_all EXIT
trap 'exit 130' INT TERM

free_udp_port() {
  python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Starts a Java process, waits for its "listening 127.0.0.1:PORT" line and sets java_port.
start_java() {
  local name="$1" log="$out/$1.log"
  shift
  # shellcheck disable=SC2086
  java $java_opts -cp "$jar" io.lb4j.benchmarks.udp.UdpComparison "$@" > "$log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 300); do
    if grep -q '^listening ' "$log"; then
      java_port="$(grep -m1 '^listening ' "$log" | sed 's/.*://')"
      return 0
    fi
    sleep 0.1
  done
  echo "$name did not start within 30 s; its log:" >&2
  cat "$log" >&2
  exit 1
}

start_java echo echo
backend_port="$java_port"
nginx_port="$(free_udp_port)"
cat > "$out/nginx.conf" <<CONF
$load_stream
worker_processes 1;
daemon off;
pid $work/nginx.pid;
error_log $work/nginx-error.log warn;
events { worker_connections 8192; }
stream {
  upstream echo {
    server 127.0.0.1:$backend_port;
  }
  server {
    listen 127.0.0.1:$nginx_port udp;
    proxy_pass echo;
    proxy_timeout 60s;
  }
}
CONF
nginx -p "$work" -c "$out/nginx.conf" 2> "$out/nginx.log" &
pids+=($!)
start_java lb4j lb4j --backend "127.0.0.1:$backend_port" --event-loops 1
lb4j_port="$java_port"
sleep 1 # nginx binds at once; a missing module or a bad config shows in its log
kill -0 "${pids[1]}" 2> /dev/null || { echo "nginx did not start:" >&2; cat "$out/nginx.log" >&2; exit 1; }

{
  echo "date: $(date -u '+%F %T') UTC"
  echo "machine: $(nproc) cores, $(uname -r), load before: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "java: $(java -version 2>&1 | head -1), options: $java_opts"
  echo "nginx: $(nginx -v 2>&1)"
  echo "rounds: $rounds, duration: ${duration}s, warm-up: ${warmup}s, clients: $clients, payload: $payload bytes"
} | tee "$out/setup.txt"

paths=("direct $backend_port" "nginx $nginx_port" "lb4j $lb4j_port")
for ((r = 1; r <= rounds; r++)); do
  for path in "${paths[@]}"; do
    read -r server port <<< "$path"
    echo "== round $r/$rounds $server: $(date -u +%T) UTC, load $(cut -d' ' -f1-3 /proc/loadavg)"
    # shellcheck disable=SC2086
    timeout $((warmup + duration + 60)) java $java_opts -cp "$jar" io.lb4j.benchmarks.udp.UdpComparison load \
      --target "127.0.0.1:$port" --clients "$clients" --seconds "$duration" --warmup "$warmup" --payload "$payload" \
      | tee "$out/round$r-$server.txt"
  done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/setup.txt"

python3 - "$out" <<'PY' | tee "$out/summary.md"
import glob, os, re, statistics, sys
out = sys.argv[1]
runs = {}
for f in sorted(glob.glob(os.path.join(out, "round*-*.txt"))):
    server = re.match(r"round\d+-(\w+)\.txt", os.path.basename(f)).group(1)
    for line in open(f):
        if line.startswith("result "):
            kv = dict(p.split("=", 1) for p in line.split()[1:])
            runs.setdefault(server, []).append(kv)
def col(server, key):
    return [float(r[key]) for r in runs.get(server, [])]
print("| path | datagrams/s (median) | min-max | p99 us (median) | min-max | lost |")
print("|---|---|---|---|---|---|")
for s in ("direct", "nginx", "lb4j"):
    rps, p99, lost = col(s, "rps"), col(s, "p99us"), col(s, "lost")
    if rps:
        print(f"| {s} | {statistics.median(rps):.0f} | {min(rps):.0f}-{max(rps):.0f} | {statistics.median(p99):.0f} | "
              f"{min(p99):.0f}-{max(p99):.0f} | {sum(lost):.0f} |")
if col("nginx", "rps") and col("lb4j", "rps"):
    print()
    print(f"lb4j/nginx: datagrams/s {statistics.median(col('lb4j', 'rps')) / statistics.median(col('nginx', 'rps')):.2f}x, "
          f"p99 {statistics.median(col('lb4j', 'p99us')) / max(1.0, statistics.median(col('nginx', 'p99us'))):.2f}x")
PY
