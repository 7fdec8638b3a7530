#!/usr/bin/env bash
# Resty Gateway: the latency a LeakyBucket filter adds to a route, measured as the rate-limit issue asks ("the added
# p99 latency of a limited route against an unlimited one, goal <= 1 ms with Redis on loopback"), in a way that this
# machine's noise cannot swamp.
#
# run.sh compares a limited gateway-app with a plain one started for another scenario, minutes apart: two JVMs, two
# time windows, and the plain route's own p99 moved by 4-10 ms between such runs. Here one gateway-app has three
# routes to the same nginx backend answer (a fixed 1 KiB), and two paced wrk processes load two of them at the same
# time, so that whatever disturbs one (a collection, a compilation, the VM's neighbours) disturbs the other:
#   plain    Path=/plain/**   no filter
#   twin     Path=/twin/**    no filter either: the A/A control
#   limited  Path=/limited/** LeakyBucket rate=1000000r/s burst=1000000 (every request decided, none refused)
# Each round runs, DUR seconds each, in an order that alternates:
#   A/B  plain and limited at once: added = limited - plain (p50 and p99 of wrk's latency distribution)
#   A/A  plain and twin at once:    the method's own noise, the same subtraction between two identical routes
# for each STORE in STORES (a gateway-app per store): redis (a redis-server on loopback, EVALSHA per decision; its
# EVALSHA count is checked against the limited route's requests) and memory (the in-process store).
# Load: each wrk has CONNS/2 connections, each waiting PACE_MS between an answer and its next request (paced.lua), far
# below saturation; the JVM is warmed WARM seconds on every route first.
#
# Usage: benchmarks/limit-latency.sh [outdir]   (outdir defaults to $BENCH_WORK/limit-latency/results/<date>)
# Knobs (environment): DUR=15 REPS=5 WARM=30 CONNS=16 PACE_MS=10 STORES="redis memory"
#   PIN=1 (default with 2+ CPUs): nginx and gateway-app on CPU 1 (SERVER_CPUS), both wrk on CPU 0 (LOAD_CPUS), and
#   redis-server beside wrk (REDIS_CPUS, default LOAD_CPUS): Redis then has a CPU the gateway does not need, as on a
#   server with more cores than this VM. REDIS_CPUS=1 makes Redis, nginx and the gateway's event loops take turns on
#   one CPU, so that every decision waits for the scheduler twice: that case is measured too, and reported apart.
#   JVM_FLAGS="-Xmx512m"  JAVA=
#   GATEWAY_JAR=gateway-app/target/gateway-app.jar  REDIS_SERVER=  BENCH_WORK=~/.cache/resty-bench
#   DOC=src-docs/benchmarks.md (DOC=none: the results folder only)
# Stops every process it started, sends traffic to 127.0.0.1 only, and every wait is bounded.
set -u -o pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
# shellcheck source=cpu-lib.sh
. "$HERE/cpu-lib.sh"
# shellcheck source=proc-lib.sh
. "$HERE/proc-lib.sh"
# shellcheck source=redis-lib.sh
. "$HERE/redis-lib.sh"

die() { echo "limit-latency.sh: $*" >&2; exit 1; }
log() { echo "== $*"; }

NPROC=$(nproc)
if [ "$NPROC" -ge 2 ]; then PIN=${PIN:-1}; else PIN=${PIN:-0}; fi
SERVER_CPUS=${SERVER_CPUS:-1}; LOAD_CPUS=${LOAD_CPUS:-0}; REDIS_CPUS=${REDIS_CPUS:-$LOAD_CPUS}
DUR=${DUR:-15}; REPS=${REPS:-5}; WARM=${WARM:-30}; CONNS=${CONNS:-16}; PACE_MS=${PACE_MS:-10}
STORES=${STORES:-"redis memory"}; JVM_FLAGS=${JVM_FLAGS:-"-Xmx512m"}; STARTUP_TIMEOUT=${STARTUP_TIMEOUT:-120}
W=${BENCH_WORK:-${HOME:?HOME is not set; set BENCH_WORK}/.cache/resty-bench}
GATEWAY_JAR=${GATEWAY_JAR:-$ROOT/gateway-app/target/gateway-app.jar}
DOC=${DOC:-$ROOT/src-docs/benchmarks.md}
for k in DUR REPS WARM CONNS PACE_MS STARTUP_TIMEOUT; do
  [[ ${!k} =~ ^[1-9][0-9]*$ ]] || die "$k must be a positive integer (got '${!k}')"
done
[ $((CONNS % 2)) = 0 ] || die "CONNS must be even: half of them on each of the two routes measured at once"
for s in $STORES; do [[ $s == redis || $s == memory ]] || die "STORES holds redis and/or memory, not '$s'"; done
[ -f "$GATEWAY_JAR" ] || die "no gateway jar at $GATEWAY_JAR: build it first (cd $ROOT && mvn -q -DskipTests package)"
if [ -z "${JAVA:-}" ]; then
  if [ -n "${JAVA_HOME:-}" ]; then JAVA=$JAVA_HOME/bin/java; else JAVA=$(command -v java) || die "no java: set JAVA"; fi
