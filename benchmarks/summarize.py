#!/usr/bin/env python3
"""Summarizes a results folder written by benchmarks/run.sh.

Reads the wrk outputs (wrk/<scenario>/<target>-<round>.txt, and the paced rounds' paced/<scenario>/...), env.txt, scenarios.tsv, startup.txt, sanity.txt,
redis.txt and cpu-other.txt; prints the medians over the rounds, the ratios between targets, and for a scenario on the same path as a
plain one (no gateway arguments) in the same run what it adds to gateway-app's latency; writes summary.md into the
results folder and,
with --doc FILE, puts the same Markdown section between the markers <!-- results:begin --> and <!-- results:end -->
of FILE (creating FILE with an introduction when it does not exist).

Usage: summarize.py RESULTS_DIR [--doc src-docs/benchmarks.md]
"""
import argparse
import glob
import math
import os
import re
import statistics
import sys

TARGETS = [("direct", "backend direct"), ("nginx", "nginx proxy"), ("scg", "vanilla SCG"),
           ("scga", "SCG + actuator"), ("ours", "gateway-app")]
RATIOS = [("ours", "scg"), ("ours", "scga"), ("ours", "nginx"), ("scg", "nginx")]
UNRELIABLE = 0.15  # a ratio whose rounds spread over more than this is marked unreliable
ROUNDS = {}  # (kind, scenario, target) -> [per-round wrk results], filled by collect()
BEGIN, END = "<!-- results:begin -->", "<!-- results:end -->"
TIME_MS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60000.0}
SIZE_MIB = {"B": 1 / 1048576, "KB": 1 / 1024, "MB": 1.0, "GB": 1024.0, "TB": 1048576.0}
NAN = float("nan")
RESULTS_DIR = [""]
HEADERS = {}  # scenario -> the request headers wrk sent to every target (scenarios.tsv, 4th column)
# the settings below which a run is only a quick look (those of the reference runs)
REFERENCE = {"DUR": 15, "REPS": 3, "WARM": 60}


def parse_wrk(path):
    """One wrk --latency output: req/s, MiB/s, p50 and p99 in ms, and the errors it reports."""
    text = open(path, encoding="utf-8", errors="replace").read()
    r = {"rps": NAN, "mibs": NAN, "p50": NAN, "p99": NAN, "requests": 0, "errors": []}
    m = re.search(r"(\d+) requests in", text)
    if m:
        r["requests"] = int(m.group(1))
    m = re.search(r"Requests/sec:\s+([\d.]+)", text)
    if m:
        r["rps"] = float(m.group(1))
    m = re.search(r"Transfer/sec:\s+([\d.]+)([KMGT]?B)", text)
    if m:
        r["mibs"] = float(m.group(1)) * SIZE_MIB[m.group(2)]
    for p in ("50", "99"):
        m = re.search(r"^\s+%s%%\s+([\d.]+)(us|ms|s|m)\s*$" % p, text, re.M)
        if m:
            r["p" + p] = float(m.group(1)) * TIME_MS[m.group(2)]
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    if m and any(int(x) for x in m.groups()):
        r["errors"].append("socket errors (connect/read/write/timeout) %s/%s/%s/%s" % m.groups())
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    if m:
        r["errors"].append("%s non-2xx/3xx answers" % m.group(1))
    if math.isnan(r["rps"]):
        r["errors"].append("no wrk result (%s)" % text.strip().splitlines()[-1][:120] if text.strip() else "empty wrk output")
    return r


def median(xs):
    xs = [x for x in xs if not math.isnan(x)]
    return statistics.median(xs) if xs else NAN


def read_kv(path):
    d = {}
    if os.path.exists(path):
        for line in open(path, encoding="utf-8"):
            if "=" in line:
                k, v = line.rstrip("\n").split("=", 1)
                d[k.strip()] = v.strip()
    return d


def read_startup(path):
    """startup.txt: lines of key=value words, each with jvm=NAME; merged per JVM, in order of appearance."""
    jvms = {}
    if os.path.exists(path):
        for line in open(path, encoding="utf-8"):
            kv = dict(w.split("=", 1) for w in line.split() if "=" in w)
            if "jvm" in kv:
                jvms.setdefault(kv.pop("jvm"), {}).update(kv)
    return jvms


