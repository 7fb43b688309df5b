#!/usr/bin/env bash
# Memory of idle keep-alive client connections: HAProxy (nbthread 1) and halb (event_loops: 1,
# started as `./halb run -c FILE`) each in front of the same nginx backend; N client connections
# (default 10,000) each send one request and then stay open and idle. Reads the proxy's VmRSS and
# PSS (/proc/PID/smaps_rollup) before and after, prints the per-connection cost and the ratio.
# Loopback only. See bench/README.md.
#
# usage: bench/idle.sh [CONNECTIONS]
#   TARGETS=haproxy,halb  SETTLE=5 (seconds idle before reading)  HALB_JAVA / HALB_JAVA_OPTS as usual
#   LAUNCH="cmd ..." replaces `./halb`.  INSPECT="cmd": runs `cmd NAME PID` while connections are held.
#   WARM=S: "warm" figures: S seconds of wrk traffic (10 connections) before "before" (a proxy
#   that has served traffic), and for a JVM a full collection (jcmd GC.run) before each reading, so
#   both readings hold the live objects in the old generation and the young generation is resident
#   in both (no connection churn in the warm-up: HAProxy's pools would keep the memory of those
#   connections and pre-pay part of what is measured);
#   default 0: "cold", read 2 s after 20 requests, as the figures before WARM existed.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# HAProxy reserves 2 descriptors per connection plus 14 (maxsock = 2 * maxconn + 14) and refuses
# to start above the open-file hard limit (20,000 here): 9,900 is the most both can hold with
# margin. Per-connection figures are what compares; the report also scales them to 10,000.
N=${1:-${CONNECTIONS:-9900}}
TARGETS=${TARGETS:-haproxy,halb}
SETTLE=${SETTLE:-5}
WARM=${WARM:-0}
LAUNCH=${LAUNCH:-./halb}

die() { echo "idle: $*" >&2; exit 1; }
log() { echo "idle: $*" >&2; }
(( WARM == 0 )) || command -v wrk >/dev/null || die "missing: wrk (for WARM)"
for tool in nginx haproxy curl ss python3; do command -v "$tool" >/dev/null || die "missing: $tool"; done
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
(( N + 200 < $(ulimit -n) )) || die "$N connections need more than the open-file limit $(ulimit -n)"

# Benches on one machine measure each other: take turns with bench/run.sh (same lock file).
source "$REPO/bench/lib.sh"
bench_lock

