# Process helpers for the benchmark scripts (run.sh, slice.sh, limit-latency.sh): sourced, not run.
#   free_ports N           N free loopback ports, on one line
#   http_code URL [S]      the HTTP status URL answers within S seconds (default 5), 000 when nothing answered
#   wait_http PID URL S    0 once anything answers URL over HTTP, within S seconds and while PID lives
#   stop_pid PID           a graceful stop (QUIT for nginx, TERM for the rest), a bounded wait, then SIGKILL
#   stop_started PID       stop_pid, then drop PID from the caller's STARTED array (the servers it stops at exit)
# Needs python3 (free ports) and curl; every wait is bounded.

free_ports() {
  python3 - "$1" <<'PY'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
PY
}

http_code() { curl -s -o /dev/null --max-time "${2:-5}" -w '%{http_code}' "$1" 2>/dev/null || true; }

wait_http() {
  local pid=$1 url=$2 i n=$(($3 * 20)) code
  for ((i = 0; i < n; i++)); do
    kill -0 "$pid" 2>/dev/null || return 1
    code=$(http_code "$url" 2); [ -n "$code" ] && [ "$code" != 000 ] && return 0
    sleep 0.05
  done
  return 1
}

stop_pid() {
  local p=$1 i
  kill -0 "$p" 2>/dev/null || { wait "$p" 2>/dev/null; return 0; }
  if [ "$(ps -o comm= -p "$p" 2>/dev/null)" = nginx ]; then kill -QUIT "$p" 2>/dev/null; else kill -TERM "$p" 2>/dev/null; fi
  for ((i = 0; i < 150; i++)); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$p" 2>/dev/null && kill -KILL "$p" 2>/dev/null
  wait "$p" 2>/dev/null
  return 0
}

stop_started() {
  local p keep=()
  stop_pid "$1"
  for p in "${STARTED[@]}"; do [ "$p" != "$1" ] && keep+=("$p"); done
  STARTED=("${keep[@]}")
}
