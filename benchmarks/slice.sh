#!/usr/bin/env bash
# Resty Gateway: the Slice filter on a large object (256 MiB by default), measured against a plain proxied route to
# the same object on the same gateway-app, in the same run, with nginx as references. The goals in the slice issue:
# warm (cached) Slice >= 1.5x plain, cold (cache empty) Slice >= 0.9x plain, in MB/s; and with 32 concurrent
# downloads of the object the gateway stays under its 512 MiB heap with no OutOfMemoryError (peak RSS reported).
#   direct  nginx as the backend (its static module answers Range with 206), on a free loopback port
#   nginx   nginx as a reverse proxy to the backend (keep-alive upstream; proxy_max_temp_file_size 0: streamed, not
#           spooled to disk)
#   plain   gateway-app, route Path=/plain/** -> the backend (StripPrefix=1), no Slice
#   cold    gateway-app, route Path=/slice/** with Slice (size SLICE, cache on, cache-max-size CACHE_MAX), its cache
#           empty: each round starts a fresh gateway-app (warmed up on a small object, WARM_MIB, that stays cached
#           beside the big one, and on the object through a second Slice route, /slicewarm/**, with a cache of its
#           own of WARM_CACHE, so that the cold path's code is as warm as the plain route's), so every slice is
#           fetched from the backend
#   warm    the same URI again right after its cold download: every slice from the cache (the backend's access log
#           must show no request; the summary says so when it does)
#   ncold, nwarm  nginx's own slice module on the nginx proxy, /slice/ (slice SLICE; proxy_cache on disk, keyed by
#           URI and $slice_range, as its documentation shows), cold then warm: what the original achieves here
#   recycled  cold as well, but through the warm-up route, whose cache is full: each new slice takes the place, and
#           the memory, of an evicted one. A cold download into an empty cache (cold) also pays for memory the
#           process has never touched: a page fault for each 4 KiB, which this VM makes expensive
# Throughput: curl downloads the whole object (-o /dev/null, speed_download), REPS interleaved rounds (each target
# once a round, the starting one rotating; cold then warm always together), medians, ratios = medians of the rounds'
# ratios. (A second object through a full cache is not measured as cold: Caffeine's admission policy keeps the
# older, more used slices and refuses part of the new ones, so its "warm" pass would still fetch.) Memory: CONC concurrent downloads of the object through plain, Slice cold (one fresh URI shared by all)
# and Slice warm (that URI again), sampling the JVM's RSS (/proc) and its heap (jstat) every 100 ms; the GC log and
# the gateway's log are searched for OutOfMemoryError. Every download is checked (200 and every byte); before the
# rounds, one download of each kind is checked by SHA-256 and the backend's access log must show that a cold
# download asked each slice once and a warm one asked nothing.
# The share of the CPUs that other processes took during each measurement is recorded (cpu-lib.sh) and summarized.
#
# Usage: benchmarks/slice.sh [outdir]        (outdir defaults to $BENCH_WORK/slice/results/<date>)
# Knobs (environment):
#   SIZE_MIB=256   the object's size        SLICE=1MB  CACHE_MAX=300MB  CACHE_TTL=1h   the Slice filter's arguments
#                  (CACHE_MAX must hold the whole object: each slice weighs its bytes + 96, so 256MB does not)
#   REPS=5  interleaved rounds, each on a fresh gateway-app
#   WARMUP=3  JIT warm-up of each fresh gateway-app: WARMUP downloads of the object on the plain route and on the
#             warm-up Slice route (a fresh URI each, cache WARM_CACHE=16MB), and of a small object (WARM_MIB=8) on
#             the Slice route, cold then warm; WARMUP x WARM_MIB + SIZE_MIB must fit CACHE_MAX
#   CONC=32 concurrent downloads in the memory phases                   DL_TIMEOUT=300  seconds a download may take
#   PIN=1   the servers under test (nginx proxy, gateway-app) on CPU 1 (SERVER_CPUS), curl on CPU 0 (LOAD_CPUS),
#           and the backend beside curl (BACKEND_CPUS, default LOAD_CPUS): the origin stands for another machine, so
#           its work (256 range requests a cold download against one for plain) is not charged to the gateway's CPU;
#           BACKEND_CPUS=1 puts it with the servers as run.sh does. PIN defaults to 1 with 2+ CPUs
#   JAVA=   JVM_FLAGS="-Xmx512m"   NMT=1 (-XX:NativeMemoryTracking=summary: off-heap breakdown after each memory
#   phase)   JFR=1  (a flight recording of each gateway-app, settings=profile, into the results folder)
#   GATEWAY_JAR=gateway-app/target/gateway-app.jar   BENCH_WORK=~/.cache/resty-bench (the object goes into
#   $BENCH_WORK/slice/www)   DOC=src-docs/benchmarks.md (DOC=none: nowhere but the results folder)
# Ports are free loopback ports chosen at start (run.sh's 9001-9005 may be in use). Stops every process it started,
# sends traffic to 127.0.0.1 only, and every wait is bounded.
set -u -o pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
# shellcheck source=cpu-lib.sh
. "$HERE/cpu-lib.sh"
# shellcheck source=proc-lib.sh
. "$HERE/proc-lib.sh"