def read_scenarios(d):
    """scenarios.tsv in run order; falls back on the folders under wrk/."""
    out = []
    p = os.path.join(d, "scenarios.tsv")
    if os.path.exists(p):
        for line in open(p, encoding="utf-8"):
            parts = line.rstrip("\n").split("\t")
            if parts and parts[0]:
                out.append((parts[0], parts[1] if len(parts) > 1 else "", parts[2] if len(parts) > 2 else ""))
                if len(parts) > 3 and parts[3]:
                    HEADERS[parts[0]] = parts[3].split("|")
    known = {n for n, _, _ in out}
    for sub in sorted(glob.glob(os.path.join(d, "wrk", "*"))):
        n = os.path.basename(sub)
        if n not in known:
            out.append((n, "/" + n, ""))
    return out


def collect(d, kind="wrk"):
    """The medians per scenario and target of the saturated rounds (kind wrk) or of the paced ones (kind paced)."""
    res = {}
    for name, _, _ in read_scenarios(d):
        for t, _ in TARGETS:
            files = sorted(glob.glob(os.path.join(d, kind, name, "%s-[0-9]*.txt" % t)))
            if not files:
                continue
            runs = [parse_wrk(f) for f in files]
            ROUNDS[(kind, name, t)] = {int(re.search(r"-([0-9]+)\.txt$", f).group(1)): r for f, r in zip(files, runs)}
            m = {k: median([r[k] for r in runs]) for k in ("rps", "mibs", "p50", "p99")}
            rps = [r["rps"] for r in runs if not math.isnan(r["rps"])]
            m["spread"] = (max(rps) - min(rps)) / m["rps"] if len(rps) > 1 and m["rps"] else NAN
            m["n"] = len(runs)
            m["requests"] = sum(r["requests"] for r in runs)
            m["errors"] = sorted({e for r in runs for e in r["errors"]})
            res.setdefault(name, {})[t] = m
    return res


def read_redis(path):
    """redis.txt: one line of key=value words per scenario that used Redis (scenario=, evalsha_calls=, ...)."""
    out = {}
    if os.path.exists(path):
        for line in open(path, encoding="utf-8"):
            kv = dict(w.split("=", 1) for w in line.split() if "=" in w)
            if "scenario" in kv:
                out[kv.pop("scenario")] = kv
    return out


def read_other_cpu(path):
    """cpu-other.txt: the share of the CPUs (%) other processes took during each measured run."""
    out = []
    if os.path.exists(path):
        for line in open(path, encoding="utf-8"):
            kv = dict(w.split("=", 1) for w in line.split() if "=" in w)
            try:
                out.append(float(kv["other_cpu_pct"]))
            except (KeyError, ValueError):
                pass
    return out


def other_cpu_line(other):
    if not other:
        return None
    return "other processes took %.0f%% of the CPUs during a measured run (median; at most %.0f%%)" % (
        statistics.median(other), max(other))


def plain_of(scenarios, res):
    """For each scenario with gateway arguments, the plain scenario (no arguments) on the same path, if measured."""
    plain = {path: name for name, path, args in scenarios if not args and name in res and "ours" in res[name]}
    return {name: plain[path] for name, path, args in scenarios
            if args and path in plain and name in res and "ours" in res[name]}


def added(res, name, base):
    """gateway-app in scenario name against the plain scenario base: req/s ratio, p50 and p99 differences (ms)."""
    if "ours" not in res.get(name, {}) or "ours" not in res.get(base, {}):
        return NAN, NAN, NAN
    a, b = res[name]["ours"], res[base]["ours"]
    return (a["rps"] / b["rps"] if b["rps"] else NAN), a["p50"] - b["p50"], a["p99"] - b["p99"]


def f_plus(x):
    return "–" if math.isnan(x) else "%+.2f ms" % x


