#!/usr/bin/env python3
"""Summary of a benchmarks/limit-latency.sh run: prints a Markdown block and, unless DOC is "none", rewrites the block
between <!-- limit-latency:begin --> and <!-- limit-latency:end --> in DOC (appending a section when they are missing).

Usage: limit-latency-summary.py OUTDIR DOC
"""
import os
import re
import statistics
import sys

out, doc = sys.argv[1], sys.argv[2]
env = dict(l.rstrip("\n").split("=", 1) for l in open(os.path.join(out, "env.txt")) if "=" in l)
knobs = dict(w.split("=", 1) for w in env.get("knobs", "").split() if "=" in w)
UNIT = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk(path):
    """-> {"p50": ms, "p99": ms, "rps": r/s, "requests": n, "errors": n}"""
    text = open(path).read()
    res = {}
    for pct, key in (("50", "p50"), ("99", "p99")):
        m = re.search(r"^\s+%s%%\s+([\d.]+)(us|ms|s)\s*$" % pct, text, re.M)
        if m:
            res[key] = float(m.group(1)) * UNIT[m.group(2)]
    m = re.search(r"Requests/sec:\s+([\d.]+)", text)
    res["rps"] = float(m.group(1)) if m else None
    m = re.search(r"(\d+) requests in", text)
    res["requests"] = int(m.group(1)) if m else 0
    errors = 0
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    errors += int(m.group(1)) if m else 0
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    errors += sum(int(x) for x in m.groups()) if m else 0
    res["errors"] = errors
    return res


rows = {}  # (store, round, kind) -> {route: wrk}
other_cpu = []
for line in open(os.path.join(out, "rounds.tsv")):
    store, r, kind, route, path, oc = line.rstrip("\n").split("\t")
    rows.setdefault((store, int(r), kind), {})[route] = wrk(path)
    other_cpu.append(float(oc))
stores = [s for s in knobs.get("STORES", "redis,memory").split(",") if any(k[0] == s for k in rows)]


def med(xs):
    return statistics.median(xs) if xs else None


def ms(x, signed=False):
    if x is None:
        return "–"
    return ("%+.2f" if signed else "%.2f") % x


def diffs(store, kind, other, key):
    xs = []
    for (s, r, k), v in sorted(rows.items()):
        if s == store and k == kind and "plain" in v and other in v and key in v["plain"] and key in v[other]:
            xs.append(v[other][key] - v["plain"][key])
    return xs


def col(store, kind, route, key):
    return [v[route][key] for (s, r, k), v in sorted(rows.items())
            if s == store and k == kind and route in v and v[route].get(key) is not None]


lines = ["### Latest run: %s" % env.get("date_utc", "?"), ""]
lines += ["- machine: %s CPUs, %s; %s; %s%s" % (env.get("nproc", "?"), env.get("cpu", "?"), env.get("java", "?"),
                                                  env.get("wrk", "?"),
                                                  "; redis-server %s" % env["redis_version"]
                                                  if env.get("redis_version") else ""),
          "- other processes took %.0f%% of the CPUs during a measured pair (median; at most %.0f%%)" % (
              med(other_cpu) or 0, max(other_cpu) if other_cpu else 0),
          "- knobs: `%s`; repository at `%s`, jar built %s" % (env.get("knobs", "?"), env.get("repo", "?"),
                                                              env.get("gateway_jar_built", "?")),
          "- CPUs: " + ("gateway-app and nginx on CPU %s, Redis on CPU %s (%s), both wrk on CPU %s" % (
              knobs.get("SERVER_CPUS", "1"), knobs.get("REDIS_CPUS", "?"),
              "taking turns with the gateway" if knobs.get("REDIS_CPUS") == knobs.get("SERVER_CPUS", "1")
              else "not the gateway's", knobs.get("LOAD_CPUS", "0"))
              if knobs.get("PIN") == "1" else "not pinned"),
          "",
          "| store | pair | plain p50 / p99 ms | other route p50 / p99 ms | added p50 ms (median, range) | "
          "added p99 ms (median, range) | req/s each |",
          "|---|---|---:|---:|---:|---:|---:|"]
for store in stores:
    for kind, other, label in (("ab", "limited", "A/B: plain and limited"), ("aa", "twin", "A/A: plain and twin")):
        d50, d99 = diffs(store, kind, other, "p50"), diffs(store, kind, other, "p99")
        if not d99:
            continue
        lines.append("| %s | %s | %s / %s | %s / %s | %s (%s … %s) | %s (%s … %s) | %s |" % (
            store, label, ms(med(col(store, kind, "plain", "p50"))), ms(med(col(store, kind, "plain", "p99"))),
            ms(med(col(store, kind, other, "p50"))), ms(med(col(store, kind, other, "p99"))),
            ms(med(d50), True), ms(min(d50), True), ms(max(d50), True),
            ms(med(d99), True), ms(min(d99), True), ms(max(d99), True),
            "%.0f" % (med(col(store, kind, other, "rps")) or 0)))
errors = sum(v.get("errors", 0) for pair in rows.values() for v in pair.values())
limited_requests = sum(v["limited"]["requests"] for (s, r, k), v in rows.items() if s == "redis" and "limited" in v)
lines += ["",
          "Each pair: two wrk processes at once, %s connections each, each connection waiting %s ms between an answer "
          "and its next request, %s s; the same gateway-app, the same time window. Added = the other route's "
          "percentile minus the plain route's, per pair; median and range over %s rounds. The A/A pair is the "
          "method's own resolution: two identical routes, where any difference is noise." % (
              int(knobs.get("CONNS", "16")) // 2, knobs.get("PACE_MS", "?"), knobs.get("DUR", "?"),
              knobs.get("REPS", "?"))
          + ("" if not errors else " **%d requests failed (non-2xx or socket errors).**" % errors)]
if "redis" in stores:
    calls = int(env.get("redis_evalsha_calls", "0"))
    lines += ["", "Redis: %d EVALSHA calls (%s failed) during the measured rounds, for %d requests on the limited "
              "route: %s." % (calls, env.get("redis_evalsha_failed", "?"), limited_requests,
                              "one decision in Redis per request" if limited_requests and abs(calls - limited_requests)
                              <= 0.01 * limited_requests + 64 else "**not one a request: check the store**")]
    d99 = diffs("redis", "ab", "limited", "p99")
    aa99 = diffs("redis", "aa", "twin", "p99")
    goal = med(d99)
    lines += ["", "Goal (rate-limit issue): added p99 of a limited route against an unlimited one ≤ 1 ms with Redis on "
              "loopback: **%s ms, %s** (the A/A pair, the noise of the method: %s ms)." % (
                  ms(goal, True), "met" if goal is not None and goal <= 1.0 else "not met", ms(med(aa99), True))]
block = "\n".join(lines)
print(block)
if doc != "none":
    begin, end = "<!-- limit-latency:begin -->", "<!-- limit-latency:end -->"
    text = open(doc).read() if os.path.exists(doc) else "# Benchmarks\n"
    if begin in text and end in text:
        text = text[:text.index(begin) + len(begin)] + "\n" + block + "\n" + text[text.index(end):]
    else:
        text = text.rstrip("\n") + "\n\n## Rate limits: the latency a limiter adds\n\n" \
            "`benchmarks/limit-latency.sh` loads a plain route and a `LeakyBucket` route of one gateway-app at the " \
            "same time, paced, and reads the difference of their latencies (with an A/A pair of two plain routes " \
            "for the method's own noise); it rewrites this section.\n\n" + begin + "\n" + block + "\n" + end + "\n"
    open(doc, "w").write(text)
