#!/usr/bin/env bash
# HTTP/2 side by side on loopback, all in one run (issue 21, "Measured"): the SHIPPED gateway
# (examples/target/lb-gateway.jar run, its YAML defaults, one event loop) against nginx with HTTP/2 on
# (worker_processes 1), each in front of its own HTTP/1.1 backend (an nginx serving a ~100-byte page):
#   h2c / h2:  h2load, 100 concurrent streams over 4 connections (-c 4 -m 25) for DURATION seconds:
#              requests per second, and p99 from h2load's per-request log;
#   handshakes: h2 over TLS, HANDSHAKES connections each doing one request (-n = -c), after as many warm-up
#              handshakes (100 at a time): handshakes per second;
#   memory:    IDLE idle HTTP/2 connections (h2 by ALPN, one request served on each, held open by a child JVM,
#              IdleClients --mode h2): the gateway's heap after a full GC and its RSS, nginx's worker RSS, before
#              and after, divided by IDLE.
# Each measurement runs in turn, ROUNDS times; summarize-h2.py prints medians, spreads (min-max over rounds) and
# the ratios lb4j/nginx (throughput and handshakes: higher is better; p99 and memory: lower is better).
#
# One-time setup (this script installs nothing unless given --install; CI never runs it):
#   apt-get install -y nginx nghttp2-client openssl
#   mvn -B -ntp -pl examples,lb-benchmarks -am package -DskipTests
#
# Usage: [ROUNDS=3] [DURATION=20] [WARMUP=5] [HANDSHAKES=1000] [IDLE=2000] [JAVA_OPTS=...] [OUT=dir] [ONLY=regex] \
#            lb-benchmarks/run-h2-comparison.sh [--install]
#   A smoke run (a few seconds each, to see that it works; not a measurement):
#     ROUNDS=1 DURATION=2 WARMUP=1 HANDSHAKES=100 IDLE=200 lb-benchmarks/run-h2-comparison.sh
#   ONLY: measure only what matches "KIND SERVER" (kinds: h2c, h2, handshakes, memory), e.g. ONLY='h2 '.
# Raw h2load output, the configurations and the summary go to OUT (default
# lb-benchmarks/results/<UTC date>/h2-<UTC time>).
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ "${1:-}" == "--install" ]]; then
  apt-get install -y nginx nghttp2-client openssl
  shift
