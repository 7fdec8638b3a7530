#!/usr/bin/env bash
# Resty Gateway end-to-end benchmark: gateway-app measured side by side with its peers, in one run, on loopback.
#   direct  nginx as the backend (127.0.0.1:9001): a fixed 1 KiB answer at /1k, static /1m.bin and /1m.json
#   nginx   nginx as a reverse proxy to the backend (9002), keep-alive upstream
#   scg     a vanilla Spring Cloud Gateway 5 app (9003), built from ../shared/bench/scg into the scratch folder
#   scga    the same app with spring-boot-starter-actuator added (9004): what most users of SCG run
#   ours    gateway-app (9005), demo off, one plain route to the backend plus the scenario's arguments
#   redis   only when a scenario's arguments name {redis-port}: a redis-server on a free loopback port (beside the
#           servers, pinned with them), started once for the run; {redis-port} becomes its port
# Scenarios (what is requested, and how gateway-app is configured for it) are listed in scenarios.txt beside this
# script. Each scenario: sanity check of every target, warm-up, then REPS interleaved rounds of wrk (one run per
# target per round), medians. summarize.py prints the table and writes it into src-docs/benchmarks.md.
#
# Usage: benchmarks/run.sh [outdir]              (outdir defaults to $BENCH_WORK/results/<date>)
# Knobs (environment):
#   PIN=1        servers on CPU 1, wrk on CPU 0 (SERVER_CPUS / LOAD_CPUS change the sets); default 1 with 2+ CPUs;
#                redis-server with the servers unless REDIS_CPUS says otherwise (e.g. REDIS_CPUS=0: beside wrk, as a
#                Redis on another machine would not take the gateway's core)
#   DUR=15       seconds per measured wrk run          REPS=3   interleaved rounds (medians over them)
#   WARM=120     the longest warm-up of a JVM on its first path: 5 s wrk windows until two in a row agree within 5%
#                (WARM_MIN=30 s at least; on each further path at most 30 s); the summary says when one never did.
#                Every JVM (vanilla SCG, SCG + actuator, gateway-app) is started afresh for each set of gateway-app
#                arguments, so that all three have the same warm-up history. nginx: 5 s a path
#   QUICK=1      a first answer in under 3 minutes: the 1k scenario, DUR=5 REPS=2 WARM=30 WARM_MIN=10, no paced
#                rounds (unless those knobs are set too)
#   CONNS=32     wrk connections (one wrk thread)
#   PACED=16x10  after the saturated rounds, REPS paced rounds: 16 connections, each waiting 10 ms between answer and
#                next request (paced.lua), well below saturation, for latency that is not queueing; PACED= to skip
#   PATHS=       only the scenarios on these paths, e.g. "1k" (a path no scenario covers runs as plain proxying);
#                empty = every scenario in the file (today /1k and /1m.bin, as peers.sh)
#   SCENARIOS=   only the scenarios with these names      SCENARIO_FILE=benchmarks/scenarios.txt
#   BENCH_WORK=~/.cache/resty-bench   scratch: nginx configs, served files, the vanilla SCG build, results
#   GATEWAY_JAR=gateway-app/target/gateway-app.jar        GATEWAY_ARGS= extra arguments for every gateway-app start
#   JAVA=        java binary (default: $JAVA_HOME/bin/java, else Java 17 from /usr/lib/jvm, else java on PATH)
#   JVM_FLAGS="-Xmx512m"  for both JVMs                    SCG_SRC=../shared/bench/scg (relative to the repo root)
#   DOC=src-docs/benchmarks.md   where the results go (DOC=none: nowhere but the results folder)
#   REDIS_SERVER=  the redis-server binary for {redis-port} scenarios (default: see redis-lib.sh; installs redis-tools
#                with apt-get when there is none)
# Records the share of the CPUs that other processes took during each measured run (cpu-lib.sh): on a shared machine
# a figure taken while something else ran says less than it seems. Stops every process it started, sends traffic to
# 127.0.0.1 only, and every wait is bounded.
set -u -o pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
# shellcheck source=redis-lib.sh
. "$HERE/redis-lib.sh"
# shellcheck source=cpu-lib.sh
. "$HERE/cpu-lib.sh"
# shellcheck source=proc-lib.sh
. "$HERE/proc-lib.sh"

die() { echo "run.sh: $*" >&2; exit 1; }
log() { echo "== $*"; }