def redis_line(res, name, stats):
    """What Redis saw during a scenario's measured rounds, against the requests gateway-app answered then."""
    calls = int(stats.get("evalsha_calls", 0))
    reqs = res[name].get("ours", {}).get("requests", 0)
    per = " (%.2f per gateway-app request)" % (calls / reqs) if reqs else ""
    bad = int(stats.get("failed_calls", 0)) + int(stats.get("rejected_calls", 0))
    return "Redis: %s EVALSHA calls during the measured rounds%s%s" % (
        f_int(calls), per, ", %d failed or rejected" % bad if bad else "")


def round_ratio(kind, name, a, b, k, name_b=None):
    """The median over the rounds of a's figure over b's in the same round, and the spread of those ratios
    ((max - min) / median); b may come from another scenario (name_b) measured in the same run."""
    ra, rb = ROUNDS.get((kind, name, a), {}), ROUNDS.get((kind, name_b or name, b), {})
    xs = [ra[r][k] / rb[r][k] for r in ra if r in rb and rb[r][k] and not math.isnan(ra[r][k]) and not math.isnan(rb[r][k])]
    if not xs:
        return NAN, NAN
    m = median(xs)
    return m, ((max(xs) - min(xs)) / m if len(xs) > 1 and m else NAN)


def f_rx(pair):
    """A ratio with its spread, marked unreliable when the rounds disagree by more than UNRELIABLE."""
    x, spread = pair
    if math.isnan(x):
        return "–"
    if math.isnan(spread):
        return "%.2f×" % x
    return "%.2f× (±%.0f%%%s)" % (x, 50 * spread, ", unreliable" if spread > UNRELIABLE else "")


# The goals of the speed issue: (label, scenario, kind, a, b, figure, scenario of b, floor, aim, higher is better)
GOALS = [
    ("plain route, 1 KiB, req/s vs vanilla SCG", "1k", "wrk", "ours", "scg", "rps", None, 1.2, 1.6, True),
    ("plain route, 1 KiB, req/s vs SCG + actuator", "1k", "wrk", "ours", "scga", "rps", None, 1.3, 1.8, True),
    ("p99 at the paced load, 1 KiB, vs vanilla SCG", "1k", "paced", "ours", "scg", "p99", None, 1.0, 0.7, False),
    ("`lb://` route with health checks, req/s vs vanilla SCG plain", "1k-lb", "wrk", "ours", "scg", "rps", None, 1.0, 1.3, True),
    ("`LeakyBucket` (memory), req/s vs vanilla SCG plain", "1k-limited-memory", "wrk", "ours", "scg", "rps", None, 1.0, 1.3, True),
    ("`Zstd` on a 1 KiB body, req/s vs vanilla SCG plain", "1k-zstd", "wrk", "ours", "scg", "rps", None, 1.0, 1.3, True),
    ("1 MiB body, MB/s vs nginx proxy", "1m.bin", "wrk", "ours", "nginx", "mibs", None, 1.6, 2.0, True),
]


def verdict(x, floor, aim, higher):
    if math.isnan(x):
        return "not measured"
    ok = (lambda v: x >= v) if higher else (lambda v: x <= v)
    return "aim met" if ok(aim) else "met" if ok(floor) else "not met"


def goal_rows(res, paced, jvms):
    """Rows (figure, value, floor, aim, verdict) for the goals measured in this run."""
    rows = []
    for label, name, kind, a, b, k, name_b, floor, aim, higher in GOALS:
        got = res if kind == "wrk" else paced
        if name not in got:
            continue
        x = round_ratio(kind, name, a, b, k, name_b)
        sign = "≥" if higher else "≤"
        rows.append((label, f_rx(x), "%s %.1f" % (sign, floor), "%s %.1f" % (sign, aim), verdict(x[0], floor, aim, higher)))
    # memory and start-up: the JVMs of the plain scenario (no suffix), gateway-app minus vanilla SCG
    ours, scg = jvms.get("ours", {}), jvms.get("scg", {})
    for label, key, scale, fmt, floor in (("RSS after load", "rss_after_load_kb", 1024, "%+.0f MiB", 64),
                                          ("start-up to first answer", "first_answer_ms", 1000, "%+.1f s", 1)):
        try:
            d = (float(ours[key]) - float(scg[key])) / scale
        except (KeyError, ValueError):
            continue
        unit = fmt.split()[-1]
        rows.append(("%s, gateway-app − vanilla SCG" % label, fmt % d, "≤ +%d %s" % (floor, unit), "≤ 0",
                     "aim met" if d <= 0 else "met" if d <= floor else "not met"))
    return rows


