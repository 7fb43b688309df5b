#!/usr/bin/env bash
# HTTP/2 from clients, cleartext with prior knowledge: h2load through halb (h2c: true) and through
# HAProxy (bind ... proto h2), both proxying to the same nginx backend in HTTP/1.1 with keep-alive;
# and HTTP/1.1 through the same two listeners for comparison. Loopback only.
#
# Placement as bench/run.sh: the load generator on CPU 0, proxy and backend on CPU 1.
# Usage: bench/h2c.sh [SECONDS] [CONNECTIONS] [STREAMS_PER_CONNECTION]
set -euo pipefail

DURATION=${1:-10}
CONNS=${2:-10}
STREAMS=${3:-10}
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TMP=$(mktemp -d /tmp/halb-h2c-bench.XXXXXX)
PIDS=()

cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$TMP"
}
trap cleanup EXIT

for tool in h2load haproxy nginx taskset curl; do
  command -v "$tool" >/dev/null || { echo "missing: $tool (apt-get install nghttp2-client haproxy nginx curl)" >&2; exit 1; }
done

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 1 200); do curl -s -o /dev/null "http://127.0.0.1:$1/" && return 0; sleep 0.1; done; return 1; }

BACKEND=$(free_port); HALB=$(free_port); ADMIN=$(free_port); HAPROXY=$(free_port); HAPROXY_H1=$(free_port)

mkdir -p "$TMP/backend/logs" "$TMP/backend/www"
printf 'ok' >"$TMP/backend/www/body"
cat >"$TMP/backend/nginx.conf" <<EOF
daemon off; master_process off; worker_processes 1; pid $TMP/backend/nginx.pid;
error_log $TMP/backend/logs/error.log warn;
events { worker_connections 4096; }
http {
  access_log off; keepalive_requests 100000000; keepalive_timeout 300s; default_type text/plain;
  client_body_temp_path $TMP/backend/body; proxy_temp_path $TMP/backend/proxy;
  fastcgi_temp_path $TMP/backend/fastcgi; uwsgi_temp_path $TMP/backend/uwsgi; scgi_temp_path $TMP/backend/scgi;
  server { listen 127.0.0.1:$BACKEND backlog=4096; root $TMP/backend/www; location / { try_files /body =404; } }
}
EOF
cat >"$TMP/halb.yaml" <<EOF
event_loops: 1
admin: {bind: 127.0.0.1:$ADMIN}
listeners:
  - {name: bench, bind: 127.0.0.1:$HALB, mode: http, pool: backend, h2c: true}
pools:
  - {name: backend, servers: [{name: nginx, address: 127.0.0.1:$BACKEND}]}
EOF
cat >"$TMP/haproxy.cfg" <<EOF
global
  nbthread 1
  maxconn 4000
defaults
  mode http
  timeout connect 5s
  timeout client 60s
  timeout server 60s
  option http-keep-alive
  http-reuse always
frontend h2c
  bind 127.0.0.1:$HAPROXY proto h2
  default_backend b
frontend h1
  bind 127.0.0.1:$HAPROXY_H1
  default_backend b
backend b
  server nginx 127.0.0.1:$BACKEND
EOF

( exec taskset -c 1 nginx -p "$TMP/backend" -c "$TMP/backend/nginx.conf" ) >"$TMP/nginx.log" 2>&1 & PIDS+=($!)
( cd "$REPO" && exec taskset -c 1 ./halb run -c "$TMP/halb.yaml" ) >"$TMP/halb.log" 2>&1 & PIDS+=($!); HALB_PID=$!
( exec taskset -c 1 haproxy -db -f "$TMP/haproxy.cfg" ) >"$TMP/haproxy.log" 2>&1 & PIDS+=($!); HAPROXY_PID=$!
wait_port "$BACKEND" && wait_port "$HALB" && wait_port "$HAPROXY_H1" || { cat "$TMP"/*.log >&2; exit 1; }

ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }  # utime+stime of the whole process, in clock ticks

run() {  # label pid url h2load-args...
  local label=$1 pid=$2 url=$3; shift 3
  local out before after
  before=$(ticks "$pid")
  out=$(taskset -c 0 h2load -D "$DURATION" -c "$CONNS" "$@" "$url" 2>&1)
  after=$(ticks "$pid")
  local rps; rps=$(awk '/^finished in/ {print $4}' <<<"$out")
  local done; done=$(awk '/^requests:/ {print $8}' <<<"$out")
  local cpu; cpu=$(awk -v t=$((after - before)) -v n="$done" -v hz="$(getconf CLK_TCK)" 'BEGIN { if (n > 0) printf "%.1f", t * 1e6 / hz / n; else print "-" }')
  local status; status=$(awk '/^status codes:/ {print $3, $4, $5, $6, $7, $8, $9, $10}' <<<"$out")
  local lat; lat=$(awk '/^time for request:/ {print "mean " $6 ", sd " $7}' <<<"$out")
  printf '| %-20s | %10s | %8s | %-24s | %s |\n' "$label" "$rps" "$cpu" "$lat" "$status"
}

# Warm-up: the JIT compiles halb's hot path.
taskset -c 0 h2load -D 10 -c "$CONNS" -m "$STREAMS" "http://127.0.0.1:$HALB/" >/dev/null 2>&1
taskset -c 0 h2load -D 5 -c "$CONNS" --h1 "http://127.0.0.1:$HALB/" >/dev/null 2>&1
taskset -c 0 h2load -D 3 -c "$CONNS" -m "$STREAMS" "http://127.0.0.1:$HAPROXY/" >/dev/null 2>&1

echo "h2load -D $DURATION -c $CONNS; h2c with -m $STREAMS streams per connection; body 2 B; $(nproc) CPUs"
echo
echo '| target | req/s | proxy CPU µs/req | time for request | status codes |'
echo '|---|---|---|---|---|'
run "halb, h2c" "$HALB_PID" "http://127.0.0.1:$HALB/" -m "$STREAMS"
run "HAProxy, h2c" "$HAPROXY_PID" "http://127.0.0.1:$HAPROXY/" -m "$STREAMS"
run "halb, HTTP/1.1" "$HALB_PID" "http://127.0.0.1:$HALB/" --h1
run "HAProxy, HTTP/1.1" "$HAPROXY_PID" "http://127.0.0.1:$HAPROXY_H1/" --h1