TMP=$(mktemp -d /tmp/halb-idle.XXXXXX)
PIDS=()
cleanup() {
  local rc=$? p
  trap - EXIT INT TERM
  exec 8>&- 2>/dev/null || true
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$TMP"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

wait_http() {  # port pid
  local i
  for i in $(seq 1 600); do
    kill -0 "$2" 2>/dev/null || return 1
    [[ "$(curl -s -o /dev/null -m 2 -w '%{http_code}' "http://127.0.0.1:$1/" 2>/dev/null)" == 200 ]] && return 0
    sleep 0.1
  done
  return 1
}
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
pss_kb() { awk '/^Pss:/ { print $2 }' "/proc/$1/smaps_rollup" 2>/dev/null || echo 0; }

BACKEND_PORT=$(free_port 12000)
mkdir -p "$TMP/backend/logs" "$TMP/backend/www"
printf ok >"$TMP/backend/www/body"
cat >"$TMP/backend/nginx.conf" <<EOF
daemon off;
master_process off;
worker_processes 1;
worker_rlimit_nofile 4096;
pid $TMP/backend/nginx.pid;
error_log $TMP/backend/logs/error.log warn;
events { worker_connections 2048; }
http {
  access_log off;
  client_body_temp_path $TMP/backend/body;
  proxy_temp_path $TMP/backend/proxy;
  fastcgi_temp_path $TMP/backend/fastcgi;
  uwsgi_temp_path $TMP/backend/uwsgi;
  scgi_temp_path $TMP/backend/scgi;
  keepalive_requests 100000000;
  keepalive_timeout 600s;
  default_type text/plain;
  server {
    listen 127.0.0.1:$BACKEND_PORT backlog=4096;
    root $TMP/backend/www;
    location / { try_files /body =404; }
  }
}
EOF
nginx -p "$TMP/backend" -c "$TMP/backend/nginx.conf" >"$TMP/backend/stdout.log" 2>&1 </dev/null 9>&- &
PIDS+=($!)
wait_http "$BACKEND_PORT" "$!" || die "backend nginx did not start"

declare -A VERSION MID_RSS BEFORE_RSS BEFORE_PSS AFTER_RSS AFTER_PSS HELD
LOAD_AT_START=$(cut -d' ' -f1-3 /proc/loadavg)

# WARM only: a JVM's live objects go to the old generation (a full collection), so that a reading
# counts what stays, not how much of the already resident young generation is in use.
collect() {  # pid
  local exe
  exe=$(readlink "/proc/$1/exe" 2>/dev/null) || return 0
  [[ "$(basename "$exe")" == java && -x "$(dirname "$exe")/jcmd" ]] || return 0
  "$(dirname "$exe")/jcmd" "$1" GC.run >/dev/null || die "jcmd $1 GC.run failed"
}

hold() {  # name port count index: one more client holding count idle connections, until fd 8 closes
  local name=$1 port=$2 count=$3 k=$4 i line client
  python3 "$REPO/bench/idle_client.py" "$port" "$count" 100 8 <"$TMP/hold" >"$TMP/client$k.out" 2>"$TMP/client$k.err" 8>&- 9>&- &
  client=$!
  PIDS+=("$client"); CLIENTS+=("$client")
  [[ $k == 1 ]] && exec 8>"$TMP/hold"
  for i in $(seq 1 1200); do
    grep -q '^ready' "$TMP/client$k.out" 2>/dev/null && break
    kill -0 "$client" 2>/dev/null || { cat "$TMP/client$k.err" >&2; die "$name: client died"; }
    sleep 0.5
  done
  line=$(grep '^ready' "$TMP/client$k.out") || die "$name: client not ready after 600 s"
  log "$name: client $k says: $line"; [[ -s "$TMP/client$k.err" ]] && head -3 "$TMP/client$k.err" >&2
  return 0
}

measure() {  # name port pid
  local name=$1 port=$2 pid=$3 i c
  CLIENTS=()
  for i in $(seq 1 20); do curl -s -o /dev/null "http://127.0.0.1:$port/"; done
  if (( WARM > 0 )); then
    wrk -t 1 -c 10 -d "${WARM}s" "http://127.0.0.1:$port/" >"$TMP/warm.out" 2>&1 || { cat "$TMP/warm.out" >&2; die "$name: wrk warm-up failed"; }
    log "$name: warm-up: $(grep -E 'Requests/sec' "$TMP/warm.out" | tr -s ' ')"
    collect "$pid"
  fi
  sleep 2
  BEFORE_RSS[$name]=$(rss_kb "$pid"); BEFORE_PSS[$name]=$(pss_kb "$pid")
  rm -f "$TMP/hold"; mkfifo "$TMP/hold"
  # Two halves: what the second half adds is the marginal cost of a connection, without what the
  # first ones paid once (code compiled for the connection path, allocator arenas, tables grown).
  hold "$name" "$port" $(( N / 2 )) 1
  sleep 2
  (( WARM == 0 )) || { collect "$pid"; sleep 1; }
  MID_RSS[$name]=$(rss_kb "$pid")
  hold "$name" "$port" $(( N - N / 2 )) 2
  sleep "$SETTLE"
  (( WARM == 0 )) || { collect "$pid"; sleep 1; }
  AFTER_RSS[$name]=$(rss_kb "$pid"); AFTER_PSS[$name]=$(pss_kb "$pid")
  HELD[$name]=$(ss -Htn state established "( sport = :$port )" | wc -l)
  log "$name: RSS ${BEFORE_RSS[$name]} -> ${MID_RSS[$name]} (half) -> ${AFTER_RSS[$name]} kB, PSS ${BEFORE_PSS[$name]} -> ${AFTER_PSS[$name]} kB, ${HELD[$name]} connections held"
  # INSPECT="cmd": run as `cmd NAME PID` while the connections are held (e.g. a jcmd heap histogram).
  [[ -n "${INSPECT:-}" ]] && { $INSPECT "$name" "$pid" >&2 || true; }
  exec 8>&-
  for c in "${CLIENTS[@]}"; do wait "$c" 2>/dev/null || true; done
}

stop() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }

IFS=, read -r -a TARGET_LIST <<<"$TARGETS"
for t in "${TARGET_LIST[@]}"; do
  port=$(free_port 12000)
  case "$t" in
    haproxy)
      cat >"$TMP/haproxy.cfg" <<EOF
global
  nbthread 1
  maxconn $(( ($(ulimit -Hn) - 14) / 2 ))
  ulimit-n $(ulimit -Hn)
  pidfile $TMP/haproxy.pid

defaults
  mode http
  timeout connect 5s
  timeout client 600s
  timeout server 600s
  option http-keep-alive
  http-reuse always

frontend idle
  bind 127.0.0.1:$port
  maxconn $(( ($(ulimit -Hn) - 14) / 2 ))
  default_backend backend

backend backend
  server nginx 127.0.0.1:$BACKEND_PORT
EOF
      haproxy -db -f "$TMP/haproxy.cfg" >"$TMP/haproxy.log" 2>&1 </dev/null 9>&- &
      pid=$!; PIDS+=("$pid")
      wait_http "$port" "$pid" || { cat "$TMP/haproxy.log" >&2; die "haproxy did not start"; }
      VERSION[haproxy]=$(haproxy -v | head -n1 | awk '{ print $3 }')
      ;;
    halb)
      admin=$(free_port 12000)
      cat >"$TMP/halb.yaml" <<EOF