def read_warmup(path):
    """warmup.txt: one line per JVM and path: jvm= url= windows= seconds= stable= last_rps="""
    out = []
    if os.path.exists(path):
        for line in open(path, encoding="utf-8"):
            out.append(dict(w.split("=", 1) for w in line.split() if "=" in w))
    return out


def ratio(res, a, b, k):
    try:
        x, y = res[a][k], res[b][k]
    except KeyError:
        return NAN
    return x / y if y and not (math.isnan(x) or math.isnan(y)) else NAN


# ---------------------------------------------------------------- formatting
def f_int(x):
    return "–" if math.isnan(x) else "{:,.0f}".format(x).replace(",", " ")


def f_mib(x):
    return "–" if math.isnan(x) else ("%.1f" % x if x < 100 else f_int(x))


def f_ms(x):
    return "–" if math.isnan(x) else ("%.2f" % x if x < 10 else "%.1f" % x)


def f_x(x):
    return "–" if math.isnan(x) else "%.2f×" % x


def jvm_label(name):
    base, _, scenario = name.partition(":")
    label = {"scg": "vanilla SCG", "scga": "SCG + actuator", "ours": "gateway-app"}.get(base, base)
    return "%s (scenario %s)" % (label, scenario) if scenario else label


def is_quick(env):
    try:
        return any(int(env.get(k, v)) < v for k, v in REFERENCE.items())
    except ValueError:
        return True


def paced_label(env):
    return "paced (%s connections, each waiting %s ms between answer and next request)" % (
        env.get("paced_conns", "?"), env.get("paced_ms", "?"))


def text_summary(d, env, scenarios, res, jvms, redis, other, paced):
    lines = []
    bases = plain_of(scenarios, res)
    for name, path, args in scenarios:
        if name not in res:
            continue
        lines.append("scenario %s: %s%s%s" % (name, path, ("  gateway args: " + args) if args else "",
                                             ("  headers: " + "; ".join(HEADERS[name])) if name in HEADERS else ""))
        lines.append("  %-16s %10s %9s %8s %8s  %4s %7s" % ("target", "req/s", "MiB/s", "p50 ms", "p99 ms", "runs", "spread"))
        for t, label in TARGETS:
            m = res[name].get(t)
            if not m:
                continue
            spread = "" if math.isnan(m["spread"]) else "%.1f%%" % (100 * m["spread"])
            lines.append("  %-16s %10s %9s %8s %8s  %4d %7s%s" % (
                label, f_int(m["rps"]), f_mib(m["mibs"]), f_ms(m["p50"]), f_ms(m["p99"]), m["n"], spread,
                ("  ERRORS: " + "; ".join(m["errors"])) if m["errors"] else ""))
        lines.append("  " + " | ".join("%s/%s req/s %s p99 %s" % (a, b, f_rx(round_ratio("wrk", name, a, b, "rps")),
                                                                  f_rx(round_ratio("wrk", name, a, b, "p99")))
                                       for a, b in RATIOS if a in res[name] and b in res[name]))
        if name in bases:
            rps, p50, p99 = added(res, name, bases[name])
            lines.append("  gateway-app against %s (same run): req/s %s, p50 %s, p99 %s" % (
                bases[name], f_x(rps), f_plus(p50), f_plus(p99)))
        if name in paced:
            lines.append("  " + paced_label(env) + ":")
            for t, label in TARGETS:
                m = paced[name].get(t)
                if m:
                    lines.append("    %-14s %10s req/s  p50 %s ms  p99 %s ms%s" % (label, f_int(m["rps"]), f_ms(m["p50"]),
                                 f_ms(m["p99"]), ("  ERRORS: " + "; ".join(m["errors"])) if m["errors"] else ""))
            if name in bases:
                _, p50, p99 = added(paced, name, bases[name])
                lines.append("    gateway-app against %s, paced: p50 %s, p99 %s" % (bases[name], f_plus(p50), f_plus(p99)))
        if name in redis:
            lines.append("  " + redis_line(res, name, redis[name]))
        lines.append("")
    for j, v in jvms.items():
        lines.append("%-24s first answer %s s, RSS after start %s MiB, after load %s MiB" % (
            jvm_label(j), fmt_s(v.get("first_answer_ms")), fmt_mib_kb(v.get("rss_start_kb")),
            fmt_mib_kb(v.get("rss_after_load_kb"))))
    lines.append("%s | %s CPUs, %s | %s | nginx %s | %s" % (
        env.get("date_utc", "?"), env.get("nproc", "?"), env.get("cpu", "?"), env.get("java", "?"),
        env.get("nginx", "?"), env.get("knobs", "?")))
    if other:
        lines.append(other_cpu_line(other))
    goals = goal_rows(res, paced, jvms)
    if goals:
        lines.append("goals:")
        lines += ["  %-62s %-26s floor %-10s aim %-10s %s" % row for row in goals]
    return "\n".join(lines)


