#!/usr/bin/env bash
# Resty Gateway: decisions/s of the Redis limiter (RedisGcraStore, one EVALSHA per decision over one shared Lettuce
# connection, as the LeakyBucket filter uses it) against redis-benchmark sending the same EVALSHA, with the same
# script, keys and arguments, to the same redis-server, at the same number of requests in flight. The goal in the
# rate-limits issue is ours/redis-benchmark >= 0.8.
#   ours      RedisLimiterThroughput (benchmarks.jar): N decisions in flight on one connection; one JVM per row of
#             the table, warmed WARM s, then one measured run of DUR s per round
#   rb-1conn  redis-benchmark -c 1 -P N: one connection, N commands in flight (pipelined in batches of N):
#             the same shape as ours, and the server's best case
#   rb-Nconn  redis-benchmark -c N: N connections, one command in flight on each
# redis-benchmark is told a request count, not a time: a first short run measures its rate, which sets the count
# of its measured runs to about DUR s. The three run in REPS interleaved rounds, so that a machine whose load
# changes (a shared one) weighs on all three alike; the figures are the medians, the ratios the medians of the
# rounds' ratios. Every run is checked: the server must have counted the EVALSHA calls and no failed or rejected one.
# The share of the CPUs that other processes took during each run is recorded (cpu-lib.sh) and summarized.
#
# Usage: benchmarks/redis-limiter.sh [outdir]        (outdir defaults to $BENCH_WORK/redis-limiter/<date>)
# Knobs (environment):
#   DUR=5   seconds per measured run      WARM=10  seconds of JVM warm-up (once per row)
#   REPS=5  interleaved rounds            CONCURRENCY="32"  requests in flight (a list: one table row each)
#   KEYS="1 10000"  1: every decision on one hot key; N: a random key among N (redis-benchmark -r N)
#   RATE=1000000r/s BURST=1000000   the limit decided: by default nothing is refused, so every decision writes
#   PIN=1   redis-server on CPU 1 (SERVER_CPUS), the clients on CPU 0 (LOAD_CPUS); default 1 with 2+ CPUs
#   REDIS_SERVER=  the redis-server binary (default: see redis-lib.sh)     JAVA=  JVM_FLAGS="-Xmx512m"
#   BENCH_WORK=~/.cache/resty-bench   DOC=src-docs/benchmarks.md (DOC=none: nowhere but the results folder)
# Installs redis-tools (redis-benchmark, redis-cli) with apt-get when redis-benchmark is missing. Stops every process
# it started, sends traffic to 127.0.0.1 only, and every wait is bounded.
set -u -o pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
# shellcheck source=redis-lib.sh
. "$HERE/redis-lib.sh"
# shellcheck source=cpu-lib.sh
. "$HERE/cpu-lib.sh"

die() { echo "redis-limiter.sh: $*" >&2; exit 1; }
log() { echo "== $*"; }

# ---------------------------------------------------------------- knobs
NPROC=$(nproc)
if [ "$NPROC" -ge 2 ]; then PIN=${PIN:-1}; else PIN=${PIN:-0}; fi
SERVER_CPUS=${SERVER_CPUS:-1}; LOAD_CPUS=${LOAD_CPUS:-0}
DUR=${DUR:-5}; WARM=${WARM:-10}; REPS=${REPS:-5}
CONCURRENCY=${CONCURRENCY:-32}; KEYS=${KEYS:-"1 10000"}
RATE=${RATE:-1000000r/s}; BURST=${BURST:-1000000}
JVM_FLAGS=${JVM_FLAGS:-"-Xmx512m"}
W=${BENCH_WORK:-${HOME:?HOME is not set; set BENCH_WORK}/.cache/resty-bench}
DOC=${DOC:-$ROOT/src-docs/benchmarks.md}
JAR=$HERE/target/benchmarks.jar

