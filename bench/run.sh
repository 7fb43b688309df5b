#!/usr/bin/env bash
# Side-by-side benchmark on loopback: wrk against an nginx backend directly, through HAProxy,
# through NGINX and through halb, interleaved in one run with the same settings.
# See bench/README.md for what it measures and the knobs; `bench/run.sh --help` for the flags.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
COMMAND_LINE="bench/run.sh${*:+ $*}"

# ---------------------------------------------------------------------------------------------
# Settings (environment first, flags override)

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-50}
BODY=${BODY:-2}
MODE=${MODE:-http}
TARGETS=${TARGETS:-direct,haproxy,nginx,halb}
WRK_THREADS=${WRK_THREADS:-1}
WRK_CPU=${WRK_CPU:-0}
PROXY_CPU=${PROXY_CPU:-1}
WARMUP=${WARMUP:-2}                     # seconds of uncounted load for every target, per start
HALB_WARMUP=${HALB_WARMUP:-90}          # extra uncounted seconds for halb (JIT; CPU per request still falls for ~80 s of load)
HALB_START_TIMEOUT=${HALB_START_TIMEOUT:-300}   # the launcher may build the jar first
HALB_JAR=${HALB_JAR:-}                  # run this jar with java instead of ./halb
HALB_JAVA_OPTS=${HALB_JAVA_OPTS:-}      # JVM options, for ./halb and for --halb-jar
HALB_JAVA=${HALB_JAVA:-}                # the java binary, for ./halb and for --halb-jar
PAUSE=${PAUSE:-1}                       # seconds between runs
QUIET_WAIT=${QUIET_WAIT:-60}            # wait up to this long before a run for an idle machine
QUIET_PERCENT=${QUIET_PERCENT:-10}      # "idle": others use less than this % of one CPU
DISTURBED_PERCENT=${DISTURBED_PERCENT:-20}  # a run during which others used more is repeated
RETRIES=${RETRIES:-2}                   # at most this many times
OUT=${OUT:-}                            # also write the report here
KEEP=${KEEP:-0}                         # keep the temp dir (configs, logs, raw wrk output)
FEATURES=${FEATURES:-0}                 # 1: health checks, cookie persistence, per-client rate limit (HAProxy and halb)

usage() {
  cat <<'EOF'
usage: bench/run.sh [options]

  --quick               2 rounds of 3 s, 1 s warm-up, 5 s halb warm-up
  --rounds N            interleaved rounds (default 3)            [ROUNDS]
  --duration S          seconds per wrk run (default 10)          [DURATION]
  --connections N       wrk connections (default 50)              [CONNECTIONS]
  --body 2|4096         response body size in bytes (default 2)   [BODY]
  --mode http|tcp|https|https-new
                        proxy mode (default http); https: TLS from wrk to the proxy,
                        keep-alive; https-new: a new TLS handshake per request   [MODE]
  --targets LIST        comma list of direct,haproxy,nginx,halb   [TARGETS]
  --threads N           wrk threads (default 1: wrk has one CPU)  [WRK_THREADS]
  --wrk-cpu N           CPU for wrk (default 0)                   [WRK_CPU]
  --proxy-cpu N         CPU for the proxy and backend (default 1) [PROXY_CPU]
  --warmup S            uncounted seconds per target (default 2)  [WARMUP]
  --halb-warmup S       extra uncounted seconds for halb (90)     [HALB_WARMUP]
  --halb-jar FILE       run `java -jar FILE run -c CFG` instead of ./halb   [HALB_JAR]
  --out FILE            also write the Markdown report to FILE    [OUT]
  --keep                keep the temp dir with configs, logs and raw wrk output   [KEEP=1]
  --features            as users run a proxy: active HTTP health checks every 2 s, an inserted
                        persistence cookie and a per-client request-rate limit (far above the
                        load), on HAProxy and halb alike (HTTP modes; NGINX has none of these in
                        its free version and runs as before)                       [FEATURES=1]
EOF
}

while (( $# > 0 )); do
  case "$1" in
    --quick) ROUNDS=2; DURATION=3; WARMUP=1; HALB_WARMUP=5; shift ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    --connections) CONNECTIONS=$2; shift 2 ;;
    --body) BODY=$2; shift 2 ;;
    --mode) MODE=$2; shift 2 ;;
    --targets) TARGETS=$2; shift 2 ;;
    --threads) WRK_THREADS=$2; shift 2 ;;
    --wrk-cpu) WRK_CPU=$2; shift 2 ;;
    --proxy-cpu) PROXY_CPU=$2; shift 2 ;;
    --warmup) WARMUP=$2; shift 2 ;;
    --halb-warmup) HALB_WARMUP=$2; shift 2 ;;
    --halb-jar) HALB_JAR=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --keep) KEEP=1; shift ;;
    --features) FEATURES=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "bench: unknown option: $1" >&2; usage >&2; exit 2 ;;
  esac
