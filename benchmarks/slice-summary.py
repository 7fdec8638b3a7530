#!/usr/bin/env python3
"""Summary of a benchmarks/slice.sh run: prints a Markdown block and, unless DOC is "none", rewrites the block
between <!-- slice:begin --> and <!-- slice:end --> in DOC (appending a section when the markers are missing).

Usage: slice-summary.py OUTDIR DOC
"""
import glob
import os
import re
import statistics
import sys

out, doc = sys.argv[1], sys.argv[2]
env = dict(l.rstrip("\n").split("=", 1) for l in open(os.path.join(out, "env.txt")) if "=" in l)
size = int(env["size"])
knobs = dict(w.split("=", 1) for w in env.get("knobs", "").split() if "=" in w)


def med(xs):
    return statistics.median(xs) if xs else None


def mb(x):
    return "–" if x is None else "{:,.0f}".format(x / 1e6).replace(",", " ")


def times(r):
    return "–" if r is None else "%.2f×" % r


# ---------------------------------------------------------------- throughput
speed, other, errors, ups = {}, [], {}, {}
for line in open(os.path.join(out, "results.tsv")):
    r, t, code, nbytes, bps, secs, oth, up = line.rstrip("\n").split("\t")
    r = int(r)
    other.append(float(oth))
    if code == "200" and int(nbytes) == size:
        speed[(r, t)] = float(bps)
    else:
        errors[t] = errors.get(t, 0) + 1
    if up != "-":
        ups.setdefault(t, []).append(int(up))
rounds = sorted({r for r, _ in speed})
targets = ["direct", "nginx", "plain", "cold", "warm", "recycled", "ncold", "nwarm"]
label = {"direct": "backend direct (nginx static)", "nginx": "nginx proxy", "plain": "gateway-app, plain route",
         "cold": "gateway-app, Slice, cold", "warm": "gateway-app, Slice, warm",
         "recycled": "gateway-app, Slice, cold, cache full (memory reused)",
         "ncold": "nginx slice module + proxy_cache, cold", "nwarm": "nginx slice module + proxy_cache, warm"}


def col(t):
    return med([speed[(r, t)] for r in rounds if (r, t) in speed])


def ratio(a, b):
    return med([speed[(r, a)] / speed[(r, b)] for r in rounds if (r, a) in speed and (r, b) in speed])


def spread(t):
    xs = [speed[(r, t)] for r in rounds if (r, t) in speed]
    return "%s–%s" % (mb(min(xs)), mb(max(xs))) if xs else "–"


# ---------------------------------------------------------------- memory
def phase(name):
    d = os.path.join(out, "mem", name)
    if not os.path.isdir(d):
        return None
    p = dict(l.rstrip("\n").split("=", 1) for l in open(os.path.join(d, "phase.txt")) if "=" in l)
    rss = [int(l.split()[1]) for l in open(os.path.join(d, "rss.txt")) if len(l.split()) == 2]
    p["rss_peak_kb"] = max(rss) if rss else None
    p["rss_samples"] = len(rss)
    # jstat -gc: heap used = survivors + eden + old, sampled every 100 ms; GCs during the phase
    rows, head = [], None
    for l in open(os.path.join(d, "jstat.txt")):
        f = l.split()
        if not f:
            continue
        if f[0] == "S0C":
            head = f
            continue
        if head and len(f) == len(head):
            try:
                rows.append(dict(zip(head, (0.0 if x == "-" else float(x) for x in f))))
            except ValueError:
                pass
    if rows:
        p["heap_peak_kb"] = max(x["S0U"] + x["S1U"] + x["EU"] + x["OU"] for x in rows)
        p["heap_cap_kb"] = max(x["S0C"] + x["S1C"] + x["EC"] + x["OC"] for x in rows)
        p["old_peak_kb"] = max(x["OU"] for x in rows)
        p["ygc"] = int(rows[-1]["YGC"] - rows[0]["YGC"])
        p["fgc"] = int(rows[-1]["FGC"] - rows[0]["FGC"])
        p["gct"] = rows[-1]["GCT"] - rows[0]["GCT"]
    ok, bad = 0, 0
    for f in glob.glob(os.path.join(d, "dl-*.txt")):
        v = open(f).read().split()
        if len(v) == 4 and v[0] == "200" and int(v[1]) == size:
            ok += 1
        else:
            bad += 1
    p["ok"], p["bad"] = ok, bad
    el = int(p.get("elapsed_ms", "0")) / 1000.0
    p["agg_bps"] = ok * size / el if el > 0 else None
    nmt = os.path.join(d, "nmt.txt")
    if os.path.exists(nmt):
        text = open(nmt).read()
        def committed(section):
            m = re.search(r"-\s+%s \(reserved=\d+KB, committed=(\d+)KB\)" % re.escape(section), text)
            return int(m.group(1)) if m else None
        m = re.search(r"Total: reserved=\d+KB, committed=(\d+)KB", text)
        p["nmt_total_kb"] = int(m.group(1)) if m else None
        p["nmt_heap_kb"] = committed("Java Heap")
        p["nmt_other_kb"] = committed("Other")
    return p