fi
for c in curl python3 nginx wrk; do command -v "$c" >/dev/null || die "$c is needed"; done
if [ "$PIN" = 1 ]; then
  [ "$NPROC" -ge 2 ] || die "PIN=1 needs 2 CPUs or more (this machine has $NPROC); use PIN=0"
  SRV=(taskset -c "$SERVER_CPUS"); LOAD=(taskset -c "$LOAD_CPUS"); RDS=(taskset -c "$REDIS_CPUS")
else
  SRV=(); LOAD=(); RDS=()
fi
read -ra JVM_FLAGS_A <<< "$JVM_FLAGS"
HALF=$((CONNS / 2))

S=$W/limit-latency
OUT=${1:-$S/results/$(date +%Y%m%dT%H%M%S)}
mkdir -p "$OUT/logs" "$OUT/wrk" "$S/tmp" || die "cannot create $OUT"
OUT=$(cd "$OUT" && pwd)
read -r BACKEND_PORT GW_PORT <<< "$(free_ports 2)"
[ -n "$GW_PORT" ] || die "no free ports"

K=$(printf '0123456789abcdef%.0s' $(seq 64))   # 1 KiB
user=""; [ "$(id -u)" = 0 ] && user="user root;"
cat > "$S/backend.conf" <<NG
$user worker_processes 1; daemon off; pid $S/tmp/backend.pid; error_log $S/tmp/backend-error.log warn;
events { worker_connections 4096; }
http { access_log off; keepalive_requests 1000000; client_body_temp_path $S/tmp/body; proxy_temp_path $S/tmp/proxy;
  fastcgi_temp_path $S/tmp/fcgi; uwsgi_temp_path $S/tmp/uwsgi; scgi_temp_path $S/tmp/scgi;
  server { listen 127.0.0.1:$BACKEND_PORT backlog=4096; location / { default_type text/plain; return 200 "$K"; } } }
NG

STARTED=(); WRK_PIDS=()
stop_all() {
  local p
  trap - EXIT INT TERM
  for p in "${WRK_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  for p in "${STARTED[@]}"; do stop_pid "$p"; done
  STARTED=()
}
trap stop_all EXIT
trap 'echo "limit-latency.sh: interrupted, stopping what it started" >&2; exit 130' INT
trap 'echo "limit-latency.sh: terminated, stopping what it started" >&2; exit 143' TERM

{
  echo "date_utc=$(date -u +%Y-%m-%dT%H:%MZ)"
  echo "nproc=$NPROC"
  echo "cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
  echo "java=$("$JAVA" -version 2>&1 | head -1)"
  echo "wrk=$(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2)"
  echo "knobs=PIN=$PIN SERVER_CPUS=$SERVER_CPUS LOAD_CPUS=$LOAD_CPUS REDIS_CPUS=$REDIS_CPUS DUR=$DUR REPS=$REPS WARM=$WARM CONNS=$CONNS PACE_MS=$PACE_MS STORES=${STORES// /,} JVM_FLAGS=$JVM_FLAGS"
  echo "repo=$(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo unknown)"
  echo "gateway_jar_built=$(date -u -r "$GATEWAY_JAR" +%Y-%m-%dT%H:%MZ)"
} > "$OUT/env.txt"
log "results in $OUT"

"${SRV[@]}" nginx -p "$S/tmp/" -e "$S/tmp/backend-error.log" -c "$S/backend.conf" > "$OUT/logs/backend.log" 2>&1 &
BACKEND_PID=$!; STARTED+=("$BACKEND_PID")
wait_http "$BACKEND_PID" "http://127.0.0.1:$BACKEND_PORT/" 10 || die "the nginx backend did not start ($OUT/logs)"

REDIS_PORT=""
if [[ " $STORES " == *" redis "* ]]; then
  REDIS_BIN=$(redis_find_server "$W/redis") || die "no redis-server found (see redis-lib.sh)"
  REDIS_PID=""
  redis_start "$REDIS_BIN" "$W/redis/data" "$OUT/logs/redis.log" "${RDS[@]}" || die "could not start $REDIS_BIN"
  STARTED+=("$REDIS_PID")
  echo "redis_version=$(redis_cmd "$REDIS_PORT" INFO server | sed -n 's/^redis_version://p' | tr -d '\r')" >> "$OUT/env.txt"
  log "redis-server on 127.0.0.1:$REDIS_PORT"
fi

