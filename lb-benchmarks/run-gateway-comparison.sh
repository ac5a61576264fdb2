#!/usr/bin/env bash
# Side by side on loopback, all in one run (issues 10 and 17, "Speed"):
#   Layer 7: the SHIPPED gateway (examples/target/lb-gateway.jar run, its YAML defaults, one event loop) vs
#            nginx proxy_pass (upstream keepalive 64) vs Vert.x vertx-http-proxy;
#   HTTPS:   the gateway's https listener vs nginx ssl + proxy_pass; with a connection per request each
#            request is a full TLS handshake (handshakes per second), with keep-alive it is HTTPS throughput;
#   Layer 4: the gateway's tcp listener vs HAProxy mode tcp;
#   each with keep-alive clients and again with a new client connection per request (Connection: close).
# Each proxy has its own backend: an nginx serving a ~100-byte static page (one worker), whose stub_status
# counts the connections that proxy opened to it (health checks included), recorded per measurement.
# Every proxy gets one worker thread (the gateway: --event-loops 1, one loop per listener; nginx:
# worker_processes 1; HAProxy: nbthread 1; Vert.x: one event loop). wrk drives each path (2 threads, 64
# connections) for DURATION seconds after a warm-up; the paths are measured in turn, ROUNDS times; the summary
# prints medians, the spread (min-max over rounds), the ratios lb4j/peer and the backend connections opened.
#
# One-time setup (this script installs nothing unless given --install; CI never runs it):
#   apt-get install -y nginx haproxy wrk openssl
#   mvn -B -ntp -pl examples,lb-benchmarks -am package -DskipTests
#
# Usage: [ROUNDS=3] [DURATION=30] [WARMUP=10] [FIRST_WARMUP=30] [JAVA_OPTS=...] [OUT=dir] [ONLY=regex] \
#            [JFR=on] lb-benchmarks/run-gateway-comparison.sh [--install]
#   A smoke run (a few seconds per path, to see that it works; not a measurement):
#     ROUNDS=1 DURATION=2 WARMUP=1 FIRST_WARMUP=2 lb-benchmarks/run-gateway-comparison.sh
#   ONLY: measure only the paths whose "LAYER MODE SERVER" matches (for example ONLY='tls close').
#   JFR=on: record a Flight Recorder profile of the gateway (OUT/lb4j-gateway.jfr, written when the script
#   stops it); read it with: jfr print --events jdk.ExecutionSample OUT/lb4j-gateway.jfr
# Raw wrk output, backend connection counts (.backend files), the configurations and the summary go to OUT
# (default lb-benchmarks/results/<UTC date>/gateway-<UTC time>).
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ "${1:-}" == "--install" ]]; then
  apt-get install -y nginx haproxy wrk openssl
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
gateway_jar=examples/target/lb-gateway.jar
for tool in nginx haproxy wrk java python3 openssl curl; do
  command -v "$tool" > /dev/null || { echo "missing $tool: apt-get install -y nginx haproxy wrk openssl curl (or run with --install)" >&2; exit 1; }
done
for f in "$jar" "$gateway_jar"; do
  [[ -f "$f" ]] || { echo "missing $f: mvn -B -ntp -pl examples,lb-benchmarks -am package -DskipTests" >&2; exit 1; }
done
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

# Waits until $1 (http or https) on 127.0.0.1:$2 answers GET / with 200 (at most 60 s).
await_200() {
  local scheme="$1" port="$2" name="$3" status=""
  for _ in $(seq 1 600); do
    status="$(curl -sk -o /dev/null -w '%{http_code}' --max-time 5 "$scheme://127.0.0.1:$port/" || true)"
    [[ "$status" == 200 ]] && return 0
    sleep 0.1
  done
  echo "$name on $scheme://127.0.0.1:$port did not answer 200 within 60 s (last status: '$status')" >&2
  exit 1
}

# Connections the backend nginx on port $1 has accepted so far (its stub_status "accepts"; the request
# reading it is one of them).
backend_accepts() {
  curl -s --max-time 5 "http://127.0.0.1:$1/backend_status" | awk 'NR == 3 { print $1 }'
}