def fmt_s(ms):
    try:
        return "%.1f" % (int(ms) / 1000)
    except (TypeError, ValueError):
        return "–"


def fmt_mib_kb(kb):
    try:
        return "%.0f" % (int(kb) / 1024)
    except (TypeError, ValueError):
        return "–"


def markdown_section(env, scenarios, res, jvms, sanity_bad, redis, other, paced):
    knobs = env.get("knobs", "?")
    bases = plain_of(scenarios, res)
    out = ["### Latest run: %s" % env.get("date_utc", "?"), ""]
    goals = goal_rows(res, paced, jvms)
    if goals:
        out += ["#### Against the speed issue's goals", "",
                "Ratios are medians of the rounds' ratios (each round measures every target once); ± is half the "
                "spread of those ratios, and one whose rounds disagree by more than %d%% is marked unreliable." % (
                    100 * UNRELIABLE), "",
                "| figure | this run | floor | aim | |", "|---|---:|---:|---:|---|"]
        out += ["| %s | %s | %s | %s | %s |" % row for row in goals]
        out.append("")
    if is_quick(env):
        out += ["> Quick look (shorter than the reference settings DUR=15 REPS=3 WARM=60): indicative only.", ""]
    out += [
        "- machine: %s CPUs, %s" % (env.get("nproc", "?"), env.get("cpu", "?")),
        "- java: %s; nginx %s; %s" % (env.get("java", "?"), env.get("nginx", "?"), env.get("wrk", "wrk")),
        "- knobs: `%s`" % knobs,
        "- repository at `%s`; gateway-app jar built %s" % (env.get("repo", "?"), env.get("gateway_jar_built", "?")),
    ]
    if other:
        out.append("- " + other_cpu_line(other))
    if env.get("redis_version"):
        where = "pinned with the servers"
        if env.get("redis_cpus") and env.get("redis_cpus") != env.get("server_cpus", env.get("redis_cpus")):
            where = "on CPU %s, apart from the servers (REDIS_CPUS)" % env["redis_cpus"]
        out.append("- redis-server %s on loopback for the scenarios that name `{redis-port}`, %s"
                   % (env["redis_version"], where))
    out.append("")
    for name, path, args in scenarios:
        if name not in res:
            continue
        title = "#### `%s` — scenario `%s`" % (path, name) if name != path.lstrip("/") else "#### `%s`" % path
        out += [title, ""]
        if args:
            out += ["gateway-app arguments on top of the plain route: `%s`" % args, ""]
        if name in HEADERS:
            out += ["Every request carries %s." % ", ".join("`%s`" % h for h in HEADERS[name]), ""]
        out += ["| target | req/s | MiB/s | p50 ms | p99 ms |", "|---|---:|---:|---:|---:|"]
        errors = []
        for t, label in TARGETS:
            m = res[name].get(t)
            if not m:
                continue
            out.append("| %s | %s | %s | %s | %s |" % (label, f_int(m["rps"]), f_mib(m["mibs"]), f_ms(m["p50"]), f_ms(m["p99"])))
            if m["errors"]:
                errors.append("%s: %s" % (label, "; ".join(m["errors"])))
        out.append("")
        for a, b in RATIOS:
            if a in res[name] and b in res[name]:
                out.append("- %s / %s: req/s %s, p99 %s" % (a, b, f_rx(round_ratio("wrk", name, a, b, "rps")),
                                                            f_rx(round_ratio("wrk", name, a, b, "p99"))))
        if name in bases:
            rps, p50, p99 = added(res, name, bases[name])
            out.append("- **gateway-app against `%s` (the plain route, same run): req/s %s, p50 %s, p99 %s**" % (
                bases[name], f_x(rps), f_plus(p50), f_plus(p99)))
        wire = [(label, res[name][t]) for t, label in TARGETS if t in res[name] and res[name][t]["rps"]]
        if name in HEADERS and wire:
            out.append("- on the wire, headers included: " + ", ".join(
                "%s %s KiB an answer" % (label, "%.1f" % (m["mibs"] * 1024 / m["rps"])) for label, m in wire))
        if name in redis:
            out.append("- " + redis_line(res, name, redis[name]))
        if name in paced:
            out += ["", "%s%s:" % (paced_label(env)[0].upper(), paced_label(env)[1:]), "",
                    "| target | req/s | p50 ms | p99 ms |", "|---|---:|---:|---:|"]
            for t, label in TARGETS:
                m = paced[name].get(t)
                if m:
                    out.append("| %s | %s | %s | %s |" % (label, f_int(m["rps"]), f_ms(m["p50"]), f_ms(m["p99"])))
                    if m["errors"]:
                        errors.append("%s (paced): %s" % (label, "; ".join(m["errors"])))
            if name in bases:
                _, p50, p99 = added(paced, name, bases[name])
                out += ["", "- **gateway-app against `%s`, paced: p50 %s, p99 %s**" % (bases[name], f_plus(p50),
                                                                                        f_plus(p99))]
        if errors:
            out += ["", "**Errors reported by wrk:** " + " · ".join(errors)]
        out.append("")
    warm = read_warmup(os.path.join(RESULTS_DIR[0], "warmup.txt"))
    never = [w for w in warm if w.get("stable") != "yes"]
    if warm:
        out += ["Warm-up: each JVM until two 5 s windows in a row agreed within 5%%: %s." % "; ".join(
            "%s %s s" % (jvm_label(w.get("jvm", "?")), w.get("seconds", "?")) for w in warm)]
        if never:
            out += ["**Never stable within 5%%:** %s (its figures say less)." % ", ".join(
                "%s on %s" % (jvm_label(w.get("jvm", "?")), w.get("url", "?")) for w in never)]
        out.append("")
    if jvms:
        out += ["#### JVM start-up and memory", "",
                "| JVM | first answer s | RSS after start MiB | RSS after load MiB |", "|---|---:|---:|---:|"]
        for j, v in jvms.items():
            out.append("| %s | %s | %s | %s |" % (jvm_label(j), fmt_s(v.get("first_answer_ms")),
                                                 fmt_mib_kb(v.get("rss_start_kb")), fmt_mib_kb(v.get("rss_after_load_kb"))))
        out.append("")
    if sanity_bad:
        out += ["**Sanity checks that did not answer 200:** " + "; ".join(sanity_bad), ""]
    return "\n".join(out).rstrip() + "\n"


