#!/usr/bin/env bash
# Runs the JMH benchmarks and writes their table into src-docs/benchmarks.md (between the jmh markers).
# Usage: benchmarks/jmh.sh [JMH regexp]     env: JMH_ARGS (default: -f 1 -wi 3 -w 1s -i 5 -r 1s), DOC=none to skip
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
DOC=${DOC:-$ROOT/src-docs/benchmarks.md}
# shellcheck source=cpu-lib.sh
. "$HERE/cpu-lib.sh"
JAR=$HERE/target/benchmarks.jar
if [ ! -f "$JAR" ]; then
  (cd "$ROOT" && mvn -q -DskipTests package -pl benchmarks -am)
fi
OUT=$(mktemp -d)
cpu0=$(cpu_sample)
# shellcheck disable=SC2086
java -jar "$JAR" ${JMH_ARGS:--f 1 -wi 3 -w 1s -i 5 -r 1s} -rf csv -rff "$OUT/jmh.csv" "${1:-.}" | tee "$OUT/jmh.txt"
# the share of the CPUs that other processes took meanwhile: on a shared machine, scores taken under load are slower
other=$(cpu_other "$cpu0" "$(cpu_sample)")
python3 - "$OUT/jmh.csv" "$DOC" "${JMH_ARGS:--f 1 -wi 3 -w 1s -i 5 -r 1s}" "$other" <<'PY'
import csv, os, subprocess, sys, datetime
rows = list(csv.DictReader(open(sys.argv[1])))
params = [k for k in rows[0] if k.startswith('Param: ')] if rows else []
lines = ['### Latest JMH run: %s' % datetime.datetime.utcnow().strftime('%Y-%m-%dT%H:%MZ'), '',
         '- machine: %s CPUs, %s' % (os.cpu_count(), open('/proc/cpuinfo').read().split('model name')[1].split(':')[1].split('\n')[0].strip()),
         '- java: %s' % subprocess.run(['java', '-version'], capture_output=True, text=True).stderr.splitlines()[0],
         '- JMH: `%s`' % sys.argv[3],
         '- other processes took %s%% of the CPUs during the run' % sys.argv[4], '',
         '| benchmark | ' + ' | '.join(p[7:] for p in params) + ' | score | error (99.9%) | unit |',
         '|---|' + '---|' * len(params) + '---:|---:|---|']
for r in rows:
    lines.append('| %s | %s | %.1f | %.1f | %s |' % (r['Benchmark'].split('.')[-2] + '.' + r['Benchmark'].split('.')[-1],
        ' | '.join(r[p] for p in params), float(r['Score']), float(r['Score Error (99.9%)'] or 0), r['Unit']))
block = '\n'.join(lines)
print(block)
doc = sys.argv[2]
if doc != 'none':
    text = open(doc).read() if os.path.exists(doc) else '# Benchmarks\n'
    begin, end = '<!-- jmh:begin -->', '<!-- jmh:end -->'
    if begin in text:
        text = text[:text.index(begin) + len(begin)] + '\n' + block + '\n' + text[text.index(end):]
    else:
        text += '\n## Algorithms (JMH)\n\n`benchmarks/jmh.sh` runs the JMH benchmarks of `benchmarks/src` and rewrites this section.\n\n' + begin + '\n' + block + '\n' + end + '\n'
    open(doc, 'w').write(text)
PY
