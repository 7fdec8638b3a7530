# Redis helpers for the benchmark scripts (run.sh, redis-limiter.sh): sourced, not run.
#   redis_find_server SCRATCH    prints the path of a redis-server binary, in this order: $REDIS_SERVER;
#                                redis-server on PATH; Debian's redis-tools (whose redis-check-rdb is the server
#                                binary: Debian's redis-server package is only a link to it, plus a system service we
#                                do not want), linked as SCRATCH/redis-server; the binary in the embedded-redis jar
#                                of the local Maven repository (the tests' dependency), extracted into SCRATCH
#   redis_start BIN DIR LOG [PREFIX...]
#                                starts BIN on a free loopback port (no persistence, files in DIR, output in LOG),
#                                under PREFIX (e.g. taskset -c 1); waits for PING; sets REDIS_PID and REDIS_PORT
#   redis_cmd PORT ARG...        one command; prints the reply (array items one a line, an error as -ERR ...)
#   redis_stat PORT COMMAND      "calls failed_calls rejected_calls" of COMMAND from INFO commandstats (0 0 0: none)
# Needs python3 (RESP client, free port, zip extraction); every wait is bounded.

redis_find_server() {
  local scratch=$1 p jar res
  if [ -n "${REDIS_SERVER:-}" ]; then
    [ -x "$REDIS_SERVER" ] || { echo "REDIS_SERVER=$REDIS_SERVER is not executable" >&2; return 1; }
    echo "$REDIS_SERVER"; return 0
  fi
  if p=$(command -v redis-server); then echo "$p"; return 0; fi
  mkdir -p "$scratch" || return 1
  if p=$(command -v redis-check-rdb); then
    # Redis decides what to be from the name it is called by.
    ln -sf "$p" "$scratch/redis-server" && { echo "$scratch/redis-server"; return 0; }
  fi
  jar=$(ls "${MAVEN_REPO:-$HOME/.m2/repository}"/com/github/codemonstur/embedded-redis/*/embedded-redis-*.jar 2>/dev/null \
    | sort -V | tail -1)
  case "$(uname -m)" in
    x86_64) res=redis-server-6.2.6-v5-linux-amd64 ;;
    aarch64) res=redis-server-6.2.7-linux-arm64 ;;
    *) res="" ;;
  esac
  if [ -n "$jar" ] && [ -n "$res" ]; then
    python3 - "$jar" "$res" "$scratch/redis-server-embedded" <<'PY' || return 1
import shutil, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z, z.open(sys.argv[2]) as src, open(sys.argv[3], "wb") as dst:
    shutil.copyfileobj(src, dst)
PY
    chmod +x "$scratch/redis-server-embedded" && { echo "$scratch/redis-server-embedded"; return 0; }
  fi
  echo "no redis-server: install one (apt-get install redis-tools), set REDIS_SERVER, or build the project once" \
    "so that the embedded-redis jar is in the local Maven repository" >&2
  return 1
}

redis_free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

redis_cmd() { # port arg...
  python3 - "$@" <<'PY'
import socket, sys
port, args = int(sys.argv[1]), sys.argv[2:]
s = socket.create_connection(("127.0.0.1", port), timeout=5)
s.sendall(b"".join([b"*%d\r\n" % len(args)] + [b"$%d\r\n%s\r\n" % (len(a.encode()), a.encode()) for a in args]))
f = s.makefile("rb")
def reply():
    line = f.readline().rstrip(b"\r\n").decode()
    kind, rest = line[:1], line[1:]
    if kind in "+:":
        return [rest]
    if kind == "-":
        return ["-" + rest]
    if kind == "$":
        n = int(rest)
        return ["(nil)"] if n < 0 else [f.read(n + 2)[:n].decode()]
    if kind == "*":
        n = int(rest)
        return [x for _ in range(max(n, 0)) for x in reply()]
    raise SystemExit("unexpected reply %r" % line)
print("\n".join(reply()))
PY
}

redis_stat() { # port command -> "calls failed_calls rejected_calls"
  redis_cmd "$1" INFO commandstats | python3 -c '
import re, sys
m = re.search(r"^cmdstat_%s:(\S+)" % sys.argv[1].lower(), sys.stdin.read(), re.M)
d = dict(kv.split("=", 1) for kv in m.group(1).split(",")) if m else {}
print(d.get("calls", 0), d.get("failed_calls", 0), d.get("rejected_calls", 0))' "$2"
}

redis_start() { # bin dir log [prefix...]
  local bin=$1 dir=$2 log=$3 attempt i port pid
  shift 3
  mkdir -p "$dir" || return 1
  for attempt in 1 2 3; do
    port=$(redis_free_port) || return 1
    "$@" "$bin" --port "$port" --bind 127.0.0.1 --save "" --appendonly no --daemonize no --protected-mode no \
      --dir "$dir" --loglevel warning > "$log" 2>&1 &
    pid=$!
    for ((i = 0; i < 200; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      if [ "$(redis_cmd "$port" PING 2>/dev/null)" = PONG ]; then
        REDIS_PID=$pid; REDIS_PORT=$port
        return 0
      fi
      sleep 0.05
    done
    # most likely another process took the port between the probe and the bind: try another one
    kill -KILL "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
  done
  echo "redis-server ($bin) did not start: $(tail -5 "$log" 2>/dev/null)" >&2
  return 1
}
