#!/usr/bin/env bash
# Rolling restarts of the backends, as a deploy does them (issue 26), lb4j beside nginx in one run:
#   three nginx backends serve a ~100-byte page; lb4j's shipped gateway (examples/target/lb-gateway.jar, a YAML
#   file with the defaults, one event loop) and an nginx proxy (an upstream of the same three backends,
#   keepalive 64, nginx's defaults otherwise: proxy_next_upstream error timeout, max_fails 1, fail_timeout 10s)
#   both sit in front of them; the same paced load goes through both at once (RestartLoad: half the clients keep
#   their connection, half open one per request); every PERIOD seconds one backend is stopped with SIGNAL
#   (TERM, nginx's fast shutdown, as in the issue's soak; QUIT for its graceful one) and started again DOWN
#   seconds later on the same port, in turn. Both proxies see the same restarts at the same moments.
# The report (OUT/summary.txt): for each proxy and client mode, requests sent, failed by cause, and failed per
# restart. The gateway's own log (OUT/lb4j-gateway.log) shows its status table with the failure causes.
#
# One-time setup (this script installs nothing; CI never runs it):
#   apt-get install -y nginx
#   mvn -B -ntp -pl lb-benchmarks,examples -am package -DskipTests
#
# Usage: [RESTARTS=6] [PERIOD=20] [DOWN=8] [RATE=1000] [CLIENTS=8] [SIGNAL=TERM] [JAVA_OPTS=...] [OUT=dir] \
#            lb-benchmarks/run-rolling-restart.sh
#   A quick look: RESTARTS=3 PERIOD=6 DOWN=3 RATE=200 lb-benchmarks/run-rolling-restart.sh
# RATE is requests per second through each proxy (both proxies get it); the load runs
# (RESTARTS + 1) * PERIOD seconds, the first restart one PERIOD in.
set -euo pipefail
cd "$(dirname "$0")/.."

restarts="${RESTARTS:-6}"
period="${PERIOD:-20}"
down="${DOWN:-8}"
rate="${RATE:-1000}"
clients="${CLIENTS:-8}"
signal="${SIGNAL:-TERM}"
java_opts="${JAVA_OPTS:--Xms256m -Xmx256m}"
bench_jar=lb-benchmarks/target/benchmarks.jar
gateway_jar=examples/target/lb-gateway.jar
for tool in nginx java python3; do
  command -v "$tool" > /dev/null || { echo "missing $tool: apt-get install -y nginx" >&2; exit 1; }
done
for jar in "$bench_jar" "$gateway_jar"; do
  [[ -f "$jar" ]] || { echo "missing $jar: mvn -B -ntp -pl lb-benchmarks,examples -am package -DskipTests" >&2; exit 1; }
done
for n in "$restarts" "$period" "$down" "$rate" "$clients"; do
  [[ "$n" =~ ^[0-9]+$ && "$n" -ge 1 && "$n" -le 100000 ]] || { echo "RESTARTS, PERIOD, DOWN, RATE, CLIENTS must be 1-100000, was $n" >&2; exit 2; }
done
[[ "$down" -lt "$period" ]] || { echo "DOWN ($down) must be shorter than PERIOD ($period)" >&2; exit 2; }
[[ "$signal" == TERM || "$signal" == QUIT ]] || { echo "SIGNAL must be TERM or QUIT, was $signal" >&2; exit 2; }

out="${OUT:-lb-benchmarks/results/$(date -u +%F)/rolling-restart-$(date -u +%H%M)}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
work="$(mktemp -d)"
chmod 755 "$work"   # nginx workers run as nobody and read the page from here
pids=()
backend_pids=(0 0 0)

stop_all() {
  local pid
  for pid in "${pids[@]}" "${backend_pids[@]}"; do [[ "$pid" -gt 0 ]] && kill -TERM "$pid" 2> /dev/null || true; done
  for _ in $(seq 1 100); do
    local alive=0
    for pid in "${pids[@]}" "${backend_pids[@]}"; do [[ "$pid" -gt 0 ]] && kill -0 "$pid" 2> /dev/null && alive=1; done
    [[ $alive -eq 0 ]] && break
    sleep 0.1
  done
  for pid in "${pids[@]}" "${backend_pids[@]}"; do [[ "$pid" -gt 0 ]] && kill -KILL "$pid" 2> /dev/null || true; done
  rm -rf "$work"
}
trap stop_all EXIT
trap 'exit 130' INT TERM

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Waits until 127.0.0.1:$1 answers GET / with 200 (at most 60 s).
await_http_200() {
  local port="$1" name="$2" status=""
  for _ in $(seq 1 600); do
    status="$( (exec 3<> "/dev/tcp/127.0.0.1/$port" \
      && printf 'GET / HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n' >&3 \
      && timeout 5 head -1 <&3) 2> /dev/null | tr -d '\r' || true)"
    [[ "$status" == HTTP/1.1\ 200* ]] && return 0
    sleep 0.1
  done
  echo "$name on 127.0.0.1:$port did not answer 200 within 60 s (last status line: '$status')" >&2
  exit 1
}

printf '<!doctype html><html><head><title>lb4j</title></head><body><p>backend page, 100 bytes</p></body></html>\n' \
  | head -c 100 > "$work/index.html"

backend_ports=("$(free_port)" "$(free_port)" "$(free_port)")
for i in 0 1 2; do
  mkdir -p "$work/b$i"
  cat > "$out/backend-$i-nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $work/b$i/nginx.pid;