DOC_TEMPLATE = """# Benchmarks

`benchmarks/run.sh` measures `gateway-app` end to end against its peers, side by side in one run on loopback, so
that every figure can be read as a ratio to a reference measured under the same conditions:

- **backend direct**: nginx serving the answers itself (127.0.0.1:9001): a fixed 1 KiB answer at `/1k`, static
  1 MiB files at `/1m.bin` and `/1m.json`; the ceiling of the rig.
- **nginx proxy**: nginx as a reverse proxy to that backend (keep-alive upstream).
- **vanilla SCG**: a plain Spring Cloud Gateway 5 app with one route (source in `../shared/bench/scg`).
- **gateway-app**: this project's runnable gateway, demo off, one plain route `Path=/**` to the backend, plus the
  scenario's arguments.

## Method

- Load: [wrk](https://github.com/wg/wrk), one thread, 32 connections, 15 s per run. On a machine with two CPUs or
  more the servers are pinned to CPU 1 and wrk to CPU 0.
- Each scenario (a URL path, and the gateway's configuration for it: `benchmarks/scenarios.txt`) is first checked
  on every target (it must answer 200), then warmed (each JVM 60 s on its first path and 10 s on each further one,
  nginx 5 s), then measured in 3 interleaved rounds, every target once a round; the figures are the medians.
- Paced rounds follow: 16 connections, each waiting 10 ms between an answer and its next request, 3 rounds. The
  saturated rounds run the JVMs flat out, so their p99 is mostly queueing and follows throughput; the paced ones
  stay well below saturation, so their latency is what a request takes, and what a filter adds to p99 is read
  there.
- Both JVMs run with the same flags (`-Xmx512m`) and the same Java. Start-up is the time from launch to the first
  HTTP answer; RSS is the resident memory right after start and once all the load is over.
- Ratios: `ours` = gateway-app, `scg` = vanilla SCG, `nginx` = nginx proxy. For req/s higher is better, for p99
  lower is better.

## How to run

```
benchmarks/run.sh                              # the full run, about 9–10 minutes
DUR=5 REPS=1 WARM=10 benchmarks/run.sh         # a quick look, about 2–3 minutes
```
It needs `gateway-app/target/gateway-app.jar` (`mvn -q -DskipTests package` at the repo root), Maven for the
vanilla SCG build, and installs nginx and wrk with apt-get when they are missing. See `benchmarks/README.md` for
the knobs and for adding a scenario. The section below is rewritten by each run.

## Results

"""