done

DURATION=${DURATION%s}
WARMUP=${WARMUP%s}
HALB_WARMUP=${HALB_WARMUP%s}

die() { echo "bench: $*" >&2; exit 1; }
log() { echo "bench: $*" >&2; }

[[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]] || die "rounds: $ROUNDS (expected: a positive integer)"
[[ "$DURATION" =~ ^[1-9][0-9]*$ ]] || die "duration: $DURATION (expected: whole seconds >= 1)"
[[ "$CONNECTIONS" =~ ^[1-9][0-9]*$ ]] || die "connections: $CONNECTIONS (expected: a positive integer)"
[[ "$BODY" == 2 || "$BODY" == 4096 ]] || die "body: $BODY (expected: 2 | 4096)"
case "$MODE" in http|tcp|https|https-new) ;; *) die "mode: $MODE (expected: http | tcp | https | https-new)" ;; esac
# https modes: wrk speaks TLS to the proxy, which terminates it and proxies HTTP/1.1 to the
# backend; https-new closes every connection after one request, so each request is a handshake.
PROXY_MODE=$MODE
SCHEME=http
WRK_EXTRA=()
if [[ "$MODE" == https || "$MODE" == https-new ]]; then
  PROXY_MODE=http
  SCHEME=https
  [[ "$MODE" == https-new ]] && WRK_EXTRA=(-H "Connection: close")
fi
(( CONNECTIONS >= WRK_THREADS )) || die "connections: $CONNECTIONS (expected: >= threads $WRK_THREADS)"

IFS=, read -r -a TARGET_LIST <<<"$TARGETS"
for t in "${TARGET_LIST[@]}"; do
  case "$t" in direct|haproxy|nginx|halb) ;; *) die "target: $t (expected: direct, haproxy, nginx, halb)" ;; esac
done

# ---------------------------------------------------------------------------------------------
# Tools