for k in DUR REPS; do [[ ${!k} =~ ^[1-9][0-9]*$ ]] || die "$k must be a positive integer (got '${!k}')"; done
[[ $WARM =~ ^[0-9]+$ ]] || die "WARM must be a whole number of seconds (got '$WARM')"
read -ra CONC_A <<< "$CONCURRENCY"; read -ra KEYS_A <<< "$KEYS"
for c in "${CONC_A[@]}" "${KEYS_A[@]}"; do [[ $c =~ ^[1-9][0-9]*$ ]] || die "CONCURRENCY and KEYS are lists of positive integers"; done
[ ${#CONC_A[@]} -gt 0 ] && [ ${#KEYS_A[@]} -gt 0 ] || die "CONCURRENCY and KEYS must not be empty"

if [ -z "${JAVA:-}" ]; then
  if [ -n "${JAVA_HOME:-}" ]; then JAVA=$JAVA_HOME/bin/java
  elif [ -x /usr/lib/jvm/java-17-openjdk-amd64/bin/java ]; then JAVA=/usr/lib/jvm/java-17-openjdk-amd64/bin/java
  else JAVA=$(command -v java) || die "no java found: set JAVA or JAVA_HOME"; fi
fi
read -ra JVM_FLAGS_A <<< "$JVM_FLAGS"
if [ "$PIN" = 1 ]; then
  [ "$NPROC" -ge 2 ] || die "PIN=1 needs 2 CPUs or more (this machine has $NPROC); use PIN=0"
  SRV=(taskset -c "$SERVER_CPUS"); LOAD=(taskset -c "$LOAD_CPUS")
else
  SRV=(); LOAD=()
fi

# ---------------------------------------------------------------- tools
command -v python3 >/dev/null || die "python3 is needed"
if [ ! -f "$JAR" ]; then
  log "building benchmarks/target/benchmarks.jar"
  (cd "$ROOT" && mvn -q -B -DskipTests package -pl benchmarks -am) || die "the build failed"
fi
if ! command -v redis-benchmark >/dev/null; then
  # Debian's redis-tools: redis-benchmark and redis-cli, and the server binary, without a system service.
  [ "$(id -u)" = 0 ] || die "redis-benchmark is missing: install it (apt-get install redis-tools) or run as root"
  log "installing redis-tools (redis-benchmark)"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-tools; } >/dev/null \
    || die "apt-get install redis-tools failed"
fi

OUT=${1:-$W/redis-limiter/$(date +%Y%m%dT%H%M%S)}
mkdir -p "$OUT/runs" "$W/redis" || die "cannot create $OUT or $W/redis"
OUT=$(cd "$OUT" && pwd)
REDIS_BIN=$(redis_find_server "$W/redis") || die "no redis-server"

# ---------------------------------------------------------------- processes
REDIS_PID=""; CHILD=""
stop_all() {
  trap - EXIT INT TERM
  [ -n "$CHILD" ] && { kill -TERM "$CHILD" 2>/dev/null; wait "$CHILD" 2>/dev/null; }
  [ -n "${OURS_PID:-}" ] && { kill -TERM "$OURS_PID" 2>/dev/null; wait "$OURS_PID" 2>/dev/null; }
  if [ -n "$REDIS_PID" ]; then
    kill -TERM "$REDIS_PID" 2>/dev/null
    for ((i = 0; i < 100; i++)); do kill -0 "$REDIS_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$REDIS_PID" 2>/dev/null; wait "$REDIS_PID" 2>/dev/null
  fi
  REDIS_PID=""
}
trap stop_all EXIT
trap 'echo "redis-limiter.sh: interrupted, stopping what it started" >&2; exit 130' INT
trap 'echo "redis-limiter.sh: terminated, stopping what it started" >&2; exit 143' TERM

bounded() { # seconds outfile command...: in the background, so that a signal stops the run at once
  local t=$1 f=$2; shift 2
  timeout "$t" "$@" > "$f" 2>&1 &
  CHILD=$!
  wait "$CHILD"; local rc=$?; CHILD=""
  return $rc
}

redis_start "$REDIS_BIN" "$W/redis/data" "$OUT/redis.log" "${SRV[@]}" || die "could not start $REDIS_BIN"
log "redis-server $(redis_cmd "$REDIS_PORT" INFO server | sed -n 's/^redis_version://p' | tr -d '\r') ($REDIS_BIN) on 127.0.0.1:$REDIS_PORT"

# The store's script, loaded as Spring Data Redis loads it; its digest and the arguments the store sends.
bounded 60 "$OUT/load-script.txt" "${LOAD[@]}" "$JAVA" "${JVM_FLAGS_A[@]}" -cp "$JAR" \
  io.restygateway.bench.RedisLimiterThroughput --port "$REDIS_PORT" --load-script --rate "$RATE" --burst "$BURST" \
  || { cat "$OUT/load-script.txt" >&2; die "could not load the script"; }
SHA=$(sed -n 's/.*sha=\([0-9a-f]*\).*/\1/p' "$OUT/load-script.txt")
ARGV=$(sed -n 's/.*argv=\([0-9,]*\).*/\1/p' "$OUT/load-script.txt" | tr , ' ')
[ -n "$SHA" ] && [ -n "$ARGV" ] || die "no sha or argv in $OUT/load-script.txt"
read -ra ARGV_A <<< "$ARGV"
r=$(redis_cmd "$REDIS_PORT" EVALSHA "$SHA" 1 bench:rl:sanity "${ARGV_A[@]}" | head -1)
[ "$r" = 1 ] || die "the EVALSHA that redis-benchmark will send was not admitted (reply '$r')"
redis_cmd "$REDIS_PORT" DEL bench:rl:sanity > /dev/null
log "script $SHA, arguments $ARGV (rate $RATE, burst $BURST)"

{
  echo "date_utc=$(date -u +%Y-%m-%dT%H:%MZ)"
  echo "nproc=$NPROC"
  echo "cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
  echo "java=$("$JAVA" -version 2>&1 | head -1)"
  echo "redis=$(redis_cmd "$REDIS_PORT" INFO server | sed -n 's/^redis_version://p' | tr -d '\r')"
  echo "redis_benchmark=$(redis-benchmark --version 2>&1 | head -1)"
  echo "knobs=PIN=$PIN DUR=$DUR WARM=$WARM REPS=$REPS CONCURRENCY=$CONCURRENCY KEYS=$KEYS RATE=$RATE BURST=$BURST JVM_FLAGS=$JVM_FLAGS"
  echo "sha=$SHA"
  echo "argv=$ARGV"
  echo "repo=$(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo unknown)"
} > "$OUT/env.txt"

# ---------------------------------------------------------------- runs
: > "$OUT/results.tsv"   # keys concurrency round target decisions/s other-processes-CPU-%
# Each function below sets V rather than printing, so that die stops the script (not a subshell).
checked() { # before-stats: dies when the server saw failed or rejected EVALSHA calls since; V = the calls since
  local c0 f0 j0 c1 f1 j1
  read -r c0 f0 j0 <<< "$1"; read -r c1 f1 j1 <<< "$(redis_stat "$REDIS_PORT" evalsha)"
  [ $((f1 - f0)) -eq 0 ] && [ $((j1 - j0)) -eq 0 ] \
    || die "the server counted $((f1 - f0)) failed and $((j1 - j0)) rejected EVALSHA calls (logs in $OUT)"
  V=$((c1 - c0))
}
rb_rps() { # csv file -> requests/s
  python3 -c 'import csv, sys; rows = list(csv.reader(open(sys.argv[1]))); print(rows[-1][1])' "$1" 2>/dev/null; }

# ours: one JVM per (keys, concurrency), warmed once, then one measured run per "go" written to it
OURS_PID=""
start_ours() { # keys concurrency log
  local line
  coproc OURS_CO { exec "${LOAD[@]}" "$JAVA" "${JVM_FLAGS_A[@]}" -cp "$JAR" io.restygateway.bench.RedisLimiterThroughput \
    --port "$REDIS_PORT" --concurrency "$2" --seconds "$DUR" --warmup "$WARM" --keys "$1" --rate "$RATE" \
    --burst "$BURST" --serve 2> "$3"; }
  OURS_PID=$OURS_CO_PID; OURS_IN=${OURS_CO[1]}; OURS_OUT=${OURS_CO[0]}
  read -r -t $((WARM + 120)) -u "$OURS_OUT" line && [ "$line" = ready ] \
    || { tail -20 "$3" >&2; die "RedisLimiterThroughput did not get ready (log: $3)"; }
}
run_ours() { # file
  local before line
  before=$(redis_stat "$REDIS_PORT" evalsha)
  echo go >&"$OURS_IN"
  read -r -t $((DUR + 90)) -u "$OURS_OUT" line || die "no result from RedisLimiterThroughput"
  checked "$before"
  echo "$line server_evalsha_calls=$V" > "$1"
  V=$(sed -n 's/.*decisions_per_s=\([0-9.]*\).*/\1/p' "$1")
  [ -n "$V" ] || die "no result in $1"
}
stop_ours() {
  [ -n "$OURS_PID" ] || return 0
  echo quit >&"$OURS_IN" 2>/dev/null
  for ((i = 0; i < 100; i++)); do kill -0 "$OURS_PID" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$OURS_PID" 2>/dev/null; wait "$OURS_PID" 2>/dev/null
  OURS_PID=""
}

declare -A RB_N=()   # requests that take redis-benchmark about DUR s, per configuration
run_rb() { # keys clients pipeline file: the first time a calibration run, then about DUR s
  local key=bench:rl:hot range=() before n rps
  if [ "$1" -gt 1 ]; then key=bench:rl:__rand_int__; range=(-r "$1"); fi
  local cmd=(redis-benchmark -h 127.0.0.1 -p "$REDIS_PORT" -c "$2" -P "$3" "${range[@]}" --csv)
  n=${RB_N[$1-$2-$3]:-}
  if [ -z "$n" ]; then
    bounded 60 "$4.calibration" "${LOAD[@]}" "${cmd[@]}" -n 50000 EVALSHA "$SHA" 1 "$key" "${ARGV_A[@]}" \
      || die "redis-benchmark failed: $(tail -3 "$4.calibration")"
    rps=$(rb_rps "$4.calibration"); [ -n "$rps" ] || die "no result in $4.calibration"
    n=$(python3 -c 'import sys; print(max(50000, int(float(sys.argv[1]) * int(sys.argv[2]))))' "$rps" "$DUR")
    RB_N[$1-$2-$3]=$n
  fi
  before=$(redis_stat "$REDIS_PORT" evalsha)
  bounded $((DUR * 5 + 60)) "$4" "${LOAD[@]}" "${cmd[@]}" -n "$n" EVALSHA "$SHA" 1 "$key" "${ARGV_A[@]}" \
    || die "redis-benchmark failed: $(tail -3 "$4")"
  checked "$before"
  [ "$V" -ge "$n" ] || die "redis-benchmark reported $n requests, the server counted $V EVALSHA calls"
  V=$(rb_rps "$4"); [ -n "$V" ] || die "no result in $4"
}

for k in "${KEYS_A[@]}"; do
  for c in "${CONC_A[@]}"; do
    targets=(ours rb-1conn rb-Nconn)
    [ "$c" = 1 ] && targets=(ours rb-1conn)   # one in flight: both shapes are the same
    log "keys $k, $c in flight: warming RedisLimiterThroughput for ${WARM}s"
    start_ours "$k" "$c" "$OUT/runs/keys$k-c$c-ours.log"
    for ((r = 1; r <= REPS; r++)); do
      for ((t = 0; t < ${#targets[@]}; t++)); do
        target=${targets[$(((t + r - 1) % ${#targets[@]}))]}
        f=$OUT/runs/keys$k-c$c-$target-$r.txt
        redis_cmd "$REDIS_PORT" FLUSHALL > /dev/null   # every run starts from no state (the script stays loaded)
        cpu0=$(cpu_sample)
        case $target in
          ours) run_ours "$f" ;;
          rb-1conn) run_rb "$k" 1 "$c" "$f" ;;
          rb-Nconn) run_rb "$k" "$c" 1 "$f" ;;
        esac
        other=$(cpu_other "$cpu0" "$(cpu_sample)")
        printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$k" "$c" "$r" "$target" "$V" "$other" >> "$OUT/results.tsv"
        printf 'keys=%-6s in-flight=%-4s %-9s round %d: %10.0f decisions/s  (other processes: %s%% CPU)\n' \
          "$k" "$c" "$target" "$r" "$V" "$other"
      done
    done
    stop_ours
  done
done
stop_all

# ---------------------------------------------------------------- summary
python3 - "$OUT" "$DOC" <<'PY' | tee "$OUT/summary.md"
import collections, os, statistics, sys
out, doc = sys.argv[1], sys.argv[2]
env = dict(l.rstrip("\n").split("=", 1) for l in open(os.path.join(out, "env.txt")) if "=" in l)
rate = collections.defaultdict(dict)   # (keys, concurrency) -> {(round, target): decisions/s}
others = []
for line in open(os.path.join(out, "results.tsv")):
    k, c, r, t, v, other = line.rstrip("\n").split("\t")
    rate[(int(k), int(c))][(int(r), t)] = float(v)
    others.append(float(other))
def med(xs):
    return statistics.median(xs) if xs else None
def f(x):
    return "–" if x is None else "{:,.0f}".format(x).replace(",", " ")
def x(r):
    return "–" if r is None else "%.2f×" % r
knobs = dict(w.split("=", 1) for w in env.get("knobs", "").split() if "=" in w)
lines = ["### Latest run: %s" % env.get("date_utc", "?"), ""]
lines += ["- machine: %s CPUs, %s; other processes took %.0f%% of the CPUs during a run (median; at most %.0f%%)" % (
              env.get("nproc", "?"), env.get("cpu", "?"), statistics.median(others), max(others)),
          "- redis-server %s on loopback; %s; %s" % (env.get("redis", "?"), env.get("redis_benchmark", "?"), env.get("java", "?")),
          "- knobs: `%s`" % env.get("knobs", "?"),
          "- script `%s`, arguments `%s` (T, τ in µs, cost, ban); repository at `%s`" % (
              env.get("sha", "?"), env.get("argv", "?"), env.get("repo", "?")),
          "",
          "| keys | in flight | ours decisions/s | redis-benchmark, 1 connection (`-c 1 -P N`) | ours / it "
          "| redis-benchmark, N connections (`-c N`) | ours / it |",
          "|---:|---:|---:|---:|---:|---:|---:|"]
for (k, c), runs in sorted(rate.items()):
    rounds = sorted({r for r, _ in runs})
    def col(t):
        return med([runs[(r, t)] for r in rounds if (r, t) in runs])
    def ratio(t):
        return med([runs[(r, "ours")] / runs[(r, t)] for r in rounds if (r, "ours") in runs and runs.get((r, t))])
    many = "rb-1conn" if c == 1 else "rb-Nconn"   # one in flight: both shapes are the same
    lines.append("| %s | %d | %s | %s | %s | %s | %s |" % ("1 (hot)" if k == 1 else k, c, f(col("ours")),
                 f(col("rb-1conn")), x(ratio("rb-1conn")), f(col(many)), x(ratio(many))))
lines += ["", "Decisions/s: medians over %s interleaved rounds; ours / it: the median of the rounds' ratios (each "
          "round measures both within a minute). The goal is ours / redis-benchmark ≥ 0.8." % knobs.get("REPS", "?")]
block = "\n".join(lines)
print(block)
if doc != "none":
    begin, end = "<!-- redis-limiter:begin -->", "<!-- redis-limiter:end -->"
    text = open(doc).read() if os.path.exists(doc) else "# Benchmarks\n"
    if begin in text and end in text:
        text = text[:text.index(begin) + len(begin)] + "\n" + block + "\n" + text[text.index(end):]
    else:
        text = text.rstrip("\n") + "\n\n## Redis limiter throughput\n\n" \
            "`benchmarks/redis-limiter.sh` measures the decisions/s of the Redis store of the `LeakyBucket` filter " \
            "against `redis-benchmark` sending the same EVALSHA to the same server, and rewrites this section.\n\n" \
            + begin + "\n" + block + "\n" + end + "\n"
    open(doc, "w").write(text)
PY
[ "$DOC" != none ] && log "results written into $DOC"
exit 0