error_log $work/b$i/error.log warn;
events { worker_connections 8192; }
http {
  access_log off;
  keepalive_requests 1000000;
  client_body_temp_path $work/b$i/body;
  server {
    listen 127.0.0.1:${backend_ports[$i]} backlog=4096;
    root $work;
    location / { index index.html; }
  }
}
CONF
done

start_backend() {
  nginx -p "$work/b$1" -c "$out/backend-$1-nginx.conf" 2>> "$out/backend-$1-nginx.log" &
  backend_pids[$1]=$!
}

for i in 0 1 2; do
  start_backend "$i"
done
for i in 0 1 2; do
  await_http_200 "${backend_ports[$i]}" "backend $i"
done

nginx_port="$(free_port)"
lb4j_port="$(free_port)"
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
  upstream backends {
    server 127.0.0.1:${backend_ports[0]};
    server 127.0.0.1:${backend_ports[1]};
    server 127.0.0.1:${backend_ports[2]};
    keepalive 64;
  }
  server {
    listen 127.0.0.1:$nginx_port backlog=4096;
    location / {
      proxy_pass http://backends;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
CONF
cat > "$out/gateway.yaml" <<CONF
# lb4j's gateway with its defaults: only what must be said (name, protocol, address, backends).
listeners:
  - name: web
    protocol: http
    bind: 127.0.0.1
    port: $lb4j_port
    backends:
      - {id: b0, host: 127.0.0.1, port: ${backend_ports[0]}}
      - {id: b1, host: 127.0.0.1, port: ${backend_ports[1]}}
      - {id: b2, host: 127.0.0.1, port: ${backend_ports[2]}}
CONF

nginx -p "$work" -c "$out/proxy-nginx.conf" 2> "$out/proxy-nginx.log" &
pids+=($!)
# shellcheck disable=SC2086
java $java_opts -jar "$gateway_jar" run --config "$out/gateway.yaml" --event-loops 1 --status-every 10s \
  > "$out/lb4j-gateway.log" 2>&1 &
pids+=($!)
# The gateway gives a backend traffic once its health checks passed (healthy threshold 3 x 2 s).
await_http_200 "$nginx_port" "nginx proxy"
await_http_200 "$lb4j_port" "lb4j gateway"

seconds=$(( (restarts + 1) * period ))
{
  echo "date: $(date -u '+%F %T') UTC"
  echo "machine: $(nproc) cores, $(uname -r), load before: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "java: $(java -version 2>&1 | head -1), options: $java_opts"
  echo "nginx: $(nginx -v 2>&1)"
  echo "load: $rate requests/s through each proxy, $clients clients each (half keep-alive), ${seconds}s"
  echo "restarts: $restarts, one every ${period}s, each backend down ${down}s, stopped with SIG$signal"
} | tee "$out/setup.txt"

# shellcheck disable=SC2086
java $java_opts -cp "$bench_jar" io.lb4j.benchmarks.gateway.RestartLoad --target "lb4j=127.0.0.1:$lb4j_port" \
  --target "nginx=127.0.0.1:$nginx_port" --rate "$rate" --seconds "$seconds" --clients "$clients" \
  > "$out/load.txt" 2> "$out/load.log" &
load_pid=$!
pids+=($load_pid)

sleep "$period"
for ((r = 0; r < restarts; r++)); do
  i=$((r % 3))
  echo "== restart $((r + 1))/$restarts: backend $i (port ${backend_ports[$i]}) stopped with SIG$signal, $(date -u +%T) UTC" \
    | tee -a "$out/setup.txt"
  kill "-$signal" "${backend_pids[$i]}"
  # nginx's graceful stop ends once its connections finished; a fast one at once. Either way, wait for the exit.
  for _ in $(seq 1 300); do kill -0 "${backend_pids[$i]}" 2> /dev/null || break; sleep 0.1; done
  kill -KILL "${backend_pids[$i]}" 2> /dev/null || true
  wait "${backend_pids[$i]}" 2> /dev/null || true
  sleep "$down"
  start_backend "$i"
  sleep $((period - down))
done
wait "$load_pid"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/setup.txt"

python3 - "$out/load.txt" "$restarts" <<'PY' | tee "$out/summary.txt"
import re, sys
path, restarts = sys.argv[1], int(sys.argv[2])
rows = {}
for line in open(path):
    m = re.match(r'(\S+) (\S+) sent=(\d+) ok=(\d+) failed=(\d+) (.*)', line.strip())
    if m:
        proxy, mode, sent, ok, failed, causes = m.groups()
        rows[(proxy, mode)] = (int(sent), int(ok), int(failed), causes)
print(f"{'proxy':8} {'clients':10} {'sent':>8} {'failed':>7} {'per restart':>12}  causes")
for proxy in sorted({p for p, _ in rows}):
    total_sent = total_failed = 0
    for mode in ('keepalive', 'close'):
        if (proxy, mode) not in rows:
            continue
        sent, ok, failed, causes = rows[(proxy, mode)]
        total_sent += sent
        total_failed += failed
        print(f"{proxy:8} {mode:10} {sent:8d} {failed:7d} {failed / restarts:12.1f}  {causes}")
    print(f"{proxy:8} {'all':10} {total_sent:8d} {total_failed:7d} {total_failed / restarts:12.1f}")
PY