def update_doc(path, section):
    block = "%s\n%s%s" % (BEGIN, section, END)
    if os.path.exists(path):
        text = open(path, encoding="utf-8").read()
        b, e = text.find(BEGIN), text.find(END)
        if b >= 0 and e > b:
            text = text[:b] + block + text[e + len(END):]
        else:
            print("summarize.py: no %s ... %s block in %s: appending one" % (BEGIN, END, path), file=sys.stderr)
            text = text.rstrip("\n") + "\n\n## Results\n\n" + block + "\n"
    else:
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        text = DOC_TEMPLATE + block + "\n"
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("results")
    ap.add_argument("--doc", help="Markdown file whose results block is replaced (created when missing)")
    a = ap.parse_args()
    d = a.results
    RESULTS_DIR[0] = d
    env = read_kv(os.path.join(d, "env.txt"))
    scenarios = read_scenarios(d)
    res = collect(d)
    if not res:
        sys.exit("summarize.py: no wrk results under %s/wrk" % d)
    jvms = read_startup(os.path.join(d, "startup.txt"))
    sanity_bad = []
    sp = os.path.join(d, "sanity.txt")
    if os.path.exists(sp):
        for line in open(sp, encoding="utf-8"):
            w = line.split()
            if len(w) >= 5 and w[0] == "sanity" and w[4] != "200":
                sanity_bad.append("%s %s %s → %s" % (w[1], w[2], w[3], w[4]))
    redis = read_redis(os.path.join(d, "redis.txt"))
    other = read_other_cpu(os.path.join(d, "cpu-other.txt"))
    paced = collect(d, "paced")
    print(text_summary(d, env, scenarios, res, jvms, redis, other, paced))
    section = markdown_section(env, scenarios, res, jvms, sanity_bad, redis, other, paced)
    with open(os.path.join(d, "summary.md"), "w", encoding="utf-8") as f:
        f.write(section)
    if a.doc:
        update_doc(a.doc, section)


if __name__ == "__main__":
    main()
