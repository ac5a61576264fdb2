#!/usr/bin/env bash
# Fail-stop of the shipped gateway (issue 17, defect 1), end to end: lb-gateway.jar run with a small heap,
# an HTTP listener in front of an nginx backend, and clients (IdleClients, their own JVM) that each hold an
# unfinished 29 KiB request head until the gateway's heap is exhausted. Expected: the prepared FAILED line
# in the gateway's log, every listener closed, and the process exiting with code 3 (so that a supervisor
# restarts it) instead of keeping its ports bound and answering nothing. Prints what happened.
#
# One-time setup: apt-get install -y nginx curl; mvn -B -ntp -pl examples,lb-benchmarks -am package -DskipTests
# Usage: [HEAP=64m] [CONNECTIONS=3000] [HEAD_BYTES=29000] lb-benchmarks/run-gateway-fail-stop.sh
#   (with enough heap for the connections, the gateway keeps serving instead; the script says so)
set -euo pipefail
cd "$(dirname "$0")/.."

heap="${HEAP:-64m}"
connections="${CONNECTIONS:-3000}"
head_bytes="${HEAD_BYTES:-29000}"
jar=lb-benchmarks/target/benchmarks.jar
gateway_jar=examples/target/lb-gateway.jar
for f in "$jar" "$gateway_jar"; do
  [[ -f "$f" ]] || { echo "missing $f: mvn -B -ntp -pl examples,lb-benchmarks -am package -DskipTests" >&2; exit 1; }
done
work="$(mktemp -d)"
chmod 755 "$work"
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2> /dev/null || true; done
  sleep 1
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2> /dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
backend_port="$(free_port)"
port="$(free_port)"
echo ok > "$work/index.html"
cat > "$work/backend.conf" <<CONF
worker_processes 1;
daemon off;
pid $work/backend.pid;
error_log $work/backend-error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $work/body;
  server { listen 127.0.0.1:$backend_port; root $work; location / { index index.html; } }
}
CONF
cat > "$work/gateway.yaml" <<CONF
listeners:
  - name: web
    protocol: http
    bind: 127.0.0.1
    port: $port
    backends:
      - {id: b, host: 127.0.0.1, port: $backend_port}
CONF
nginx -p "$work" -c "$work/backend.conf" 2> "$work/backend.log" &
pids+=($!)
java "-Xmx$heap" -jar "$gateway_jar" run --config "$work/gateway.yaml" --event-loops 1 --status-every 0s \
  > "$work/gateway.log" 2>&1 &
gateway=$!
for _ in $(seq 1 300); do
  [[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$port/" || true)" == 200 ]] && break
  sleep 0.1
done
echo "gateway (pid $gateway, -Xmx$heap) serves: $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/")"
start=$(date +%s)
java -Xmx1g -cp "$jar" io.lb4j.benchmarks.listener.IdleClients 127.0.0.1 "$port" "$connections" plain \
  "partial:$head_bytes" < /dev/zero > "$work/clients.log" 2>&1 &
pids+=($!)
exit_code=""
for _ in $(seq 1 1200); do
  if ! kill -0 "$gateway" 2> /dev/null; then
    wait "$gateway" && exit_code=0 || exit_code=$?
    break
  fi
  sleep 0.1
done
if [[ -z "$exit_code" ]]; then
  echo "after $(( $(date +%s) - start ))s the gateway is still running: it holds the connections and serves:" \
    "$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "http://127.0.0.1:$port/" || true)"
  pids+=("$gateway")
  exit 0
fi
echo "the gateway exited with code $exit_code after $(( $(date +%s) - start ))s (3: a listener failed)"
grep -m1 "FAILED" "$work/gateway.log" || true
if curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$port/"; then
  echo "its port still answers (unexpected)"
else
  echo "its port is closed: connections are refused, a supervisor can restart it"
fi
[[ "$exit_code" == 3 ]]