event_loops: 1
admin: {bind: 127.0.0.1:$admin}
timeouts: {client_idle: 600s}
limits: {max_connections: $(( N + 100 ))}
listeners:
  - name: idle
    bind: 127.0.0.1:$port
    mode: http
    pool: backend
pools:
  - name: backend
    algorithm: round_robin
    servers:
      - {name: nginx, address: 127.0.0.1:$BACKEND_PORT}
EOF
      # shellcheck disable=SC2086
      (cd "$REPO" && exec $LAUNCH run -c "$TMP/halb.yaml") >"$TMP/halb.log" 2>&1 </dev/null 9>&- &
      pid=$!; PIDS+=("$pid")
      wait_http "$port" "$pid" || { cat "$TMP/halb.log" >&2; die "halb did not start"; }
      ;;
    *) die "target: $t (expected haproxy, halb)" ;;
  esac
  log "$t: pid $pid on 127.0.0.1:$port"
  measure "$t" "$port" "$pid"
  stop "$pid"
done

echo
if (( WARM > 0 )); then MODE="warm: ${WARM} s of wrk traffic first, a JVM fully collected before each reading"; else MODE="cold: read after 20 requests"; fi
echo "$N idle keep-alive client connections ($MODE); load average before: $LOAD_AT_START, after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| proxy | RSS before | RSS with $N idle | RSS per connection | RSS per connection, 2nd half | PSS before | PSS with $N idle | PSS per connection | connections held |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
for t in "${TARGET_LIST[@]}"; do
  awk -v t="$t" -v n="$N" -v rb="${BEFORE_RSS[$t]}" -v rm="${MID_RSS[$t]}" -v ra="${AFTER_RSS[$t]}" -v pb="${BEFORE_PSS[$t]}" -v pa="${AFTER_PSS[$t]}" -v h="${HELD[$t]}" \
    'BEGIN { printf "| %s | %.1f MiB | %.1f MiB | %.2f KiB | %.2f KiB | %.1f MiB | %.1f MiB | %.2f KiB | %d |\n", t, rb/1024, ra/1024, (ra-rb)/n, (ra-rm)/(n-int(n/2)), pb/1024, pa/1024, (pa-pb)/n, h }'
done
if [[ -n "${AFTER_RSS[halb]:-}" && -n "${AFTER_RSS[haproxy]:-}" ]]; then
  awk -v hb="${BEFORE_RSS[halb]}" -v hm="${MID_RSS[halb]}" -v ha="${AFTER_RSS[halb]}" -v xb="${BEFORE_RSS[haproxy]}" -v xm="${MID_RSS[haproxy]}" -v xa="${AFTER_RSS[haproxy]}" \
    'BEGIN { printf "\nhalb / HAProxy, RSS added by the connections: %.2f; by the second half: %.2f; total RSS with them: %.2f\n", (ha-hb)/(xa-xb), (ha-hm)/(xa-xm), ha/xa }'
fi
for t in "${TARGET_LIST[@]}"; do
  awk -v t="$t" -v n="$N" -v rb="${BEFORE_RSS[$t]}" -v ra="${AFTER_RSS[$t]}" \
    'BEGIN { printf "%s: scaled to 10,000 connections: %.1f MiB added, %.1f MiB in total\n", t, (ra-rb)/n*10000/1024, (rb + (ra-rb)/n*10000)/1024 }'
done
