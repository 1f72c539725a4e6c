#!/usr/bin/env python3
"""Throughput of the Python package on one thread against the command line on one thread.

    target/pyenv/bin/python scripts/bench_python.py [--pages web|repo] [--rounds 5] [--cpu N]

Both label the same pages in the same run, in interleaved rounds, and the medians are
compared (MB/s of input, pages/s):

- `cli`: `pagesift --jobs 1 --quiet label --output FILE INPUT...`, the whole process (start,
  built-in model, reading, labelling, writing JSON Lines);
- `python`: a fresh `python` process that imports pagesift, makes `Labeler()`, reads the
  same inputs and consumes `label_many(records, jobs=1)` (every span's fields read): the
  same work from a user's script;
- `label_many`: the labelling loop alone inside that process (pages in memory, Labeler made).

`--pages web` (default when ../shared/data/web exists): the 732 held-out real pages of
`scripts/web_benchmark.py split` (/tmp/pagesift-web/test.jsonl, made if missing), each written
as an HTML file; the CLI reads the files, Python gives `label_many` their bytes (as HTML files
are read: a `<meta charset>` decides). `--pages repo`: the repository's 65 gold pages repeated
to 1,000 records with distinct ids, as one JSON Lines file (the CLI) and dicts (Python).
`--cpu N` pins every process to core N (taskset), so both get one core. The Python results are
checked equal to the CLI's before timing.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CLI = ROOT / "target" / "release" / "pagesift"
WEB = ROOT.parent / "shared" / "data" / "web"

PY_RUNNER = r"""
import json, sys, time
t0 = time.perf_counter()
import pagesift
mode, listing = sys.argv[1], sys.argv[2]
labeler = pagesift.Labeler()
if mode == "files":
    paths = [l.rstrip("\n") for l in open(listing, encoding="utf-8")]
    records = [{"id": p, "html": open(p, "rb").read()} for p in paths]
else:
    records = [json.loads(l) for l in open(listing, encoding="utf-8")]
t1 = time.perf_counter()
pages = spans = 0
for page in labeler.label_many(records, jobs=1, return_exceptions=True):
    if isinstance(page, pagesift.PagesiftError):
        continue  # the CLI skips it too
    pages += 1
    for s in page.spans:
        spans += 1
        s.start, s.end, s.text_start, s.text_end, s.label, s.score, s.text
t2 = time.perf_counter()
print(json.dumps({"pages": pages, "spans": spans, "setup": t1 - t0, "label_many": t2 - t1}))
"""


def web_pages(work: Path) -> tuple[list[str], int]:
    index = Path("/tmp/pagesift-web/test.jsonl")
    if not index.exists():
        subprocess.run([sys.executable, str(ROOT / "scripts" / "web_benchmark.py"), "split"],
                       check=True, cwd=ROOT)
    paths, total = [], 0
    pages = work / "pages"
    pages.mkdir()
    for line in open(index, encoding="utf-8"):
        r = json.loads(line)
        raw = gzip.open(r["html"]).read() if r["html"].endswith(".gz") else open(r["html"], "rb").read()
        path = pages / (r["id"] + ".html")
        path.write_bytes(raw)
        paths.append(str(path))
        total += len(raw)
    return paths, total


def repo_pages(work: Path) -> tuple[Path, int]:
    records = []
    for name in ("seeds", "pages_a", "pages_b", "pages_c"):
        for line in open(ROOT / "data" / f"{name}.gold.jsonl", encoding="utf-8"):
            r = json.loads(line)
            rec = {"id": r["id"], "url": r.get("url")}
            if isinstance(r.get("html"), str):
                rec["html"] = r["html"]
            else:
                rec["text"] = r["text"]
            records.append(rec)
    out = work / "pages.jsonl"
    total = 0
    with open(out, "w", encoding="utf-8") as f:
        for i in range(1000):
            r = dict(records[i % len(records)], id=f"{i:04d}-{records[i % len(records)]['id']}")
            total += len((r.get("html") or r.get("text")).encode("utf-8"))
            f.write(json.dumps(r) + "\n")
    return out, total


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", choices=["web", "repo"], default="web" if WEB.is_dir() else "repo")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--cpu", type=int, default=None, help="pin to this core (taskset)")
    ap.add_argument("--cli", default=str(CLI))
    args = ap.parse_args()
    pin = ["taskset", "-c", str(args.cpu)] if args.cpu is not None and shutil.which("taskset") else []
    work = Path(tempfile.mkdtemp(prefix="pagesift-bench-"))
    try:
        if args.pages == "web":
            paths, total = web_pages(work)
            listing = work / "files.txt"
            listing.write_text("".join(p + "\n" for p in paths), encoding="utf-8")
            cli_inputs, mode = paths, "files"
        else:
            jsonl, total = repo_pages(work)
            cli_inputs, mode, listing = [str(jsonl)], "jsonl", jsonl
        n = len(paths) if args.pages == "web" else 1000
        out = work / "out.jsonl"
        cli_cmd = pin + [args.cli, "--jobs", "1", "--quiet", "label", "--output", str(out), *cli_inputs]
        py_cmd = pin + [sys.executable, "-c", PY_RUNNER, mode, str(listing)]

        # Same results first.
        subprocess.run(cli_cmd, check=False)
        expected = [json.loads(l) for l in open(out, encoding="utf-8")]
        import pagesift

        labeler = pagesift.Labeler()
        if mode == "files":
            records = [{"id": p, "html": open(p, "rb").read()} for p in paths]
        else:
            records = [json.loads(l) for l in open(listing, encoding="utf-8")]
        got = [p for p in labeler.label_many(records, return_exceptions=True)
               if not isinstance(p, pagesift.PagesiftError)]
        same = len(got) == len(expected) and all(
            g.to_dict() == e for g, e in zip(got, expected))
        print(f"{n} pages, {total / 1e6:.1f} MB of input ({args.pages}); "
              f"{len(expected)} labelled; Python == CLI: {same}")

        cli_times, py_times, loop_times = [], [], []
        for r in range(args.rounds):
            t = time.perf_counter()
            subprocess.run(cli_cmd, check=False)
            cli_times.append(time.perf_counter() - t)
            t = time.perf_counter()
            done = subprocess.run(py_cmd, check=True, capture_output=True, text=True)
            py_times.append(time.perf_counter() - t)
            loop_times.append(json.loads(done.stdout)["label_many"])
            print(f"round {r + 1}: cli {cli_times[-1]:.2f} s, python {py_times[-1]:.2f} s "
                  f"(label_many {loop_times[-1]:.2f} s)", flush=True)
        rows = [("cli (process)", statistics.median(cli_times)),
                ("python (process)", statistics.median(py_times)),
                ("label_many (loop)", statistics.median(loop_times))]
        print(f"\n{'median of ' + str(args.rounds):<20} {'seconds':>8} {'MB/s':>7} {'pages/s':>8}")
        for name, s in rows:
            print(f"{name:<20} {s:8.2f} {total / 1e6 / s:7.2f} {n / s:8.1f}")
        c = statistics.median(cli_times)
        print(f"\npython process / cli: {statistics.median(py_times) / c:.3f} "
              f"(throughput {c / statistics.median(py_times) * 100:.1f} % of the CLI's)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