# Starts a Java launcher, waits for its "listening 127.0.0.1:PORT" line and sets java_port (not printed:
# a command substitution would run it in a subshell, and its pid would escape the trap).
start_java() {
  local name="$1" log="$out/$1.log"
  shift
  # shellcheck disable=SC2086
  java $java_opts -cp "$jar" "$@" > "$log" 2>&1 &
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

# The page: 100 bytes of HTML.
printf '<!doctype html><html><head><title>lb4j</title></head><body><p>backend page, 100 bytes</p></body></html>\n' \
  | head -c 100 > "$work/index.html"

# One backend nginx per proxy path, so each count of accepted connections belongs to one proxy.
declare -A backend_port
for b in lb4j-l7 lb4j-tls lb4j-l4 nginx nginx-tls vertx haproxy; do
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
  client_body_temp_path $work/backend-$b-body;
  server {
    listen 127.0.0.1:$port backlog=4096;
    root $work;
    location / { index index.html; }
    location = /backend_status { stub_status; }
  }
}
CONF
  nginx -p "$work" -c "$out/backend-$b.conf" 2> "$out/backend-$b.log" &
  pids+=($!)
done
for b in "${!backend_port[@]}"; do
  await_200 http "${backend_port[$b]}" "backend nginx for $b"
done

# One self-signed EC certificate for both HTTPS proxies (PKCS#8 key, as the gateway's tls.privateKey wants).
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$work/key.pem" \
  -out "$work/chain.pem" -days 2 -subj /CN=localhost -addext subjectAltName=IP:127.0.0.1 2> "$out/openssl.log"

