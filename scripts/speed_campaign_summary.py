#!/usr/bin/env python3
"""Summarises a log of scripts/speed_campaign.sh: one line per complete cycle, then the medians.

    python3 scripts/speed_campaign_summary.py LOG

Per cycle: the 4 MiB pointer-chase latency (the L3 share the neighbours left), pagesift label and
trafilatura (medians of the cycle's rounds) and their ratio, and two threads against one on HTML
and text, each with the ceiling the machine allowed in the same rounds (two one-thread runs side
by side). A cycle cut short (no trafilatura rounds) is left out.
"""
import re
import statistics as st
import sys

ROUND = (r" round \d: one thread ([\d.]+) s, two threads ([\d.]+) s \([\d.]+x\), "
         r"side by side ([\d.]+) s \(ceiling [\d.]+x\)")


def speedups(cycle, kind):
    """(one thread, two threads, side by side) seconds of each round."""
    return [tuple(map(float, r)) for r in re.findall(kind + ROUND, cycle)]


def cycle_speedup(rounds):
    one, two, pair = (st.median(r[i] for r in rounds) for i in range(3))
    return one / two, 2 * one / pair


def main():
    cycles = open(sys.argv[1]).read().split("=== cycle ")[1:]
    rows = []
    for cycle in cycles:
        traf = re.search(r"rounds \(label s.*?\): (.*)", cycle)
        html, text = speedups(cycle, "html"), speedups(cycle, "text")
        if not (traf and html and text):
            continue
        rounds = [r.split(", ") for r in traf.group(1).split("; ")]
        label = st.median(float(r[0]) for r in rounds)
        trafilatura = st.median(float(r[2]) for r in rounds)
        probe = float(re.search(r"chase 4096 KiB ([\d.]+) ns", cycle).group(1))
        rows.append((cycle.split()[1], probe, label, trafilatura, html, text))
    print("| time | 4 MiB chase | label | trafilatura | ratio | HTML 2 vs 1 (ceiling) | text 2 vs 1 (ceiling) |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for time, probe, label, trafilatura, html, text in rows:
        h, t = cycle_speedup(html), cycle_speedup(text)
        print(f"| {time} | {probe:.0f} ns | {label:.2f} s | {trafilatura:.2f} s | "
              f"{trafilatura / label:.2f}x | {h[0]:.2f}x ({h[1]:.2f}x) | {t[0]:.2f}x ({t[1]:.2f}x) |")
    ratios = [r[3] / r[2] for r in rows]
    print(f"\n{len(rows)} cycles. Against trafilatura: median {st.median(ratios):.2f}x, "
          f"{min(ratios):.2f}-{max(ratios):.2f}x, at least 8x in {sum(r >= 8 for r in ratios)}.")
    for kind, index in (("HTML", 4), ("text", 5)):
        rounds = [r for row in rows for r in row[index]]
        ratio = [one / two for one, two, _ in rounds]
        ceiling = [2 * one / pair for one, _, pair in rounds]
        print(f"{kind}, {len(rounds)} rounds: two threads against one, median of the rounds "
              f"{st.median(ratio):.2f}x; the machine's ceiling {st.median(ceiling):.2f}x; "
              f"their ratio {st.median(a / b for a, b in zip(ratio, ceiling)):.2f}.")


if __name__ == "__main__":
    main()
