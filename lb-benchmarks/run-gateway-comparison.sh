#!/usr/bin/env bash
# Side by side on loopback, all in one run (issue 10, "Side-by-side speed"):
#   Layer 7: lb4j's HTTP listener vs nginx proxy_pass (upstream keep-alive) vs Vert.x vertx-http-proxy;
#   Layer 4: lb4j's TCP listener vs HAProxy mode tcp;
#   each with keep-alive clients and again with a new client connection per request (Connection: close).
# One nginx serving a ~100-byte static page is the backend of every path. Every proxy gets one worker
# thread (lb4j: one event loop; nginx: one worker process; HAProxy: nbthread 1; Vert.x: one event loop).
# wrk drives each path (2 threads, 64 connections) for DURATION seconds after a warm-up; the paths are
# measured in turn, ROUNDS times, so each pair is compared at several moments of the run; the summary
# prints medians, the spread (min-max over rounds) and the ratios lb4j/peer.
#
# One-time setup (this script installs nothing unless given --install; CI never runs it):
#   apt-get install -y nginx haproxy wrk
#   mvn -B -ntp -pl lb-benchmarks -am package -DskipTests
#
# Usage: [ROUNDS=3] [DURATION=30] [WARMUP=10] [FIRST_WARMUP=30] [JAVA_OPTS=...] [OUT=dir] [ONLY=regex] \
#            [JFR=on] lb-benchmarks/run-gateway-comparison.sh [--install]
#   A quick look: ROUNDS=1 DURATION=5 WARMUP=2 FIRST_WARMUP=10 lb-benchmarks/run-gateway-comparison.sh
#   ONLY: measure only the paths whose "LAYER MODE SERVER" matches (for example ONLY='l7 close').
#   JFR=on: record a Flight Recorder profile of each lb4j listener (OUT/lb4j-l7.jfr, OUT/lb4j-l4.jfr, written
#   when the script stops them); read it with: jfr print --events jdk.ExecutionSample OUT/lb4j-l7.jfr
# Raw wrk output, the configurations and the summary go to OUT (default
# lb-benchmarks/results/<UTC date>/gateway-<UTC time>).
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ "${1:-}" == "--install" ]]; then
  apt-get install -y nginx haproxy wrk
  shift
