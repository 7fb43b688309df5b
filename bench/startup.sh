#!/usr/bin/env bash
# Start-up time: wall time from launching `./halb run -c FILE` (jar already built) until the first
# proxied 200 through halb, polled with curl every few ms. Several runs; prints each, the median
# and the max. Loopback only. See bench/README.md.
#
# usage: bench/startup.sh [RUNS]          (default 7)
#   HALB_JAVA / HALB_JAVA_OPTS are passed to the launcher as usual.
#   LAUNCH="cmd ..." replaces `./halb` (e.g. LAUNCH="java -jar core/target/halb.jar").
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUNS=${1:-${RUNS:-7}}
LAUNCH=${LAUNCH:-./halb}

die() { echo "startup: $*" >&2; exit 1; }
log() { echo "startup: $*" >&2; }
for tool in nginx curl ss python3; do command -v "$tool" >/dev/null || die "missing: $tool"; done
[[ -f "$REPO/core/target/halb.jar" ]] || die "build the jar first: mvn -B -DskipTests -pl core -am package"

# Benches on one machine measure each other: take turns with bench/run.sh (same lock file).
source "$REPO/bench/lib.sh"
bench_lock

TMP=$(mktemp -d /tmp/halb-startup.XXXXXX)
PIDS=()
cleanup() {
  local rc=$? p
  trap - EXIT INT TERM
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  rm -rf "$TMP"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM


BACKEND_PORT=$(free_port)
mkdir -p "$TMP/backend/logs" "$TMP/backend/www"
printf ok >"$TMP/backend/www/body"
cat >"$TMP/backend/nginx.conf" <<EOF
daemon off;
master_process off;
worker_processes 1;
pid $TMP/backend/nginx.pid;
error_log $TMP/backend/logs/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $TMP/backend/body;
  proxy_temp_path $TMP/backend/proxy;
  fastcgi_temp_path $TMP/backend/fastcgi;
  uwsgi_temp_path $TMP/backend/uwsgi;
  scgi_temp_path $TMP/backend/scgi;
  default_type text/plain;
  server {
    listen 127.0.0.1:$BACKEND_PORT;
    root $TMP/backend/www;
    location / { try_files /body =404; }
  }
}
EOF
nginx -p "$TMP/backend" -c "$TMP/backend/nginx.conf" >"$TMP/backend/stdout.log" 2>&1 </dev/null 9>&- &
PIDS+=($!)
for _ in $(seq 1 100); do
  curl -s -o /dev/null "http://127.0.0.1:$BACKEND_PORT/" && break
  sleep 0.05
done

# One run: prints the milliseconds from launch to the first 200 through halb.
# The timing loop is a python3 process so that polling costs no fork per try.
one_run() {
  local port admin
  port=$(free_port); admin=$(free_port)
  cat >"$TMP/halb.yaml" <<EOF
event_loops: 1
admin: {bind: 127.0.0.1:$admin}
listeners:
  - name: web
    bind: 127.0.0.1:$port
    mode: http
    pool: backend
pools:
  - name: backend
    algorithm: round_robin
    servers:
      - {name: nginx, address: 127.0.0.1:$BACKEND_PORT}
EOF
  (cd "$REPO" && python3 - "$port" "$TMP/halb.yaml" "$TMP/halb.log" $LAUNCH <<'PY'
import os, socket, subprocess, sys, time
port, cfg, logf, launch = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4:]
req = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
t0 = time.monotonic()
p = subprocess.Popen(launch + ["run", "-c", cfg], stdout=open(logf, "w"), stderr=subprocess.STDOUT,
                     stdin=subprocess.DEVNULL)
ms = None
try:
    while time.monotonic() - t0 < 30:
        if p.poll() is not None:
            break
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
                s.sendall(req)
                data = b""
                while True:
                    b = s.recv(4096)
                    if not b:
                        break
                    data += b
                if data.startswith(b"HTTP/1.1 200"):
                    ms = (time.monotonic() - t0) * 1000
                    break
        except OSError:
            pass
        time.sleep(0.003)
finally:
    p.terminate()
    try:
        p.wait(10)
    except subprocess.TimeoutExpired:
        p.kill(); p.wait()
print("%.0f" % ms if ms is not None else "fail")
PY
  )
}

log "load average before: $(cut -d' ' -f1-3 /proc/loadavg); launcher: $LAUNCH ${HALB_JAVA_OPTS:+(HALB_JAVA_OPTS=$HALB_JAVA_OPTS)}"
one_run >/dev/null   # uncounted: warms the page cache and, with CDS, writes the archive
results=()
for i in $(seq 1 "$RUNS"); do
  r=$(one_run)
  [[ "$r" == fail ]] && { cat "$TMP/halb.log" >&2; die "run $i: halb did not answer 200 within 30 s"; }
  log "run $i: $r ms"
  results+=("$r")
done
sorted=$(printf '%s\n' "${results[@]}" | sort -n)
median=$(echo "$sorted" | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }')
max=$(echo "$sorted" | tail -n1)
min=$(echo "$sorted" | head -n1)
echo "runs: $RUNS  median: ${median} ms  min: ${min} ms  max: ${max} ms  (launch to first proxied 200; load average after: $(cut -d' ' -f1-3 /proc/loadavg))"