missing=()
for tool in wrk haproxy nginx taskset curl ss awk flock openssl; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if (( ${#missing[@]} > 0 )); then
  die "missing: ${missing[*]}. Install with: apt-get install wrk haproxy nginx util-linux curl iproute2"
fi
NCPU=$(nproc --all)
(( WRK_CPU < NCPU && PROXY_CPU < NCPU )) || die "CPUs $WRK_CPU and $PROXY_CPU needed; this machine has $NCPU"
(( WRK_CPU != PROXY_CPU )) || log "warning: wrk and the proxy share CPU $WRK_CPU; figures will not compare with docs/performance.md"

# Two benches on one machine measure each other: take turns.
source "$REPO/bench/lib.sh"
bench_lock

CLK_TCK=$(getconf CLK_TCK)
# 2 fds per proxied connection plus slack; the hard limit here is 20,000 and cannot be raised.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

NGINX_STREAM_LOAD=""
nginx_stream_available() {
  local v; v=$(nginx -V 2>&1)
  if [[ "$v" == *"--with-stream=dynamic"* ]]; then
    local so
    for so in /usr/lib/nginx/modules/ngx_stream_module.so /usr/share/nginx/modules/ngx_stream_module.so; do
      if [[ -f "$so" ]]; then NGINX_STREAM_LOAD="load_module $so;"; return 0; fi
    done
    return 1
  fi
  [[ "$v" == *"--with-stream "* || "$v" == *"--with-stream" ]]
}

# ---------------------------------------------------------------------------------------------
# Processes and cleanup

TMP=$(mktemp -d /tmp/halb-bench.XXXXXX)
PIDS=()

descendants() {  # prints pid and all of its live descendants
  ps -e -o pid=,ppid= | awk -v root="$1" '
    { parent[$1] = $2; pids[NR] = $1 }
    END {
      keep[root] = 1; print root; changed = 1
      while (changed) {
        changed = 0
        for (i in pids) { p = pids[i]; if (!(p in keep) && (parent[p] in keep)) { keep[p] = 1; print p; changed = 1 } }
      }
    }'
}

stop_tree() {
  local pid=$1 all p i
  kill -0 "$pid" 2>/dev/null || return 0
  all=$(descendants "$pid")
  # shellcheck disable=SC2086
  kill -TERM $all 2>/dev/null || true
  for i in $(seq 1 50); do
    local alive=0
    for p in $all; do kill -0 "$p" 2>/dev/null && alive=1; done
    (( alive == 0 )) && break
    sleep 0.1
  done
  # shellcheck disable=SC2086
  kill -KILL $all 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  local pid
  for pid in "${PIDS[@]}"; do stop_tree "$pid"; done
  if (( KEEP == 1 )); then
    log "kept $TMP"
  else
    rm -rf "$TMP"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# CPU ticks (utime+stime, all threads, plus waited-for children) of a process tree.
cpu_ticks() {
  local p total=0 t
  for p in $(descendants "$1"); do
    [[ -r /proc/$p/stat ]] || continue
    # Fields after "pid (comm) ": state is $1, so utime/stime/cutime/cstime are $12..$15.
    t=$(sed 's/^.*) //' "/proc/$p/stat" 2>/dev/null | awk '{ print $12 + $13 + $14 + $15 }') || continue
    total=$(( total + ${t:-0} ))
  done
  echo "$total"
}

# Busy ticks of all CPUs (user, nice, system, irq, softirq, steal) from /proc/stat.
system_busy_ticks() { awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat; }

# CPU ticks of everything this run started, the script itself and its reaped children (wrk).
bench_ticks() {
  local total p self
  self=$(sed 's/^.*) //' "/proc/$$/stat" | awk '{ print $12 + $13 + $14 + $15 }')
  total=$self
  for p in "${PIDS[@]}"; do total=$(( total + $(cpu_ticks "$p") )); done
  echo "$total"
}

# Waits until processes other than the bench use less than QUIET_PERCENT of one CPU over 1 s,
# for at most QUIET_WAIT seconds; returns the last reading in percent.
wait_quiet() {
  local deadline=$(( SECONDS + QUIET_WAIT )) s0 b0 other warned=0
  while :; do
    s0=$(system_busy_ticks); b0=$(bench_ticks)
    sleep 1
    other=$(( $(system_busy_ticks) - s0 - ($(bench_ticks) - b0) ))
    (( other < 0 )) && other=0
    other=$(( other * 100 / CLK_TCK ))
    if (( other < QUIET_PERCENT || SECONDS >= deadline )); then
      echo "$other"
      return 0
    fi
    (( warned == 0 )) && { log "other processes use ${other}% of a CPU; waiting up to ${QUIET_WAIT}s for quiet"; warned=1; }
    sleep 2
  done
}

wait_http() {  # port timeout_s pid [scheme] -> 0 when a GET / answers 200
  local port=$1 timeout=$2 pid=$3 scheme=${4:-http} deadline=$(( SECONDS + $2 ))
  while (( SECONDS < deadline )); do
    kill -0 "$pid" 2>/dev/null || return 1
    if curl -s -k -o /dev/null -m 2 -w '%{http_code}' "$scheme://127.0.0.1:$port/" 2>/dev/null | grep -q '^200$'; then
      return 0
    fi
    sleep 0.2
  done
  return 1
}

# ---------------------------------------------------------------------------------------------
# Configurations

BACKEND_PORT=$(free_port)

# https modes: one ECDSA P-256 certificate for every proxy (made here, never committed).
TLS_CERT=$TMP/tls/site.pem
TLS_KEY=$TMP/tls/site.key
if [[ "$SCHEME" == https ]]; then
  mkdir -p "$TMP/tls"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
    -keyout "$TLS_KEY" -out "$TLS_CERT" -subj /CN=localhost \
    -addext subjectAltName=DNS:localhost,IP:127.0.0.1 >/dev/null 2>&1 || die "openssl could not make a certificate"
  cat "$TLS_CERT" "$TLS_KEY" >"$TMP/tls/haproxy.pem"
fi

write_backend_conf() {
  mkdir -p "$TMP/backend/logs" "$TMP/backend/www"
  # A file rather than `return 200 "..."`: nginx caps a config string at 4 KiB.
  head -c "$BODY" /dev/zero | tr '\0' 'x' >"$TMP/backend/www/body"
  cat >"$TMP/backend/nginx.conf" <<EOF
daemon off;
master_process off;
worker_processes 1;
worker_rlimit_nofile 10000;
pid $TMP/backend/nginx.pid;
error_log $TMP/backend/logs/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $TMP/backend/body;
  proxy_temp_path $TMP/backend/proxy;
  fastcgi_temp_path $TMP/backend/fastcgi;
  uwsgi_temp_path $TMP/backend/uwsgi;
  scgi_temp_path $TMP/backend/scgi;
  keepalive_requests 100000000;
  keepalive_timeout 300s;
  default_type text/plain;
  etag off;
  open_file_cache max=16 inactive=1h;
  open_file_cache_valid 1h;
  server {
    listen 127.0.0.1:$BACKEND_PORT backlog=4096;
    root $TMP/backend/www;
    location / { try_files /body =404; }
  }
}
EOF
}

write_haproxy_conf() {
  cat >"$TMP/haproxy.cfg" <<EOF
global
  nbthread 1
  maxconn 8000
  pidfile $TMP/haproxy.pid

defaults
  mode $PROXY_MODE
  timeout connect 5s
  timeout client 60s
  timeout server 60s
$( [[ "$PROXY_MODE" == http ]] && printf '  option http-keep-alive\n  http-reuse always\n' )

frontend bench
  bind 127.0.0.1:$1$( [[ "$SCHEME" == https ]] && printf ' ssl crt %s alpn http/1.1' "$TMP/tls/haproxy.pem" )
$( features_http && printf '  stick-table type ip size 100k expire 60s store http_req_rate(1s)\n  http-request track-sc0 src\n  http-request deny deny_status 429 if { sc_http_req_rate(0) gt 1000000 }\n' )
  default_backend backend

backend backend
$( features_http && printf '  option httpchk GET /\n  cookie HALB_SRV insert indirect nocache\n' )
  server nginx 127.0.0.1:$BACKEND_PORT$( features_http && printf ' check inter 2s rise 2 fall 3 cookie nginx' )
EOF
}

write_nginx_proxy_conf() {
  mkdir -p "$TMP/nproxy/logs"
  local body
  local listen_tls=""
  [[ "$SCHEME" == https ]] && listen_tls=" ssl;
    ssl_certificate $TLS_CERT;
    ssl_certificate_key $TLS_KEY;
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_session_cache shared:SSL:10m"
  if [[ "$PROXY_MODE" == http ]]; then
    body="http {
  access_log off;
  client_body_temp_path $TMP/nproxy/body;
  proxy_temp_path $TMP/nproxy/proxy;
  fastcgi_temp_path $TMP/nproxy/fastcgi;
  uwsgi_temp_path $TMP/nproxy/uwsgi;
  scgi_temp_path $TMP/nproxy/scgi;
  keepalive_requests 100000000;
  keepalive_timeout 300s;
  upstream backend {
    server 127.0.0.1:$BACKEND_PORT;
    keepalive 64;
    keepalive_requests 100000000;
    keepalive_timeout 300s;
  }
  server {
    listen 127.0.0.1:$1 backlog=4096$listen_tls;
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection \"\";
    }
  }
}"
  else
    body="stream {
  upstream backend { server 127.0.0.1:$BACKEND_PORT; }
  server {
    listen 127.0.0.1:$1 backlog=4096;
    proxy_pass backend;
  }
}"
  fi
  cat >"$TMP/nproxy/nginx.conf" <<EOF
$NGINX_STREAM_LOAD
daemon off;
master_process off;
worker_processes 1;
worker_rlimit_nofile 10000;
pid $TMP/nproxy/nginx.pid;
error_log $TMP/nproxy/logs/error.log warn;
events { worker_connections 8192; }
$body
EOF
}