die() { echo "slice.sh: $*" >&2; exit 1; }
log() { echo "== $*"; }

# ---------------------------------------------------------------- knobs
NPROC=$(nproc)
if [ "$NPROC" -ge 2 ]; then PIN=${PIN:-1}; else PIN=${PIN:-0}; fi
SERVER_CPUS=${SERVER_CPUS:-1}; LOAD_CPUS=${LOAD_CPUS:-0}; BACKEND_CPUS=${BACKEND_CPUS:-$LOAD_CPUS}
SIZE_MIB=${SIZE_MIB:-256}; SLICE=${SLICE:-1MB}; CACHE_MAX=${CACHE_MAX:-300MB}; CACHE_TTL=${CACHE_TTL:-1h}
REPS=${REPS:-5}; WARMUP=${WARMUP:-3}; WARM_MIB=${WARM_MIB:-8}; WARM_CACHE=${WARM_CACHE:-16MB}; CONC=${CONC:-32}; DL_TIMEOUT=${DL_TIMEOUT:-300}
JVM_FLAGS=${JVM_FLAGS:-"-Xmx512m"}; NMT=${NMT:-1}; JFR=${JFR:-}
W=${BENCH_WORK:-${HOME:?HOME is not set; set BENCH_WORK}/.cache/resty-bench}
GATEWAY_JAR=${GATEWAY_JAR:-$ROOT/gateway-app/target/gateway-app.jar}
DOC=${DOC:-$ROOT/src-docs/benchmarks.md}
STARTUP_TIMEOUT=${STARTUP_TIMEOUT:-120}

for k in SIZE_MIB WARM_MIB REPS CONC DL_TIMEOUT STARTUP_TIMEOUT; do
  [[ ${!k} =~ ^[1-9][0-9]*$ ]] || die "$k must be a positive integer (got '${!k}')"
done
[[ $WARMUP =~ ^[0-9]+$ ]] || die "WARMUP must be a whole number (got '$WARMUP')"
[ -f "$GATEWAY_JAR" ] || die "no gateway jar at $GATEWAY_JAR: build it first (cd $ROOT && mvn -q -DskipTests package)"
GATEWAY_JAR=$(cd "$(dirname "$GATEWAY_JAR")" && pwd)/$(basename "$GATEWAY_JAR")
if [ -z "${JAVA:-}" ]; then
  if [ -n "${JAVA_HOME:-}" ]; then JAVA=$JAVA_HOME/bin/java
  elif [ -x /usr/lib/jvm/java-17-openjdk-amd64/bin/java ]; then JAVA=/usr/lib/jvm/java-17-openjdk-amd64/bin/java
  else JAVA=$(command -v java) || die "no java found: set JAVA or JAVA_HOME"; fi
