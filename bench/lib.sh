# Shared by the bench scripts (sourced, not run). The sourcing script defines die and log.

# Benches on one machine measure each other: every bench takes this lock (fd 9) for its whole run,
# so they take turns. LOCK_FILE and LOCK_WAIT (seconds) override the defaults.
bench_lock() {
  LOCK_FILE=${LOCK_FILE:-/tmp/halb-bench.lock}
  exec 9>>"$LOCK_FILE"
  if ! flock -n 9; then
    log "another bench holds $LOCK_FILE; waiting for it (up to ${LOCK_WAIT:-3600}s)"
    flock -w "${LOCK_WAIT:-3600}" 9 || die "another bench still holds $LOCK_FILE"
  fi
}

# A TCP port on 127.0.0.1 that no socket uses now, from 20000 up to 20000 + SPAN (default 30000).
free_port() {
  local span=${1:-30000} p i
  for i in $(seq 1 200); do
    p=$(( 20000 + RANDOM % span ))
    [[ -z "$(ss -Htan "( sport = :$p or dport = :$p )" 2>/dev/null)" ]] && { echo "$p"; return 0; }
  done
  die "no free port"
}
