#!/usr/bin/env bash
# benchmarks/propagation.sh: propagation time from a Consul KV write to the first request served by the changed
# route (issue 7: p50/p99 over 100 writes, goal p99 < 1 s), for the live source (resty.consul.enabled=true) and for
# Spring Cloud Consul Config's watch driving a context refresh (spring.config.import=consul:), same change, same
# measurement. Both run gateway-app.jar against the test harness's in-process Consul KV server (Consul itself cannot
# be installed here); the driver is io.restygateway.bench.PropagationBenchmark in benchmarks.jar.
#
# Usage: benchmarks/propagation.sh [results-folder]
# Knobs (environment):
#   MODES="resty scc"    which runs, in this order
#   WRITES=100           measured writes per run (3 unmeasured ones come first)
#   GAP_MS=250           pause after a write was seen, before the next one
#   POLL_MS=5            how often the driver asks the gateway
#   BOUND_S=10           a write not seen within this counts as missed (and as this long)
#   WATCH_DELAY_MS=      scc only: spring.cloud.consul.config.watch.delay (empty: Spring's default, 1000 ms)
#   JAVA=java JVM_FLAGS=-Xmx512m
#   GATEWAY_JAR=gateway-app/target/gateway-app.jar BENCH_JAR=benchmarks/target/benchmarks.jar
#   BENCH_WORK=~/.cache/resty-bench   results go to $BENCH_WORK/results/propagation-<date>/ unless given
#   DOC=src-docs/benchmarks.md        rewrites the block between <!-- propagation:begin --> and <!-- propagation:end -->;
#                                     DOC=none writes nothing in the repository
# Build first, at the repository root: mvn -q -DskipTests package
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
# shellcheck source=cpu-lib.sh
source "$here/cpu-lib.sh"

MODES=${MODES:-"resty scc"}
WRITES=${WRITES:-100}
GAP_MS=${GAP_MS:-250}
POLL_MS=${POLL_MS:-5}
BOUND_S=${BOUND_S:-10}
WATCH_DELAY_MS=${WATCH_DELAY_MS:-}
JAVA=${JAVA:-java}
JVM_FLAGS=${JVM_FLAGS:--Xmx512m}
GATEWAY_JAR=${GATEWAY_JAR:-$root/gateway-app/target/gateway-app.jar}
BENCH_JAR=${BENCH_JAR:-$root/benchmarks/target/benchmarks.jar}
BENCH_WORK=${BENCH_WORK:-$HOME/.cache/resty-bench}
DOC=${DOC:-$root/src-docs/benchmarks.md}
out=${1:-$BENCH_WORK/results/propagation-$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$out"

for jar in "$GATEWAY_JAR" "$BENCH_JAR"; do
  [ -f "$jar" ] || { echo "missing $jar: run 'mvn -q -DskipTests package' at the repository root" >&2; exit 1; }
done

cpus=$(nproc)
model=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//' || echo unknown)
java_version=$("$JAVA" -version 2>&1 | head -1)
commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
git -C "$root" diff --quiet 2>/dev/null || commit="$commit-dirty"

: > "$out/summary.txt"
for mode in $MODES; do
  echo "propagation: $mode, $WRITES writes ..." >&2
  before=$(cpu_sample)
  load_before=$(cut -d' ' -f1 /proc/loadavg)
  args=(--mode "$mode" --writes "$WRITES" --gap-ms "$GAP_MS" --poll-ms "$POLL_MS" --bound-s "$BOUND_S"
        --jar "$GATEWAY_JAR" --java "$JAVA" --jvm-flags "$JVM_FLAGS" --out "$out")
  [ -n "$WATCH_DELAY_MS" ] && args+=(--watch-delay-ms "$WATCH_DELAY_MS")
  if line=$("$JAVA" -cp "$BENCH_JAR" io.restygateway.bench.PropagationBenchmark "${args[@]}" 2>"$out/driver-$mode.err" | tail -1); then
    :
  else
    line="mode=$mode failed: $(tail -3 "$out/driver-$mode.err" | tr '\n' ' ')"
  fi
  after=$(cpu_sample)
  other=$(cpu_other "$before" "$after")
  load_after=$(cut -d' ' -f1 /proc/loadavg)
  echo "$line other_cpu_pct=$other loadavg=$load_before..$load_after" | tee -a "$out/summary.txt"
done

python3 - "$out/summary.txt" "$DOC" "$cpus" "$model" "$java_version" "$commit" \
  "WRITES=$WRITES GAP_MS=$GAP_MS POLL_MS=$POLL_MS BOUND_S=$BOUND_S WATCH_DELAY_MS=${WATCH_DELAY_MS:-default} JVM_FLAGS=$JVM_FLAGS" <<'PY'
import datetime, os, re, sys
summary, doc, cpus, model, java, commit, knobs = sys.argv[1:8]
rows = []
for line in open(summary):
    fields = dict(re.findall(r"(\w+)=(\S+)", line))
    rows.append((fields, line.strip()))
names = {"resty": "live source (`resty.consul.enabled=true`)",
         "scc": "Spring Cloud Consul Config (`spring.config.import=consul:`, watch on)"}
out = ["### Latest run: %s" % datetime.datetime.utcnow().strftime("%Y-%m-%dT%H:%MZ"), "",
       "- machine: %s CPUs, %s; %s" % (cpus, model, java),
       "- knobs: `%s`; repository at `%s`" % (knobs, commit),
       "- command: `benchmarks/propagation.sh` (driver `io.restygateway.bench.PropagationBenchmark`)", "",
       "| source | writes | missed | p50 ms | p99 ms | max ms | min ms | mean ms | other CPU % | load avg | goal p99 < 1 s |",
       "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|"]
for f, line in rows:
    mode = f.get("mode", "?")
    if "p99_ms" not in f:
        out.append("| %s | failed: %s | | | | | | | | | |" % (names.get(mode, mode), line.replace("|", "/")))
        continue
    met = "met" if float(f["p99_ms"]) < 1000 and f["missed"] == "0" else "not met"
    out.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
        names.get(mode, mode), f["writes"], f["missed"], f["p50_ms"], f["p99_ms"], f["max_ms"], f["min_ms"],
        f["mean_ms"], f.get("other_cpu_pct", "?"), f.get("loadavg", "?"), met))
block = "\n".join(out) + "\n"
print(block)
if doc != "none":
    text = open(doc).read() if os.path.exists(doc) else "# Benchmarks\n"
    begin, end = "<!-- propagation:begin -->", "<!-- propagation:end -->"
    if begin in text and end in text:
        text = text[:text.index(begin) + len(begin)] + "\n" + block + text[text.index(end):]
    else:
        text = text.rstrip("\n") + "\n\n" + begin + "\n" + block + end + "\n"
    open(doc, "w").write(text)
PY
echo "results in $out" >&2
