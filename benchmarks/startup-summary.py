#!/usr/bin/env python3
"""Summary of benchmarks/startup.sh: the table of first-answer times, printed and written into the doc.

Usage: startup-summary.py OUTDIR DOC   (DOC=none: print only)
Reads OUTDIR/starts.txt (one line per start: target, round, first_answer_ms, rss_kb, classes) and OUTDIR/env.txt.
The difference against vanilla SCG is taken within each round (both started minutes apart at most), then the median.
"""
import re
import statistics
import sys

TARGETS = [
    ("scg", "vanilla SCG, `java -jar`"),
    ("scga", "SCG + actuator, `java -jar`"),
    ("ours", "gateway-app, `java -jar`"),
    ("scg-cds", "vanilla SCG, extracted + CDS archive"),
    ("ours-cds", "gateway-app, extracted + CDS archive"),
]
BEGIN, END = "<!-- startup:begin -->", "<!-- startup:end -->"


def read(outdir):
    starts = []
    with open(f"{outdir}/starts.txt") as f:
        for line in f:
            fields = dict(kv.split("=", 1) for kv in line.split())
            starts.append(fields)
    env = {}
    with open(f"{outdir}/env.txt") as f:
        for line in f:
            k, _, v = line.rstrip("\n").partition("=")
            env[k] = v
    return starts, env


def fmt_ms(ms):
    return f"{ms / 1000:.2f}"


def table(starts, env):
    by = {}
    for s in starts:
        by.setdefault(s["target"], {})[int(s["round"])] = s
    rounds = sorted(by.get("scg", {}))
    lines = [
        f"### Latest run: {env.get('date', '?')}",
        "",
        f"- machine: {env.get('nproc', '?')} CPUs, {env.get('cpu', '?')}; java: {env.get('java', '?')}",
        f"- knobs: `{env.get('knobs', '')}`; repository at `{env.get('commit', '?')}`; gateway-app jar built "
        f"{env.get('jar_built', '?')}",
        "",
        "| target | first answer s (median) | range | − vanilla SCG `java -jar`, s | classes loaded | RSS MiB |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    medians = {}
    for key, label in TARGETS:
        runs = by.get(key)
        if not runs:
            continue
        ms = [int(s["first_answer_ms"]) for s in runs.values()]
        deltas = [int(runs[r]["first_answer_ms"]) - int(by["scg"][r]["first_answer_ms"])
                  for r in rounds if r in runs]
        classes = [int(s["classes"]) for s in runs.values() if s.get("classes", "").isdigit()]
        rss = [int(s["rss_kb"]) for s in runs.values() if s.get("rss_kb", "").isdigit()]
        medians[key] = statistics.median(ms)
        delta = statistics.median(deltas)
        delta_s = "–" if key == "scg" else f"{delta / 1000:+.2f}"
        classes_s = str(int(statistics.median(classes))) if classes else "?"
        rss_s = f"{statistics.median(rss) / 1024:.0f}" if rss else "?"
        lines.append(f"| {label} | {fmt_ms(statistics.median(ms))} | {fmt_ms(min(ms))}–{fmt_ms(max(ms))} | "
                     f"{delta_s} | {classes_s} | {rss_s} |")
    lines.append("")
    lines.append(
        f"{len(rounds)} interleaved rounds, one start of every target a round; the difference is taken within each round, "
        "then the median. First answer: from the `java` command to the first 200 of `/1k` through the gateway's route "
        "(asked every 10 ms). Extracted + CDS: `java -Djarmode=tools -jar app.jar extract`, a training run with "
        "`-XX:ArchiveClassesAtExit=app.jsa -Dspring.context.exit=onRefresh`, then "
        "`java -XX:SharedArchiveFile=app.jsa -jar app/app.jar`.")
    if "ours" in medians and "scg" in medians:
        goal = [int(by["ours"][r]["first_answer_ms"]) - int(by["scg"][r]["first_answer_ms"]) for r in rounds
                if r in by.get("ours", {})]
        d = statistics.median(goal) / 1000
        verdict = "aim met" if d <= 0 else ("met" if d <= 1 else "not met")
        lines.append("")
        lines.append(f"Goal (speed issue): start-up to first request served, `java -jar`, ≤ vanilla SCG + 1 s: "
                     f"**{d:+.2f} s, {verdict}**.")
        if "ours-cds" in by:
            c = [int(by["ours-cds"][r]["first_answer_ms"]) - int(by["scg"][r]["first_answer_ms"]) for r in rounds
                 if r in by["ours-cds"]]
            lines.append(f"gateway-app extracted with its CDS archive against vanilla SCG's `java -jar`: "
                         f"{statistics.median(c) / 1000:+.2f} s.")
    return "\n".join(lines)


def main():
    outdir, doc = sys.argv[1], sys.argv[2]
    starts, env = read(outdir)
    text = table(starts, env)
    print(text)
    with open(f"{outdir}/summary.md", "w") as f:
        f.write(text + "\n")
    if doc == "none":
        return
    with open(doc) as f:
        content = f.read()
    block = f"{BEGIN}\n{text}\n{END}"
    if BEGIN in content and END in content:
        content = re.sub(re.escape(BEGIN) + ".*?" + re.escape(END), lambda m: block, content, flags=re.S)
    else:
        content = content.rstrip("\n") + "\n\n" + block + "\n"
    with open(doc, "w") as f:
        f.write(content)


if __name__ == "__main__":
    main()