# ---------------------------------------------------------------- knobs
NPROC=$(nproc)
if [ "$NPROC" -ge 2 ]; then PIN=${PIN:-1}; else PIN=${PIN:-0}; fi
SERVER_CPUS=${SERVER_CPUS:-1}; LOAD_CPUS=${LOAD_CPUS:-0}
if [ "${QUICK:-}" = 1 ]; then
  DUR=${DUR:-5}; REPS=${REPS:-2}; WARM=${WARM:-30}; WARM_MIN=${WARM_MIN:-10}; PACED=${PACED-}
  [ -z "${PATHS:-}" ] && SCENARIOS=${SCENARIOS:-1k}
fi
DUR=${DUR:-15}; REPS=${REPS:-3}; WARM=${WARM:-120}; WARM_MIN=${WARM_MIN:-30}; CONNS=${CONNS:-32}
PACED=${PACED-16x10}
PACED_CONNS=""; PACED_MS=""
if [ -n "$PACED" ]; then
  [[ $PACED =~ ^([0-9]+)x([0-9]+)$ ]] || die "PACED is CONNECTIONSxMILLISECONDS (e.g. 16x10), not '$PACED'"
  PACED_CONNS=${BASH_REMATCH[1]}; PACED_MS=${BASH_REMATCH[2]}
fi
PATHS=${PATHS:-}; SCENARIOS=${SCENARIOS:-}
SCENARIO_FILE=${SCENARIO_FILE:-$HERE/scenarios.txt}
W=${BENCH_WORK:-${HOME:?HOME is not set; set BENCH_WORK}/.cache/resty-bench}
GATEWAY_JAR=${GATEWAY_JAR:-$ROOT/gateway-app/target/gateway-app.jar}
GATEWAY_ARGS=${GATEWAY_ARGS:-}
SCG_SRC=${SCG_SRC:-$ROOT/../shared/bench/scg}
JVM_FLAGS=${JVM_FLAGS:-"-Xmx512m"}
DOC=${DOC:-$ROOT/src-docs/benchmarks.md}
STARTUP_TIMEOUT=${STARTUP_TIMEOUT:-120}   # seconds a JVM may take to give its first answer
DIRECT_PORT=9001; NGINX_PORT=9002; SCG_PORT=9003; SCGA_PORT=9004; OURS_PORT=9005
TARGETS=(direct nginx scg scga ours)
declare -A PORT=([direct]=$DIRECT_PORT [nginx]=$NGINX_PORT [scg]=$SCG_PORT [scga]=$SCGA_PORT [ours]=$OURS_PORT)

for k in DUR REPS WARM WARM_MIN CONNS STARTUP_TIMEOUT; do
  [[ ${!k} =~ ^[1-9][0-9]*$ ]] || die "$k must be a positive integer (got '${!k}')"
done

if [ ! -f "$GATEWAY_JAR" ]; then
  echo "run.sh: no gateway jar at $GATEWAY_JAR" >&2
  echo "  build it at the repo root first:  (cd $ROOT && mvn -q -DskipTests package)" >&2
  echo "  or point GATEWAY_JAR at a built gateway-app.jar" >&2
  exit 2
fi
GATEWAY_JAR=$(cd "$(dirname "$GATEWAY_JAR")" && pwd)/$(basename "$GATEWAY_JAR")
[ -f "$SCG_SRC/pom.xml" ] || die "no vanilla SCG source at $SCG_SRC (the shared folder is expected beside the repo: $ROOT/../shared)"
SCG_SRC=$(cd "$SCG_SRC" && pwd)
[ -f "$SCENARIO_FILE" ] || die "no scenario file at $SCENARIO_FILE"

if [ -z "${JAVA:-}" ]; then
  if [ -n "${JAVA_HOME:-}" ]; then JAVA=$JAVA_HOME/bin/java
  elif [ -x /usr/lib/jvm/java-17-openjdk-amd64/bin/java ]; then JAVA=/usr/lib/jvm/java-17-openjdk-amd64/bin/java
  else JAVA=$(command -v java) || die "no java found: set JAVA or JAVA_HOME"; fi
fi
[ -x "$JAVA" ] || die "java is not executable: $JAVA"

if [ "$PIN" = 1 ]; then
  [ "$NPROC" -ge 2 ] || die "PIN=1 needs 2 CPUs or more (this machine has $NPROC); use PIN=0"
  SRV=(taskset -c "$SERVER_CPUS"); LOAD=(taskset -c "$LOAD_CPUS"); RDS=(taskset -c "${REDIS_CPUS:-$SERVER_CPUS}")
else
  SRV=(); LOAD=(); RDS=()
fi
read -ra JVM_FLAGS_A <<< "$JVM_FLAGS"
read -ra GATEWAY_ARGS_A <<< "$GATEWAY_ARGS"