write_halb_conf() {
  cat >"$TMP/halb.yaml" <<EOF
event_loops: 1
admin: {bind: 127.0.0.1:$2}
listeners:
  - name: bench
    bind: 127.0.0.1:$1
    mode: $PROXY_MODE
    pool: backend
$( [[ "$SCHEME" == https ]] && printf '    tls: {certificates: [{cert: "%s", key: "%s"}]}\n' "$TLS_CERT" "$TLS_KEY" )
$( features_http && printf '    limits: {per_client: {request_rate: {rate: 1000000, burst: 1000000}}}\n' )
pools:
  - name: backend
    algorithm: round_robin
$( features_http && printf '    health: {type: http, path: /, interval: 2s, rise: 2, fall: 3}\n    persistence: {type: cookie, cookie: HALB_SRV}\n' )
    servers:
      - {name: nginx, address: 127.0.0.1:$BACKEND_PORT}
EOF
}

# Whether --features applies: it is about HTTP proxying (checks, cookies, request limits).
features_http() {
  [[ "$FEATURES" == 1 && "$PROXY_MODE" == http ]]
}

# ---------------------------------------------------------------------------------------------
# Start everything

declare -A PORT PID STARTED_WITH

start_pinned() {  # name logfile cmd...  (runs from the repo root, pinned to PROXY_CPU)
  local name=$1 logf=$2; shift 2
  # fd 9 (the bench lock) stays with the script: a leftover proxy must not hold it.
  ( cd "$REPO" && exec taskset -c "$PROXY_CPU" "$@" ) >"$logf" 2>&1 </dev/null 9>&- &
  local pid=$!
  PIDS+=("$pid")
  PID[$name]=$pid
}