fi
[ -x "$JAVA" ] || die "java is not executable: $JAVA"
JBIN=$(dirname "$(readlink -f "$JAVA")")
JSTAT=$JBIN/jstat; JCMD=$JBIN/jcmd
[ -x "$JSTAT" ] && [ -x "$JCMD" ] || die "jstat and jcmd are needed beside $JAVA (a JDK, not a JRE)"
if [ "$PIN" = 1 ]; then
  [ "$NPROC" -ge 2 ] || die "PIN=1 needs 2 CPUs or more (this machine has $NPROC); use PIN=0"
  SRV=(taskset -c "$SERVER_CPUS"); LOAD=(taskset -c "$LOAD_CPUS"); BACK=(taskset -c "$BACKEND_CPUS")
else
  SRV=(); LOAD=(); BACK=()
fi
read -ra JVM_FLAGS_A <<< "$JVM_FLAGS"
for c in curl python3 nginx sha256sum; do command -v "$c" >/dev/null || die "$c is needed"; done

# ---------------------------------------------------------------- scratch: the object and the configs
S=$W/slice
OUT=${1:-$S/results/$(date +%Y%m%dT%H%M%S)}
mkdir -p "$OUT/logs" "$OUT/mem" "$S/www" "$S/tmp" || die "cannot create $OUT or $S"
OUT=$(cd "$OUT" && pwd)
SLICE_BYTES=$(python3 -c '
import re, sys
m = re.fullmatch(r"(\d+)\s*(B|KB|MB|GB)?", sys.argv[1].strip().upper())
print(int(m.group(1)) * {None: 1, "B": 1, "KB": 1024, "MB": 1 << 20, "GB": 1 << 30}[m.group(2)])' "$SLICE") \
  || die "SLICE must be a size such as 1MB (got '$SLICE')"
SLICE_NGINX=$SLICE_BYTES   # nginx's slice directive takes bytes too
SIZE=$((SIZE_MIB * 1048576))
OBJ=object-${SIZE_MIB}m.bin
if [ "$(stat -c %s "$S/www/$OBJ" 2>/dev/null)" != "$SIZE" ] || [ ! -s "$S/www/$OBJ.sha256" ]; then
  log "writing $S/www/$OBJ ($SIZE_MIB MiB of random bytes: nothing compresses it)"
  head -c "$SIZE" /dev/urandom > "$S/www/$OBJ.tmp" && mv "$S/www/$OBJ.tmp" "$S/www/$OBJ" || die "cannot write the object"
  sha256sum < "$S/www/$OBJ" | cut -d' ' -f1 > "$S/www/$OBJ.sha256"
fi
OBJ_SHA=$(cat "$S/www/$OBJ.sha256")
WOBJ=warmup-${WARM_MIB}m.bin
[ "$(stat -c %s "$S/www/$WOBJ" 2>/dev/null)" = $((WARM_MIB * 1048576)) ] \
  || head -c $((WARM_MIB * 1048576)) /dev/urandom > "$S/www/$WOBJ" || die "cannot write $WOBJ"

read -r BACKEND_PORT PROXY_PORT GW_PORT <<< "$(free_ports 3)"
[ -n "$GW_PORT" ] || die "no free ports"

nginx_head() { # name
  local user=""; [ "$(id -u)" = 0 ] && user="user root;"
  echo "$user worker_processes 1; daemon off; pid $S/tmp/$1.pid; error_log $S/tmp/$1-error.log warn; events { worker_connections 4096; }
  http { client_body_temp_path $S/tmp/$1-body; proxy_temp_path $S/tmp/$1-proxy; fastcgi_temp_path $S/tmp/$1-fcgi;
    uwsgi_temp_path $S/tmp/$1-uwsgi; scgi_temp_path $S/tmp/$1-scgi; keepalive_requests 1000000;"; }
# The backend logs every request with its Range header: the rounds' upstream requests are counted from it.
cat > "$S/backend.conf" <<NG
$(nginx_head backend)
  log_format slice '\$request_uri "\$http_range" \$status \$body_bytes_sent \$msec \$request_time';
  access_log $OUT/logs/backend-access.log slice;
  default_type application/octet-stream; sendfile on; tcp_nopush on;
  server { listen 127.0.0.1:$BACKEND_PORT backlog=4096; root $S/www; location / { } } }
NG
cat > "$S/proxy.conf" <<NG
$(nginx_head proxy)
  access_log off;
  upstream backend { server 127.0.0.1:$BACKEND_PORT; keepalive 64; keepalive_requests 1000000; }
  proxy_cache_path $S/tmp/nginx-cache levels=1:2 keys_zone=slices:16m max_size=2g inactive=1h use_temp_path=off;
  server { listen 127.0.0.1:$PROXY_PORT backlog=4096;
    location / { proxy_pass http://backend; proxy_http_version 1.1; proxy_set_header Connection "";
      proxy_max_temp_file_size 0; }
    location /slice/ { rewrite ^/slice/(.*)\$ /\$1 break; slice $SLICE_NGINX; proxy_cache slices;
      proxy_cache_key \$uri\$is_args\$args\$slice_range; proxy_set_header Range \$slice_range;
      proxy_cache_valid 200 206 1h; proxy_pass http://backend; proxy_http_version 1.1;
      proxy_set_header Connection ""; } } }
NG
rm -rf "$S/tmp/nginx-cache"

# ---------------------------------------------------------------- processes
STARTED=(); CHILDREN=()
stop_all() {
  local p
  trap - EXIT INT TERM
  for p in "${CHILDREN[@]}"; do kill -TERM "$p" 2>/dev/null; done
  for p in "${CHILDREN[@]}"; do wait "$p" 2>/dev/null; done
  CHILDREN=()
  for p in "${STARTED[@]}"; do stop_pid "$p"; done
  STARTED=()
}
trap stop_all EXIT
trap 'echo "slice.sh: interrupted, stopping what it started" >&2; exit 130' INT
trap 'echo "slice.sh: terminated, stopping what it started" >&2; exit 143' TERM

start_nginx() { # name port
  local pin=("${SRV[@]}"); [ "$1" = backend ] && pin=("${BACK[@]}")
  "${pin[@]}" nginx -p "$S/tmp/" -e "$S/tmp/$1-error.log" -c "$S/$1.conf" > "$OUT/logs/$1.log" 2>&1 &
  local pid=$!; STARTED+=("$pid")
  wait_http "$pid" "http://127.0.0.1:$2/" 10 || { cat "$OUT/logs/$1.log" "$S/tmp/$1-error.log" >&2 2>/dev/null; die "nginx '$1' did not start"; }
}

B=http://127.0.0.1:$BACKEND_PORT; P=http://127.0.0.1:$PROXY_PORT; G=http://127.0.0.1:$GW_PORT
declare -A URL=([direct]=$B/$OBJ [nginx]=$P/$OBJ [plain]=$G/plain/$OBJ [slice]=$G/slice/$OBJ [nslice]=$P/slice/$OBJ)
R=spring.cloud.gateway.server.webflux.routes
GW_ARGS=(--resty.demo.enabled=false --server.port="$GW_PORT" --server.address=127.0.0.1
  --management.server.port=0 --logging.level.root=WARN
  "--$R[0].id=plain" "--$R[0].uri=$B" "--$R[0].predicates[0]=Path=/plain/**" "--$R[0].filters[0]=StripPrefix=1"
  "--$R[1].id=slice" "--$R[1].uri=$B" "--$R[1].predicates[0]=Path=/slice/**" "--$R[1].filters[0]=StripPrefix=1"
  "--$R[1].filters[1].name=Slice" "--$R[1].filters[1].args.size=$SLICE" "--$R[1].filters[1].args.cache=true"
  "--$R[1].filters[1].args.cache-max-size=$CACHE_MAX" "--$R[1].filters[1].args.cache-ttl=$CACHE_TTL"
  "--$R[2].id=slicewarm" "--$R[2].uri=$B" "--$R[2].predicates[0]=Path=/slicewarm/**" "--$R[2].filters[0]=StripPrefix=1"
  "--$R[2].filters[1].name=Slice" "--$R[2].filters[1].args.size=$SLICE" "--$R[2].filters[1].args.cache=true"
  "--$R[2].filters[1].args.cache-max-size=$WARM_CACHE" "--$R[2].filters[1].args.cache-ttl=$CACHE_TTL")
GW_JVM=("${JVM_FLAGS_A[@]}")
[ "$NMT" = 1 ] && GW_JVM+=(-XX:NativeMemoryTracking=summary)

# ---------------------------------------------------------------- environment
{
  echo "date_utc=$(date -u +%Y-%m-%dT%H:%MZ)"
  echo "nproc=$NPROC"
  echo "cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
  echo "mem=$(free -m | awk '/^Mem:/ {print $2 " MiB"}')"
  echo "java=$("$JAVA" -version 2>&1 | head -1)"
  echo "nginx=$(nginx -v 2>&1 | sed 's/^nginx version: nginx\///')"
  echo "curl=$(curl --version | head -1 | cut -d' ' -f1-2)"
  echo "size=$SIZE"
  echo "knobs=PIN=$PIN SERVER_CPUS=$SERVER_CPUS LOAD_CPUS=$LOAD_CPUS BACKEND_CPUS=$BACKEND_CPUS SIZE_MIB=$SIZE_MIB WARM_MIB=$WARM_MIB WARM_CACHE=$WARM_CACHE SLICE=$SLICE CACHE_MAX=$CACHE_MAX CACHE_TTL=$CACHE_TTL REPS=$REPS WARMUP=$WARMUP CONC=$CONC JVM_FLAGS=$JVM_FLAGS"
  echo "repo=$(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo unknown)"
  echo "gateway_jar_built=$(date -u -r "$GATEWAY_JAR" +%Y-%m-%dT%H:%MZ)"
  echo "loadavg_start=$(cut -d' ' -f1-3 /proc/loadavg)"
} > "$OUT/env.txt"
log "results in $OUT"
log "$(grep '^knobs=' "$OUT/env.txt" | cut -d= -f2-)"

start_nginx backend "$BACKEND_PORT"
start_nginx proxy "$PROXY_PORT"
log "backend $B, nginx proxy $P; gateway-app on $G"
GW_PID=""; GW_N=0
start_gateway() { # a fresh gateway-app: its slice cache is empty; logs numbered by start
  GW_N=$((GW_N + 1))
  local jfr=()
  [ -n "$JFR" ] && jfr=("-XX:StartFlightRecording=filename=$OUT/gateway-$GW_N.jfr,settings=profile")
  "${SRV[@]}" "$JAVA" "${GW_JVM[@]}" "${jfr[@]}" "-Xlog:gc:file=$OUT/logs/gc-$GW_N.log:uptime" -jar "$GATEWAY_JAR" "${GW_ARGS[@]}" \
    > "$OUT/logs/gateway-$GW_N.log" 2>&1 &
  GW_PID=$!; STARTED+=("$GW_PID")
  wait_http "$GW_PID" "$G/plain/" "$STARTUP_TIMEOUT" \
    || { tail -40 "$OUT/logs/gateway-$GW_N.log" >&2; die "gateway-app did not answer"; }
  if [ "$GW_N" = 1 ]; then
    echo "gc=$("$JCMD" "$GW_PID" VM.flags 2>/dev/null | tr ' ' '\n' | grep -oE 'Use[A-Za-z]+GC' | head -1)" >> "$OUT/env.txt"
  fi
  log "gateway-app #$GW_N answers ($(grep '^gc=' "$OUT/env.txt" | cut -d= -f2), RSS $(($(ps -o rss= -p "$GW_PID") / 1024)) MiB)"
}
stop_gateway() {
  [ -n "$GW_PID" ] || return 0
  echo "oom_in_log_$GW_N=$(grep -c 'OutOfMemory' "$OUT/logs/gateway-$GW_N.log")" >> "$OUT/env.txt"
  stop_started "$GW_PID"; GW_PID=""
}
start_gateway

# ---------------------------------------------------------------- downloads
CURL_FMT='%{http_code} %{size_download} %{speed_download} %{time_total}'
V=""
download() { # url -> V = "code bytes bytes/s seconds"; in the background so that a signal stops it at once
  "${LOAD[@]}" curl -s -o /dev/null --max-time "$DL_TIMEOUT" -w "$CURL_FMT" "$1" > "$OUT/logs/dl.txt" 2>/dev/null &
  local pid=$!; CHILDREN=("$pid")
  wait "$pid"; CHILDREN=()
  V=$(cat "$OUT/logs/dl.txt")
}
upstream_requests() { # uri-part -> how many backend requests asked for it so far
  grep -c -- "$1" "$OUT/logs/backend-access.log" 2>/dev/null || true; }

# sanity: every byte right, the cache used as it should be
NSLICES=$(((SIZE + SLICE_BYTES - 1) / SLICE_BYTES))
check_sha() { # name url
  local got
  got=$("${LOAD[@]}" curl -sf --max-time "$DL_TIMEOUT" "$2" | sha256sum | cut -d' ' -f1)
  echo "sanity $1 sha256 ${got:-none}" >> "$OUT/sanity.txt"
  [ "$got" = "$OBJ_SHA" ] || die "$1: the downloaded object's SHA-256 is ${got:-nothing}, not $OBJ_SHA ($2)"
}
log "sanity: whole downloads checked by SHA-256"
for t in direct nginx plain; do check_sha "$t" "${URL[$t]}"; done
check_sha nginx-slice "${URL[nslice]}?nsanity"
check_sha slice-cold "${URL[slice]}?sanity"
n_cold=$(upstream_requests "?sanity")
check_sha slice-warm "${URL[slice]}?sanity"
n_warm=$(($(upstream_requests "?sanity") - n_cold))
echo "sanity slice-cold upstream_requests=$n_cold slices=$NSLICES" >> "$OUT/sanity.txt"
echo "sanity slice-warm upstream_requests=$n_warm" >> "$OUT/sanity.txt"
log "sanity: a cold Slice download asked the backend $n_cold times ($NSLICES slices), the warm one $n_warm times"
[ "$n_cold" = "$NSLICES" ] || die "a cold download should ask each of the $NSLICES slices once, not $n_cold times"
[ "$n_warm" = 0 ] || die "a warm download asked the backend $n_warm times: the object is not held (CACHE_MAX=$CACHE_MAX too small?)"
r=$(curl -s -o /dev/null -r 1000000-1999999 -w '%{http_code} %{size_download}' "${URL[slice]}?sanity")
[ "$r" = "206 1000000" ] || die "a Range request through Slice got '$r', not '206 1000000'"
# a warm range across slice boundaries, checked byte for byte
want=$(tail -c +1000001 "$S/www/$OBJ" | head -c 3000001 | sha256sum | cut -d' ' -f1)
got=$(curl -s -r 1000000-4000000 "${URL[slice]}?sanity" | sha256sum | cut -d' ' -f1)
[ "$got" = "$want" ] || die "a warm Range request through Slice (bytes=1000000-4000000) did not bring the object's bytes"
echo "sanity slice-warm-range bytes=1000000-4000000 sha256 $got" >> "$OUT/sanity.txt"

# JIT warm-up of a fresh gateway-app: the plain route on the object; the cold Slice path on the object through the
# warm-up route (its own small cache, a fresh URI each time: every slice fetched, as in a measured cold download);
# the Slice route itself on a small object (WARM_MIB), a fresh URI then the same URI again (cold and warm paths), so
# that the measured object still fits beside it
warm_up() { # tag
  local i
  for ((i = 1; i <= WARMUP; i++)); do
    download "${URL[plain]}"; echo "warmup $1 plain $i $V" >> "$OUT/warmup.txt"
    download "$G/slicewarm/$OBJ?$1-w$i"; echo "warmup $1 slicewarm-cold $i $V" >> "$OUT/warmup.txt"
    download "$G/slice/$WOBJ?w$i"; echo "warmup $1 slice-cold $i $V" >> "$OUT/warmup.txt"
    download "$G/slice/$WOBJ?w$i"; echo "warmup $1 slice-warm $i $V" >> "$OUT/warmup.txt"
  done
}

# ---------------------------------------------------------------- throughput rounds
: > "$OUT/results.tsv"   # round target code bytes bytes/s seconds other-CPU-% upstream-requests
record() { # round target
  local code bytes speed secs
  read -r code bytes speed secs <<< "$V"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "${code:-000}" "${bytes:-0}" "${speed:-0}" "${secs:-0}" \
    "$OTHER" "${UPS:--}" >> "$OUT/results.tsv"
  printf 'round %d %-6s %s %10s bytes %8.1f MB/s  (other processes: %s%% CPU%s)\n' "$1" "$2" "${code:-000}" \
    "${bytes:-0}" "$(python3 -c "print(${speed:-0} / 1e6)")" "$OTHER" "${UPS:+, upstream requests $UPS}"
  [ "${code:-}" = 200 ] && [ "${bytes:-}" = "$SIZE" ] || echo "   error: $2 answered ${code:-nothing} with ${bytes:-0} of $SIZE bytes"
}
measure() { # round target url
  local cpu0 u0
  UPS=""; u0=$(wc -l < "$OUT/logs/backend-access.log")
  cpu0=$(cpu_sample)
  download "$3"
  OTHER=$(cpu_other "$cpu0" "$(cpu_sample)")
  [[ $2 == cold || $2 == warm || $2 == recycled || $2 == ncold || $2 == nwarm ]] && UPS=$(($(wc -l < "$OUT/logs/backend-access.log") - u0))
  record "$1" "$2"
}
UNITS=(direct nginx plain slice nslice)
log "throughput: $REPS interleaved rounds"
for ((r = 1; r <= REPS; r++)); do
  stop_gateway; start_gateway   # an empty cache for this round's cold download (the sanity check filled it)
  warm_up "round$r"
  for ((k = 0; k < ${#UNITS[@]}; k++)); do
    u=${UNITS[$(((k + r - 1) % ${#UNITS[@]}))]}
    if [ "$u" = slice ]; then
      measure "$r" cold "${URL[slice]}?c$r"
      measure "$r" warm "${URL[slice]}?c$r"
      measure "$r" recycled "$G/slicewarm/$OBJ?c$r"
    elif [ "$u" = nslice ]; then
      measure "$r" ncold "${URL[nslice]}?c$r"
      measure "$r" nwarm "${URL[nslice]}?c$r"
    else
      measure "$r" "$u" "${URL[$u]}"
    fi
  done
done

# ---------------------------------------------------------------- memory: CONC concurrent downloads
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$GW_PID/status" 2>/dev/null; }
memory_phase() { # name url
  local name=$1 url=$2 d=$OUT/mem/$1 i pids=() sampler jst cpu0 t0 t1 stop=$OUT/mem/$1.stop
  mkdir -p "$d"; rm -f "$stop"
  # RSS every 100 ms until told to stop (bounded)
  python3 - "$GW_PID" "$stop" $((DL_TIMEOUT + 30)) > "$d/rss.txt" <<'PY' &
import os, sys, time
pid, stop, limit = sys.argv[1], sys.argv[2], float(sys.argv[3])
end = time.time() + limit
while time.time() < end and not os.path.exists(stop):
    try:
        for line in open("/proc/%s/status" % pid):
            if line.startswith("VmRSS:"):
                print("%.1f %s" % (time.time(), line.split()[1]), flush=True)
    except OSError:
        break
    time.sleep(0.1)
PY
  sampler=$!; CHILDREN+=("$sampler")
  timeout $((DL_TIMEOUT + 30)) "$JSTAT" -gc "$GW_PID" 100 > "$d/jstat.txt" 2>&1 &
  jst=$!; CHILDREN+=("$jst")
  echo "rss_before_kb=$(rss_kb)" > "$d/phase.txt"
  cpu0=$(cpu_sample); t0=$(date +%s%N)
  for ((i = 1; i <= CONC; i++)); do
    "${LOAD[@]}" curl -s -o /dev/null --max-time "$DL_TIMEOUT" -w "$CURL_FMT" "$url" > "$d/dl-$i.txt" 2>/dev/null &
    pids+=("$!"); CHILDREN+=("$!")
  done
  for i in "${pids[@]}"; do wait "$i"; done
  t1=$(date +%s%N)
  echo "other_cpu_pct=$(cpu_other "$cpu0" "$(cpu_sample)")" >> "$d/phase.txt"
  echo "elapsed_ms=$(((t1 - t0) / 1000000))" >> "$d/phase.txt"
  echo "rss_after_kb=$(rss_kb)" >> "$d/phase.txt"
  touch "$stop"; sleep 0.3
  kill -TERM "$jst" 2>/dev/null; wait "$jst" 2>/dev/null; wait "$sampler" 2>/dev/null
  CHILDREN=()
  "$JCMD" "$GW_PID" GC.heap_info > "$d/heap-info.txt" 2>&1
  [ "$NMT" = 1 ] && "$JCMD" "$GW_PID" VM.native_memory summary > "$d/nmt.txt" 2>&1
  echo "oom_in_log=$(grep -c 'OutOfMemory' "$OUT/logs/gateway-$GW_N.log")" >> "$d/phase.txt"
  echo "oom_kind=$(grep -o -m1 'OutOfMemoryError: [^(]*' "$OUT/logs/gateway-$GW_N.log" | sed 's/ *$//')" >> "$d/phase.txt"
  echo "gateway_alive=$(kill -0 "$GW_PID" 2>/dev/null && echo yes || echo no)" >> "$d/phase.txt"
  log "memory $name: $(tr '\n' ' ' < "$d/phase.txt")"
}
stop_gateway; start_gateway; warm_up memory
log "memory: $CONC concurrent downloads through each route (a fresh gateway-app, its cache empty but for the warm-up)"
memory_phase plain "${URL[plain]}"
u0=$(wc -l < "$OUT/logs/backend-access.log")
memory_phase cold "${URL[slice]}?m$CONC"
echo "upstream_requests=$(($(wc -l < "$OUT/logs/backend-access.log") - u0))" >> "$OUT/mem/cold/phase.txt"
u0=$(wc -l < "$OUT/logs/backend-access.log")
memory_phase warm "${URL[slice]}?m$CONC"
echo "upstream_requests=$(($(wc -l < "$OUT/logs/backend-access.log") - u0))" >> "$OUT/mem/warm/phase.txt"
echo "loadavg_end=$(cut -d' ' -f1-3 /proc/loadavg)" >> "$OUT/env.txt"
cp "$S/www/$OBJ.sha256" "$OUT/" 2>/dev/null
stop_gateway
stop_all

# ---------------------------------------------------------------- summary
python3 "$HERE/slice-summary.py" "$OUT" "$DOC" | tee "$OUT/summary.md" || die "slice-summary.py failed"
[ "$DOC" != none ] && log "results written into $DOC"
exit 0