R=spring.cloud.gateway.server.webflux.routes
B=http://127.0.0.1:$BACKEND_PORT
G=http://127.0.0.1:$GW_PORT
GW_PID=""
start_gateway() { # store
  local store=$1 args=(--resty.demo.enabled=false --server.port="$GW_PORT" --server.address=127.0.0.1
    --management.server.port=0 --logging.level.root=WARN --resty.rate-limit.store="$store"
    "--$R[0].id=plain" "--$R[0].uri=$B" "--$R[0].predicates[0]=Path=/plain/**" "--$R[0].filters[0]=StripPrefix=1"
    "--$R[1].id=twin" "--$R[1].uri=$B" "--$R[1].predicates[0]=Path=/twin/**" "--$R[1].filters[0]=StripPrefix=1"
    "--$R[2].id=limited" "--$R[2].uri=$B" "--$R[2].predicates[0]=Path=/limited/**" "--$R[2].filters[0]=StripPrefix=1"
    "--$R[2].filters[1].name=LeakyBucket" "--$R[2].filters[1].args.rate=1000000r/s"
    "--$R[2].filters[1].args.burst=1000000")
  [ "$store" = redis ] && args+=(--spring.data.redis.host=127.0.0.1 --spring.data.redis.port="$REDIS_PORT")
  "${SRV[@]}" "$JAVA" "${JVM_FLAGS_A[@]}" -jar "$GATEWAY_JAR" "${args[@]}" > "$OUT/logs/gateway-$store.log" 2>&1 &
  GW_PID=$!; STARTED+=("$GW_PID")
  wait_http "$GW_PID" "$G/plain/" "$STARTUP_TIMEOUT" || { tail -30 "$OUT/logs/gateway-$store.log" >&2; die "gateway-app did not answer"; }
  for p in plain twin limited; do
    [ "$(http_code "$G/$p/")" = 200 ] || die "gateway-app ($store) answered $(http_code "$G/$p/") on /$p/, not 200"
  done
}
stop_gateway() {
  [ -n "$GW_PID" ] || return 0
  stop_started "$GW_PID"; GW_PID=""
}

pair() { # seconds fileA urlA fileB urlB: two paced wrk at once
  local d=$1 p; shift
  WRK_PIDS=()
  while [ $# -ge 2 ]; do
    PACE_MS=$PACE_MS "${LOAD[@]}" timeout $((d + 60)) wrk -t1 -c"$HALF" -d"${d}s" --timeout 10s --latency \
      -s "$HERE/paced.lua" "$2" > "$1" 2>&1 &
    WRK_PIDS+=("$!"); shift 2
  done
  for p in "${WRK_PIDS[@]}"; do wait "$p"; done
  WRK_PIDS=()
}

: > "$OUT/rounds.tsv"   # store round kind route file other-CPU-%
for store in $STORES; do
  log "gateway-app with the $store store"
  start_gateway "$store"
  log "warm-up: ${WARM}s on plain and limited at once, then ${WARM}s on twin and limited"
  pair "$WARM" "$OUT/wrk/warm-$store-1a.txt" "$G/plain/" "$OUT/wrk/warm-$store-1b.txt" "$G/limited/"
  pair "$WARM" "$OUT/wrk/warm-$store-2a.txt" "$G/twin/" "$OUT/wrk/warm-$store-2b.txt" "$G/limited/"
  [ "$store" = redis ] && before=$(redis_stat "$REDIS_PORT" evalsha)
  for ((r = 1; r <= REPS; r++)); do
    kinds=(ab aa); [ $((r % 2)) = 0 ] && kinds=(aa ab)
    for kind in "${kinds[@]}"; do
      other=limited; [ "$kind" = aa ] && other=twin
      fa=$OUT/wrk/$store-$r-$kind-plain.txt; fb=$OUT/wrk/$store-$r-$kind-$other.txt
      cpu0=$(cpu_sample)
      pair "$DUR" "$fa" "$G/plain/" "$fb" "$G/$other/"
      oc=$(cpu_other "$cpu0" "$(cpu_sample)")
      printf '%s\t%d\t%s\t%s\t%s\t%s\n' "$store" "$r" "$kind" plain "$fa" "$oc" >> "$OUT/rounds.tsv"
      printf '%s\t%d\t%s\t%s\t%s\t%s\n' "$store" "$r" "$kind" "$other" "$fb" "$oc" >> "$OUT/rounds.tsv"
      log "$store round $r $kind: plain $(grep -E '^ +99%' "$fa" | tr -s ' '), $other $(grep -E '^ +99%' "$fb" | tr -s ' ') (p99)"
    done
  done
  if [ "$store" = redis ]; then
    read -r c0 f0 _ <<< "$before"; read -r c1 f1 _ <<< "$(redis_stat "$REDIS_PORT" evalsha)"
    echo "redis_evalsha_calls=$((c1 - c0))" >> "$OUT/env.txt"
    echo "redis_evalsha_failed=$((f1 - f0))" >> "$OUT/env.txt"
  fi
  stop_gateway
done
stop_all

python3 "$HERE/limit-latency-summary.py" "$OUT" "$DOC" | tee "$OUT/summary.md" || die "limit-latency-summary.py failed"
[ "$DOC" != none ] && log "results written into $DOC"
exit 0