log "temp dir $TMP"
LOAD_AT_START=$(cut -d' ' -f1-3 /proc/loadavg)
# Anything else running on the proxy's CPU shows up as noise in every column.
awk -v l="${LOAD_AT_START%% *}" 'BEGIN { exit !(l > 0.5) }' &&
  log "warning: load average is $LOAD_AT_START before starting; other work will disturb the figures"
write_backend_conf
start_pinned backend "$TMP/backend/stdout.log" nginx -p "$TMP/backend" -c "$TMP/backend/nginx.conf"
wait_http "$BACKEND_PORT" 20 "${PID[backend]}" || { cat "$TMP/backend/logs/error.log" "$TMP/backend/stdout.log" >&2 || true; die "backend nginx did not start"; }
got=$(curl -s -m 2 "http://127.0.0.1:$BACKEND_PORT/" | wc -c)
(( got == BODY )) || die "backend answers $got bytes, expected $BODY"
log "backend nginx on 127.0.0.1:$BACKEND_PORT (pid ${PID[backend]}, body $BODY bytes)"
PORT[direct]=$BACKEND_PORT

SKIPPED=()
ACTIVE=()
for t in "${TARGET_LIST[@]}"; do
  case "$t" in
    direct)
      if [[ "$SCHEME" == https ]]; then
        SKIPPED+=("direct: the backend speaks plain HTTP; in $MODE mode only the TLS-terminating proxies compare")
        log "${SKIPPED[-1]}"
        continue
      fi
      ACTIVE+=(direct)
      ;;
    haproxy)
      PORT[haproxy]=$(free_port)
      write_haproxy_conf "${PORT[haproxy]}"
      if ! haproxy -c -q -f "$TMP/haproxy.cfg" >"$TMP/haproxy.check" 2>&1; then
        cat "$TMP/haproxy.check" >&2; die "haproxy rejected its configuration"
      fi
      start_pinned haproxy "$TMP/haproxy.log" haproxy -f "$TMP/haproxy.cfg" -db
      if wait_http "${PORT[haproxy]}" 20 "${PID[haproxy]}" "$SCHEME"; then
        ACTIVE+=(haproxy); STARTED_WITH[haproxy]="HAProxy $(haproxy -v | awk 'NR==1 {print $3}'), \`nbthread 1\`"
        log "haproxy on 127.0.0.1:${PORT[haproxy]} (pid ${PID[haproxy]})"
      else
        tail -20 "$TMP/haproxy.log" >&2 || true; SKIPPED+=("haproxy: did not answer on 127.0.0.1:${PORT[haproxy]}")
      fi
      ;;
    nginx)
      if [[ "$MODE" == tcp ]] && ! nginx_stream_available; then
        SKIPPED+=("nginx: no stream module for tcp mode (apt-get install libnginx-mod-stream)")
        log "${SKIPPED[-1]}"
        continue
      fi
      PORT[nginx]=$(free_port)
      write_nginx_proxy_conf "${PORT[nginx]}"
      start_pinned nginx "$TMP/nproxy/stdout.log" nginx -p "$TMP/nproxy" -c "$TMP/nproxy/nginx.conf"
      if wait_http "${PORT[nginx]}" 20 "${PID[nginx]}" "$SCHEME"; then
        ACTIVE+=(nginx); STARTED_WITH[nginx]="nginx $(nginx -v 2>&1 | sed 's|.*/||'), 1 worker"
        log "nginx proxy on 127.0.0.1:${PORT[nginx]} (pid ${PID[nginx]})"
      else
        cat "$TMP/nproxy/logs/error.log" "$TMP/nproxy/stdout.log" >&2 || true
        SKIPPED+=("nginx: did not answer on 127.0.0.1:${PORT[nginx]}")
      fi
      ;;
    halb)
      PORT[halb]=$(free_port)
      admin_port=$(free_port)
      write_halb_conf "${PORT[halb]}" "$admin_port"
      candidates=()
      if [[ -n "$HALB_JAR" ]]; then
        jar=$(cd "$(dirname "$HALB_JAR")" && pwd)/$(basename "$HALB_JAR")
        [[ -f "$jar" ]] || die "halb jar: $HALB_JAR (no such file)"
        candidates+=("java")
      else
        [[ -x "$REPO/halb" ]] && candidates+=("launcher")
        [[ -f "$REPO/core/target/halb.jar" ]] && candidates+=("java")
        jar=$REPO/core/target/halb.jar
      fi
      if (( ${#candidates[@]} == 0 )); then
        SKIPPED+=("halb: neither ./halb nor core/target/halb.jar exists (build: mvn -B -DskipTests package -pl core)")
        log "${SKIPPED[-1]}"
        continue
      fi
      for how in "${candidates[@]}"; do
        if [[ "$how" == launcher ]]; then
          cmd=(./halb run -c "$TMP/halb.yaml")
        else
          # shellcheck disable=SC2206
          cmd=("${HALB_JAVA:-java}" $HALB_JAVA_OPTS -jar "$jar" run -c "$TMP/halb.yaml")
        fi
        log "starting halb: ${cmd[*]}"
        start_pinned halb "$TMP/halb-$how.log" "${cmd[@]}"
        if wait_http "${PORT[halb]}" "$HALB_START_TIMEOUT" "${PID[halb]}" "$SCHEME"; then
          STARTED_WITH[halb]="\`${cmd[*]}\`"
          # The launcher picks a JDK itself: name the one that runs, with its flags.
          jvm=$(tr '\0' ' ' <"/proc/${PID[halb]}/cmdline" 2>/dev/null | sed 's/ -jar .*//') || jvm=""
          jbin=$(readlink "/proc/${PID[halb]}/exe" 2>/dev/null) || jbin=""
          if [[ "$jbin" == */java ]]; then
            STARTED_WITH[halb]+=", JVM \`$jvm\` ($("$jbin" -version 2>&1 | head -1))"
          fi
          break
        fi
        log "halb via $how did not answer on 127.0.0.1:${PORT[halb]}; its log ends with:"
        tail -20 "$TMP/halb-$how.log" >&2 || true
        stop_tree "${PID[halb]}"
        unset 'PID[halb]'
      done
      if [[ -n "${STARTED_WITH[halb]:-}" ]]; then
        ACTIVE+=(halb)
        log "halb on 127.0.0.1:${PORT[halb]} (pid ${PID[halb]})"
      else
        why=$(grep -v '^[[:space:]]*$' "$TMP/halb-${candidates[-1]}.log" 2>/dev/null | tail -1 | cut -c1-160)
        SKIPPED+=("halb: did not answer 200 on 127.0.0.1:${PORT[halb]}${why:+; its log ends with: $why}")
      fi
      ;;
  esac
done
(( ${#ACTIVE[@]} > 0 )) || die "nothing to measure"

# ---------------------------------------------------------------------------------------------
# Measure

to_us() {  # wrk time like 812.00us, 1.23ms, 2.00s, 1.00m -> microseconds
  awk -v v="$1" 'BEGIN {
    n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
    if (u == "us") f = 1; else if (u == "ms") f = 1000; else if (u == "s") f = 1000000;
    else if (u == "m") f = 60000000; else if (u == "h") f = 3600000000; else f = -1
    printf "%.1f", (f < 0 ? -1 : n * f) }'
}

run_wrk() {  # port seconds outfile
  taskset -c "$WRK_CPU" wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"$2"s --latency \
    "${WRK_EXTRA[@]+"${WRK_EXTRA[@]}"}" "$SCHEME://127.0.0.1:$1/" >"$3" 2>&1
}

declare -A R_RPS R_P50 R_P99 R_CPU R_BCPU R_ERR R_OTHER
# One wrk run of target t; sets M_* for measure() to record.
measure_once() {  # target round attempt
  local t=$1 r=$2 out="$TMP/wrk-$1-r$2-a$3.txt"
  local pid=${PID[$t]:-} p0=0 p1=0 b0 b1 s0 s1 x0 x1 other quiet
  quiet=$(wait_quiet)
  s0=$(system_busy_ticks); x0=$(bench_ticks)
  [[ -n "$pid" ]] && p0=$(cpu_ticks "$pid")
  b0=$(cpu_ticks "${PID[backend]}")
  run_wrk "${PORT[$t]}" "$DURATION" "$out" || log "wrk exited non-zero for $t (see $out)"
  b1=$(cpu_ticks "${PID[backend]}")
  [[ -n "$pid" ]] && p1=$(cpu_ticks "$pid")
  s1=$(system_busy_ticks); x1=$(bench_ticks)
  # CPU that neither the bench nor its processes used during the run, in % of one CPU.
  other=$(( (s1 - s0) - (x1 - x0) ))
  (( other < 0 )) && other=0
  other=$(( other * 100 / CLK_TCK / DURATION ))
  (( quiet >= QUIET_PERCENT )) && log "$t round $r started while others used ${quiet}% of a CPU"

  local rps reqs p50 p99 errs non2xx
  rps=$(awk '/^Requests\/sec:/ {print $2}' "$out")
  reqs=$(awk '/ requests in / {print $1}' "$out")
  p50=$(to_us "$(awk '$1 == "50%" {print $2}' "$out")")
  p99=$(to_us "$(awk '$1 == "99%" {print $2}' "$out")")
  errs=$(awk '/Socket errors:/ { gsub(/,/, ""); print $4 + $6 + $8 + $10 }' "$out")
  non2xx=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' "$out")
  errs=$(( ${errs:-0} + ${non2xx:-0} ))
  if [[ -z "$rps" || -z "$reqs" || "$reqs" == 0 ]]; then
    log "$t round $r: no result; wrk said:"; cat "$out" >&2
    rps=0; reqs=0; p50=-1; p99=-1
  fi
  local cpu="-" bcpu
  if [[ -n "$pid" && "$reqs" -gt 0 ]]; then
    cpu=$(awk -v d=$(( p1 - p0 )) -v n="$reqs" -v hz="$CLK_TCK" 'BEGIN { printf "%.2f", d * 1000000 / hz / n }')
  fi
  bcpu=$(awk -v d=$(( b1 - b0 )) -v n="$reqs" -v hz="$CLK_TCK" 'BEGIN { printf "%.2f", (n > 0 ? d * 1000000 / hz / n : 0) }')
  M_RPS1=$rps M_P501=$p50 M_P991=$p99 M_CPU1=$cpu M_BCPU1=$bcpu M_ERR1=$errs M_OTHER1=$other
  log "$(printf '%-8s round %d: %10.0f req/s  p50 %8.1f us  p99 %8.1f us  proxy %6s us/req  backend %6s us/req  errors %d  other CPU %d%%' \
    "$t" "$r" "$rps" "$p50" "$p99" "$cpu" "$bcpu" "$errs" "$other")"
}

# A run during which other processes took more than DISTURBED_PERCENT of a CPU is repeated,
# at most RETRIES times; the last attempt counts either way and the report shows its "other CPU".
RETRIED=0
measure() {  # target round
  local t=$1 r=$2 a
  for (( a = 0; ; a++ )); do
    measure_once "$t" "$r" "$a"
    (( M_OTHER1 <= DISTURBED_PERCENT || a >= RETRIES )) && break
    log "$t round $r: others used ${M_OTHER1}% of a CPU during the run; repeating it"
    RETRIED=$(( RETRIED + 1 ))
  done
  R_RPS[$t]+="$M_RPS1 "; R_P50[$t]+="$M_P501 "; R_P99[$t]+="$M_P991 "
  R_CPU[$t]+="$M_CPU1 "; R_BCPU[$t]+="$M_BCPU1 "; R_ERR[$t]+="$M_ERR1 "; R_OTHER[$t]+="$M_OTHER1 "
}

# Uncounted warm-up: every target briefly, halb longer so its JIT has compiled the hot path.
for t in "${ACTIVE[@]}"; do
  w=$WARMUP
  [[ "$t" == halb ]] && w=$(( WARMUP + HALB_WARMUP ))
  (( w > 0 )) || continue
  log "warm-up $t (${w}s, not counted)"
  run_wrk "${PORT[$t]}" "$w" "$TMP/warmup-$t.txt" || true
done

n=${#ACTIVE[@]}
for (( r = 1; r <= ROUNDS; r++ )); do
  for (( i = 0; i < n; i++ )); do
    t=${ACTIVE[$(( (i + r - 1) % n ))]}
    (( PAUSE > 1 )) && sleep $(( PAUSE - 1 ))   # wait_quiet samples for 1 s before each run
    measure "$t" "$r"
  done
done

# ---------------------------------------------------------------------------------------------
# Report

median() {  # numbers... ("-" values ignored) -> median or "-"
  printf '%s\n' "$@" | awk '$1 != "-" && $1 != ""' | sort -g | awk '
    { v[NR] = $1 }
    END { if (NR == 0) { print "-"; exit }
          if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
range() { printf '%s\n' "$@" | sort -g | awk 'NR == 1 {lo = $1} {hi = $1} END {printf "%.0f–%.0f", lo, hi}'; }
sum() { printf '%s\n' "$@" | awk '{s += $1} END {print s + 0}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || b + 0 == 0) print "-"; else printf "%.2f", a / b }'; }
fmt_ms() { awk -v v="$1" 'BEGIN { if (v == "-" || v < 0) print "-"; else printf "%.2f ms", v / 1000 }'; }
fmt_int() { awk -v v="$1" 'BEGIN { if (v == "-") print "-"; else printf "%.0f", v }'; }
fmt_2() { awk -v v="$1" 'BEGIN { if (v == "-") print "-"; else printf "%.1f", v }'; }

declare -A M_RPS M_CPU
label() {
  case "$1" in
    direct) echo "direct (nginx backend)" ;;
    haproxy) echo "HAProxy" ;;
    nginx) echo "NGINX" ;;
    halb) echo "halb" ;;
  esac
}

report() {
  local t
  echo "### mode $MODE, body $BODY B, $CONNECTIONS connections"
  echo
  echo "\`$COMMAND_LINE\`"
  echo
  echo "$(date -u '+%Y-%m-%d %H:%M UTC'); $ROUNDS interleaved round(s) of ${DURATION} s; wrk -t$WRK_THREADS on CPU $WRK_CPU," \
       "proxy and nginx backend on CPU $PROXY_CPU; $(nproc) CPUs, Linux $(uname -r);" \
       "load average before the run: $LOAD_AT_START."
  features_http && echo "With --features: HAProxy and halb run active HTTP health checks (every 2 s), insert a persistence cookie in every response and track a per-client request rate (limit far above the load)."
  echo
  echo "| target | req/s (median) | req/s (min–max) | p50 | p99 | proxy CPU µs/req | backend CPU µs/req | vs direct | errors | other CPU % (max) |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  for t in "${ACTIVE[@]}"; do
    # shellcheck disable=SC2086
    {
      M_RPS[$t]=$(median ${R_RPS[$t]}); M_CPU[$t]=$(median ${R_CPU[$t]})
      printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$(label "$t")" \
        "$(fmt_int "${M_RPS[$t]}")" "$(range ${R_RPS[$t]})" \
        "$(fmt_ms "$(median ${R_P50[$t]})")" "$(fmt_ms "$(median ${R_P99[$t]})")" \
        "$(fmt_2 "${M_CPU[$t]}")" "$(fmt_2 "$(median ${R_BCPU[$t]})")" \
        "$( [[ -n "${M_RPS[direct]:-}" ]] && ratio "${M_RPS[$t]}" "${M_RPS[direct]}" || echo "-")" \
        "$(sum ${R_ERR[$t]})" "$(printf '%s\n' ${R_OTHER[$t]} | sort -n | tail -1)"
    }
  done
  echo
  if [[ -n "${M_RPS[halb]:-}" ]]; then
    echo "| ratio | value |"
    echo "|---|---:|"
    [[ -n "${M_RPS[haproxy]:-}" ]] && echo "| halb / HAProxy, req/s | $(ratio "${M_RPS[halb]}" "${M_RPS[haproxy]}") |"
    [[ -n "${M_RPS[haproxy]:-}" ]] && echo "| halb / HAProxy, CPU per request | $(ratio "${M_CPU[halb]}" "${M_CPU[haproxy]}") |"
    [[ -n "${M_RPS[nginx]:-}" ]] && echo "| halb / NGINX, req/s | $(ratio "${M_RPS[halb]}" "${M_RPS[nginx]}") |"
    [[ -n "${M_RPS[nginx]:-}" ]] && echo "| halb / NGINX, CPU per request | $(ratio "${M_CPU[halb]}" "${M_CPU[nginx]}") |"
    [[ -n "${M_RPS[direct]:-}" ]] && echo "| halb / direct, req/s | $(ratio "${M_RPS[halb]}" "${M_RPS[direct]}") |"
    echo
  fi
  for t in "${ACTIVE[@]}"; do
    [[ -n "${STARTED_WITH[$t]:-}" ]] && echo "- $(label "$t"): ${STARTED_WITH[$t]}"
  done
  local s
  for s in "${SKIPPED[@]+"${SKIPPED[@]}"}"; do echo "- skipped $s"; done
  (( RETRIED > 0 )) && echo "- $RETRIED run(s) repeated because other processes used more than ${DISTURBED_PERCENT}% of a CPU during them"
  echo
  echo "Medians over rounds; latency from \`wrk --latency\`; CPU is utime+stime from /proc/PID/stat of the" \
       "whole process (all threads) over each run, divided by the requests wrk completed; errors are socket" \
       "errors plus non-2xx responses summed over rounds; other CPU is what processes outside the bench" \
       "used during a run, in % of one CPU (0 on a quiet machine; more means the row is disturbed)."
}

REPORT=$(report)
echo
echo "$REPORT"
if [[ -n "$OUT" ]]; then
  mkdir -p "$(dirname "$OUT")"
  echo "$REPORT" >"$OUT"
  log "report written to $OUT"
fi