phases = {n: phase(n) for n in ("plain", "cold", "warm")}


def mib(kb):
    return "–" if kb is None else "%.0f" % (kb / 1024.0)


# ---------------------------------------------------------------- goals
warm_plain, cold_plain = ratio("warm", "plain"), ratio("cold", "plain")
recycled_plain = ratio("recycled", "plain")
heap_limit_kb = 512 * 1024
slice_phases = [phases[n] for n in ("cold", "warm") if phases[n]]
heap_ok = bool(slice_phases) and all(p.get("heap_peak_kb") is not None and p["heap_peak_kb"] < heap_limit_kb
                                     and p.get("oom_in_log") == "0" and p.get("gateway_alive") == "yes"
                                     and p["bad"] == 0 for p in slice_phases)


def met(b):
    return "**met**" if b else "**not met**"


lines = ["### Latest run: %s" % env.get("date_utc", "?"), ""]
lines += ["- machine: %s CPUs, %s, %s; %s; nginx %s; %s" % (env.get("nproc", "?"), env.get("cpu", "?"),
          env.get("mem", "?"), env.get("java", "?"), env.get("nginx", "?"), env.get("curl", "?")),
          "- how busy: other processes took %.0f%% of the CPUs during a download (median; at most %.0f%%); load "
          "average %s at the start, %s at the end" % (statistics.median(other) if other else 0,
                                                       max(other) if other else 0, env.get("loadavg_start", "?"),
                                                       env.get("loadavg_end", "?")),
          "- knobs: `%s`; gateway-app's GC: %s; repository at `%s`, jar built %s" % (
              env.get("knobs", "?"), env.get("gc", "?") or "?", env.get("repo", "?"), env.get("gateway_jar_built", "?")),
          "- object: %d MiB of random bytes; Slice `size=%s, cache=true, cache-max-size=%s, cache-ttl=%s`" % (
              size >> 20, knobs.get("SLICE", "?"), knobs.get("CACHE_MAX", "?"), knobs.get("CACHE_TTL", "?")),
          "- CPUs: " + ("gateway-app and the nginx proxy on CPU %s, curl on CPU %s, the backend on CPU %s%s" % (
              knobs.get("SERVER_CPUS", "1"), knobs.get("LOAD_CPUS", "0"), knobs.get("BACKEND_CPUS", "?"),
              " (beside curl: the origin stands for another machine)"
              if knobs.get("BACKEND_CPUS") == knobs.get("LOAD_CPUS", "0") else " (with the servers)")
              if knobs.get("PIN") == "1" else "not pinned"),
          "",
          "#### Throughput: one download of the whole object at a time (curl, `-o /dev/null`)",
          "",
          "| target | MB/s (median) | range over rounds | × plain route | × nginx proxy | upstream requests a download |",
          "|---|---:|---:|---:|---:|---:|"]
for t in targets:
    u = ups.get(t)
    lines.append("| %s | %s | %s | %s | %s | %s |" % (
        label[t], mb(col(t)), spread(t), "1.00×" if t == "plain" else times(ratio(t, "plain")),
        "1.00×" if t == "nginx" else times(ratio(t, "nginx")),
        ("%d" % med(u) if u else "–") if t in ("cold", "warm", "recycled", "ncold", "nwarm") else ("1" if t in ("nginx", "plain") else "–")))
