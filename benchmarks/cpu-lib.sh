# CPU taken by other processes during a measurement, for the benchmark scripts (run.sh, redis-limiter.sh): sourced.
# A figure measured while something else used the CPUs says less than it seems; these tell how much else ran.
#   cpu_sample             prints "TOTAL BUSY OURS" in clock ticks: all CPUs' ticks, their busy ticks, and the
#                          ticks of this script's process group (itself and every process it started, those that
#                          ended included once reaped, through cutime/cstime)
#   cpu_other BEFORE AFTER prints the share of the machine's CPU that other processes took in between, in percent
# Needs python3. Reads /proc only.

cpu_sample() {
  python3 - "$(ps -o pgid= -p $$ | tr -d ' ')" <<'PY'
import os, sys
pgid = sys.argv[1]
f = [int(x) for x in open("/proc/stat").readline().split()[1:]]
total = sum(f[:8])                      # user nice system idle iowait irq softirq steal
busy = total - f[3] - f[4]
ours = 0
for pid in filter(str.isdigit, os.listdir("/proc")):
    try:
        stat = open("/proc/%s/stat" % pid).read()
    except OSError:
        continue
    fields = stat[stat.rindex(")") + 2:].split()
    if fields[2] == pgid:               # fields[0] is the state: pgid is the 5th field of the whole line
        ours += sum(int(x) for x in fields[11:15])   # utime stime cutime cstime
print(total, busy, ours)
PY
}

cpu_other() { # before after
  python3 - "$1" "$2" <<'PY'
import sys
t0, b0, o0 = map(int, sys.argv[1].split())
t1, b1, o1 = map(int, sys.argv[2].split())
print("%.0f" % (max(0.0, 100.0 * ((b1 - b0) - (o1 - o0)) / (t1 - t0)) if t1 > t0 else 0.0))
PY
}