fi
if [[ $# -gt 0 ]]; then
  echo "usage: [ROUNDS=3] [DURATION=20] [WARMUP=5] [HANDSHAKES=1000] [IDLE=2000] $0 [--install]" >&2
  exit 2
fi

rounds="${ROUNDS:-3}"
duration="${DURATION:-20}"
warmup="${WARMUP:-5}"
handshakes="${HANDSHAKES:-1000}"
idle="${IDLE:-2000}"
java_opts="${JAVA_OPTS:--Xms512m -Xmx512m}"
jar=lb-benchmarks/target/benchmarks.jar
gateway_jar=examples/target/lb-gateway.jar
for tool in nginx h2load java jcmd python3 openssl curl; do
  command -v "$tool" > /dev/null || { echo "missing $tool: apt-get install -y nginx nghttp2-client openssl curl (or --install)" >&2; exit 1; }
done
for f in "$jar" "$gateway_jar"; do
  [[ -f "$f" ]] || { echo "missing $f: mvn -B -ntp -pl examples,lb-benchmarks -am package -DskipTests" >&2; exit 1; }
done
for n in "$rounds" "$duration" "$warmup"; do
  [[ "$n" =~ ^[0-9]+$ && "$n" -ge 1 && "$n" -le 3600 ]] || { echo "ROUNDS, DURATION, WARMUP must be 1-3600, was $n" >&2; exit 2; }
done
for n in "$handshakes" "$idle"; do
  [[ "$n" =~ ^[0-9]+$ && "$n" -ge 10 && "$n" -le 20000 ]] || { echo "HANDSHAKES, IDLE must be 10-20000, was $n" >&2; exit 2; }
done

out="${OUT:-lb-benchmarks/results/$(date -u +%F)/h2-$(date -u +%H%M)}"
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

# Waits until $1 (http or https) on 127.0.0.1:$2 answers GET / with 200 over HTTP/2 (at most 60 s).
await_h2() {
  local scheme="$1" port="$2" name="$3" status="" flag=(--http2)
  [[ "$scheme" == http ]] && flag=(--http2-prior-knowledge)
  for _ in $(seq 1 600); do
    status="$(curl -sk "${flag[@]}" -o /dev/null -w '%{http_version} %{http_code}' --max-time 5 "$scheme://127.0.0.1:$port/" || true)"
    [[ "$status" == "2 200" ]] && return 0
    sleep 0.1
  done
  echo "$name on $scheme://127.0.0.1:$port did not answer 200 over HTTP/2 within 60 s (last: '$status')" >&2
  exit 1
}

printf '<!doctype html><html><head><title>lb4j</title></head><body><p>backend page, 100 bytes</p></body></html>\n' \
  | head -c 100 > "$work/index.html"

# One backend nginx (HTTP/1.1) per proxy.
declare -A backend_port
for b in lb4j nginx; do
  port="$(free_port)"
  backend_port[$b]=$port
  cat > "$out/backend-$b.conf" <<CONF
worker_processes 1;
daemon off;
pid $work/backend-$b.pid;
error_log $work/backend-$b-error.log warn;
events { worker_connections 8192; }
http {
  access_log off;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$port backlog=4096;
    root $work;
    location / { index index.html; }
  }
}
CONF
  nginx -p "$work" -c "$out/backend-$b.conf" 2> "$out/backend-$b.log" &
  pids+=($!)
done

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$work/key.pem" \
  -out "$work/chain.pem" -days 2 -subj /CN=localhost -addext subjectAltName=IP:127.0.0.1 2> "$out/openssl.log"

nginx_h2c_port="$(free_port)"
nginx_h2_port="$(free_port)"
gateway_h2c_port="$(free_port)"
gateway_h2_port="$(free_port)"

# nginx 1.25.1 and later turn HTTP/2 on with "http2 on;"; earlier ones with the listen parameter (clear-text
# h2c with prior knowledge on a plain listen, h2 by ALPN on an ssl one).
nginx_version="$(nginx -v 2>&1 | sed 's/.*nginx\///')"
if python3 -c "import sys; v = tuple(int(x) for x in '$nginx_version'.split('.')[:3]); sys.exit(0 if v >= (1, 25, 1) else 1)"; then
  h2c_listen="listen 127.0.0.1:$nginx_h2c_port backlog=4096; http2 on;"
  h2_listen="listen 127.0.0.1:$nginx_h2_port ssl backlog=4096; http2 on;"
else
  h2c_listen="listen 127.0.0.1:$nginx_h2c_port http2 backlog=4096;"
  h2_listen="listen 127.0.0.1:$nginx_h2_port ssl http2 backlog=4096;"
fi
cat > "$out/proxy-nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $work/proxy.pid;
error_log $work/proxy-error.log warn;
events { worker_connections 30000; }
worker_rlimit_nofile 65536;
http {
  access_log off;
  keepalive_requests 1000000;
  http2_max_requests 1000000;
  upstream backend {
    server 127.0.0.1:${backend_port[nginx]};
    keepalive 64;
  }
  server {
    $h2c_listen
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
  server {
    $h2_listen
    ssl_certificate $work/chain.pem;
    ssl_certificate_key $work/key.pem;
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
CONF

# The shipped gateway with its YAML defaults: HTTP/2 is on by default (h2c by prior knowledge, h2 by ALPN).
cat > "$out/gateway.yaml" <<CONF
listeners:
  - name: h2c
    protocol: http
    bind: 127.0.0.1
    port: $gateway_h2c_port
    backends:
      - {id: b, host: 127.0.0.1, port: ${backend_port[lb4j]}}
  - name: h2
    protocol: https
    bind: 127.0.0.1
    port: $gateway_h2_port
    tls: {certificate: $work/chain.pem, privateKey: $work/key.pem}
    backends:
      - {id: b, host: 127.0.0.1, port: ${backend_port[lb4j]}}
CONF

nginx -p "$work" -c "$out/proxy-nginx.conf" 2> "$out/proxy-nginx.log" &
pids+=($!)
nginx_master=$!
# shellcheck disable=SC2086
java $java_opts -jar "$gateway_jar" run --config "$out/gateway.yaml" --event-loops 1 > "$out/lb4j-gateway.log" 2>&1 &
pids+=($!)
gateway_pid=$!
await_h2 http "$nginx_h2c_port" "nginx (h2c)"
await_h2 https "$nginx_h2_port" "nginx (h2)"
# The gateway starts its backends unhealthy until the first checks pass (healthy threshold 3 x 2 s).
await_h2 http "$gateway_h2c_port" "lb4j gateway (h2c)"
await_h2 https "$gateway_h2_port" "lb4j gateway (h2)"
nginx_worker="$(pgrep -P "$nginx_master" | head -1)"

{
  echo "date: $(date -u '+%F %T') UTC"
  echo "machine: $(nproc) cores, $(uname -r), load before: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "java: $(java -version 2>&1 | head -1), options: $java_opts"
  echo "lb4j: the shipped gateway, $gateway_jar run --config gateway.yaml --event-loops 1 (YAML defaults)"
  echo "nginx: $(nginx -v 2>&1), worker_processes 1, HTTP/2 on ($h2c_listen / $h2_listen)"
  echo "h2load: $(h2load --version | head -1)"
  echo "openssl: $(openssl version)"
  echo "rounds: $rounds, duration: ${duration}s after ${warmup}s of warm-up; handshakes: $handshakes; idle: $idle"
  echo "page: $(wc -c < "$work/index.html") bytes"
} | tee "$out/setup.txt"

# Heap in use after a full GC, in KiB (the gateway's JVM).
heap_kib() {
  jcmd "$gateway_pid" GC.run > /dev/null
  sleep 0.5
  jcmd "$gateway_pid" GC.heap_info | awk '/total/ { for (i = 1; i <= NF; i++) if ($i == "used") { print $(i + 1); exit } }' \
    | tr -d 'K'
}

rss_kib() {
  awk '/^VmRSS/ { print $2 }' "/proc/$1/status"
}

# KIND SERVER PORT (kinds: h2c and h2 throughput, handshakes, memory)
runs=(
  "h2c lb4j $gateway_h2c_port" "h2c nginx $nginx_h2c_port"
  "h2 lb4j $gateway_h2_port" "h2 nginx $nginx_h2_port"
  "handshakes lb4j $gateway_h2_port" "handshakes nginx $nginx_h2_port"
  "memory lb4j $gateway_h2_port" "memory nginx $nginx_h2_port"
)
for ((r = 1; r <= rounds; r++)); do
  for run in "${runs[@]}"; do
    read -r kind server port <<< "$run"
    [[ "$kind $server" =~ ${ONLY:-.} ]] || continue
    name="round$r-$kind-$server"
    scheme=https
    [[ "$kind" == h2c ]] && scheme=http
    echo "== round $r/$rounds $kind $server: $(date -u +%T) UTC, load $(cut -d' ' -f1-3 /proc/loadavg)"
    case "$kind" in
      h2c|h2)
        timeout $((duration + warmup + 60)) h2load -c 4 -m 25 -t 2 -D "$duration" --warm-up-time="$warmup" \
          --log-file="$work/$name.log" "$scheme://127.0.0.1:$port/" > "$out/$name.txt"
        python3 -c "
import sys
d = sorted(int(l.split()[2]) for l in open('$work/$name.log') if len(l.split()) == 3 and l.split()[1] == '200')
print('p99_us %d over %d requests' % (d[int(0.99 * (len(d) - 1))], len(d)) if d else 'p99_us - (no request logged)')
" >> "$out/$name.txt"
        grep -E '^finished|^requests:|^p99_us' "$out/$name.txt"
        ;;
      handshakes)
        # Warm-up: the same number of handshakes, 100 at a time (a JIT compiles the JDK's TLS code meanwhile).
        timeout 300 h2load -n "$handshakes" -c 100 -t 2 "$scheme://127.0.0.1:$port/" > /dev/null
        timeout 300 h2load -n "$handshakes" -c "$handshakes" -t 2 "$scheme://127.0.0.1:$port/" > "$out/$name.txt"
        grep -E '^finished|^requests:|^Application protocol' "$out/$name.txt"
        ;;
      memory)
        if [[ "$server" == lb4j ]]; then before="$(heap_kib)"; rss_before="$(rss_kib "$gateway_pid")"
        else before="$(rss_kib "$nginx_worker")"; rss_before="$before"; fi
        rm -f "$work/idle-in" "$work/idle-out"
        mkfifo "$work/idle-in"
        java -Xmx1g -cp "$jar" io.lb4j.benchmarks.listener.IdleClients 127.0.0.1 "$port" "$idle" tls h2 \
          < "$work/idle-in" > "$work/idle-out" 2> "$out/$name.clients.log" &
        idle_pid=$!
        pids+=("$idle_pid")
        exec {hold}> "$work/idle-in"   # the clients hold their connections until this closes
        ready=""
        for _ in $(seq 1 1200); do
          ready="$(grep -m1 '^ready ' "$work/idle-out" || true)"
          [[ -n "$ready" ]] && break
          sleep 0.1
        done
        [[ -n "$ready" ]] || { echo "the idle clients did not connect within 120 s" >&2; exit 1; }
        opened="$(echo "$ready" | awk '{ print $2 }')"
        [[ "$opened" -gt 0 ]] || { echo "no idle connection opened: $ready" >&2; exit 1; }
        sleep 1
        if [[ "$server" == lb4j ]]; then after="$(heap_kib)"; rss_after="$(rss_kib "$gateway_pid")"
        else after="$(rss_kib "$nginx_worker")"; rss_after="$after"; fi
        exec {hold}>&-
        wait "$idle_pid" 2> /dev/null || true
        {
          echo "clients: $ready"
          if [[ "$server" == lb4j ]]; then
            echo "heap_bytes_per_connection $(( (after - before) * 1024 / opened )) (heap after GC: $before KiB -> $after KiB)"
          fi
          echo "rss_bytes_per_connection $(( (rss_after - rss_before) * 1024 / opened )) (RSS: $rss_before KiB -> $rss_after KiB)"
        } | tee "$out/$name.txt"
        ;;
    esac
  done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/setup.txt"
python3 lb-benchmarks/summarize-h2.py "$out" | tee "$out/summary.md"
