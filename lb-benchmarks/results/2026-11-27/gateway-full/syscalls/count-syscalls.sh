#!/usr/bin/env bash
# ad hoc: syscalls per request for lb4j L7 and nginx proxy (keep-alive and close), not committed
set -euo pipefail
cd /work/wt-gateway-bench
W=/tmp/gb-st; rm -rf $W; mkdir -p $W; chmod 755 $W
fp() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
B=$(fp); P=$(fp)
head -c 100 /dev/zero | tr '\0' 'x' > $W/index.html
sed -e "s#listen 127.0.0.1:[0-9]*#listen 127.0.0.1:$B#" -e "s#/tmp/[^/ ;]*#$W#g" lb-benchmarks/results/*/gateway-full/backend-nginx.conf > $W/b.conf
sed -e "s#server 127.0.0.1:[0-9]*;#server 127.0.0.1:$B;#" -e "s#listen 127.0.0.1:[0-9]*#listen 127.0.0.1:$P#" -e "s#/tmp/[^/ ;]*#$W#g" lb-benchmarks/results/*/gateway-full/proxy-nginx.conf > $W/p.conf
pids=()
trap 'for p in "${pids[@]}"; do kill $p 2>/dev/null || true; done' EXIT
nginx -p $W -c $W/b.conf & pids+=($!)
nginx -p $W -c $W/p.conf & pids+=($!)
java -Xms512m -Xmx512m -cp lb-benchmarks/target/benchmarks.jar io.lb4j.benchmarks.gateway.Lb4jGatewayLauncher --layer 7 --health off --backend 127.0.0.1:$B > $W/lb4j.log 2>&1 & pids+=($!)
LBPID=$!
sleep 4; L=$(grep -m1 listening $W/lb4j.log | sed 's/.*://')
NGW=$(pgrep -P $(cat $W/proxy.pid 2>/dev/null || echo 0) | head -1 || true)
[[ -n "$NGW" ]] || NGW=$(ps -eo pid,ppid,cmd | awk -v pp=$(cat $W/proxy.pid) '$2==pp && /worker/ {print $1}')
wrk -t2 -c64 -d15s http://127.0.0.1:$L/ > /dev/null
for mode in keepalive close; do
  H=(); [[ $mode == close ]] && H=(-H 'Connection: close')
  for who in lb4j nginx; do
    if [[ $who == lb4j ]]; then port=$L; tgt=$LBPID; else port=$P; tgt=$NGW; fi
    timeout 20 strace -c -f -p $tgt -o $W/$who-$mode.strace & sp=$!
    sleep 1
    wrk -t2 -c64 -d8s "${H[@]}" http://127.0.0.1:$port/ | tee $W/$who-$mode.wrk | grep "requests in"
    kill -INT $sp; wait $sp || true
    echo "== $who $mode"; head -14 $W/$who-$mode.strace
  done
done