nginx_port="$(free_port)"
nginx_tls_port="$(free_port)"
haproxy_port="$(free_port)"
gateway_l7_port="$(free_port)"
gateway_tls_port="$(free_port)"
gateway_l4_port="$(free_port)"

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
    server 127.0.0.1:${backend_port[nginx]};
    keepalive 64;
  }
  upstream backend_tls {
    server 127.0.0.1:${backend_port[nginx-tls]};
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
  server {
    listen 127.0.0.1:$nginx_tls_port ssl backlog=4096;
    ssl_certificate $work/chain.pem;
    ssl_certificate_key $work/key.pem;
    location / {
      proxy_pass http://backend_tls;
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
  server b0 127.0.0.1:${backend_port[haproxy]} check inter 2s
CONF

# The shipped gateway with its YAML defaults: only what a file must say (names, ports, TLS files, backends).
cat > "$out/gateway.yaml" <<CONF
listeners:
  - name: web
    protocol: http
    bind: 127.0.0.1
    port: $gateway_l7_port
    backends:
      - {id: b, host: 127.0.0.1, port: ${backend_port[lb4j-l7]}}
  - name: secure
    protocol: https
    bind: 127.0.0.1
    port: $gateway_tls_port
    tls: {certificate: $work/chain.pem, privateKey: $work/key.pem}
    backends:
      - {id: b, host: 127.0.0.1, port: ${backend_port[lb4j-tls]}}
  - name: tcp
    protocol: tcp
    bind: 127.0.0.1
    port: $gateway_l4_port
    backends:
      - {id: b, host: 127.0.0.1, port: ${backend_port[lb4j-l4]}}
CONF

nginx -p "$work" -c "$out/proxy-nginx.conf" 2> "$out/proxy-nginx.log" &
pids+=($!)
haproxy -db -f "$out/haproxy.cfg" > "$out/haproxy.log" 2>&1 &
pids+=($!)
jfr=()
if [[ "${JFR:-off}" == on ]]; then
  jfr=("-XX:StartFlightRecording=filename=$out/lb4j-gateway.jfr,dumponexit=true,settings=profile")
fi
# shellcheck disable=SC2086
java $java_opts "${jfr[@]}" -jar "$gateway_jar" run --config "$out/gateway.yaml" --event-loops 1 \
  > "$out/lb4j-gateway.log" 2>&1 &
pids+=($!)
start_java vertx io.lb4j.benchmarks.gateway.VertxProxyLauncher --event-loops 1 --pool 64 \
  --backend "127.0.0.1:${backend_port[vertx]}"
vertx_port="$java_port"
# The gateway starts its backends unhealthy until the first checks pass (healthy threshold 3 x 2 s).
await_200 http "$nginx_port" nginx
await_200 https "$nginx_tls_port" "nginx ssl"
await_200 http "$haproxy_port" haproxy
await_200 http "$gateway_l7_port" "lb4j gateway (http)"
await_200 https "$gateway_tls_port" "lb4j gateway (https)"
await_200 http "$gateway_l4_port" "lb4j gateway (tcp)"
await_200 http "$vertx_port" vertx

{
  echo "date: $(date -u '+%F %T') UTC"
  echo "machine: $(nproc) cores, $(uname -r), load before: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "java: $(java -version 2>&1 | head -1), options: $java_opts"
  echo "lb4j: the shipped gateway, $gateway_jar run --config gateway.yaml --event-loops 1 (YAML defaults)"
  echo "nginx: $(nginx -v 2>&1)"
  echo "haproxy: $(haproxy -v | head -1)"
  echo "openssl: $(openssl version)"
  echo "wrk: $(wrk -v 2>&1 | head -1)"
  echo "rounds: $rounds, duration: ${duration}s, warm-up: ${first_warmup}s first round, ${warmup}s after"
  echo "page: $(wc -c < "$work/index.html") bytes"
} | tee "$out/setup.txt"

# mode (keepalive|close), layer (l7|tls|l4), server, scheme, proxy port, backend (its own nginx)
paths=(
  "keepalive l7 lb4j http $gateway_l7_port lb4j-l7" "keepalive l7 nginx http $nginx_port nginx"
  "keepalive l7 vertx http $vertx_port vertx"
  "keepalive tls lb4j https $gateway_tls_port lb4j-tls" "keepalive tls nginx https $nginx_tls_port nginx-tls"
  "keepalive l4 lb4j http $gateway_l4_port lb4j-l4" "keepalive l4 haproxy http $haproxy_port haproxy"
  "close l7 lb4j http $gateway_l7_port lb4j-l7" "close l7 nginx http $nginx_port nginx"
  "close l7 vertx http $vertx_port vertx"
  "close tls lb4j https $gateway_tls_port lb4j-tls" "close tls nginx https $nginx_tls_port nginx-tls"
  "close l4 lb4j http $gateway_l4_port lb4j-l4" "close l4 haproxy http $haproxy_port haproxy"
)
for ((r = 1; r <= rounds; r++)); do
  w=$warmup
  [[ $r -eq 1 ]] && w=$first_warmup
  for path in "${paths[@]}"; do
    read -r mode layer server scheme port backend <<< "$path"
    [[ "$layer $mode $server" =~ ${ONLY:-.} ]] || continue
    header=()
    [[ "$mode" == close ]] && header=(-H 'Connection: close')
    url="$scheme://127.0.0.1:$port/"
    name="round$r-$layer-$mode-$server"
    echo "== round $r/$rounds $layer $mode $server: warm-up ${w}s, $(date -u +%T) UTC, load $(cut -d' ' -f1-3 /proc/loadavg)"
    timeout $((w + 60)) wrk -t2 -c64 -d"${w}s" "${header[@]}" "$url" > /dev/null
    before="$(backend_accepts "${backend_port[$backend]}")"
    timeout $((duration + 60)) wrk -t2 -c64 -d"${duration}s" --latency "${header[@]}" "$url" \
      | tee "$out/$name.txt" | grep -E 'Requests/sec|99%|Socket errors|Non-2xx' || true
    after="$(backend_accepts "${backend_port[$backend]}")"
    # The reading of "after" is itself one accepted connection.
    opened=$((after - before - 1))
    echo "backend connections opened: $opened in ${duration}s" | tee "$out/$name.backend"
  done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/setup.txt"
python3 lb-benchmarks/summarize-gateway.py "$out" | tee "$out/summary.md"