lines += ["",
          "MB/s = 10⁶ bytes/s; medians over %d interleaved rounds; the ratios are the medians of the rounds' ratios. "
          "Cold: a fresh gateway-app each round, its cache empty (but for a small warm-up object), JIT-warmed by "
          "downloads of the object on the plain route and on a second Slice route with a small cache of its own "
          "(each slice fetched, as cold), and of the small object on the Slice route; warm: the same URI right "
          "after the cold download; cold with the cache full: the object through that second route, whose full cache "
          "gives each new slice the memory of an evicted one." % len(rounds)
          + ("" if not any(ups.get("warm", [])) else " **Some warm downloads still asked the backend (%s "
             "requests): not all of the object was held.**" % "/".join(map(str, ups["warm"])))
          + ("" if not errors else " **Failed downloads: %s.**" % ", ".join("%s %d" % kv for kv in errors.items())),
          "",
          "#### Memory: %s concurrent downloads of the object" % knobs.get("CONC", "?"),
          "",
          "| route | downloads complete | aggregate MB/s | peak RSS MiB (before) | peak heap used MiB (of) | old gen peak MiB "
          "| GCs young / full | NMT after: committed / heap / other MiB | upstream requests | OutOfMemoryError |",
          "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
for n, lab in (("plain", "plain"), ("cold", "Slice, cold (one fresh URI for all)"), ("warm", "Slice, warm (the same URI)")):
    p = phases[n]
    if not p:
        continue
    lines.append("| %s | %d of %d | %s | %s (%s) | %s (%s) | %s | %s / %s | %s / %s / %s | %s | %s |" % (
        lab, p["ok"], p["ok"] + p["bad"], mb(p["agg_bps"]), mib(p["rss_peak_kb"]), mib(int(p["rss_before_kb"] or 0)),
        mib(p.get("heap_peak_kb")), mib(p.get("heap_cap_kb")), mib(p.get("old_peak_kb")), p.get("ygc", "–"),
        p.get("fgc", "–"), mib(p.get("nmt_total_kb")), mib(p.get("nmt_heap_kb")), mib(p.get("nmt_other_kb")),
        p.get("upstream_requests", "1 a download"),
        "none" if p.get("oom_in_log") == "0" and p.get("gateway_alive") == "yes" else
        "**yes** (%s in the log%s; gateway %s)" % (p.get("oom_in_log"), ", first: `%s`" % p["oom_kind"] if p.get("oom_kind") else "",
                                                   "alive" if p.get("gateway_alive") == "yes" else "dead")))
lines += ["",
          "RSS sampled from /proc every 100 ms, heap with `jstat -gc` every 100 ms (survivors + eden + old); NMT "
          "(`-XX:NativeMemoryTracking=summary`) read once the phase is over: \"other\" holds Netty's direct buffers. "
          "The phases run in this order on one fresh gateway-app, after its warm-up (a cache empty but for the small "
          "warm-up object).",
          "",
          "#### Goals (slice issue)",
          "",
          "| goal | figure | |",
          "|---|---|---|",
          "| warm ≥ 1.5 × plain | %s | %s |" % (times(warm_plain), met(warm_plain is not None and warm_plain >= 1.5)),
          "| cold ≥ 0.9 × plain | %s into an empty cache (%s with the cache full, its memory reused) | %s |" % (
              times(cold_plain), times(recycled_plain), met(cold_plain is not None and cold_plain >= 0.9)),
          "| %s concurrent downloads through Slice: heap < 512 MiB, no OutOfMemoryError | peak heap used %s MiB, "
          "peak RSS %s MiB | %s |" % (
              knobs.get("CONC", "?"), " / ".join(mib(p.get("heap_peak_kb")) for p in slice_phases),
              " / ".join(mib(p.get("rss_peak_kb")) for p in slice_phases), met(heap_ok))]
if ratio("ncold", "nginx") is not None:
    lines += ["", "For reference, the original on the same machine: nginx's slice module with `proxy_cache` makes cold "
              "%s and warm %s of nginx's own plain proxying (the cache in files, on the page cache)." % (
                  times(ratio("ncold", "nginx")), times(ratio("nwarm", "nginx")))]
block = "\n".join(lines)
print(block)
if doc != "none":
    begin, end = "<!-- slice:begin -->", "<!-- slice:end -->"
    text = open(doc).read() if os.path.exists(doc) else "# Benchmarks\n"
    if begin in text and end in text:
        text = text[:text.index(begin) + len(begin)] + "\n" + block + "\n" + text[text.index(end):]
    else:
        text = text.rstrip("\n") + "\n\n## Slice: a large object, cold and warm\n\n" \
            "`benchmarks/slice.sh` downloads a 256 MiB object through a `Slice` route (cold and warm cache) and a " \
            "plain route of the same gateway-app, with nginx as references, and rewrites this section.\n\n" \
            + begin + "\n" + block + "\n" + end + "\n"
    open(doc, "w").write(text)
