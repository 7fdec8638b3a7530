#!/usr/bin/env bash
# Start-up to the first answer, measured over several starts: gateway-app against vanilla SCG and SCG + actuator,
# as `java -jar` of the fat jar (the issue's figure) and as Spring Boot's documented fast start (the jar extracted
# with `-Djarmode=tools`, then a CDS archive from a training run: -XX:SharedArchiveFile). run.sh records one start per
# JVM beside its load rounds; this script starts each target STARTS times, interleaved, and nothing else runs.
#
# Usage: benchmarks/startup.sh [outdir]     (outdir defaults to $BENCH_WORK/results/startup-<date>)
# Knobs (environment):
#   STARTS=5     interleaved rounds, one start of every target a round (medians over them)
#   PIN=1        the JVMs and the backend on CPU 1 (SERVER_CPUS), curl on CPU 0 (LOAD_CPUS), as run.sh
#   JVM_FLAGS="-Xmx512m"   for every JVM            JAVA=  java binary (default: as run.sh)
#   BENCH_WORK=~/.cache/resty-bench   where run.sh built vanilla SCG (scg/) and SCG + actuator (scga/): run
#                run.sh once first (QUICK=1 is enough)
#   GATEWAY_JAR=gateway-app/target/gateway-app.jar
#   DOC=src-docs/benchmarks.md   where the table goes (DOC=none: only the results folder)
# The backend is an nginx on 127.0.0.1:9001 with the fixed 1 KiB answer at /1k (vanilla SCG's route goes there);
# each gateway listens on 9105 and is asked every 10 ms until /1k through its route answers 200. A start that gives no
# answer within 60 s fails the run. Stops every process it started.
set -u -o pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
# shellcheck source=proc-lib.sh
. "$HERE/proc-lib.sh"

die() { echo "startup.sh: $*" >&2; exit 1; }
log() { echo "== $*"; }

STARTS=${STARTS:-5}
NPROC=$(nproc)
if [ "$NPROC" -ge 2 ]; then PIN=${PIN:-1}; else PIN=${PIN:-0}; fi
SERVER_CPUS=${SERVER_CPUS:-1}; LOAD_CPUS=${LOAD_CPUS:-0}
JVM_FLAGS=${JVM_FLAGS:--Xmx512m}
W=${BENCH_WORK:-${HOME:?HOME is not set; set BENCH_WORK}/.cache/resty-bench}
GATEWAY_JAR=${GATEWAY_JAR:-$ROOT/gateway-app/target/gateway-app.jar}
DOC=${DOC:-$ROOT/src-docs/benchmarks.md}
OUT=${1:-$W/results/startup-$(date -u +%Y%m%dT%H%M%S)}
if [ -z "${JAVA:-}" ]; then
  if [ -n "${JAVA_HOME:-}" ]; then JAVA=$JAVA_HOME/bin/java
  elif [ -x /usr/lib/jvm/java-17-openjdk-amd64/bin/java ]; then JAVA=/usr/lib/jvm/java-17-openjdk-amd64/bin/java
  else JAVA=$(command -v java) || die "no java found: set JAVA or JAVA_HOME"; fi
fi
SRV=(); LOAD=()
if [ "$PIN" = 1 ]; then SRV=(taskset -c "$SERVER_CPUS"); LOAD=(taskset -c "$LOAD_CPUS"); fi
read -ra JVM_FLAGS_A <<< "$JVM_FLAGS"