fi
if [[ $# -gt 0 ]]; then
  echo "usage: [ROUNDS=3] [DURATION=30] [WARMUP=10] [FIRST_WARMUP=30] $0 [--install]" >&2
  exit 2
fi

rounds="${ROUNDS:-3}"
duration="${DURATION:-30}"
warmup="${WARMUP:-10}"
first_warmup="${FIRST_WARMUP:-30}"
java_opts="${JAVA_OPTS:--Xms512m -Xmx512m}"
jar=lb-benchmarks/target/benchmarks.jar
for tool in nginx haproxy wrk java python3; do
  command -v "$tool" > /dev/null || { echo "missing $tool: apt-get install -y nginx haproxy wrk (or run with --install)" >&2; exit 1; }
done
[[ -f "$jar" ]] || { echo "missing $jar: mvn -B -ntp -pl lb-benchmarks -am package -DskipTests" >&2; exit 1; }
for n in "$rounds" "$duration" "$warmup" "$first_warmup"; do
  [[ "$n" =~ ^[0-9]+$ && "$n" -ge 1 && "$n" -le 3600 ]] || { echo "ROUNDS, DURATION, WARMUP, FIRST_WARMUP must be 1-3600, was $n" >&2; exit 2; }
done

out="${OUT:-lb-benchmarks/results/$(date -u +%F)/gateway-$(date -u +%H%M)}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
work="$(mktemp -d)"
chmod 755 "$work"   # nginx workers run as nobody and read the page from here
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

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Waits until 127.0.0.1:$1 answers GET / with 200 (at most 30 s).
await_http_200() {
  local port="$1" name="$2" status=""
  for _ in $(seq 1 300); do
    status="$( (exec 3<> "/dev/tcp/127.0.0.1/$port" \
      && printf 'GET / HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n' >&3 \
      && timeout 5 head -1 <&3) 2> /dev/null | tr -d '\r' || true)"
    [[ "$status" == HTTP/1.1\ 200* ]] && return 0
    sleep 0.1
  done
  echo "$name on 127.0.0.1:$port did not answer 200 within 30 s (last status line: '$status')" >&2
  exit 1
}

# Starts a Java launcher, waits for its "listening 127.0.0.1:PORT" line and sets java_port (not printed:
# a command substitution would run it in a subshell, and its pid would escape the trap).
start_java() {
  local name="$1" log="$out/$1.log"
  shift
  local jfr=()
  if [[ "${JFR:-off}" == on && "$name" == lb4j-* ]]; then
    jfr=("-XX:StartFlightRecording=filename=$out/$name.jfr,dumponexit=true,settings=profile")
  fi
  # shellcheck disable=SC2086
  java $java_opts "${jfr[@]}" -cp "$jar" "$@" > "$log" 2>&1 &
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

backend_port="$(free_port)"
nginx_port="$(free_port)"
haproxy_port="$(free_port)"

# The page: 100 bytes of HTML.
printf '<!doctype html><html><head><title>lb4j</title></head><body><p>backend page, 100 bytes</p></body></html>\n' \
  | head -c 100 > "$work/index.html"

cat > "$out/backend-nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $work/backend.pid;
error_log $work/backend-error.log warn;
events { worker_connections 8192; }
http {
  access_log off;
  keepalive_requests 1000000;
  client_body_temp_path $work/backend-body;
  server {
    listen 127.0.0.1:$backend_port backlog=4096;
    root $work;
    location / { index index.html; }
  }
}
CONF

cat > "$out/proxy-nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $work/proxy.pid;
error_log $work/proxy-error.log warn;
events { worker_connections 8192; }
http {
  access_log off;
  keepalive_requests 1000000;
  client_body_temp_path $work/proxy-body;
  proxy_temp_path $work/proxy-temp;
  upstream backend {
    server 127.0.0.1:$backend_port;
    keepalive 64;
  }
  server {
    listen 127.0.0.1:$nginx_port backlog=4096;
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
CONF

cat > "$out/haproxy.cfg" <<CONF
global
  nbthread 1
  maxconn 4096
defaults
  mode tcp
  timeout connect 5s
  timeout client 30s
  timeout server 30s
frontend bench
  bind 127.0.0.1:$haproxy_port
  default_backend backend
backend backend
  server b0 127.0.0.1:$backend_port check inter 2s
CONF

nginx -p "$work" -c "$out/backend-nginx.conf" 2> "$out/backend-nginx.log" &
pids+=($!)
await_http_200 "$backend_port" "backend nginx"
nginx -p "$work" -c "$out/proxy-nginx.conf" 2> "$out/proxy-nginx.log" &
pids+=($!)
haproxy -db -f "$out/haproxy.cfg" > "$out/haproxy.log" 2>&1 &
pids+=($!)
start_java lb4j-l7 io.lb4j.benchmarks.gateway.Lb4jGatewayLauncher --layer 7 --event-loops 1 \
  --health on --max-idle 64 --backend "127.0.0.1:$backend_port"
lb4j_l7_port="$java_port"
start_java lb4j-l4 io.lb4j.benchmarks.gateway.Lb4jGatewayLauncher --layer 4 --event-loops 1 \
  --health on --backend "127.0.0.1:$backend_port"
lb4j_l4_port="$java_port"
start_java vertx io.lb4j.benchmarks.gateway.VertxProxyLauncher --event-loops 1 --pool 64 \
  --backend "127.0.0.1:$backend_port"
vertx_port="$java_port"
# lb4j starts its backend unhealthy until the first checks pass (healthy threshold 3 x 2 s).
for target in "nginx:$nginx_port" "haproxy:$haproxy_port" "lb4j-l7:$lb4j_l7_port" "lb4j-l4:$lb4j_l4_port" \
    "vertx:$vertx_port"; do
  await_http_200 "${target#*:}" "${target%%:*}"
done

{
  echo "date: $(date -u '+%F %T') UTC"
  echo "machine: $(nproc) cores, $(uname -r), load before: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "java: $(java -version 2>&1 | head -1), options: $java_opts"
  echo "nginx: $(nginx -v 2>&1)"
  echo "haproxy: $(haproxy -v | head -1)"
  echo "wrk: $(wrk -v 2>&1 | head -1)"
  echo "rounds: $rounds, duration: ${duration}s, warm-up: ${first_warmup}s first round, ${warmup}s after"
  echo "page: $(wc -c < "$work/index.html") bytes"
} | tee "$out/setup.txt"

# mode (keepalive|close), layer, server, port
paths=(
  "keepalive l7 lb4j $lb4j_l7_port" "keepalive l7 nginx $nginx_port" "keepalive l7 vertx $vertx_port"
  "keepalive l4 lb4j $lb4j_l4_port" "keepalive l4 haproxy $haproxy_port"
  "close l7 lb4j $lb4j_l7_port" "close l7 nginx $nginx_port" "close l7 vertx $vertx_port"
  "close l4 lb4j $lb4j_l4_port" "close l4 haproxy $haproxy_port"
)
for ((r = 1; r <= rounds; r++)); do
  w=$warmup
  [[ $r -eq 1 ]] && w=$first_warmup
  for path in "${paths[@]}"; do
    read -r mode layer server port <<< "$path"
    [[ "$layer $mode $server" =~ ${ONLY:-.} ]] || continue
    header=()
    [[ "$mode" == close ]] && header=(-H 'Connection: close')
    url="http://127.0.0.1:$port/"
    echo "== round $r/$rounds $layer $mode $server: warm-up ${w}s, $(date -u +%T) UTC, load $(cut -d' ' -f1-3 /proc/loadavg)"
    timeout $((w + 60)) wrk -t2 -c64 -d"${w}s" "${header[@]}" "$url" > /dev/null
    timeout $((duration + 60)) wrk -t2 -c64 -d"${duration}s" --latency "${header[@]}" "$url" \
      | tee "$out/round$r-$layer-$mode-$server.txt" | grep -E 'Requests/sec|99%|Socket errors|Non-2xx' || true
  done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/setup.txt"
python3 lb-benchmarks/summarize-gateway.py "$out" | tee "$out/summary.md"