# ---------------------------------------------------------------- tools
need_apt=()
command -v nginx >/dev/null || need_apt+=(nginx)
command -v wrk >/dev/null || need_apt+=(wrk)
if [ ${#need_apt[@]} -gt 0 ]; then
  [ "$(id -u)" = 0 ] || die "missing ${need_apt[*]}: install them (apt-get install ${need_apt[*]}) or run as root"
  log "installing ${need_apt[*]}"
  nginx_before=$(pgrep -x nginx || true)
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}"; } >/dev/null \
    || die "apt-get install ${need_apt[*]} failed"
  # the package may start a system nginx on port 80: stop it if it was not running before
  if [ -z "$nginx_before" ] && [ -f /run/nginx.pid ]; then
    p=$(cat /run/nginx.pid); [ "$(ps -o comm= -p "$p" 2>/dev/null)" = nginx ] && kill -QUIT "$p" 2>/dev/null
  fi
fi
for c in curl python3; do command -v "$c" >/dev/null || die "$c is needed"; done

# ---------------------------------------------------------------- scenarios
# SC_NAME[i] SC_PATH[i] SC_ARGS[i] (raw argument string, {here} expanded) SC_HDRS[i] (request headers, '|' between)
SC_NAME=(); SC_PATH=(); SC_ARGS=(); SC_HDRS=()
in_list() { local x=$1; shift; local y; for y in "$@"; do [ "$x" = "$y" ] && return 0; done; return 1; }
read -ra PATHS_A <<< "$PATHS"; PATHS_A=("${PATHS_A[@]/#\//}")   # accept "1k" and "/1k"
read -ra SCEN_A <<< "$SCENARIOS"
lineno=0
while IFS= read -r line || [ -n "$line" ]; do
  lineno=$((lineno + 1))
  line=${line%%#*}
  read -r name path rest <<< "$line" || true
  [ -z "${name:-}" ] && continue
  [[ $name =~ ^[A-Za-z0-9._-]+$ ]] || die "$SCENARIO_FILE:$lineno: bad scenario name '$name'"
  [[ ${path:-} == /* ]] || die "$SCENARIO_FILE:$lineno: the path must start with / (got '${path:-}')"
  in_list "$name" "${SC_NAME[@]}" && die "$SCENARIO_FILE:$lineno: scenario '$name' is listed twice"
  [ ${#SCEN_A[@]} -gt 0 ] && ! in_list "$name" "${SCEN_A[@]}" && continue
  [ ${#PATHS_A[@]} -gt 0 ] && ! in_list "${path#/}" "${PATHS_A[@]}" && continue
  # @Name:value words are request headers that wrk (and the sanity probe) send to every target, not gateway arguments
  args=(); hdrs=""; read -ra words <<< "${rest:-}"
  for w in "${words[@]}"; do
    if [[ $w == @*:* ]]; then w=${w#@}; hdrs+="${hdrs:+|}${w%%:*}: ${w#*:}"; else args+=("$w"); fi
  done
  rest="${args[*]:-}"
  SC_NAME+=("$name"); SC_PATH+=("$path"); SC_ARGS+=("${rest//\{here\}/$HERE}"); SC_HDRS+=("$hdrs")
done < "$SCENARIO_FILE"
for p in "${PATHS_A[@]}"; do   # a path asked for that no scenario covers: plain proxying
  in_list "/$p" "${SC_PATH[@]}" && continue
  n=${p//\//_}; in_list "$n" "${SC_NAME[@]}" && n=plain-$n
  SC_NAME+=("$n"); SC_PATH+=("/$p"); SC_ARGS+=(""); SC_HDRS+=("")
done
for n in "${SCEN_A[@]}"; do in_list "$n" "${SC_NAME[@]}" || die "no scenario named '$n' (with PATHS='$PATHS') in $SCENARIO_FILE"; done
[ ${#SC_NAME[@]} -gt 0 ] || die "no scenario left to run"
# run order: file order, but scenarios with the same gateway arguments together (fewer gateway restarts)
ORDER=(); seen_args=()
for i in "${!SC_NAME[@]}"; do
  in_list "${SC_ARGS[$i]}" "${seen_args[@]}" && continue
  seen_args+=("${SC_ARGS[$i]}")
  for j in "${!SC_NAME[@]}"; do [ "${SC_ARGS[$j]}" = "${SC_ARGS[$i]}" ] && ORDER+=("$j"); done
done

# ---------------------------------------------------------------- redis, when a scenario names {redis-port}
NEED_REDIS=""
for i in "${ORDER[@]}"; do [[ ${SC_ARGS[$i]} == *"{redis-port}"* ]] && NEED_REDIS=1; done
if [ -n "$NEED_REDIS" ]; then
  REDIS_BIN=$(redis_find_server "$W/redis" 2>/dev/null)
  if [ -z "$REDIS_BIN" ] && [ -z "${REDIS_SERVER:-}" ]; then
    [ "$(id -u)" = 0 ] || die "a scenario needs a redis-server and there is none: apt-get install redis-tools, or set REDIS_SERVER"
    log "installing redis-tools (a redis-server for the scenarios that name {redis-port})"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-tools; } >/dev/null \
      || die "apt-get install redis-tools failed"
  fi
  REDIS_BIN=$(redis_find_server "$W/redis") || die "no redis-server for the scenarios that name {redis-port}"
fi

# ---------------------------------------------------------------- scratch: files and configs
OUT=${1:-$W/results/$(date +%Y%m%dT%H%M%S)}
mkdir -p "$OUT/wrk" "$OUT/logs" "$W/tmp" "$W/www" || die "cannot create $OUT or $W"
OUT=$(cd "$OUT" && pwd)
[ -f "$W/www/1m.bin" ] || head -c 1048576 /dev/urandom > "$W/www/1m.bin"
[ -f "$W/www/1m.json" ] || python3 - "$W/www/1m.json" <<'PY'
import json, sys
rows = [{"id": i, "name": "item-%d" % i, "tags": ["a", "b"], "v": i * 0.5} for i in range(20000)]
open(sys.argv[1], "w").write(json.dumps(rows)[:1048576])
PY
K=$(printf '0123456789abcdef%.0s' $(seq 64))   # 1 KiB
nginx_temps() { local d=$W/tmp/$1
  echo "client_body_temp_path $d-body; proxy_temp_path $d-proxy; fastcgi_temp_path $d-fcgi; uwsgi_temp_path $d-uwsgi; scgi_temp_path $d-scgi;"; }
nginx_head() { # name
  local user=""; [ "$(id -u)" = 0 ] && user="user root;"
  echo "$user worker_processes 1; daemon off; pid $W/tmp/$1.pid; error_log $W/tmp/$1-error.log warn; events { worker_connections 4096; }"; }
cat > "$W/backend.conf" <<NG
$(nginx_head backend)
http { access_log off; default_type application/octet-stream; types { application/json json; application/octet-stream bin; }
  sendfile on; tcp_nopush on; keepalive_requests 1000000; $(nginx_temps backend)
  server { listen 127.0.0.1:$DIRECT_PORT backlog=4096; root $W/www;
    location = /1k { default_type text/plain; return 200 "$K"; }
    location / { } } }
NG
cat > "$W/proxy.conf" <<NG
$(nginx_head proxy)
http { access_log off; keepalive_requests 1000000; $(nginx_temps proxy)
  upstream backend { server 127.0.0.1:$DIRECT_PORT; keepalive 64; keepalive_requests 1000000; }
  server { listen 127.0.0.1:$NGINX_PORT backlog=4096;
    location / { proxy_pass http://backend; proxy_http_version 1.1; proxy_set_header Connection ""; } } }
NG

# vanilla SCG: built once into the scratch folder, again whenever its source changes
scg_hash=$(cd "$SCG_SRC" && find . -type f -not -path './target/*' -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)
find_scg_jar() { find "$W/scg/target" -maxdepth 1 -name '*.jar' -not -name '*-plain.jar' 2>/dev/null | head -1; }
SCG_JAR=$(find_scg_jar)
if [ -z "$SCG_JAR" ] || [ "$(cat "$W/scg/.src-hash" 2>/dev/null)" != "$scg_hash" ]; then
  command -v mvn >/dev/null || die "mvn is needed to build the vanilla SCG app"
  log "building the vanilla SCG app from $SCG_SRC into $W/scg"
  { rm -rf "$W/scg" && cp -r "$SCG_SRC" "$W/scg" && chmod -R u+w "$W/scg"; } || die "cannot copy $SCG_SRC"
  (cd "$W/scg" && mvn -q -B -DskipTests package) > "$OUT/logs/scg-build.log" 2>&1 \
    || { tail -30 "$OUT/logs/scg-build.log" >&2; die "building the vanilla SCG app failed (log: $OUT/logs/scg-build.log)"; }
  echo "$scg_hash" > "$W/scg/.src-hash"
  SCG_JAR=$(find_scg_jar); [ -n "$SCG_JAR" ] || die "the SCG build made no jar in $W/scg/target"
fi

# vanilla SCG + actuator: the same source with spring-boot-starter-actuator added to its pom
find_scga_jar() { find "$W/scga/target" -maxdepth 1 -name '*.jar' -not -name '*-plain.jar' 2>/dev/null | head -1; }
SCGA_JAR=$(find_scga_jar)
if [ -z "$SCGA_JAR" ] || [ "$(cat "$W/scga/.src-hash" 2>/dev/null)" != "$scg_hash" ]; then
  log "building vanilla SCG + actuator from $SCG_SRC into $W/scga"
  { rm -rf "$W/scga" && cp -r "$SCG_SRC" "$W/scga" && chmod -R u+w "$W/scga"; } || die "cannot copy $SCG_SRC"
  python3 - "$W/scga/pom.xml" <<'PY' || die "cannot add the actuator to $W/scga/pom.xml"
import sys
p = sys.argv[1]; s = open(p).read()
marker = "<artifactId>spring-cloud-starter-gateway-server-webflux</artifactId>\n    </dependency>"
if marker not in s:
    sys.exit("no gateway dependency in " + p)
s = s.replace(marker, marker + "\n    <dependency>\n      <groupId>org.springframework.boot</groupId>\n"
              "      <artifactId>spring-boot-starter-actuator</artifactId>\n    </dependency>", 1)
s = s.replace("<artifactId>scg-bench</artifactId>", "<artifactId>scg-actuator-bench</artifactId>", 1)
open(p, "w").write(s)
PY
  (cd "$W/scga" && mvn -q -B -DskipTests package) > "$OUT/logs/scga-build.log" 2>&1 \
    || { tail -30 "$OUT/logs/scga-build.log" >&2; die "building vanilla SCG + actuator failed (log: $OUT/logs/scga-build.log)"; }
  echo "$scg_hash" > "$W/scga/.src-hash"
  SCGA_JAR=$(find_scga_jar); [ -n "$SCGA_JAR" ] || die "the SCG + actuator build made no jar in $W/scga/target"
fi

# ---------------------------------------------------------------- processes
STARTED=()   # pids of every server this script started
stop_all() {
  local p
  trap - EXIT INT TERM
  [ -n "${WRK_PID:-}" ] && { kill -TERM "$WRK_PID" 2>/dev/null; wait "$WRK_PID" 2>/dev/null; }
  for p in "${STARTED[@]}"; do stop_pid "$p"; done
  STARTED=()
}
trap stop_all EXIT
trap 'echo "run.sh: interrupted, stopping what it started" >&2; exit 130' INT
trap 'echo "run.sh: terminated, stopping what it started" >&2; exit 143' TERM

port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
http_probe() { # url [timeout_s [curl args]] -> "code bytes" (code 000 when nothing answered)
  local url=$1 t=${2:-10}; shift; [ $# -gt 0 ] && shift
  curl -s -o /dev/null --max-time "$t" -w '%{http_code} %{size_download}' "$@" "$url" 2>/dev/null || true; }

start_nginx() { # name port
  port_taken "$2" && die "port $2 is already taken: is something left from an earlier run? (pgrep -af nginx)"
  "${SRV[@]}" nginx -p "$W/tmp/" -e "$W/tmp/$1-error.log" -c "$W/$1.conf" > "$OUT/logs/$1.log" 2>&1 &
  local pid=$!; STARTED+=("$pid")
  wait_http "$pid" "http://127.0.0.1:$2/" 10 || { cat "$OUT/logs/$1.log" "$W/tmp/$1-error.log" >&2 2>/dev/null; die "nginx '$1' did not start"; }
}

declare -A JVM_PID=()
start_jvm() { # name port probe-path jar args...
  local name=$1 port=$2 probe=$3 jar=$4; shift 4
  port_taken "$port" && die "port $port is already taken: is something left from an earlier run? (pgrep -af java)"
  local t0 t1 pid
  t0=$(date +%s%N)
  "${SRV[@]}" "$JAVA" "${JVM_FLAGS_A[@]}" -jar "$jar" "$@" > "$OUT/logs/$name.log" 2>&1 &
  pid=$!; STARTED+=("$pid"); JVM_PID[$name]=$pid
  if ! wait_http "$pid" "http://127.0.0.1:$port$probe" "$STARTUP_TIMEOUT"; then
    tail -40 "$OUT/logs/$name.log" >&2
    die "$name did not answer on port $port within ${STARTUP_TIMEOUT}s (log: $OUT/logs/$name.log)"
  fi
  t1=$(date +%s%N)
  echo "jvm=$name first_answer_ms=$(((t1 - t0) / 1000000)) rss_start_kb=$(ps -o rss= -p "$pid" | tr -d ' ')" >> "$OUT/startup.txt"
  log "$name answered after $(((t1 - t0) / 1000000)) ms"
}
stop_jvm() { # name: records RSS after load, then stops it
  local name=$1 pid=${JVM_PID[$1]:-}
  [ -n "$pid" ] || return 0
  echo "jvm=$name rss_after_load_kb=$(ps -o rss= -p "$pid" | tr -d ' ')" >> "$OUT/startup.txt"
  stop_started "$pid"; unset "JVM_PID[$name]"
}

OURS_NAME=""; OURS_ARGS=__none__; SCG_NAME=""; SCGA_NAME=""
ensure_gateway() { # scenario index: (re)starts the three JVMs when gateway-app's arguments differ from the running one's
  local i=$1 extra=() suffix=""
  [ "${SC_ARGS[$i]}" = "$OURS_ARGS" ] && return 0
  [ -n "$OURS_NAME" ] && stop_jvm "$OURS_NAME"
  [ -n "$SCG_NAME" ] && stop_jvm "$SCG_NAME"
  [ -n "$SCGA_NAME" ] && stop_jvm "$SCGA_NAME"
  OURS_ARGS=${SC_ARGS[$i]}
  [ -n "$OURS_ARGS" ] && suffix=":${SC_NAME[$i]}"
  OURS_NAME="ours$suffix"; SCG_NAME="scg$suffix"; SCGA_NAME="scga$suffix"
  # the peers start afresh too: every JVM measured has the same warm-up history
  log "starting vanilla SCG and SCG + actuator as $SCG_NAME, $SCGA_NAME"
  start_jvm "$SCG_NAME" "$SCG_PORT" "${SC_PATH[$i]}" "$SCG_JAR"
  start_jvm "$SCGA_NAME" "$SCGA_PORT" "${SC_PATH[$i]}" "$SCGA_JAR" --server.port="$SCGA_PORT" \
    --management.server.port=0 --management.server.address=127.0.0.1
  read -ra extra <<< "${OURS_ARGS//\{redis-port\}/${REDIS_PORT:-}}"
  log "starting gateway-app as $OURS_NAME${OURS_ARGS:+ with $OURS_ARGS}"
  start_jvm "$OURS_NAME" "$OURS_PORT" "${SC_PATH[$i]}" "$GATEWAY_JAR" \
    --resty.demo.enabled=false --server.port="$OURS_PORT" --server.address=127.0.0.1 \
    --management.server.port=0 --logging.level.root=WARN \
    --spring.cloud.gateway.server.webflux.routes[0].id=bench \
    --spring.cloud.gateway.server.webflux.routes[0].uri="http://127.0.0.1:$DIRECT_PORT" \
    '--spring.cloud.gateway.server.webflux.routes[0].predicates[0]=Path=/**' \
    "${GATEWAY_ARGS_A[@]}" "${extra[@]}"
}
jvm_of() { case $1 in scg) echo "$SCG_NAME";; scga) echo "$SCGA_NAME";; ours) echo "$OURS_NAME";; *) echo "";; esac; }

# warm_until_stable name url max_s min_s [wrk options]: 5 s wrk windows until two in a row agree within 5% (and
# min_s have passed), at most max_s; one line into warmup.txt
warm_until_stable() {
  local name=$1 url=$2 max=$3 min=$4; shift 4
  local t=0 prev="" rps stable=no n=0 f=$OUT/tmp-warm.txt
  while [ "$t" -lt "$max" ]; do
    run_wrk 5 "$url" "$f" "$@"
    t=$((t + 5)); n=$((n + 1))
    rps=$(awk '/Requests\/sec/{print $2}' "$f")
    if [ -n "$prev" ] && [ -n "$rps" ] && [ "$t" -ge "$min" ] \
        && python3 -c "import sys; a,b=float(sys.argv[1]),float(sys.argv[2]); sys.exit(0 if abs(a-b) <= 0.05*max(a,b) else 1)" "$prev" "$rps"; then
      stable=yes; break
    fi
    prev=$rps
  done
  echo "jvm=$name url=$url windows=$n seconds=$t stable=$stable last_rps=${rps:-0}" >> "$OUT/warmup.txt"
  log "warm-up $name: ${t}s, $([ $stable = yes ] && echo 'two windows agree' || echo 'NEVER STABLE within 5%') (last ${rps:-?} req/s)"
}

WRK_PID=""
run_wrk() { # seconds url outfile [wrk options]; in the background so that a signal stops the run at once
  local d=$1 url=$2 f=$3; shift 3
  "${LOAD[@]}" timeout $((d + 60)) wrk -t1 -c"${WRK_CONNS:-$CONNS}" -d"${d}s" --timeout 10s "$@" "$url" > "$f" 2>&1 &
  WRK_PID=$!
  wait "$WRK_PID"; WRK_PID=""
}

# ---------------------------------------------------------------- run
{
  echo "date_utc=$(date -u +%Y-%m-%dT%H:%MZ)"
  echo "nproc=$NPROC"
  echo "cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
  echo "java=$("$JAVA" -version 2>&1 | head -1)"
  echo "nginx=$(nginx -v 2>&1 | sed 's/^nginx version: nginx\///')"
  echo "wrk=$(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2)"
  [ -n "$NEED_REDIS" ] && echo "redis=$REDIS_BIN"
  echo "knobs=PIN=$PIN${REDIS_CPUS:+ REDIS_CPUS=$REDIS_CPUS}${QUICK:+ QUICK=$QUICK} DUR=$DUR REPS=$REPS WARM=$WARM WARM_MIN=$WARM_MIN CONNS=$CONNS PACED=$PACED JVM_FLAGS=$JVM_FLAGS${GATEWAY_ARGS:+ GATEWAY_ARGS=$GATEWAY_ARGS}"
  echo "paced_conns=$PACED_CONNS"; echo "paced_ms=$PACED_MS"
  echo "DUR=$DUR"; echo "REPS=$REPS"; echo "WARM=$WARM"; echo "QUICK=${QUICK:-}"; echo "PIN=$PIN"; echo "server_cpus=$SERVER_CPUS"
  echo "repo=$(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo unknown)"
  echo "gateway_jar=$GATEWAY_JAR"
  echo "gateway_jar_built=$(date -u -r "$GATEWAY_JAR" +%Y-%m-%dT%H:%MZ)"
} > "$OUT/env.txt"
: > "$OUT/scenarios.tsv"
for i in "${ORDER[@]}"; do
  printf '%s\t%s\t%s\t%s\n' "${SC_NAME[$i]}" "${SC_PATH[$i]}" "${SC_ARGS[$i]}" "${SC_HDRS[$i]}" >> "$OUT/scenarios.tsv"
done
log "results in $OUT"
log "scenarios:$(for i in "${ORDER[@]}"; do printf ' %s(%s)' "${SC_NAME[$i]}" "${SC_PATH[$i]}"; done)"
log "$(grep '^knobs=' "$OUT/env.txt" | cut -d= -f2-)"

start_nginx backend "$DIRECT_PORT"
start_nginx proxy "$NGINX_PORT"
REDIS_PORT=""
if [ -n "$NEED_REDIS" ]; then
  REDIS_PID=""
  redis_start "$REDIS_BIN" "$W/redis/data" "$OUT/logs/redis.log" "${RDS[@]}" || die "could not start $REDIS_BIN"
  STARTED+=("$REDIS_PID")
  redis_version=$(redis_cmd "$REDIS_PORT" INFO server | sed -n 's/^redis_version://p' | tr -d '\r')
  echo "redis_version=$redis_version" >> "$OUT/env.txt"
  echo "redis_cpus=${REDIS_CPUS:-$SERVER_CPUS}" >> "$OUT/env.txt"
  log "redis-server $redis_version on 127.0.0.1:$REDIS_PORT ($REDIS_BIN)"
fi

declare -A WARMED=()   # "instance|path" -> 1; an instance is a JVM name or nginx/direct
for i in "${ORDER[@]}"; do
  name=${SC_NAME[$i]}; path=${SC_PATH[$i]}
  HDR=(); IFS='|' read -ra hs <<< "${SC_HDRS[$i]}"; for h in "${hs[@]}"; do HDR+=(-H "$h"); done
  ensure_gateway "$i"
  log "scenario $name: $path"
  # sanity: every target must answer 200
  ref_bytes=""
  for t in "${TARGETS[@]}"; do
    r=$(http_probe "http://127.0.0.1:${PORT[$t]}$path" 10 "${HDR[@]}")
    echo "sanity $name $t $path ${r:-000 0}" | tee -a "$OUT/sanity.txt"
    [ "${r%% *}" = 200 ] || die "$t answered '${r:-nothing}' for $path: fix that before measuring (logs: $OUT/logs)"
    [ -z "$ref_bytes" ] && ref_bytes=${r##* }
    [ "${r##* }" = "$ref_bytes" ] || echo "   note: $t sent ${r##* } bytes, the backend $ref_bytes"
  done
  # warm-up: each JVM until two 5 s windows agree (at most WARM s on its first path, 30 s on a further one); nginx 5 s
  for t in "${TARGETS[@]}"; do
    inst=$(jvm_of "$t"); inst=${inst:-$t}
    [ -n "${WARMED[$inst|$path]:-}" ] && continue
    if [ -n "$(jvm_of "$t")" ]; then
      if [ -n "${WARMED[$inst]:-}" ]; then d=$((WARM < 30 ? WARM : 30)); m=10; else d=$WARM; m=$WARM_MIN; fi
      warm_until_stable "$inst" "http://127.0.0.1:${PORT[$t]}$path" "$d" "$m" "${HDR[@]}"
    else
      log "warm-up $t $path 5s"
      run_wrk 5 "http://127.0.0.1:${PORT[$t]}$path" "$OUT/warmup-$name-$t.txt" "${HDR[@]}"
    fi
    WARMED[$inst|$path]=1; WARMED[$inst]=1
  done
  # measured: REPS rounds, every target once a round, the starting target rotating
  mkdir -p "$OUT/wrk/$name"
  uses_redis=""; [[ ${SC_ARGS[$i]} == *"{redis-port}"* ]] && uses_redis=1
  [ -n "$uses_redis" ] && redis_before=$(redis_stat "$REDIS_PORT" evalsha)
  for ((r = 1; r <= REPS; r++)); do
    for ((k = 0; k < ${#TARGETS[@]}; k++)); do
      t=${TARGETS[$(((k + r - 1) % ${#TARGETS[@]}))]}
      f=$OUT/wrk/$name/$t-$r.txt
      cpu0=$(cpu_sample)
      run_wrk "$DUR" "http://127.0.0.1:${PORT[$t]}$path" "$f" --latency "${HDR[@]}"
      # the share of the CPUs that processes this script did not start took during the run
      echo "scenario=$name target=$t round=$r other_cpu_pct=$(cpu_other "$cpu0" "$(cpu_sample)")" >> "$OUT/cpu-other.txt"
      printf '%-10s %-7s round %d: %s\n' "$name" "$t" "$r" "$(grep -E 'Requests/sec' "$f" | tr -s ' ')"
      grep -qE 'Non-2xx|Socket errors' "$f" && echo "   errors: $(grep -E 'Non-2xx|Socket errors' "$f" | tr -s ' ' | paste -sd';')"
    done
  done
  # paced: the same targets well below saturation, for the latency a request takes rather than the time it queues
  if [ -n "$PACED" ]; then
    mkdir -p "$OUT/paced/$name"
    for ((r = 1; r <= REPS; r++)); do
      for ((k = 0; k < ${#TARGETS[@]}; k++)); do
        t=${TARGETS[$(((k + r - 1) % ${#TARGETS[@]}))]}
        f=$OUT/paced/$name/$t-$r.txt
        PACE_MS=$PACED_MS WRK_CONNS=$PACED_CONNS run_wrk "$DUR" "http://127.0.0.1:${PORT[$t]}$path" "$f" --latency \
          -s "$HERE/paced.lua" "${HDR[@]}"
        printf '%-10s %-7s paced %d: %s\n' "$name" "$t" "$r" "$(grep -E 'Requests/sec' "$f" | tr -s ' ')"
      done
    done
  fi
  if [ -n "$uses_redis" ]; then
    # Only gateway-app talks to Redis: its EVALSHA calls during the rounds show that the limiter decided there
    # (a limiter that fell back onto memory would leave them far below gateway-app's request count).
    read -r c0 f0 j0 <<< "$redis_before"; read -r c1 f1 j1 <<< "$(redis_stat "$REDIS_PORT" evalsha)"
    echo "scenario=$name evalsha_calls=$((c1 - c0)) failed_calls=$((f1 - f0)) rejected_calls=$((j1 - j0))" >> "$OUT/redis.txt"
    log "redis: $((c1 - c0)) EVALSHA calls during the measured rounds of $name ($((f1 - f0)) failed, $((j1 - j0)) rejected)"
  fi
done

# RSS after load, then stop everything before summarizing
for n in "${!JVM_PID[@]}"; do stop_jvm "$n"; done
stop_all

doc_args=()
[ "$DOC" != none ] && doc_args=(--doc "$DOC")
python3 "$HERE/summarize.py" "$OUT" "${doc_args[@]}" | tee "$OUT/summary.txt" || die "summarize.py failed"
[ "$DOC" != none ] && log "results written into $DOC"
exit 0