BACKEND_PORT=9001; PORT=9105
command -v nginx >/dev/null || die "nginx is needed (apt-get install nginx-light)"
[ -f "$GATEWAY_JAR" ] || die "no $GATEWAY_JAR: build it first (mvn -DskipTests package)"
SCG_JAR=$(find "$W/scg/target" -maxdepth 1 -name '*.jar' 2>/dev/null | head -1)
SCGA_JAR=$(find "$W/scga/target" -maxdepth 1 -name '*.jar' 2>/dev/null | head -1)
[ -n "$SCG_JAR" ] && [ -n "$SCGA_JAR" ] || die "vanilla SCG and SCG + actuator are not built in $W: run benchmarks/run.sh once (QUICK=1 is enough)"
for p in $BACKEND_PORT $PORT; do
  [ "$(http_code "http://127.0.0.1:$p/" 1)" = 000 ] || die "port $p is already taken: is something left from an earlier run?"
done
mkdir -p "$OUT/logs" "$OUT/tmp" || die "cannot write $OUT"

STARTED=()
cleanup() { local p; for p in "${STARTED[@]}"; do stop_pid "$p"; done; }
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- backend
K=$(printf '0123456789abcdef%.0s' $(seq 64))   # 1 KiB, as run.sh
user=""; [ "$(id -u)" = 0 ] && user="user root;"
cat > "$OUT/backend.conf" <<NG
$user worker_processes 1; daemon off; pid $OUT/tmp/backend.pid; error_log $OUT/tmp/backend-error.log warn;
events { worker_connections 1024; }
http { access_log off; client_body_temp_path $OUT/tmp/body; proxy_temp_path $OUT/tmp/proxy;
  fastcgi_temp_path $OUT/tmp/fcgi; uwsgi_temp_path $OUT/tmp/uwsgi; scgi_temp_path $OUT/tmp/scgi;
  server { listen 127.0.0.1:$BACKEND_PORT; location = /1k { default_type text/plain; return 200 "$K"; } } }
NG
"${SRV[@]}" nginx -p "$OUT/tmp/" -e "$OUT/tmp/backend-error.log" -c "$OUT/backend.conf" > "$OUT/logs/backend.log" 2>&1 &
STARTED+=("$!")
wait_http "$!" "http://127.0.0.1:$BACKEND_PORT/1k" 10 || die "the backend nginx did not start ($OUT/logs/backend.log)"

OURS_ARGS=(--resty.demo.enabled=false --server.address=127.0.0.1 --management.server.port=0
  --logging.level.root=WARN --spring.cloud.gateway.server.webflux.routes[0].id=bench
  "--spring.cloud.gateway.server.webflux.routes[0].uri=http://127.0.0.1:$BACKEND_PORT"
  '--spring.cloud.gateway.server.webflux.routes[0].predicates[0]=Path=/**')

# ---------------------------------------------------------------- the fast start: extract, train, archive
# prepare name fat-jar args...: extracts into $OUT/<name>/ and records a CDS archive from a training run there. The
# jar is named by the same absolute path in the training run and in the starts: the JVM refuses (silently) an archive
# whose class path differs from the one it was recorded with.
prepare() {
  local name=$1 jar=$2; shift 2
  local dir=$OUT/$name base
  base=$(basename "$jar")
  (cd "$OUT" && "$JAVA" -Djarmode=tools -jar "$jar" extract --destination "$dir") > "$OUT/logs/$name-extract.log" 2>&1 \
    || die "extracting $jar failed ($OUT/logs/$name-extract.log)"
  (cd "$dir" && "${SRV[@]}" "$JAVA" "${JVM_FLAGS_A[@]}" -XX:ArchiveClassesAtExit=app.jsa -Dspring.context.exit=onRefresh \
    -jar "$dir/$base" --server.port=$PORT "$@") > "$OUT/logs/$name-train.log" 2>&1 \
    || die "the CDS training run of $name failed ($OUT/logs/$name-train.log)"
  [ -s "$dir/app.jsa" ] || die "the training run of $name wrote no archive ($OUT/logs/$name-train.log)"
}
log "extracting and training: vanilla SCG, gateway-app"
prepare scg-cds "$SCG_JAR"
prepare ours-cds "$GATEWAY_JAR" "${OURS_ARGS[@]}"

# ---------------------------------------------------------------- the starts
# start_once name round java-args...: one start, the time to the first 200 of /1k, then a stop
start_once() {
  local name=$1 round=$2; shift 2
  local t0 t1 pid code i
  t0=$(date +%s%N)
  "${SRV[@]}" "$JAVA" "${JVM_FLAGS_A[@]}" "$@" > "$OUT/logs/$name-$round.log" 2>&1 &
  pid=$!; STARTED+=("$pid")
  for ((i = 0; i < 6000; i++)); do
    code=$("${LOAD[@]}" curl -s -o /dev/null --max-time 1 -w '%{http_code}' "http://127.0.0.1:$PORT/1k" 2>/dev/null || true)
    [ "$code" = 200 ] && break
    kill -0 "$pid" 2>/dev/null || { tail -20 "$OUT/logs/$name-$round.log" >&2; die "$name exited before it answered"; }
    sleep 0.01
  done
  t1=$(date +%s%N)
  [ "$code" = 200 ] || die "$name gave no answer within 60 s ($OUT/logs/$name-$round.log)"
  echo "target=$name round=$round first_answer_ms=$(((t1 - t0) / 1000000)) rss_kb=$(ps -o rss= -p "$pid" | tr -d ' ') classes=$("$(dirname "$JAVA")/jstat" -class "$pid" 2>/dev/null | awk 'NR==2{print $1}')" >> "$OUT/starts.txt"
  stop_started "$pid"
}
: > "$OUT/starts.txt"
for ((r = 1; r <= STARTS; r++)); do
  log "round $r of $STARTS"
  start_once scg "$r" -jar "$SCG_JAR" --server.port=$PORT
  start_once scga "$r" -jar "$SCGA_JAR" --server.port=$PORT
  start_once ours "$r" -jar "$GATEWAY_JAR" --server.port=$PORT "${OURS_ARGS[@]}"
  start_once scg-cds "$r" -XX:SharedArchiveFile="$OUT/scg-cds/app.jsa" -jar "$OUT/scg-cds/$(basename "$SCG_JAR")" --server.port=$PORT
  start_once ours-cds "$r" -XX:SharedArchiveFile="$OUT/ours-cds/app.jsa" -jar "$OUT/ours-cds/$(basename "$GATEWAY_JAR")" --server.port=$PORT "${OURS_ARGS[@]}"
done

{
  echo "date=$(date -u +%Y-%m-%dT%H:%MZ)"
  echo "cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
  echo "nproc=$NPROC"
  echo "java=$("$JAVA" -version 2>&1 | head -1)"
  echo "knobs=PIN=$PIN STARTS=$STARTS JVM_FLAGS=$JVM_FLAGS"
  echo "commit=$(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null)$(cd "$ROOT" && git diff --quiet 2>/dev/null || echo -dirty)"
  echo "jar_built=$(date -u -r "$GATEWAY_JAR" +%Y-%m-%dT%H:%MZ)"
} > "$OUT/env.txt"
python3 "$HERE/startup-summary.py" "$OUT" "$DOC" || die "the summary failed"
